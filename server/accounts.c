/* accounts: account names, their devices and the devices' identity keys. */
#include <string.h>

#include "server/accounts.h"
#include "server/db.h"
#include "shared/util/timeutil.h"

int
accounts_create(struct db *db, const char *name,
    const uint8_t ik[ACCOUNTS_KEYBYTES], int64_t *account)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (db_begin(db) != 0)
		return (-1);
	st = db_stmt(db, "INSERT INTO accounts (name, created) VALUES (?, ?) "
	    "ON CONFLICT (name) DO NOTHING");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, time_now_ms());
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (-1);
	if (db_changes(db) == 0)
		return (1);
	if (accounts_lookup(db, name, account) != 0)
		return (-1);
	st = db_stmt(db, "INSERT INTO devices (account, device, identity_key) "
	    "VALUES (?, 1, ?)");
	sqlite3_bind_int64(st, 1, *account);
	sqlite3_bind_blob(st, 2, ik, ACCOUNTS_KEYBYTES, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return (rc == SQLITE_DONE ? 0 : -1);
}

int
accounts_lookup(struct db *db, const char *name, int64_t *account)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = db_stmt(db, "SELECT id FROM accounts WHERE name = ?");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*account = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return (0);
	return (rc == SQLITE_DONE ? 1 : -1);
}

int
accounts_device_key(struct db *db, int64_t account, uint32_t device,
    uint8_t ik[ACCOUNTS_KEYBYTES])
{
	sqlite3_stmt	*st;
	int		 rc, ret = -1;

	st = db_stmt(db, "SELECT identity_key FROM devices "
	    "WHERE account = ? AND device = ?");
	sqlite3_bind_int64(st, 1, account);
	sqlite3_bind_int64(st, 2, device);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 0) == ACCOUNTS_KEYBYTES) {
			memcpy(ik, sqlite3_column_blob(st, 0),
			    ACCOUNTS_KEYBYTES);
			ret = 0;
		}
	} else if (rc == SQLITE_DONE)
		ret = 1;
	sqlite3_reset(st);
	return (ret);
}

int
accounts_devices(struct db *db, int64_t account, uint32_t *devices,
    size_t max, size_t *n)
{
	sqlite3_stmt	*st;
	int		 rc;

	*n = 0;
	st = db_stmt(db, "SELECT device FROM devices WHERE account = ? "
	    "ORDER BY device");
	sqlite3_bind_int64(st, 1, account);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max)
		devices[(*n)++] = (uint32_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return (rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1);
}
