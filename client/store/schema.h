/* schema: the profile database's tables, versioned: migrations applied in order, PRAGMA user_version their count. */
#ifndef NATTER_CLIENT_STORE_SCHEMA_H
#define NATTER_CLIENT_STORE_SCHEMA_H

struct sqlite3;

/*
 * Bring db's tables to the newest version in one transaction.  0, or -1
 * (nothing changed) if that fails or db is newer than this program.
 */
int	schema_migrate(struct sqlite3 *db) __attribute__((warn_unused_result));

#endif
