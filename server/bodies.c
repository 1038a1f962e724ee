/* bodies: group bodies, stored once and freed with their last reference.
 *
 * A group message is one row of group_bodies however many devices it
 * goes to; each device's queue holds a reference (group_refs, queue.c).
 * How many references a body has is kept in memory, counted from them on
 * first use (as queue.c counts depths), and adjusted by every push, ack,
 * forget and purge, so that freeing a body costs no query. Changes made
 * inside a request's savepoint are journaled so that a rollback undoes
 * them; a purge's, outside any, are not. On PostgreSQL, where several
 * nodes share the references, the count is a column instead
 * (bodies_pg.c): each call below hands over to it first. */
#include <stdlib.h>

#include "server/bodies.h"
#include "server/bodies_pg.h"
#include "server/db.h"
#include "server/itab.h"
#include "shared/util/xmalloc.h"

struct bodies_undo {
	int64_t		body;
	int64_t		delta;
};

struct bodies_counts {
	struct itab		*refs;		/* body -> references */
	int			 loaded;
	struct bodies_undo	*undo;
	size_t			 nundo, capundo;
};

static void *
bodies_create(void)
{
	struct bodies_counts	*c = xcalloc(1, sizeof *c);

	c->refs = itab_create();
	return (c);
}

/* Add delta to body's count; a count of 0 leaves the table. */
static void
bodies_change(struct bodies_counts *c, int64_t body, int64_t delta)
{
	uint64_t	n = 0;

	(void)itab_get(c->refs, (uint64_t)body, &n);
	if (delta < 0 && n < (uint64_t)-delta)
		delta = -(int64_t)n;
	n += (uint64_t)delta;
	if (n == 0)
		itab_del(c->refs, (uint64_t)body);
	else
		itab_put(c->refs, (uint64_t)body, n);
}

/* bodies_change, journaled inside a savepoint. */
static void
bodies_journal(struct db *db, struct bodies_counts *c, int64_t body,
    int64_t delta)
{
	uint64_t	n = 0;

	if (delta < 0 && itab_get(c->refs, (uint64_t)body, &n) &&
	    n < (uint64_t)-delta)
		delta = -(int64_t)n;
	bodies_change(c, body, delta);
	if (!db_in_savepoint(db))
		return;
	if (c->nundo == c->capundo) {
		c->capundo = c->capundo * 2 + 16;
		c->undo = xreallocarray(c->undo, c->capundo, sizeof *c->undo);
	}
	c->undo[c->nundo].body = body;
	c->undo[c->nundo++].delta = delta;
}

static void
bodies_release(void *p)
{
	struct bodies_counts	*c = p;

	c->nundo = 0;
}

static void
bodies_rollback(void *p)
{
	struct bodies_counts	*c = p;
	struct bodies_undo	*u;

	while (c->nundo > 0) {
		u = &c->undo[--c->nundo];
		bodies_change(c, u->body, -u->delta);
	}
}

static void
bodies_free(void *p)
{
	struct bodies_counts	*c = p;

	itab_free(c->refs);
	free(c->undo);
	free(c);
}

static const struct db_ext_ops bodies_ops = {
	bodies_create, bodies_release, bodies_rollback, bodies_free
};

/* The counts, read from group_refs if needed; NULL on a db error. */
static struct bodies_counts *
bodies_counts(struct db *db)
{
	struct bodies_counts	*c = db_ext(db, DB_EXT_BODIES, &bodies_ops);
	sqlite3_stmt		*st;
	int			 rc;

	if (c->loaded)
		return (c);
	itab_clear(c->refs);
	c->nundo = 0;
	st = db_stmt(db, "SELECT body, count(*) FROM group_refs "
	    "GROUP BY body");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		itab_put(c->refs, (uint64_t)sqlite3_column_int64(st, 0),
		    (uint64_t)sqlite3_column_int64(st, 1));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (NULL);
	c->loaded = 1;
	return (c);
}

int
bodies_ready(struct db *db)
{
	if (db_pg(db) != NULL)
		return (0);	/* nothing to load: the counts are rows */
	return (bodies_counts(db) != NULL ? 0 : -1);
}

int
bodies_put(struct db *db, const struct bodies_row *r, uint64_t refs,
    int64_t *body)
{
	struct bodies_counts	*c;
	sqlite3_stmt		*st;

	if (db_pg(db) != NULL)
		return (bodies_pg_put(db, r, refs, body));
	if (db_begin(db) != 0 || (c = bodies_counts(db)) == NULL)
		return (-1);
	st = db_stmt(db, "INSERT INTO group_bodies (group_id, from_account, "
	    "from_name, from_device, message_id, type, content, server_ts, "
	    "expires) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
	sqlite3_bind_blob(st, 1, r->group_id, BODIES_IDBYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, r->from_account);
	sqlite3_bind_text(st, 3, r->from_name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, r->from_device);
	sqlite3_bind_blob(st, 5, r->message_id, BODIES_IDBYTES,
	    SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, r->type);
	sqlite3_bind_blob(st, 7, r->content_len ? (const void *)r->content :
	    "", (int)r->content_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, r->server_ts);
	sqlite3_bind_int64(st, 9, r->expires);
	if (db_step_done(st) != 0)
		return (-1);
	*body = sqlite3_last_insert_rowid(sqlite3_db_handle(st));
	bodies_journal(db, c, *body, (int64_t)refs);
	return (0);
}

int
bodies_unref(struct db *db, int64_t body, uint64_t n)
{
	struct bodies_counts	*c;
	sqlite3_stmt		*st;
	uint64_t		 left = 0;

	if (db_pg(db) != NULL)
		return (bodies_pg_unref(db, body, n));
	if ((c = bodies_counts(db)) == NULL)
		return (-1);
	(void)itab_get(c->refs, (uint64_t)body, &left);
	bodies_journal(db, c, body, -(int64_t)n);
	if (left > n)
		return (0);
	if (db_begin(db) != 0)
		return (-1);
	st = db_stmt(db, "DELETE FROM group_bodies WHERE body = ?");
	sqlite3_bind_int64(st, 1, body);
	return (db_step_done(st));
}

int
bodies_purge(struct db *db, int64_t now)
{
	struct bodies_counts	*c;
	sqlite3_stmt		*st;
	int			 rc;

	if (db_pg(db) != NULL)
		return (bodies_pg_purge(db, now));
	if (db_begin(db) != 0 || (c = bodies_counts(db)) == NULL)
		return (-1);
	st = db_stmt(db, "SELECT body FROM group_bodies WHERE expires <= ?");
	sqlite3_bind_int64(st, 1, now);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		itab_del(c->refs, (uint64_t)sqlite3_column_int64(st, 0));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (-1);
	st = db_stmt(db, "DELETE FROM group_bodies WHERE expires <= ?");
	sqlite3_bind_int64(st, 1, now);
	return (db_step_done(st));
}

int
bodies_total(struct db *db, uint64_t *n)
{
	struct bodies_counts	*c;

	if (db_pg(db) != NULL)
		return (bodies_pg_total(db, n));
	c = bodies_counts(db);
	*n = c != NULL ? itab_count(c->refs) : 0;
	return (c != NULL ? 0 : -1);
}
