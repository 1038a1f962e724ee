/* bodies_pg: group bodies on the PostgreSQL store, counted in their row.
 *
 * With SQLite one natterd holds every reference to a body, and counts
 * them in memory (bodies.c). With PostgreSQL a body's references may be
 * pushed on one node and acked on others, so the count is the row's
 * refs column, moved by the turn's unrefs when it commits (pgcount.h):
 * the row lock makes concurrent unrefs from several nodes queue up, and
 * a rolled back request or turn takes its changes to the count with it.
 * Nothing is kept in memory, so there is nothing to load (bodies_ready
 * has no work) and nothing to journal. */
#include <stdlib.h>

#include "server/bodies_pg.h"
#include "server/db.h"
#include "server/dbpg.h"
#include "server/pgcount.h"

int
bodies_pg_put(struct db *db, const struct bodies_row *r, uint64_t refs,
    int64_t *body)
{
	struct dbpg_params	p;

	dbpg_params_init(&p);
	dbpg_param_blob(&p, r->group_id, BODIES_IDBYTES);
	dbpg_param_int64(&p, r->from_account);
	dbpg_param_text(&p, r->from_name);
	dbpg_param_int64(&p, r->from_device);
	dbpg_param_blob(&p, r->message_id, BODIES_IDBYTES);
	dbpg_param_int64(&p, r->type);
	dbpg_param_blob(&p, r->content, r->content_len);
	dbpg_param_int64(&p, r->server_ts);
	dbpg_param_int64(&p, r->expires);
	dbpg_param_int64(&p, (int64_t)refs);
	/* 1, not 0: RETURNING always gives the row. */
	return (dbpg_int64_of(db, "INSERT INTO group_bodies (group_id, "
	    "from_account, from_name, from_device, message_id, type, content, "
	    "server_ts, expires, refs) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
	    "$9, $10) RETURNING body", &p, body) == 0 ? 0 : -1);
}

/* The count changes when the turn commits (pgcount.h), and a body left
 * with no reference is deleted then. */
int
bodies_pg_unref(struct db *db, int64_t body, uint64_t n)
{
	pgcount_body(db, body, -(int64_t)n);
	return (0);
}

int
bodies_pg_purge(struct db *db, int64_t now)
{
	struct dbpg_params	p;

	dbpg_params_init(&p);
	dbpg_param_int64(&p, now);
	return (dbpg_exec(db, "DELETE FROM group_bodies WHERE expires <= $1",
	    &p, NULL));
}

int
bodies_pg_total(struct db *db, uint64_t *n)
{
	struct dbpg_params	p;
	int64_t			v = 0;

	*n = 0;
	dbpg_params_init(&p);
	if (dbpg_int64_of(db, "SELECT count(*) FROM group_bodies WHERE "
	    "refs > 0", &p, &v) != 0)
		return (-1);
	*n = (uint64_t)v;
	return (0);
}
