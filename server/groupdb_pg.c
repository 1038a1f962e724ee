/* groupdb_pg: groups on the PostgreSQL store, read afresh by each request.
 *
 * With SQLite, groupdb.c caches a group's members and device set until
 * this natterd changes them. With several nodes on one database another
 * node may change them at any time, and a membership remembered past
 * its removal would fan a group's messages out to someone no longer in
 * it. So nothing outlives the request: every find reads the group and
 * its members in one statement, every groupdb_devices reads the devices
 * of exactly those members, and the copy a find returns belongs to the
 * running fiber (freed when it ends), so that no other request's write,
 * on this node or another, frees it from under its reader.
 *
 * Group names are unique, and a statement that breaks a unique index
 * fails the whole turn (every request in its transaction), so create
 * and rename never count on the index to refuse a taken name: both take
 * a transaction-scoped advisory lock on the name first, under which
 * rename's check cannot be raced, and create inserts with ON CONFLICT
 * DO NOTHING. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/accounts.h"
#include "server/db.h"
#include "server/dbpg.h"
#include "server/fiber.h"
#include "server/groupdb_pg.h"
#include "server/grouphash.h"
#include "shared/util/log.h"
#include "shared/util/xmalloc.h"

/*
 * A group and its members in one statement, one row per member (a group
 * without members gives one row of NULLs). Names sort bytewise (COLLATE
 * "C"), as SQLite's do whatever the database's locale: the order is on
 * the wire (GroupInfo) and is the device set's.
 */
#define GROUPDB_PG_SELECT \
	"SELECT g.gid, g.id, g.name, g.created, g.epoch, m.account, a.name, " \
	"m.admin, m.added FROM groups g LEFT JOIN (group_members m JOIN " \
	"accounts a ON a.id = m.account) ON m.gid = g.gid "
#define GROUPDB_PG_ORDER	" ORDER BY a.name COLLATE \"C\""

static const char groupdb_pg_by_gid[] =
    GROUPDB_PG_SELECT "WHERE g.gid = $1" GROUPDB_PG_ORDER;
static const char groupdb_pg_by_id[] =
    GROUPDB_PG_SELECT "WHERE g.id = $1" GROUPDB_PG_ORDER;
static const char groupdb_pg_by_name[] =
    GROUPDB_PG_SELECT "WHERE g.name = $1" GROUPDB_PG_ORDER;

/* Serializes create and rename of one name across nodes until the turn
 * commits. The two-key form keeps clear of pg.c's migration lock. */
static const char groupdb_pg_lock_name[] =
    "SELECT pg_advisory_xact_lock(1735552370, hashtext($1))";

/* 1 on a fiber; else logs who called (a caller to move onto one). */
static int
groupdb_pg_on_fiber(const char *what)
{
	if (fiber_self() != NULL)
		return (1);
	log_warn("groupdb: %s off a fiber on the PostgreSQL store", what);
	return (0);
}

/* fiber_defer's callback: the request that found g has ended. */
static void
groupdb_pg_group_free(void *p)
{
	struct groupdb_group	*g = p;

	groupdb_devs_clear(g);
	free(g->members);
	free(g);
}

/* Copy a text column into out (size bytes, NUL-terminated). */
static void
groupdb_pg_text(const PGresult *res, int row, int col, char *out,
    size_t size)
{
	const uint8_t	*b;
	size_t		 len;

	b = dbpg_blob(res, row, col, &len);
	if (len >= size)
		len = size - 1;
	if (len > 0)
		memcpy(out, b, len);
	out[len] = '\0';
}

/* The group in res's first row, its members in every row's. */
static struct groupdb_group *
groupdb_pg_group(const PGresult *res)
{
	struct groupdb_group	*g = xcalloc(1, sizeof *g);
	struct groupdb_member	*m;
	size_t			 len;
	int			 i, n = PQntuples(res);

	g->gid = dbpg_int64(res, 0, 0);
	if (dbpg_blob_copy(res, 0, 1, g->id, sizeof g->id, &len) != 0 ||
	    len != sizeof g->id) {
		groupdb_pg_group_free(g);
		return (NULL);
	}
	groupdb_pg_text(res, 0, 2, g->name, sizeof g->name);
	g->created = dbpg_int64(res, 0, 3);
	g->epoch = (uint64_t)dbpg_int64(res, 0, 4);
	g->members = xcalloc((size_t)n, sizeof *g->members);
	for (i = 0; i < n; i++) {
		if (PQgetisnull(res, i, 5))
			continue;	/* the no-members row */
		m = &g->members[g->nmembers++];
		m->account = dbpg_int64(res, i, 5);
		groupdb_pg_text(res, i, 6, m->name, sizeof m->name);
		m->admin = (int)dbpg_int64(res, i, 7);
		m->added = dbpg_int64(res, i, 8);
	}
	return (g);
}

/* Read a group with sql (one of groupdb_pg_by_*) and p, handing it to
 * the running fiber: 0, 1 none, -1 error. */
static int
groupdb_pg_load(struct db *db, const char *sql, const struct dbpg_params *p,
    struct groupdb_group **out)
{
	struct groupdb_group	*g;
	PGresult		*res;

	if ((res = dbpg_run(db, sql, p)) == NULL)
		return (-1);
	if (PQntuples(res) == 0) {
		PQclear(res);
		return (1);
	}
	g = groupdb_pg_group(res);
	PQclear(res);
	if (g == NULL)
		return (-1);
	if (fiber_defer(groupdb_pg_group_free, g) != 0)
		fatal("groupdb: a group read off a fiber");
	*out = g;
	return (0);
}

int
groupdb_pg_find_gid(struct db *db, int64_t gid, struct groupdb_group **g)
{
	struct dbpg_params	p;

	dbpg_params_init(&p);
	dbpg_param_int64(&p, gid);
	return (groupdb_pg_load(db, groupdb_pg_by_gid, &p, g));
}

int
groupdb_pg_find_id(struct db *db, const uint8_t id[GROUPDB_IDBYTES],
    struct groupdb_group **g)
{
	struct dbpg_params	p;

	dbpg_params_init(&p);
	dbpg_param_blob(&p, id, GROUPDB_IDBYTES);
	return (groupdb_pg_load(db, groupdb_pg_by_id, &p, g));
}

int
groupdb_pg_find_name(struct db *db, const char *name,
    struct groupdb_group **g)
{
	struct dbpg_params	p;

	dbpg_params_init(&p);
	dbpg_param_text(&p, name);
	return (groupdb_pg_load(db, groupdb_pg_by_name, &p, g));
}

/* g's member accounts as an array literal, "{1,2,3}" (caller frees). */
static char *
groupdb_pg_accounts(const struct groupdb_group *g)
{
	size_t	i, size = g->nmembers * 21 + 3, off = 0;
	char	*s = xmalloc(size);

	s[off++] = '{';
	for (i = 0; i < g->nmembers; i++)
		off += (size_t)snprintf(s + off, size - off, "%s%lld",
		    i > 0 ? "," : "", (long long)g->members[i].account);
	snprintf(s + off, size - off, "}");
	return (s);
}

/*
 * The devices of g's members as g holds them (not whoever is a member by
 * now: the set must be the one the membership check passed), in member
 * order then device order: members are sorted by name, so that is the
 * hash's order, as groupdb.c builds it. At most ACCOUNTS_MAXDEVICES a
 * member, as accounts_devices gives.
 */
int
groupdb_pg_devices(struct db *db, struct groupdb_group *g)
{
	struct dbpg_params	 p;
	PGresult		*res;
	char			*accts = groupdb_pg_accounts(g);
	size_t			*count, n = 0, i;
	int			 row, rows;

	dbpg_params_init(&p);
	dbpg_param_text(&p, accts);
	res = dbpg_run(db, "SELECT m.i, d.device FROM unnest($1::bigint[]) "
	    "WITH ORDINALITY AS m (account, i) JOIN devices d ON "
	    "d.account = m.account ORDER BY m.i, d.device", &p);
	free(accts);
	if (res == NULL)
		return (-1);
	groupdb_devs_clear(g);
	rows = PQntuples(res);
	count = xcalloc(g->nmembers + 1, sizeof *count);
	g->devs = xcalloc((size_t)rows + 1, sizeof *g->devs);
	g->devaccts = xcalloc((size_t)rows + 1, sizeof *g->devaccts);
	for (row = 0; row < rows; row++) {
		i = (size_t)dbpg_int64(res, row, 0) - 1;
		if (i >= g->nmembers || count[i]++ >= ACCOUNTS_MAXDEVICES)
			continue;
		g->devs[n].name = g->members[i].name;
		g->devs[n].device = (uint32_t)dbpg_int64(res, row, 1);
		g->devaccts[n++] = g->members[i].account;
	}
	PQclear(res);
	free(count);
	g->ndevs = n;
	grouphash_encode(g->devs, n, &g->enc, &g->encoff);
	g->devready = 1;
	return (0);
}

int
groupdb_pg_of_account(struct db *db, int64_t account, int64_t *gids,
    size_t max, size_t *n)
{
	struct dbpg_params	 p;
	PGresult		*res;
	int			 row;

	*n = 0;
	dbpg_params_init(&p);
	dbpg_param_int64(&p, account);
	dbpg_param_int64(&p, (int64_t)max);
	res = dbpg_run(db, "SELECT m.gid FROM group_members m JOIN groups g "
	    "ON g.gid = m.gid WHERE m.account = $1 ORDER BY g.name "
	    "COLLATE \"C\" LIMIT $2", &p);
	if (res == NULL)
		return (-1);
	for (row = 0; row < PQntuples(res) && *n < max; row++)
		gids[(*n)++] = dbpg_int64(res, row, 0);
	PQclear(res);
	return (0);
}

int
groupdb_pg_count(struct db *db, uint64_t *n)
{
	struct dbpg_params	p;
	int64_t			v = 0;

	*n = 0;
	if (!groupdb_pg_on_fiber("groupdb_count"))
		return (-1);
	dbpg_params_init(&p);
	if (dbpg_int64_of(db, "SELECT count(*) FROM groups", &p, &v) != 0)
		return (-1);
	*n = (uint64_t)v;
	return (0);
}

/* Take the name's lock for the rest of the turn: 0 or -1. */
static int
groupdb_pg_lock(struct db *db, const char *name)
{
	struct dbpg_params	p;

	dbpg_params_init(&p);
	dbpg_param_text(&p, name);
	return (dbpg_exec(db, groupdb_pg_lock_name, &p, NULL));
}

int
groupdb_pg_create(struct db *db, const char *name,
    const uint8_t id[GROUPDB_IDBYTES], int64_t now, int64_t *gid)
{
	struct dbpg_params	p;

	if (groupdb_pg_lock(db, name) != 0)
		return (-1);
	dbpg_params_init(&p);
	dbpg_param_blob(&p, id, GROUPDB_IDBYTES);
	dbpg_param_text(&p, name);
	dbpg_param_int64(&p, now);
	/* No row back: the name (or, by a 2^-128 chance, the id) is
	 * taken. */
	return (dbpg_int64_of(db, "INSERT INTO groups (id, name, created, "
	    "epoch) VALUES ($1, $2, $3, 1) ON CONFLICT DO NOTHING "
	    "RETURNING gid", &p, gid));
}

/* Run write sql with gid as $1 and, if has_account, account as $2. */
static int
groupdb_pg_write(struct db *db, const char *sql, int64_t gid,
    int has_account, int64_t account)
{
	struct dbpg_params	p;

	dbpg_params_init(&p);
	dbpg_param_int64(&p, gid);
	if (has_account)
		dbpg_param_int64(&p, account);
	return (dbpg_exec(db, sql, &p, NULL));
}

int
groupdb_pg_add(struct db *db, int64_t gid, int64_t account, int admin,
    int64_t now)
{
	struct dbpg_params	p;

	dbpg_params_init(&p);
	dbpg_param_int64(&p, gid);
	dbpg_param_int64(&p, account);
	dbpg_param_int64(&p, admin != 0);
	dbpg_param_int64(&p, now);
	return (dbpg_exec(db, "INSERT INTO group_members (gid, account, admin, "
	    "added) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING", &p, NULL));
}

int
groupdb_pg_remove(struct db *db, int64_t gid, int64_t account)
{
	return (groupdb_pg_write(db, "DELETE FROM group_members WHERE "
	    "gid = $1 AND account = $2", gid, 1, account));
}

int
groupdb_pg_set_admin(struct db *db, int64_t gid, int64_t account)
{
	return (groupdb_pg_write(db, "UPDATE group_members SET admin = 1 "
	    "WHERE gid = $1 AND account = $2", gid, 1, account));
}

int
groupdb_pg_bump(struct db *db, int64_t gid)
{
	return (groupdb_pg_write(db, "UPDATE groups SET epoch = epoch + 1 "
	    "WHERE gid = $1", gid, 0, 0));
}

/* Under the name's lock, the check sees every committed holder of the
 * name and none can commit meanwhile: the update never breaks the
 * unique index. */
int
groupdb_pg_rename(struct db *db, int64_t gid, const char *name)
{
	struct dbpg_params	p;
	uint64_t		changed = 0;

	if (groupdb_pg_lock(db, name) != 0)
		return (-1);
	dbpg_params_init(&p);
	dbpg_param_text(&p, name);
	dbpg_param_int64(&p, gid);
	if (dbpg_exec(db, "UPDATE groups SET name = $1 WHERE gid = $2 AND "
	    "NOT EXISTS (SELECT 1 FROM groups WHERE name = $1 AND gid <> $2)",
	    &p, &changed) != 0)
		return (-1);
	return (changed == 0 ? 1 : 0);
}

int
groupdb_pg_delete(struct db *db, int64_t gid)
{
	return (groupdb_pg_write(db, "WITH m AS (DELETE FROM group_members "
	    "WHERE gid = $1) DELETE FROM groups WHERE gid = $1", gid, 0, 0));
}
