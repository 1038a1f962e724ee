/* roster_pg: roster.h's stored lists on the PostgreSQL store.
 *
 * One natterd checks a list's version (roster_verify against
 * roster_get's) and stores it in one request, with nothing in between.
 * Nodes sharing the store can interleave: two lists both above the
 * stored version, the newer one stored first. So the store refuses to
 * go back: a list replaces the stored one only if its version is
 * higher, which makes rollback protection hold across nodes. */
#include <stdint.h>

#include "server/accounts_pg.h"
#include "server/db.h"
#include "server/dbpg.h"
#include "server/roster.h"
#include "server/roster_pg.h"

int
roster_pg_get(struct db *db, int64_t account, uint64_t *version,
    uint8_t *out, size_t *len)
{
	struct dbpg_params	 p;
	PGresult		*res;
	int			 rc = 0;

	dbpg_params_init(&p);
	dbpg_param_int64(&p, account);
	if ((res = dbpg_run(db, "SELECT version, list FROM device_lists "
	    "WHERE account = $1", &p)) == NULL)
		return (-1);
	if (PQntuples(res) == 0) {
		PQclear(res);
		return (1);
	}
	*version = (uint64_t)dbpg_int64(res, 0, 0);
	if (out != NULL)
		rc = dbpg_blob_copy(res, 0, 1, out, ROSTER_MAXBYTES, len);
	PQclear(res);
	return (rc);
}

int
roster_pg_put(struct db *db, int64_t account, uint64_t version,
    const uint8_t *list, size_t len)
{
	struct dbpg_params	p;
	uint64_t		changed;

	if (db_begin(db) != 0)
		return (-1);
	dbpg_params_init(&p);
	dbpg_param_int64(&p, account);
	dbpg_param_int64(&p, (int64_t)version);
	dbpg_param_blob(&p, list, len);
	/* A node storing the same account's list at the same time holds
	 * its row: this waits for it, then compares with what it stored. */
	if (dbpg_exec(db, "INSERT INTO device_lists (account, version, list) "
	    "VALUES ($1, $2, $3) ON CONFLICT (account) DO UPDATE SET "
	    "version = excluded.version, list = excluded.list "
	    "WHERE device_lists.version < excluded.version", &p,
	    &changed) != 0)
		return (-1);
	if (changed != 1)
		return (-1);
	/* Every node's devices of the account hear of the new list. */
	accounts_pg_changed(db, account);
	return (0);
}
