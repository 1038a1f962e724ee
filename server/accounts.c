/* accounts: account names, their devices and the devices' identity keys.
 *
 * Names and device lists are read on every send, so both are cached in
 * memory once read. Accounts are never deleted, so a cached name stays
 * right; a device list must be dropped by whoever changes it
 * (accounts_devices_changed). A rolled back request empties the cache.
 * On the PostgreSQL store, which nodes share, accounts_pg.c does the
 * work and caches nothing. */
#include <stdlib.h>
#include <string.h>

#include "server/accounts.h"
#include "server/accounts_pg.h"
#include "server/db.h"
#include "server/itab.h"
#include "server/pgcache.h"
#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"

struct accounts_name {
	int64_t		id;
	char		name[33];
};

struct accounts_devs {
	size_t		n;
	uint32_t	d[ACCOUNTS_MAXDEVICES];
};

struct accounts_cache {
	struct itab	*byname;	/* key of name -> accounts_name */
	struct itab	*devs;		/* account -> accounts_devs */
	uint64_t	 gen;		/* accounts_devices_gen */
};

static void *
accounts_cache_create(void)
{
	struct accounts_cache	*c = xcalloc(1, sizeof *c);

	c->byname = itab_create();
	c->devs = itab_create();
	return (c);
}

static void
accounts_free_value(uint64_t key, uint64_t value, void *arg)
{
	free((void *)(uintptr_t)value);
}

static void
accounts_cache_clear(void *p)
{
	struct accounts_cache	*c = p;

	itab_foreach(c->byname, accounts_free_value, NULL);
	itab_foreach(c->devs, accounts_free_value, NULL);
	itab_clear(c->byname);
	itab_clear(c->devs);
	c->gen++;
}

static void
accounts_cache_free(void *p)
{
	struct accounts_cache	*c = p;

	accounts_cache_clear(c);
	itab_free(c->byname);
	itab_free(c->devs);
	free(c);
}

static const struct db_ext_ops accounts_cache_ops = {
	accounts_cache_create, NULL, accounts_cache_clear, accounts_cache_free
};

static struct accounts_cache *
accounts_cache(struct db *db)
{
	return (db_ext(db, DB_EXT_ACCOUNTS, &accounts_cache_ops));
}

static int
accounts_query_id(struct db *db, const char *name, int64_t *account)
{
	sqlite3_stmt	*st;

	st = db_stmt(db, "SELECT id FROM accounts WHERE name = ?");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	return (db_step_int64(st, account));
}

int
accounts_create(struct db *db, const char *name,
    const uint8_t ik[ACCOUNTS_KEYBYTES], int64_t *account)
{
	sqlite3_stmt	*st;

	if (db_pg(db) != NULL)
		return (accounts_pg_create(db, name, ik, account));
	if (db_begin(db) != 0)
		return (-1);
	st = db_stmt(db, "INSERT INTO accounts (name, created) VALUES (?, ?) "
	    "ON CONFLICT (name) DO NOTHING");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, time_now_ms());
	if (db_step_done(st) != 0)
		return (-1);
	if (db_changes(db) == 0)
		return (1);
	if (accounts_query_id(db, name, account) != 0)
		return (-1);
	return (accounts_add_device(db, *account, 1, ik));
}

int
accounts_add_device(struct db *db, int64_t account, uint32_t device,
    const uint8_t ik[ACCOUNTS_KEYBYTES])
{
	sqlite3_stmt	*st;

	if (db_pg(db) != NULL)
		return (accounts_pg_add_device(db, account, device, ik));
	if ((st = db_write_device(db, "INSERT INTO devices (account, device, "
	    "identity_key) VALUES (?, ?, ?)", account, device)) == NULL)
		return (-1);
	sqlite3_bind_blob(st, 3, ik, ACCOUNTS_KEYBYTES, SQLITE_STATIC);
	accounts_devices_changed(db, account);
	return (db_step_done(st));
}

int
accounts_lookup_now(struct db *db, const char *name, int64_t *account)
{
	if (db_pg(db) != NULL)
		return (pgcache_name(name, account) ? 0 : 1);
	return (accounts_lookup(db, name, account) == 0 ? 0 : 1);
}

int
accounts_lookup(struct db *db, const char *name, int64_t *account)
{
	struct accounts_cache	*c;
	struct accounts_name	*e;
	uint64_t		 h = itab_key_bytes(name, strlen(name)), v;
	int			 rc;

	if (db_pg(db) != NULL)
		return (accounts_pg_lookup(db, name, account));
	c = accounts_cache(db);
	if (itab_get(c->byname, h, &v)) {
		e = (struct accounts_name *)(uintptr_t)v;
		if (strcmp(e->name, name) == 0) {
			*account = e->id;
			return (0);
		}
		return (accounts_query_id(db, name, account));
	}
	if ((rc = accounts_query_id(db, name, account)) != 0 ||
	    strlen(name) >= sizeof e->name)
		return (rc);
	e = xcalloc(1, sizeof *e);
	e->id = *account;
	memcpy(e->name, name, strlen(name));
	itab_put(c->byname, h, (uint64_t)(uintptr_t)e);
	return (0);
}

/* 1 if the device was removed by a device list, 0 if not, -1 on error. */
static int
accounts_removed(struct db *db, int64_t account, uint32_t device)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = db_stmt_device(db, "SELECT 1 FROM removed_devices "
	    "WHERE account = ? AND device = ?", account, device);
	if ((rc = db_step_row(st)) == 0)
		sqlite3_reset(st);
	return (rc == -1 ? -1 : rc == 0);
}

int
accounts_device_key(struct db *db, int64_t account, uint32_t device,
    uint8_t ik[ACCOUNTS_KEYBYTES])
{
	sqlite3_stmt	*st;
	size_t		 len;
	int		 rc;

	if (db_pg(db) != NULL)
		return (accounts_pg_device_key(db, account, device, ik));
	st = db_stmt_device(db, "SELECT identity_key FROM devices "
	    "WHERE account = ? AND device = ?", account, device);
	if ((rc = db_step_row(st)) == 1) {
		rc = accounts_removed(db, account, device);
		return (rc == -1 ? -1 : rc == 1 ? 2 : 1);
	}
	if (rc != 0)
		return (-1);
	if (db_column_blob(st, 0, ik, ACCOUNTS_KEYBYTES, &len) != 0 ||
	    len != ACCOUNTS_KEYBYTES)
		rc = -1;
	sqlite3_reset(st);
	return (rc);
}

int
accounts_remove_device(struct db *db, int64_t account, uint32_t device)
{
	sqlite3_stmt	*st;

	if (db_pg(db) != NULL)
		return (accounts_pg_remove_device(db, account, device));
	if ((st = db_write_device(db, "DELETE FROM devices WHERE account = ? "
	    "AND device = ?", account, device)) == NULL ||
	    db_step_done(st) != 0)
		return (-1);
	accounts_devices_changed(db, account);
	st = db_stmt_device(db, "INSERT OR IGNORE INTO removed_devices "
	    "(account, device, removed) VALUES (?, ?, ?)", account, device);
	sqlite3_bind_int64(st, 3, time_now_ms());
	return (db_step_done(st));
}

int
accounts_devices(struct db *db, int64_t account, uint32_t *devices,
    size_t max, size_t *n)
{
	struct accounts_cache	*c;
	struct accounts_devs	*e;
	sqlite3_stmt		*st;
	uint64_t		 v;
	int			 rc;

	if (db_pg(db) != NULL)
		return (accounts_pg_devices(db, account, devices, max, n));
	c = accounts_cache(db);
	*n = 0;
	if (itab_get(c->devs, (uint64_t)account, &v))
		e = (struct accounts_devs *)(uintptr_t)v;
	else {
		e = xcalloc(1, sizeof *e);
		st = db_stmt(db, "SELECT device FROM devices WHERE "
		    "account = ? ORDER BY device");
		sqlite3_bind_int64(st, 1, account);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW &&
		    e->n < ACCOUNTS_MAXDEVICES)
			e->d[e->n++] = (uint32_t)sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			free(e);
			return (-1);
		}
		itab_put(c->devs, (uint64_t)account, (uint64_t)(uintptr_t)e);
	}
	for (; *n < e->n && *n < max; (*n)++)
		devices[*n] = e->d[*n];
	return (0);
}

void
accounts_devices_changed(struct db *db, int64_t account)
{
	struct accounts_cache	*c;
	uint64_t		 v;

	/* The PostgreSQL store caches nothing (accounts_pg.c). */
	if (db_pg(db) != NULL)
		return;
	c = accounts_cache(db);
	c->gen++;
	if (itab_get(c->devs, (uint64_t)account, &v)) {
		free((void *)(uintptr_t)v);
		itab_del(c->devs, (uint64_t)account);
	}
}

uint64_t
accounts_devices_gen(struct db *db)
{
	if (db_pg(db) != NULL)
		return (accounts_pg_devices_gen(db));
	return (accounts_cache(db)->gen);
}
