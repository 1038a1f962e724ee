/* schema: the profile database's tables, versioned: migrations applied in order, PRAGMA user_version their count. */
#include <stdio.h>

#include <sqlite3.h>

#include "client/store/schema.h"
#include "shared/util/log.h"

/* Schema versions, applied in order; PRAGMA user_version is the count.
 * A version of several literals is parenthesised (one element). */
static const char *const schema_migrations[] = {
    /* 1 */
    ("CREATE TABLE kv(id INTEGER PRIMARY KEY, v BLOB NOT NULL);"
    "CREATE TABLE contacts(id INTEGER PRIMARY KEY, h BLOB NOT NULL UNIQUE,"
    " v BLOB NOT NULL);"
    "CREATE TABLE sessions(id INTEGER PRIMARY KEY, h BLOB NOT NULL UNIQUE,"
    " nh BLOB NOT NULL, v BLOB NOT NULL);"
    "CREATE INDEX sessions_nh ON sessions(nh);"
    "CREATE TABLE prekeys(id INTEGER PRIMARY KEY, kind INTEGER NOT NULL,"
    " v BLOB NOT NULL);"
    "CREATE TABLE messages(id INTEGER PRIMARY KEY, kind INTEGER NOT NULL,"
    " hp BLOB, hm BLOB NOT NULL, status INTEGER NOT NULL,"
    " printed INTEGER NOT NULL, v BLOB NOT NULL);"
    "CREATE UNIQUE INDEX messages_hm ON messages(hm) WHERE kind = 1;"
    "CREATE INDEX messages_hp ON messages(hp, id);"
    "CREATE INDEX messages_printed ON messages(printed, id);"
    "CREATE TABLE outbox(id INTEGER PRIMARY KEY, v BLOB NOT NULL);"
    "CREATE TABLE seen(seq INTEGER PRIMARY KEY);"),
    /* 2: signed device lists, of contacts and of our own account. */
    ("CREATE TABLE lists(id INTEGER PRIMARY KEY, h BLOB NOT NULL UNIQUE,"
    " v BLOB NOT NULL);"),
    /* 3: when each prekey was made (ms; NULL: before this version). */
    "ALTER TABLE prekeys ADD COLUMN made INTEGER;",
    /* 4: attachments: the sender's map from a file's SHA-256 to its
     * pointer, downloads to do, blobs refused, where files were saved. */
    ("CREATE TABLE media(id INTEGER PRIMARY KEY, h BLOB NOT NULL UNIQUE,"
    " v BLOB NOT NULL);"),
    /* 5: groups: this device's copy of each group, and sender keys (ours
     * per group, and those other devices gave us). */
    ("CREATE TABLE groups(id INTEGER PRIMARY KEY, h BLOB NOT NULL UNIQUE,"
    " v BLOB NOT NULL);"
    "CREATE TABLE senderkeys(id INTEGER PRIMARY KEY, h BLOB NOT NULL UNIQUE,"
    " v BLOB NOT NULL);"),
};
#define SCHEMA_VERSION	(int)(sizeof schema_migrations / \
    sizeof schema_migrations[0])

static int
schema_exec(sqlite3 *db, const char *sql)
{
	char	*msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_warn("store: %s: %s", sql, msg != NULL ? msg : "?");
		sqlite3_free(msg);
		return (-1);
	}
	return (0);
}

int
schema_migrate(sqlite3 *db)
{
	sqlite3_stmt	*s;
	char		 set[40];
	int		 v;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s,
	    NULL) != SQLITE_OK)
		return (-1);
	v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
	sqlite3_finalize(s);
	if (v == SCHEMA_VERSION)
		return (0);
	if (v < 0 || v > SCHEMA_VERSION) {
		log_warn("store: database version %d, expected at most %d", v,
		    SCHEMA_VERSION);
		return (-1);
	}
	if (schema_exec(db, "BEGIN IMMEDIATE") != 0)
		return (-1);
	for (; v < SCHEMA_VERSION; v++) {
		snprintf(set, sizeof set, "PRAGMA user_version = %d", v + 1);
		if (schema_exec(db, schema_migrations[v]) != 0 ||
		    schema_exec(db, set) != 0) {
			(void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return (-1);
		}
	}
	return (schema_exec(db, "COMMIT"));
}
