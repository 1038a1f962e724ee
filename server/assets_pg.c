/* assets_pg: the asset table on the PostgreSQL store.
 *
 * The same table as SQLite's (id, size, expires), shared by every node;
 * the blob files are shared too (one --assets directory). What changes
 * with several nodes: two may record the same blob at once, so the
 * record is one INSERT ... ON CONFLICT that touches the row it finds
 * (a unique violation would fail the whole turn); and one node may
 * touch a blob that another node's purge has just listed, so the purge
 * deletes a row only while it is still expired, and the file only once
 * its row is gone. */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/assets_pg.h"
#include "server/blobstore.h"
#include "server/db.h"
#include "server/dbpg.h"
#include "server/fiber.h"
#include "shared/util/log.h"

#define ASSETS_PG_PAGE	1000	/* rows the reconciliation reads at once */

/* 1 on a fiber; else logs the call (its caller must move onto one). */
static int
assets_pg_on_fiber(const char *what)
{
	if (fiber_self() != NULL)
		return (1);
	log_warn("assets: %s off a fiber on the PostgreSQL store", what);
	return (0);
}

int
assets_pg_adopt(struct db *db, const char *id, uint64_t size,
    int64_t expires)
{
	struct dbpg_params	p;
	uint64_t		changed = 0;

	if (!assets_pg_on_fiber("adopting a blob"))
		return (-1);
	dbpg_params_init(&p);
	dbpg_param_text(&p, id);
	dbpg_param_int64(&p, (int64_t)size);
	dbpg_param_int64(&p, expires);
	if (dbpg_exec(db, "INSERT INTO assets (id, size, expires) VALUES "
	    "($1, $2, $3) ON CONFLICT (id) DO NOTHING", &p, &changed) != 0)
		return (-1);
	return (changed > 0 ? 0 : 1);
}

/* Delete the row of id, whose file is gone: 0 or -1. */
static int
assets_pg_forget(struct db *db, const char *id)
{
	struct dbpg_params	p;

	dbpg_params_init(&p);
	dbpg_param_text(&p, id);
	return (dbpg_exec(db, "DELETE FROM assets WHERE id = $1", &p, NULL));
}

/* One page of ids after after (""), in order: the rows, or NULL. */
static PGresult *
assets_pg_page(struct db *db, const char *after)
{
	struct dbpg_params	p;

	dbpg_params_init(&p);
	dbpg_param_text(&p, after);
	dbpg_param_int64(&p, ASSETS_PG_PAGE);
	return (dbpg_run(db, "SELECT id FROM assets WHERE id > $1 "
	    "ORDER BY id LIMIT $2", &p));
}

/* By pages rather than one result: the table may hold millions. */
int
assets_pg_forget_missing(struct db *db, const struct blobstore *bs)
{
	PGresult	*res;
	struct stat	 sb;
	char		 after[HTTPREQ_IDLEN + 1] = "", *path;
	int		 i, rows, rc = 0;

	if (!assets_pg_on_fiber("reconciling the table"))
		return (-1);
	do {
		if ((res = assets_pg_page(db, after)) == NULL)
			return (-1);
		rows = PQntuples(res);
		for (i = 0; rc == 0 && i < rows; i++) {
			snprintf(after, sizeof after, "%s",
			    PQgetvalue(res, i, 0));
			path = blobstore_blob_path(bs, after);
			if (stat(path, &sb) != 0)
				rc = assets_pg_forget(db, after);
			free(path);
		}
		PQclear(res);
	} while (rc == 0 && rows == ASSETS_PG_PAGE);
	return (rc);
}

int
assets_pg_bytes(struct db *db, int64_t *bytes)
{
	struct dbpg_params	p;

	if (!assets_pg_on_fiber("counting bytes"))
		return (-1);
	dbpg_params_init(&p);
	return (dbpg_int64_of(db, "SELECT coalesce(sum(size), 0)::bigint "
	    "FROM assets", &p, bytes) == 0 ? 0 : -1);
}

int
assets_pg_lookup(struct db *db, const char *id, int64_t now, uint64_t *size)
{
	struct dbpg_params	 p;
	PGresult		*res;
	int64_t			 expires;

	if (!assets_pg_on_fiber("assets_lookup"))
		return (-1);
	dbpg_params_init(&p);
	dbpg_param_text(&p, id);
	if ((res = dbpg_run(db, "SELECT size, expires FROM assets WHERE "
	    "id = $1", &p)) == NULL)
		return (-1);
	if (PQntuples(res) == 0) {
		PQclear(res);
		return (1);
	}
	*size = (uint64_t)dbpg_int64(res, 0, 0);
	expires = dbpg_int64(res, 0, 1);
	PQclear(res);
	/* Expired is gone, whether or not the purge has run. */
	return (expires > now ? 0 : 1);
}

int
assets_pg_touch(struct db *db, const char *id, int64_t expires)
{
	struct dbpg_params	p;

	if (!assets_pg_on_fiber("assets_touch"))
		return (-1);
	dbpg_params_init(&p);
	dbpg_param_int64(&p, expires);
	dbpg_param_text(&p, id);
	return (dbpg_exec(db, "UPDATE assets SET expires = greatest(expires, "
	    "$1) WHERE id = $2", &p, NULL));
}

/*
 * One statement: the insert, or, when the row is there, the touch (a
 * WITH's writes run whether or not the query reads them). A
 * row another node inserted and had not committed when this statement
 * began is waited for (ON CONFLICT) and then not touched (the update
 * reads the statement's snapshot): it was stored just now, with a full
 * TTL of its own.
 */
int
assets_pg_record(struct db *db, const char *id, uint64_t size,
    int64_t expires)
{
	struct dbpg_params	p;
	int64_t			inserted = 0;

	if (!assets_pg_on_fiber("assets_record"))
		return (-1);
	dbpg_params_init(&p);
	dbpg_param_text(&p, id);
	dbpg_param_int64(&p, (int64_t)size);
	dbpg_param_int64(&p, expires);
	if (dbpg_int64_of(db, "WITH ins AS (INSERT INTO assets (id, size, "
	    "expires) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING "
	    "RETURNING 1), upd AS (UPDATE assets SET expires = "
	    "greatest(expires, $3) WHERE id = $1 AND NOT EXISTS (SELECT 1 "
	    "FROM ins)) SELECT count(*) FROM ins", &p, &inserted) != 0)
		return (-1);
	return (inserted > 0 ? 0 : 1);
}

int
assets_pg_expired(struct db *db, int64_t now, char ids[][HTTPREQ_IDLEN + 1],
    uint64_t *sizes, size_t max, size_t *n)
{
	struct dbpg_params	 p;
	PGresult		*res;
	int			 i;

	*n = 0;
	if (!assets_pg_on_fiber("assets_purge"))
		return (-1);
	dbpg_params_init(&p);
	dbpg_param_int64(&p, now);
	dbpg_param_int64(&p, (int64_t)max);
	if ((res = dbpg_run(db, "SELECT id, size FROM assets WHERE "
	    "expires <= $1 LIMIT $2", &p)) == NULL)
		return (-1);
	for (i = 0; i < PQntuples(res) && *n < max; i++) {
		snprintf(ids[*n], HTTPREQ_IDLEN + 1, "%s",
		    PQgetvalue(res, i, 0));
		sizes[(*n)++] = (uint64_t)dbpg_int64(res, i, 1);
	}
	PQclear(res);
	return (0);
}

int
assets_pg_expire(struct db *db, const char *id, int64_t now, uint64_t *size)
{
	struct dbpg_params	p;
	int64_t			v;
	int			rc;

	dbpg_params_init(&p);
	dbpg_param_text(&p, id);
	dbpg_param_int64(&p, now);
	rc = dbpg_int64_of(db, "DELETE FROM assets WHERE id = $1 AND "
	    "expires <= $2 RETURNING size", &p, &v);
	if (rc == 0)
		*size = (uint64_t)v;
	return (rc);
}
