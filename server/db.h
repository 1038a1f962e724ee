/* db: the server's SQLite database: schema, group commit, statement cache. */
#ifndef NATTER_SERVER_DB_H
#define NATTER_SERVER_DB_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>
#include <uv.h>

struct db;
struct pg;

/* Open (creating if needed) the database at path in WAL mode and migrate
 * its schema. sync_full selects PRAGMA synchronous=FULL, else NORMAL. On
 * failure returns NULL and sets *err to a sentence (caller frees). */
struct db	*db_open(const char *path, int sync_full, char **err);
/* Open the PostgreSQL store at conninfo (postgresql://...) on loop,
 * migrating its schema (pgschema.c), waiting at most DB_PG_CONNECT_S
 * seconds for the server. Its statements run from fibers through dbpg.h;
 * db_stmt and the other SQLite calls must not be used on it. NULL with
 * *err set (caller frees) on failure. */
#define DB_PG_CONNECT_S	10
struct db	*db_open_pg(uv_loop_t *, const char *conninfo, char **err);
/* The PostgreSQL connection, or NULL for SQLite: how a module picks its
 * implementation. */
struct pg	*db_pg(struct db *);
/* The path of the database's WAL file (owned by the db). */
const char	*db_wal_path(struct db *);
/* Commit anything pending, finalize statements, close. NULL is a no-op. */
void		 db_close(struct db *);

/* Open the turn's write transaction unless one is open. 0 or -1. */
int		 db_begin(struct db *);
/* Commit the open transaction, if any. 0 or -1 (rolled back). */
int		 db_commit(struct db *);
/* Per-request atomicity inside the turn's transaction: open a savepoint
 * (after db_begin), then release it on success or roll back to it. */
int		 db_savepoint(struct db *);
int		 db_release(struct db *);
void		 db_rollback_savepoint(struct db *);
/* 1 while a write transaction is open. */
int		 db_in_txn(struct db *);

/* A prepared statement for sql, reset and unbound. Statements are cached
 * by the sql pointer: pass string literals. Owned by the db. */
sqlite3_stmt	*db_stmt(struct db *, const char *sql);
/* db_stmt(db, sql) with account and device bound to its parameters 1 and
 * 2: how every statement about one device's rows begins. */
sqlite3_stmt	*db_stmt_device(struct db *, const char *sql, int64_t account,
		     uint32_t device);
/* For a write about one device: db_begin, then db_stmt_device; NULL when
 * the transaction cannot be opened. */
sqlite3_stmt	*db_write_device(struct db *, const char *sql, int64_t account,
		     uint32_t device);
/* Step st, which returns no rows, to its end and reset it: 0 or -1. */
int		 db_step_done(sqlite3_stmt *);
/* Step st, which returns at most one row, and reset it: 0 with the row's
 * first column in *value, 1 when there is no row, -1 on an error. */
int		 db_step_int64(sqlite3_stmt *, int64_t *value);
/* Step st, which returns at most one row: 0 with the row current (read
 * its columns, then sqlite3_reset), 1 when there is none, -1 on an error
 * (both reset). */
int		 db_step_row(sqlite3_stmt *);
/* Copy the blob in column col of st's current row into out, which holds
 * max bytes, and set *len: 0, or -1 if it is empty or longer. */
int		 db_column_blob(sqlite3_stmt *, int col, void *out, size_t max,
		     size_t *len);
/* Run one statement without results; 0 or -1. */
int		 db_exec(struct db *, const char *sql);
/* Number of rows the last statement changed. */
int		 db_changes(struct db *);

/*
 * In-memory state other modules keep beside the database (caches, the
 * queue depths), one slot each. The db owns it: create makes it on first
 * use, free runs at db_close; rollback runs when a request's savepoint
 * is rolled back (the module must forget or undo what that request
 * changed), release when it is released. Any hook but create may be
 * NULL.
 */
enum db_ext {
	DB_EXT_ACCOUNTS,
	DB_EXT_QUEUE,
	DB_EXT_BODIES,
	DB_EXT_GROUPS,
	DB_EXT_PGCOUNT,
	DB_EXT_PGCACHE,
	DB_NEXT
};
struct db_ext_ops {
	void	*(*create)(void);
	void	(*release)(void *);
	void	(*rollback)(void *);
	void	(*free)(void *);
};
/* The state in slot which, made with ops->create if there is none yet
 * (a slot always has the same ops). */
void		*db_ext(struct db *, enum db_ext, const struct db_ext_ops *);
/* 1 inside a request's savepoint. */
int		 db_in_savepoint(struct db *);

#endif
