/* prekeys: signed and one-time prekeys of each device, handed out once.
 *
 * On the PostgreSQL store prekeys_pg.c does the work. */
#include <string.h>

#include "server/db.h"
#include "server/prekeys.h"
#include "server/prekeys_pg.h"

int
prekeys_set_signed(struct db *db, int64_t account, uint32_t device,
    uint32_t id, const uint8_t key[PREKEYS_KEYBYTES],
    const uint8_t sig[PREKEYS_SIGBYTES])
{
	sqlite3_stmt	*st;

	if (db_pg(db) != NULL)
		return (prekeys_pg_set_signed(db, account, device, id, key,
		    sig));
	if ((st = db_write_device(db, "UPDATE devices SET spk_id = ?3, "
	    "spk = ?4, spk_sig = ?5 WHERE account = ?1 AND device = ?2",
	    account, device)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 3, id);
	sqlite3_bind_blob(st, 4, key, PREKEYS_KEYBYTES, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, sig, PREKEYS_SIGBYTES, SQLITE_STATIC);
	return (db_step_done(st));
}

int
prekeys_add_onetime(struct db *db, int64_t account, uint32_t device,
    const struct prekeys_onetime *opks, size_t n)
{
	sqlite3_stmt	*st;
	uint32_t	 count;
	size_t		 i;

	if (db_pg(db) != NULL)
		return (prekeys_pg_add_onetime(db, account, device, opks, n));
	if (prekeys_count(db, account, device, &count) != 0)
		return (-1);
	if (count + n > PREKEYS_MAXSTORED)
		return (1);
	/* A reset keeps the bindings: account and device stay bound. */
	if ((st = db_write_device(db, "INSERT OR REPLACE INTO opks (account, "
	    "device, id, key) VALUES (?, ?, ?, ?)", account, device)) == NULL)
		return (-1);
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(st, 3, opks[i].id);
		sqlite3_bind_blob(st, 4, opks[i].key, PREKEYS_KEYBYTES,
		    SQLITE_STATIC);
		if (db_step_done(st) != 0)
			return (-1);
	}
	return (0);
}

int
prekeys_store(struct db *db, int64_t account, uint32_t device,
    const struct prekeys_upload *u)
{
	if (u->has_signed && prekeys_set_signed(db, account, device,
	    u->spk_id, u->spk, u->spk_sig) != 0)
		return (-1);
	if (u->n == 0)
		return (0);
	return (prekeys_add_onetime(db, account, device, u->opks, u->n));
}

int
prekeys_forget(struct db *db, int64_t account, uint32_t device)
{
	sqlite3_stmt	*st;

	if (db_pg(db) != NULL)
		return (prekeys_pg_forget(db, account, device));
	if ((st = db_write_device(db, "DELETE FROM opks WHERE account = ? AND "
	    "device = ?", account, device)) == NULL)
		return (-1);
	return (db_step_done(st));
}

int
prekeys_drop_below(struct db *db, int64_t account, uint32_t device,
    uint32_t floor)
{
	sqlite3_stmt	*st;

	if (db_pg(db) != NULL)
		return (prekeys_pg_drop_below(db, account, device, floor));
	if ((st = db_write_device(db, "DELETE FROM opks WHERE account = ? AND "
	    "device = ? AND id < ?", account, device)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 3, floor);
	return (db_step_done(st));
}

int
prekeys_count(struct db *db, int64_t account, uint32_t device,
    uint32_t *count)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (db_pg(db) != NULL)
		return (prekeys_pg_count(db, account, device, count));
	st = db_stmt_device(db, "SELECT count(*) FROM opks "
	    "WHERE account = ? AND device = ?", account, device);
	rc = sqlite3_step(st);
	*count = rc == SQLITE_ROW ? (uint32_t)sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return (rc == SQLITE_ROW ? 0 : -1);
}

/* Copy column col, which must hold exactly len bytes, into out. */
static int
prekeys_copy(sqlite3_stmt *st, int col, uint8_t *out, size_t len)
{
	size_t	n;

	if (db_column_blob(st, col, out, len, &n) != 0 || n != len)
		return (-1);
	return (0);
}

static int
prekeys_take_onetime(struct db *db, int64_t account, uint32_t device,
    struct prekeys_bundle *b)
{
	sqlite3_stmt	*st;
	int		 rc, ret = 0;

	if ((st = db_write_device(db, "DELETE FROM opks WHERE rowid = (SELECT "
	    "rowid FROM opks WHERE account = ? AND device = ? ORDER BY id "
	    "LIMIT 1) RETURNING id, key", account, device)) == NULL)
		return (-1);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		b->opk.id = (uint32_t)sqlite3_column_int64(st, 0);
		if (prekeys_copy(st, 1, b->opk.key, PREKEYS_KEYBYTES) == 0)
			b->has_onetime = 1;
		rc = sqlite3_step(st);
	}
	if (rc != SQLITE_DONE)
		ret = -1;
	sqlite3_reset(st);
	return (ret);
}

int
prekeys_bundle(struct db *db, int64_t account, uint32_t device,
    int take_onetime, struct prekeys_bundle *b)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (db_pg(db) != NULL)
		return (prekeys_pg_bundle(db, account, device, take_onetime,
		    b));
	memset(b, 0, sizeof *b);
	b->device = device;
	st = db_stmt_device(db, "SELECT identity_key, spk_id, spk, spk_sig "
	    "FROM devices WHERE account = ? AND device = ?", account, device);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return (rc == SQLITE_DONE ? 1 : -1);
	}
	if (prekeys_copy(st, 0, b->identity_key, PREKEYS_KEYBYTES) != 0) {
		sqlite3_reset(st);
		return (-1);
	}
	if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
		b->spk_id = (uint32_t)sqlite3_column_int64(st, 1);
		if (prekeys_copy(st, 2, b->spk, PREKEYS_KEYBYTES) == 0 &&
		    prekeys_copy(st, 3, b->spk_sig, PREKEYS_SIGBYTES) == 0)
			b->has_signed = 1;
	}
	sqlite3_reset(st);
	if (!take_onetime)
		return (0);
	return (prekeys_take_onetime(db, account, device, b));
}
