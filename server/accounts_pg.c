/* accounts_pg: accounts.h on the PostgreSQL store, which nodes share.
 *
 * accounts.c keeps names and device lists in memory for good; here
 * pgcache.c keeps them only under its rules (pgcache.h): names until a
 * turn fails, device lists while another node's change would be heard.
 * Every change to a device list is told to pgcache. A cache built from
 * device lists elsewhere (groupdb.c) would need the same, so
 * accounts_pg_devices_gen reports a change on every call: such a cache
 * is never found current, and is rebuilt from the table each time. */
#include <string.h>

#include "server/accounts_pg.h"
#include "server/db.h"
#include "server/dbpg.h"
#include "server/pgcache.h"
#include "shared/util/timeutil.h"

/* A rolled back savepoint may have read its own writes (db.h's hooks). */
static void *
accounts_pg_hooks_create(void)
{
	return (NULL);
}

static void
accounts_pg_rollback(void *p)
{
	pgcache_rollback();
}

static const struct db_ext_ops accounts_pg_hooks = {
	accounts_pg_hooks_create, NULL, accounts_pg_rollback, NULL
};

void
accounts_pg_changed(struct db *db, int64_t account)
{
	(void)db_ext(db, DB_EXT_PGCACHE, &accounts_pg_hooks);
	pgcache_devices_changed(account);
}

int
accounts_pg_create(struct db *db, const char *name,
    const uint8_t ik[ACCOUNTS_KEYBYTES], int64_t *account)
{
	struct dbpg_params	p;
	int			rc;

	if (db_begin(db) != 0)
		return (-1);
	dbpg_params_init(&p);
	dbpg_param_text(&p, name);
	dbpg_param_int64(&p, time_now_ms());
	dbpg_param_blob(&p, ik, ACCOUNTS_KEYBYTES);
	/* The account and its device 1 in one statement, or neither when
	 * the name is taken. A node creating the same name at the same
	 * time holds the unique index entry: ON CONFLICT waits for its
	 * transaction and then does nothing (no row: 1). */
	rc = dbpg_int64_of(db, "WITH a AS (INSERT INTO accounts (name, "
	    "created) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING "
	    "RETURNING id), d AS (INSERT INTO devices (account, device, "
	    "identity_key) SELECT id, 1, $3::bytea FROM a) SELECT id FROM a",
	    &p, account);
	if (rc == 0)
		accounts_pg_changed(db, *account);
	return (rc);
}

int
accounts_pg_lookup(struct db *db, const char *name, int64_t *account)
{
	struct dbpg_params	p;

	int			rc;

	if (pgcache_name(name, account))
		return (0);
	dbpg_params_init(&p);
	dbpg_param_text(&p, name);
	rc = dbpg_int64_of(db, "SELECT id FROM accounts WHERE name = $1",
	    &p, account);
	if (rc == 0)
		pgcache_name_put(name, *account);
	return (rc);
}

int
accounts_pg_device_key(struct db *db, int64_t account, uint32_t device,
    uint8_t ik[ACCOUNTS_KEYBYTES])
{
	struct dbpg_params	 p;
	PGresult		*res;
	size_t			 len;
	int			 rc;

	dbpg_params_init(&p);
	dbpg_param_int64(&p, account);
	dbpg_param_int64(&p, device);
	/* Every sign-in asks: the key and whether the device was removed
	 * in one round trip, always one row. */
	if ((res = dbpg_run(db, "SELECT (SELECT identity_key FROM devices "
	    "WHERE account = $1 AND device = $2), EXISTS (SELECT 1 FROM "
	    "removed_devices WHERE account = $1 AND device = $2)::integer",
	    &p)) == NULL)
		return (-1);
	if (PQntuples(res) != 1)
		rc = -1;
	else if (!PQgetisnull(res, 0, 0))
		rc = dbpg_blob_copy(res, 0, 0, ik, ACCOUNTS_KEYBYTES, &len) ==
		    0 && len == ACCOUNTS_KEYBYTES ? 0 : -1;
	else
		rc = dbpg_int64(res, 0, 1) != 0 ? 2 : 1;
	PQclear(res);
	return (rc);
}

int
accounts_pg_add_device(struct db *db, int64_t account, uint32_t device,
    const uint8_t ik[ACCOUNTS_KEYBYTES])
{
	struct dbpg_params	p;
	uint64_t		changed;

	if (db_begin(db) != 0)
		return (-1);
	dbpg_params_init(&p);
	dbpg_param_int64(&p, account);
	dbpg_param_int64(&p, device);
	dbpg_param_blob(&p, ik, ACCOUNTS_KEYBYTES);
	/* A device in use fails SQLite's insert (-1); here a unique
	 * violation would fail the whole turn, so it is asked about. */
	if (dbpg_exec(db, "INSERT INTO devices (account, device, "
	    "identity_key) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", &p,
	    &changed) != 0)
		return (-1);
	accounts_pg_changed(db, account);
	return (changed == 1 ? 0 : -1);
}

int
accounts_pg_remove_device(struct db *db, int64_t account, uint32_t device)
{
	struct dbpg_params	p;

	if (db_begin(db) != 0)
		return (-1);
	dbpg_params_init(&p);
	dbpg_param_int64(&p, account);
	dbpg_param_int64(&p, device);
	dbpg_param_int64(&p, time_now_ms());
	accounts_pg_changed(db, account);
	return (dbpg_exec(db, "WITH d AS (DELETE FROM devices WHERE "
	    "account = $1 AND device = $2) INSERT INTO removed_devices "
	    "(account, device, removed) VALUES ($1, $2, $3) "
	    "ON CONFLICT DO NOTHING", &p, NULL));
}

int
accounts_pg_devices(struct db *db, int64_t account, uint32_t *devices,
    size_t max, size_t *n)
{
	struct dbpg_params	 p;
	PGresult		*res;
	uint32_t		 all[ACCOUNTS_MAXDEVICES];
	uint64_t		 epoch = pgcache_epoch();
	size_t			 nall = 0;
	int			 i, rows;

	*n = 0;
	if (pgcache_devices(account, devices, max, n))
		return (0);
	dbpg_params_init(&p);
	dbpg_param_int64(&p, account);
	dbpg_param_int64(&p, ACCOUNTS_MAXDEVICES);
	if ((res = dbpg_run(db, "SELECT device FROM devices WHERE "
	    "account = $1 ORDER BY device LIMIT $2", &p)) == NULL)
		return (-1);
	rows = PQntuples(res);
	for (i = 0; i < rows && nall < ACCOUNTS_MAXDEVICES; i++)
		all[nall++] = (uint32_t)dbpg_int64(res, i, 0);
	PQclear(res);
	pgcache_devices_put(account, epoch, all, nall);
	for (; *n < nall && *n < max; (*n)++)
		devices[*n] = all[*n];
	return (0);
}

uint64_t
accounts_pg_devices_gen(struct db *db)
{
	static uint64_t	gen;

	return (++gen);
}
