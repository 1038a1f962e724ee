/* pgcount: the PostgreSQL store's shared counters, changed in key order at commit.
 *
 * The rules are in pgcount.h. A turn's changes are a list per kind; the
 * flush sorts each list, sums the changes of one row, and passes the
 * rows to one statement as three (or two) arrays. The statement takes
 * the row locks in the arrays' order: an INSERT ... SELECT ... ORDER BY
 * inserts (and, on conflict, locks and updates) row after row in that
 * order, and a SELECT ... ORDER BY ... FOR UPDATE locks after sorting. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/db.h"
#include "server/itab.h"
#include "server/pg.h"
#include "server/pgcount.h"
#include "shared/util/log.h"
#include "shared/util/xmalloc.h"

struct pgcount_change {
	int64_t		key[2];		/* (account, device), or (body, 0) */
	int64_t		delta;
};

struct pgcount_list {
	struct pgcount_change	*v;
	size_t			 n, cap;
	size_t			 mark;	/* n when the savepoint began */
	int			 marked;
};

struct pgcount {
	struct pgcount_list	 depths, bodies;
	struct itab		*pending;	/* itab_key_pair -> depth sum */
	int64_t			 pending_total;
};

static void *
pgcount_create(void)
{
	struct pgcount	*c = xcalloc(1, sizeof *c);

	c->pending = itab_create();
	return (c);
}

/* Add delta to (account, device)'s sum of the turn. */
static void
pgcount_pending_add(struct pgcount *c, int64_t account, int64_t device,
    int64_t delta)
{
	uint64_t	key = itab_key_pair(account, (uint32_t)device), v = 0;

	(void)itab_get(c->pending, key, &v);
	itab_put(c->pending, key, v + (uint64_t)delta);
	c->pending_total += delta;
}

static void
pgcount_release(void *p)
{
	struct pgcount	*c = p;

	c->depths.marked = c->bodies.marked = 0;
}

static void
pgcount_rollback_list(struct pgcount_list *l)
{
	if (l->marked)
		l->n = l->mark;
	l->marked = 0;
}

static void
pgcount_rollback(void *p)
{
	struct pgcount		*c = p;
	struct pgcount_list	*l = &c->depths;
	size_t			 i;

	for (i = l->marked ? l->mark : l->n; i < l->n; i++)
		pgcount_pending_add(c, l->v[i].key[0], l->v[i].key[1],
		    -l->v[i].delta);
	pgcount_rollback_list(&c->depths);
	pgcount_rollback_list(&c->bodies);
}

static void
pgcount_free(void *p)
{
	struct pgcount	*c = p;

	free(c->depths.v);
	free(c->bodies.v);
	itab_free(c->pending);
	free(c);
}

static const struct db_ext_ops pgcount_ops = {
	pgcount_create, pgcount_release, pgcount_rollback, pgcount_free
};

static void
pgcount_note(struct db *db, struct pgcount_list *l, int64_t k0, int64_t k1,
    int64_t delta)
{
	/* PostgreSQL's transaction opens with its first statement, but
	 * db's must be open for db_commit to flush. */
	(void)db_begin(db);
	/* The first change inside a savepoint marks where it began. */
	if (db_in_savepoint(db) && !l->marked) {
		l->mark = l->n;
		l->marked = 1;
	}
	if (l->n == l->cap) {
		l->cap = l->cap * 2 + 64;
		l->v = xreallocarray(l->v, l->cap, sizeof *l->v);
	}
	l->v[l->n].key[0] = k0;
	l->v[l->n].key[1] = k1;
	l->v[l->n++].delta = delta;
}

void
pgcount_depth(struct db *db, int64_t account, uint32_t device, int64_t delta)
{
	struct pgcount	*c = db_ext(db, DB_EXT_PGCOUNT, &pgcount_ops);

	pgcount_note(db, &c->depths, account, device, delta);
	pgcount_pending_add(c, account, device, delta);
}

int64_t
pgcount_depth_pending(struct db *db, int64_t account, uint32_t device)
{
	struct pgcount	*c = db_ext(db, DB_EXT_PGCOUNT, &pgcount_ops);
	uint64_t	 v = 0;

	(void)itab_get(c->pending, itab_key_pair(account, device), &v);
	return ((int64_t)v);
}

int64_t
pgcount_depths_pending(struct db *db)
{
	struct pgcount	*c = db_ext(db, DB_EXT_PGCOUNT, &pgcount_ops);

	return (c->pending_total);
}

void
pgcount_body(struct db *db, int64_t body, int64_t delta)
{
	struct pgcount	*c = db_ext(db, DB_EXT_PGCOUNT, &pgcount_ops);

	pgcount_note(db, &c->bodies, body, 0, delta);
}

static int
pgcount_order(const void *a, const void *b)
{
	const struct pgcount_change	*x = a, *y = b;
	int				 i;

	for (i = 0; i < 2; i++) {
		if (x->key[i] != y->key[i])
			return (x->key[i] < y->key[i] ? -1 : 1);
	}
	return (0);
}

/* Sort l and sum the changes of each row into one, dropping sums of
 * 0: the rows left. */
static size_t
pgcount_sum(struct pgcount_list *l)
{
	size_t	i, n = 0, kept = 0;

	if (l->n == 0)
		return (0);
	qsort(l->v, l->n, sizeof *l->v, pgcount_order);
	for (i = 0; i < l->n; i++) {
		if (n > 0 && pgcount_order(&l->v[n - 1], &l->v[i]) == 0)
			l->v[n - 1].delta += l->v[i].delta;
		else
			l->v[n++] = l->v[i];
	}
	for (i = 0; i < n; i++) {
		if (l->v[i].delta != 0)
			l->v[kept++] = l->v[i];
	}
	return (kept);
}

/* A PostgreSQL array literal of field f (0, 1: the key; 2: the delta)
 * of the first n changes: "{1,2,3}" (caller frees). */
static char *
pgcount_array(const struct pgcount_change *v, size_t n, int f)
{
	char	*s = xmalloc(2 + n * 21);
	size_t	 i, len = 0;

	s[len++] = '{';
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(s + len, "%s%" PRId64, i > 0 ? "," : "",
		    f < 2 ? v[i].key[f] : v[i].delta);
	s[len++] = '}';
	s[len] = '\0';
	return (s);
}

static void
pgcount_result(void *arg, PGresult *res)
{
	if (res != NULL && !pg_ok(res) &&
	    PQresultStatus(res) != PGRES_PIPELINE_ABORTED)
		log_warn("postgresql: %s: %s", (const char *)arg,
		    PQresultErrorMessage(res));
	PQclear(res);
}

/* A negative sum on a device with no row yet (never: a row is only
 * taken after the push that counted it committed) is stored as it
 * is, and read as 0 (queue_pg.c). */
static const char pgcount_sql_depths[] =
    "INSERT INTO queue_depths AS t (account, device, n) "
    "SELECT a, d, k FROM unnest($1::bigint[], $2::integer[], $3::bigint[]) "
    "AS c(a, d, k) ORDER BY a, d "
    "ON CONFLICT (account, device) DO UPDATE SET n = t.n + excluded.n";

/* The locked rows' counts are the latest (a row another node changed
 * meanwhile is read again when locked), and a body left with none is
 * deleted rather than updated: one statement never changes a row
 * twice. */
static const char pgcount_sql_bodies[] =
    "WITH c AS (SELECT b, k FROM unnest($1::bigint[], $2::bigint[]) "
    "AS c(b, k)), "
    "l AS (SELECT g.body, g.refs + c.k AS rest FROM group_bodies g "
    "JOIN c ON g.body = c.b ORDER BY g.body FOR UPDATE OF g), "
    "x AS (DELETE FROM group_bodies WHERE body IN "
    "(SELECT body FROM l WHERE rest <= 0)) "
    "UPDATE group_bodies g SET refs = l.rest FROM l "
    "WHERE g.body = l.body AND l.rest > 0";

/* Queue sql with the rows of l as nparams arrays, and empty l: 0 or -1. */
static int
pgcount_send(struct db *db, struct pgcount_list *l, const char *sql,
    int nparams, const char *what)
{
	const char	*values[3];
	char		*arrays[3];
	size_t		 n = pgcount_sum(l);
	int		 i, rc = 0;

	l->n = 0;
	l->marked = 0;
	if (n == 0)
		return (0);
	for (i = 0; i < nparams; i++) {
		/* Bodies: the key, then the delta. */
		arrays[i] = pgcount_array(l->v, n, nparams == 2 && i == 1 ?
		    2 : i);
		values[i] = arrays[i];
	}
	rc = pg_exec(db_pg(db), sql, nparams, values, NULL, NULL, 0,
	    pgcount_result, (void *)what);
	for (i = 0; i < nparams; i++)
		free(arrays[i]);
	return (rc);
}

int
pgcount_flush(struct db *db)
{
	struct pgcount	*c = db_ext(db, DB_EXT_PGCOUNT, &pgcount_ops);
	int		 rc = 0;

	itab_clear(c->pending);
	c->pending_total = 0;
	/* Depths before bodies, as every node does. */
	if (pgcount_send(db, &c->depths, pgcount_sql_depths, 3,
	    "queue depths") != 0)
		rc = -1;
	if (pgcount_send(db, &c->bodies, pgcount_sql_bodies, 2,
	    "group body references") != 0)
		rc = -1;
	return (rc);
}
