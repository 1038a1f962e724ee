/* roster: each account's signed device list, as stored and served.
 *
 * The server cannot make a list (it has no account key) but it checks
 * every list it takes with the same code the clients use, so that it
 * never serves one a client would reject, and so that its devices table
 * follows the list (devices.c). One row per account in device_lists;
 * an account without one registered before lists existed and keeps
 * working ("legacy") until its device 1 publishes one. On the
 * PostgreSQL store roster_pg.c keeps the lists. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "server/db.h"
#include "server/roster.h"
#include "server/roster_pg.h"
#include "shared/proto/natter.pb-c.h"

#define C(x)	NATTER__CODE__##x

static char	roster_why[128];

/* The part of roster_verify after the signature: what the list says. */
static uint32_t
roster_check(const struct devicelist *dl, const char *name,
    const uint8_t pk[DEVICELIST_KEYBYTES], const char **why)
{
	const uint8_t	*ik, *other;
	size_t		 n = devicelist_count(dl), i, j;

	if (devicelist_version(dl) > INT64_MAX) {
		*why = "the device list's version is out of range";
		return (C(BAD_REQUEST));
	}
	if (devicelist_account_len(dl) != strlen(name) ||
	    memcmp(devicelist_account(dl), name, strlen(name)) != 0) {
		*why = "the device list names another account";
		return (C(BAD_REQUEST));
	}
	if (n > ROSTER_MAXDEVICES) {
		snprintf(roster_why, sizeof roster_why, "an account has at "
		    "most %d devices; the list has %zu", ROSTER_MAXDEVICES, n);
		*why = roster_why;
		return (C(TOO_MANY_DEVICES));
	}
	if ((ik = devicelist_find(dl, 1)) == NULL ||
	    sodium_memcmp(ik, pk, DEVICELIST_KEYBYTES) != 0) {
		*why = "the device list must name device 1 with its key";
		return (C(BAD_REQUEST));
	}
	for (i = 0; i < n; i++) {
		if (devicelist_device(dl, i, &ik) == 0) {
			*why = "device ids start at 1";
			return (C(BAD_REQUEST));
		}
		for (j = 0; j < i; j++) {
			(void)devicelist_device(dl, j, &other);
			if (memcmp(ik, other, DEVICELIST_KEYBYTES) == 0) {
				*why = "two devices on the list share a key";
				return (C(BAD_REQUEST));
			}
		}
	}
	return (C(OK));
}

uint32_t
roster_verify(const uint8_t *list, size_t len, const char *name,
    const uint8_t pk[DEVICELIST_KEYBYTES], uint64_t last,
    struct devicelist **out, const char **why)
{
	struct devicelist	*dl;
	enum devicelist_err	 err;
	uint32_t		 code;

	*out = NULL;
	if ((dl = devicelist_verify(list, len, pk, last, &err)) == NULL) {
		switch (err) {
		case DEVICELIST_ESIG:
			*why = "the device list is not signed by the "
			    "account's key (device 1)";
			return (C(BAD_SIGNATURE));
		case DEVICELIST_EROLLBACK:
			snprintf(roster_why, sizeof roster_why, "the device "
			    "list's version is not above the current one "
			    "(%llu)", (unsigned long long)last);
			*why = roster_why;
			return (C(STALE_LIST));
		default:
			*why = "the device list is malformed";
			return (C(BAD_REQUEST));
		}
	}
	if ((code = roster_check(dl, name, pk, why)) != C(OK)) {
		devicelist_free(dl);
		return (code);
	}
	*out = dl;
	return (C(OK));
}

int
roster_get(struct db *db, int64_t account, uint64_t *version, uint8_t *out,
    size_t *len)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (db_pg(db) != NULL)
		return (roster_pg_get(db, account, version, out, len));
	st = db_stmt(db, "SELECT version, list FROM device_lists "
	    "WHERE account = ?");
	sqlite3_bind_int64(st, 1, account);
	if ((rc = db_step_row(st)) != 0)
		return (rc);
	*version = (uint64_t)sqlite3_column_int64(st, 0);
	if (out != NULL)
		rc = db_column_blob(st, 1, out, ROSTER_MAXBYTES, len);
	sqlite3_reset(st);
	return (rc);
}

int
roster_put(struct db *db, int64_t account, uint64_t version,
    const uint8_t *list, size_t len)
{
	sqlite3_stmt	*st;

	if (db_pg(db) != NULL)
		return (roster_pg_put(db, account, version, list, len));
	if (db_begin(db) != 0)
		return (-1);
	st = db_stmt(db, "INSERT OR REPLACE INTO device_lists (account, "
	    "version, list) VALUES (?, ?, ?)");
	sqlite3_bind_int64(st, 1, account);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)version);
	sqlite3_bind_blob(st, 3, list, (int)len, SQLITE_STATIC);
	return (db_step_done(st));
}
