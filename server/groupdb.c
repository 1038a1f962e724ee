/* groupdb: groups and their members in SQLite, cached in memory.
 *
 * A GroupSend reads its group's members and their devices; both are
 * cached here, keyed by the group's row, so that the hot path runs no
 * query for them: the members until the group changes (every write
 * below drops the copy), the device set and its encoding (grouphash.c)
 * until any account's device list changes (accounts_devices_gen). A
 * rolled back request empties the cache. The cache is this process's
 * alone: on PostgreSQL, where other nodes change groups too, each call
 * hands over to groupdb_pg.c, which reads the tables every time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/accounts.h"
#include "server/db.h"
#include "server/groupdb.h"
#include "server/groupdb_pg.h"
#include "server/grouphash.h"
#include "server/itab.h"
#include "shared/util/xmalloc.h"

struct groupdb_cache {
	struct itab	*bygid;		/* gid -> struct groupdb_group */
	struct itab	*byid;		/* key of id -> gid */
};

void
groupdb_devs_clear(struct groupdb_group *g)
{
	free(g->devs);
	free(g->devaccts);
	free(g->enc);
	free(g->encoff);
	g->devs = NULL;
	g->devaccts = NULL;
	g->enc = NULL;
	g->encoff = NULL;
	g->ndevs = 0;
	g->devready = 0;
}

static void
groupdb_group_free(struct groupdb_group *g)
{
	if (g == NULL)
		return;
	groupdb_devs_clear(g);
	free(g->members);
	free(g);
}

static void *
groupdb_cache_create(void)
{
	struct groupdb_cache	*c = xcalloc(1, sizeof *c);

	c->bygid = itab_create();
	c->byid = itab_create();
	return (c);
}

static void
groupdb_free_value(uint64_t key, uint64_t value, void *arg)
{
	groupdb_group_free((struct groupdb_group *)(uintptr_t)value);
}

static void
groupdb_cache_clear(void *p)
{
	struct groupdb_cache	*c = p;

	itab_foreach(c->bygid, groupdb_free_value, NULL);
	itab_clear(c->bygid);
	itab_clear(c->byid);
}

static void
groupdb_cache_free(void *p)
{
	struct groupdb_cache	*c = p;

	groupdb_cache_clear(c);
	itab_free(c->bygid);
	itab_free(c->byid);
	free(c);
}

static const struct db_ext_ops groupdb_cache_ops = {
	groupdb_cache_create, NULL, groupdb_cache_clear, groupdb_cache_free
};

static struct groupdb_cache *
groupdb_cache(struct db *db)
{
	return (db_ext(db, DB_EXT_GROUPS, &groupdb_cache_ops));
}

/* Drop the cached copy of gid. */
static void
groupdb_changed(struct db *db, int64_t gid)
{
	struct groupdb_cache	*c = groupdb_cache(db);
	struct groupdb_group	*g;
	uint64_t		 v;

	if (!itab_get(c->bygid, (uint64_t)gid, &v))
		return;
	g = (struct groupdb_group *)(uintptr_t)v;
	itab_del(c->byid, itab_key_bytes(g->id, sizeof g->id));
	itab_del(c->bygid, (uint64_t)gid);
	groupdb_group_free(g);
}

/* Read g's members, sorted by name: 0 or -1. */
static int
groupdb_load_members(struct db *db, struct groupdb_group *g)
{
	struct groupdb_member	*m;
	sqlite3_stmt		*st;
	const unsigned char	*name;
	size_t			 cap = 0;
	int			 rc;

	st = db_stmt(db, "SELECT m.account, a.name, m.admin, m.added "
	    "FROM group_members m JOIN accounts a ON a.id = m.account "
	    "WHERE m.gid = ? ORDER BY a.name");
	sqlite3_bind_int64(st, 1, g->gid);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (g->nmembers == cap) {
			cap = cap * 2 + 8;
			g->members = xreallocarray(g->members, cap,
			    sizeof *g->members);
		}
		m = &g->members[g->nmembers++];
		memset(m, 0, sizeof *m);
		m->account = sqlite3_column_int64(st, 0);
		if ((name = sqlite3_column_text(st, 1)) != NULL)
			snprintf(m->name, sizeof m->name, "%s",
			    (const char *)name);
		m->admin = sqlite3_column_int(st, 2);
		m->added = sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);
	return (rc == SQLITE_DONE ? 0 : -1);
}

/* Read group gid from the table and cache it: 0, 1 none, -1 error. */
static int
groupdb_load(struct db *db, int64_t gid, struct groupdb_group **out)
{
	struct groupdb_cache	*c = groupdb_cache(db);
	struct groupdb_group	*g;
	sqlite3_stmt		*st;
	size_t			 len;
	int			 rc;

	st = db_stmt(db, "SELECT id, name, created, epoch FROM groups "
	    "WHERE gid = ?");
	sqlite3_bind_int64(st, 1, gid);
	if ((rc = db_step_row(st)) != 0)
		return (rc);
	g = xcalloc(1, sizeof *g);
	g->gid = gid;
	if (db_column_blob(st, 0, g->id, sizeof g->id, &len) != 0 ||
	    len != sizeof g->id)
		rc = -1;
	snprintf(g->name, sizeof g->name, "%s",
	    (const char *)sqlite3_column_text(st, 1));
	g->created = sqlite3_column_int64(st, 2);
	g->epoch = (uint64_t)sqlite3_column_int64(st, 3);
	sqlite3_reset(st);
	if (rc != 0 || groupdb_load_members(db, g) != 0) {
		groupdb_group_free(g);
		return (-1);
	}
	itab_put(c->bygid, (uint64_t)gid, (uint64_t)(uintptr_t)g);
	itab_put(c->byid, itab_key_bytes(g->id, sizeof g->id),
	    (uint64_t)gid);
	*out = g;
	return (0);
}

int
groupdb_find_gid(struct db *db, int64_t gid, struct groupdb_group **g)
{
	struct groupdb_cache	*c;
	uint64_t		 v;

	if (db_pg(db) != NULL)
		return (groupdb_pg_find_gid(db, gid, g));
	c = groupdb_cache(db);
	if (itab_get(c->bygid, (uint64_t)gid, &v)) {
		*g = (struct groupdb_group *)(uintptr_t)v;
		return (0);
	}
	return (groupdb_load(db, gid, g));
}

int
groupdb_find_id(struct db *db, const uint8_t id[GROUPDB_IDBYTES],
    struct groupdb_group **g)
{
	struct groupdb_cache	*c;
	sqlite3_stmt		*st;
	uint64_t		 v;
	int64_t			 gid;
	int			 rc;

	if (db_pg(db) != NULL)
		return (groupdb_pg_find_id(db, id, g));
	c = groupdb_cache(db);
	if (itab_get(c->byid, itab_key_bytes(id, GROUPDB_IDBYTES), &v) &&
	    groupdb_find_gid(db, (int64_t)v, g) == 0 &&
	    memcmp((*g)->id, id, GROUPDB_IDBYTES) == 0)
		return (0);
	st = db_stmt(db, "SELECT gid FROM groups WHERE id = ?");
	sqlite3_bind_blob(st, 1, id, GROUPDB_IDBYTES, SQLITE_STATIC);
	if ((rc = db_step_int64(st, &gid)) != 0)
		return (rc);
	return (groupdb_find_gid(db, gid, g));
}

int
groupdb_find_name(struct db *db, const char *name, struct groupdb_group **g)
{
	sqlite3_stmt	*st;
	int64_t		 gid;
	int		 rc;

	if (db_pg(db) != NULL)
		return (groupdb_pg_find_name(db, name, g));
	st = db_stmt(db, "SELECT gid FROM groups WHERE name = ?");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if ((rc = db_step_int64(st, &gid)) != 0)
		return (rc);
	return (groupdb_find_gid(db, gid, g));
}

int
groupdb_member(const struct groupdb_group *g, int64_t account)
{
	size_t	i;

	for (i = 0; i < g->nmembers; i++) {
		if (g->members[i].account == account)
			return ((int)i);
	}
	return (-1);
}

/* Sort key of the device set: the refs, with their accounts along. */
struct groupdb_dev {
	struct fanout_ref	ref;
	int64_t			account;
};

int
groupdb_devices(struct db *db, struct groupdb_group *g)
{
	uint32_t	devs[ACCOUNTS_MAXDEVICES];
	size_t		nd, i, j, n = 0;
	uint64_t	gen;

	if (db_pg(db) != NULL)
		return (groupdb_pg_devices(db, g));
	gen = accounts_devices_gen(db);
	if (g->devready && g->devgen == gen)
		return (0);
	groupdb_devs_clear(g);
	g->devs = xcalloc(g->nmembers * ACCOUNTS_MAXDEVICES + 1,
	    sizeof *g->devs);
	g->devaccts = xcalloc(g->nmembers * ACCOUNTS_MAXDEVICES + 1,
	    sizeof *g->devaccts);
	/* Members are sorted by name and each one's devices ascending,
	 * so the set comes out in the hash's order; sorted again all the
	 * same, since the hash is defined by the order, not the query. */
	for (i = 0; i < g->nmembers; i++) {
		if (accounts_devices(db, g->members[i].account, devs,
		    ACCOUNTS_MAXDEVICES, &nd) != 0) {
			groupdb_devs_clear(g);
			return (-1);
		}
		for (j = 0; j < nd; j++) {
			g->devs[n].name = g->members[i].name;
			g->devs[n].device = devs[j];
			g->devaccts[n++] = g->members[i].account;
		}
	}
	g->ndevs = n;
	grouphash_encode(g->devs, n, &g->enc, &g->encoff);
	g->devgen = gen;
	g->devready = 1;
	return (0);
}

void
groupdb_hash(const struct groupdb_group *g, int64_t account, uint32_t device,
    uint8_t out[GROUPDB_HASHBYTES])
{
	size_t	i, skip = g->ndevs;

	for (i = 0; i < g->ndevs; i++) {
		if (g->devaccts[i] == account && g->devs[i].device == device) {
			skip = i;
			break;
		}
	}
	grouphash_digest(g->enc, g->encoff, g->ndevs, skip, out);
}

int
groupdb_of_account(struct db *db, int64_t account, int64_t *gids, size_t max,
    size_t *n)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (db_pg(db) != NULL)
		return (groupdb_pg_of_account(db, account, gids, max, n));
	*n = 0;
	st = db_stmt(db, "SELECT m.gid FROM group_members m JOIN groups g "
	    "ON g.gid = m.gid WHERE m.account = ? ORDER BY g.name");
	sqlite3_bind_int64(st, 1, account);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max)
		gids[(*n)++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return (rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1);
}

int
groupdb_count(struct db *db, uint64_t *n)
{
	sqlite3_stmt	*st;
	int64_t		 v = 0;

	if (db_pg(db) != NULL)
		return (groupdb_pg_count(db, n));
	*n = 0;
	st = db_stmt(db, "SELECT count(*) FROM groups");
	if (db_step_int64(st, &v) != 0)
		return (-1);
	*n = (uint64_t)v;
	return (0);
}

int
groupdb_create(struct db *db, const char *name,
    const uint8_t id[GROUPDB_IDBYTES], int64_t now, int64_t *gid)
{
	sqlite3_stmt	*st;

	if (db_pg(db) != NULL)
		return (groupdb_pg_create(db, name, id, now, gid));
	if (db_begin(db) != 0)
		return (-1);
	st = db_stmt(db, "INSERT INTO groups (id, name, created, epoch) "
	    "VALUES (?, ?, ?, 1) ON CONFLICT DO NOTHING");
	sqlite3_bind_blob(st, 1, id, GROUPDB_IDBYTES, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	if (db_step_done(st) != 0)
		return (-1);
	if (db_changes(db) == 0)
		return (1);
	*gid = sqlite3_last_insert_rowid(sqlite3_db_handle(st));
	return (0);
}

/* Run write sql with gid bound to its parameter 1 and account to its
 * parameter 2 if it has one: 0 or -1. */
static int
groupdb_write(struct db *db, const char *sql, int64_t gid, int64_t account)
{
	sqlite3_stmt	*st;

	if (db_begin(db) != 0)
		return (-1);
	groupdb_changed(db, gid);
	st = db_stmt(db, sql);
	sqlite3_bind_int64(st, 1, gid);
	if (sqlite3_bind_parameter_count(st) > 1)
		sqlite3_bind_int64(st, 2, account);
	return (db_step_done(st));
}

int
groupdb_add(struct db *db, int64_t gid, int64_t account, int admin,
    int64_t now)
{
	sqlite3_stmt	*st;

	if (db_pg(db) != NULL)
		return (groupdb_pg_add(db, gid, account, admin, now));
	if (db_begin(db) != 0)
		return (-1);
	groupdb_changed(db, gid);
	st = db_stmt(db, "INSERT OR IGNORE INTO group_members (gid, account, "
	    "admin, added) VALUES (?, ?, ?, ?)");
	sqlite3_bind_int64(st, 1, gid);
	sqlite3_bind_int64(st, 2, account);
	sqlite3_bind_int(st, 3, admin != 0);
	sqlite3_bind_int64(st, 4, now);
	return (db_step_done(st));
}

int
groupdb_remove(struct db *db, int64_t gid, int64_t account)
{
	if (db_pg(db) != NULL)
		return (groupdb_pg_remove(db, gid, account));
	return (groupdb_write(db, "DELETE FROM group_members WHERE gid = ? "
	    "AND account = ?", gid, account));
}

int
groupdb_set_admin(struct db *db, int64_t gid, int64_t account)
{
	if (db_pg(db) != NULL)
		return (groupdb_pg_set_admin(db, gid, account));
	return (groupdb_write(db, "UPDATE group_members SET admin = 1 "
	    "WHERE gid = ? AND account = ?", gid, account));
}

int
groupdb_bump(struct db *db, int64_t gid)
{
	if (db_pg(db) != NULL)
		return (groupdb_pg_bump(db, gid));
	return (groupdb_write(db, "UPDATE groups SET epoch = epoch + 1 "
	    "WHERE gid = ?", gid, 0));
}

int
groupdb_rename(struct db *db, int64_t gid, const char *name)
{
	sqlite3_stmt	*st;

	if (db_pg(db) != NULL)
		return (groupdb_pg_rename(db, gid, name));
	if (db_begin(db) != 0)
		return (-1);
	groupdb_changed(db, gid);
	st = db_stmt(db, "UPDATE OR IGNORE groups SET name = ? WHERE gid = ?");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, gid);
	if (db_step_done(st) != 0)
		return (-1);
	return (db_changes(db) == 0 ? 1 : 0);
}

int
groupdb_delete(struct db *db, int64_t gid)
{
	if (db_pg(db) != NULL)
		return (groupdb_pg_delete(db, gid));
	if (groupdb_write(db, "DELETE FROM group_members WHERE gid = ?", gid,
	    0) != 0)
		return (-1);
	return (groupdb_write(db, "DELETE FROM groups WHERE gid = ?", gid, 0));
}
