/* db: the server's SQLite database: schema, group commit, statement cache. */
#include <stdlib.h>
#include <string.h>

#include "server/db.h"
#include "server/dbpg.h"
#include "server/pg.h"
#include "server/pgcount.h"
#include "server/pgschema.h"
#include "server/walbuf.h"
#include "shared/util/log.h"
#include "shared/util/xmalloc.h"

#define DB_MAXSTMTS	128

struct db_cached {
	const char	*sql;
	sqlite3_stmt	*stmt;
};

struct db {
	sqlite3			*h;	/* NULL with PostgreSQL */
	struct pg		*pg;	/* NULL with SQLite */
	int			 in_txn;
	int			 in_savepoint;
	struct db_cached	 stmts[DB_MAXSTMTS];
	size_t			 nstmts;
	void			*ext[DB_NEXT];
	const struct db_ext_ops	*ext_ops[DB_NEXT];
};

/* Schema versions, applied in order; PRAGMA user_version is the count. */
static const char *const db_migrations[] = {
	/* 1: accounts, devices, prekeys, queue, idempotency, depths. */
	"CREATE TABLE accounts ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE devices ("
	"  account INTEGER NOT NULL REFERENCES accounts(id),"
	"  device INTEGER NOT NULL,"
	"  identity_key BLOB NOT NULL,"
	"  spk_id INTEGER, spk BLOB, spk_sig BLOB,"
	"  PRIMARY KEY (account, device));"
	"CREATE TABLE opks ("
	"  account INTEGER NOT NULL, device INTEGER NOT NULL,"
	"  id INTEGER NOT NULL, key BLOB NOT NULL,"
	"  PRIMARY KEY (account, device, id));"
	"CREATE TABLE queue ("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  account INTEGER NOT NULL, device INTEGER NOT NULL,"
	"  from_account INTEGER NOT NULL, from_name TEXT NOT NULL,"
	"  from_device INTEGER NOT NULL,"
	"  message_id BLOB NOT NULL, type INTEGER NOT NULL,"
	"  content BLOB, server_ts INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL, receipt INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX queue_by_device ON queue (account, device, seq);"
	"CREATE INDEX queue_by_expiry ON queue (expires);"
	"CREATE TABLE sent ("
	"  account INTEGER NOT NULL, device INTEGER NOT NULL,"
	"  message_id BLOB NOT NULL, server_ts INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL,"
	"  PRIMARY KEY (account, device, message_id)) WITHOUT ROWID;"
	"CREATE INDEX sent_by_expiry ON sent (expires);"
	"CREATE TABLE depth ("
	"  account INTEGER NOT NULL, device INTEGER NOT NULL,"
	"  n INTEGER NOT NULL,"
	"  PRIMARY KEY (account, device)) WITHOUT ROWID;",
	/* 2: queue depths are counted in memory (queue.c). */
	"DROP TABLE depth;",
	/* 3: each account's signed device list (roster.c); an account
	 * without a row registered before lists existed ("legacy"). */
	"CREATE TABLE device_lists ("
	"  account INTEGER PRIMARY KEY REFERENCES accounts(id),"
	"  version INTEGER NOT NULL,"
	"  list BLOB NOT NULL);",
	/* 4: devices a published list left out (accounts.c): their
	 * sign-in is refused from then on, and their ids are not reused. */
	"CREATE TABLE removed_devices ("
	"  account INTEGER NOT NULL, device INTEGER NOT NULL,"
	"  removed INTEGER NOT NULL,"
	"  PRIMARY KEY (account, device)) WITHOUT ROWID;",
	/* 5: asset blobs (assets.c): id is the hex SHA-256 of the blob,
	 * whose file is DATA/assets/blobs/XX/ID; served until expires. */
	"CREATE TABLE assets ("
	"  id TEXT PRIMARY KEY,"
	"  size INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX assets_by_expiry ON assets (expires);",
	/* 6: groups (groupdb.c): id is 16 random bytes, name unique like
	 * an account's, epoch goes up with every change; members with
	 * their admin flag and when they were added. A group message or
	 * change is stored once in group_bodies (bodies.c) and queued as
	 * a reference (queue.body) per member device. */
	"CREATE TABLE groups ("
	"  gid INTEGER PRIMARY KEY,"
	"  id BLOB NOT NULL UNIQUE,"
	"  name TEXT NOT NULL UNIQUE,"
	"  created INTEGER NOT NULL,"
	"  epoch INTEGER NOT NULL);"
	"CREATE TABLE group_members ("
	"  gid INTEGER NOT NULL, account INTEGER NOT NULL,"
	"  admin INTEGER NOT NULL, added INTEGER NOT NULL,"
	"  PRIMARY KEY (gid, account)) WITHOUT ROWID;"
	"CREATE INDEX group_members_by_account ON group_members (account);"
	"CREATE TABLE group_bodies ("
	"  body INTEGER PRIMARY KEY,"
	"  group_id BLOB NOT NULL,"
	"  from_account INTEGER NOT NULL, from_name TEXT NOT NULL,"
	"  from_device INTEGER NOT NULL, message_id BLOB NOT NULL,"
	"  type INTEGER NOT NULL, content BLOB,"
	"  server_ts INTEGER NOT NULL, expires INTEGER NOT NULL);"
	"CREATE INDEX group_bodies_by_expiry ON group_bodies (expires);"
	"ALTER TABLE queue ADD COLUMN body INTEGER;",
	/* 7: a group's references are not indexed by expiry: they expire
	 * with their body, and the purge finds them by it (queue.c). One
	 * B-tree less to write for every reference stored and acked. */
	"DROP INDEX queue_by_expiry;"
	"CREATE INDEX queue_by_expiry ON queue (expires) "
	"  WHERE body IS NULL;",
	/* 8: a group's references leave the queue for a lean table of
	 * their own, keyed as the device reads them: one B-tree to write
	 * per reference stored and acked, not the queue's two, and rows
	 * of four numbers. Their seqs still come from the queue's
	 * sequence (queue.c), whose row is made here if the queue never
	 * had one. queue.body stays, NULL from now on. */
	"CREATE TABLE group_refs ("
	"  account INTEGER NOT NULL, device INTEGER NOT NULL,"
	"  seq INTEGER NOT NULL, body INTEGER NOT NULL,"
	"  PRIMARY KEY (account, device, seq)) WITHOUT ROWID;"
	"INSERT INTO group_refs (account, device, seq, body)"
	"  SELECT account, device, seq, body FROM queue"
	"  WHERE body IS NOT NULL;"
	"DELETE FROM queue WHERE body IS NOT NULL;"
	"INSERT INTO sqlite_sequence (name, seq)"
	"  SELECT 'queue', 0 WHERE NOT EXISTS"
	"  (SELECT 1 FROM sqlite_sequence WHERE name = 'queue');",
};

static int
db_user_version(struct db *db, int *version)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &st,
	    NULL) != SQLITE_OK)
		return (-1);
	rc = sqlite3_step(st);
	*version = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return (rc == SQLITE_ROW ? 0 : -1);
}

static int
db_migrate(struct db *db, char **err)
{
	int	 version, want = (int)(sizeof db_migrations /
		    sizeof db_migrations[0]);
	char	*sql;

	if (db_user_version(db, &version) != 0)
		goto fail;
	if (version > want) {
		xasprintf(err, "database schema version %d is newer than "
		    "this natterd (%d)", version, want);
		return (-1);
	}
	for (; version < want; version++) {
		xasprintf(&sql, "BEGIN; %s PRAGMA user_version = %d; COMMIT;",
		    db_migrations[version], version + 1);
		if (sqlite3_exec(db->h, sql, NULL, NULL, NULL) != SQLITE_OK) {
			free(sql);
			/* The message before the ROLLBACK clears it. */
			xasprintf(err, "database migration to version %d "
			    "failed: %s", version + 1, sqlite3_errmsg(db->h));
			sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
			return (-1);
		}
		free(sql);
	}
	return (0);
fail:
	xasprintf(err, "database migration failed: %s", sqlite3_errmsg(db->h));
	return (-1);
}

struct db *
db_open(const char *path, int sync_full, char **err)
{
	struct db	*db = xcalloc(1, sizeof *db);
	const char	*pragmas;

	*err = NULL;
	/* One thread uses SQLite: no allocator statistics, whose global
	 * mutex every malloc would take (fails harmlessly once SQLite is
	 * initialized, e.g. when a test opens a second database). */
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if (walbuf_register() != 0) {
		xasprintf(err, "cannot set up SQLite's file layer");
		goto fail;
	}
	if (sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, WALBUF_VFS) != SQLITE_OK) {
		xasprintf(err, "cannot open database %s: %s", path,
		    db->h != NULL ? sqlite3_errmsg(db->h) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(db->h, 2000);
	/* natterd is the database's only user: exclusive locking mode
	 * spares the file locks and shared memory of every transaction,
	 * and keeps a second natterd off the same data directory. */
	pragmas = sync_full ?
	    "PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=WAL; PRAGMA temp_store=MEMORY; "
	    "PRAGMA synchronous=FULL; PRAGMA wal_autocheckpoint=1000; "
	    "PRAGMA cache_size=-12288;" :
	    "PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=WAL; PRAGMA temp_store=MEMORY; "
	    "PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=1000; "
	    "PRAGMA cache_size=-12288;";
	if (sqlite3_exec(db->h, pragmas, NULL, NULL, NULL) != SQLITE_OK) {
		xasprintf(err, "cannot set up database %s (is another natterd using "
		    "it?): %s", path,
		    sqlite3_errmsg(db->h));
		goto fail;
	}
	if (db_migrate(db, err) != 0)
		goto fail;
	return (db);
fail:
	if (db->h != NULL)
		sqlite3_close(db->h);
	free(db);
	return (NULL);
}

struct db *
db_open_pg(uv_loop_t *loop, const char *conninfo, char **err)
{
	struct db		*db = xcalloc(1, sizeof *db);
	struct pg_config	 c;

	*err = NULL;
	memset(&c, 0, sizeof c);
	c.loop = loop;
	c.conninfo = conninfo;
	c.migrations = pgschema_migrations;
	c.nmigrations = pgschema_nmigrations;
	db->pg = pg_open(&c, DB_PG_CONNECT_S, err);
	if (db->pg == NULL) {
		free(db);
		return (NULL);
	}
	return (db);
}

struct pg *
db_pg(struct db *db)
{
	return (db->pg);
}

const char *
db_wal_path(struct db *db)
{
	return (sqlite3_filename_wal(sqlite3_db_filename(db->h, "main")));
}

void
db_close(struct db *db)
{
	size_t	i;

	if (db == NULL)
		return;
	if (db_commit(db) != 0)
		log_error("final commit failed");
	for (i = 0; i < DB_NEXT; i++) {
		if (db->ext_ops[i] != NULL && db->ext_ops[i]->free != NULL)
			db->ext_ops[i]->free(db->ext[i]);
	}
	for (i = 0; i < db->nstmts; i++)
		sqlite3_finalize(db->stmts[i].stmt);
	if (db->h != NULL)
		sqlite3_close(db->h);
	pg_close(db->pg);
	free(db);
}

/* Run one cached statement that returns no rows. */
static int
db_run(struct db *db, const char *sql)
{
	struct dbpg_params	 p;
	sqlite3_stmt		*st;
	int			 rc;

	if (db->pg != NULL) {
		dbpg_params_init(&p);
		return (dbpg_exec(db, sql, &p, NULL));
	}
	st = db_stmt(db, sql);
	rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		log_error("sqlite: %s: %s", sql, sqlite3_errmsg(db->h));
		return (-1);
	}
	return (0);
}

int
db_exec(struct db *db, const char *sql)
{
	if (sqlite3_exec(db->h, sql, NULL, NULL, NULL) != SQLITE_OK) {
		log_error("sqlite: %s: %s", sql, sqlite3_errmsg(db->h));
		return (-1);
	}
	return (0);
}

int
db_begin(struct db *db)
{
	if (db->in_txn)
		return (0);
	/* pg.c opens the turn's transaction with its first statement. */
	if (db->pg != NULL) {
		db->in_txn = 1;
		return (0);
	}
	if (db_run(db, "BEGIN IMMEDIATE") != 0)
		return (-1);
	db->in_txn = 1;
	return (0);
}

int
db_commit(struct db *db)
{
	if (!db->in_txn)
		return (0);
	db->in_txn = 0;
	/* pgturn.c commits PostgreSQL's turn, with the counters it
	 * changed (pgcount.h). */
	if (db->pg != NULL)
		return (pgcount_flush(db));
	if (db_run(db, "COMMIT") != 0) {
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
		return (-1);
	}
	/* The commit's WAL frames, in one write (walbuf.c). */
	if (walbuf_flush() != 0) {
		log_error("sqlite: cannot write the WAL");
		return (-1);
	}
	return (0);
}

int
db_in_txn(struct db *db)
{
	return (db->in_txn);
}

int
db_changes(struct db *db)
{
	return (sqlite3_changes(db->h));
}

sqlite3_stmt *
db_stmt(struct db *db, const char *sql)
{
	struct db_cached	*c;
	size_t			 i;

	for (i = 0; i < db->nstmts; i++) {
		c = &db->stmts[i];
		if (c->sql == sql) {
			sqlite3_reset(c->stmt);
			sqlite3_clear_bindings(c->stmt);
			return (c->stmt);
		}
	}
	if (db->pg != NULL)
		fatal("db: %s: a SQLite statement on the PostgreSQL store", sql);
	if (db->nstmts == DB_MAXSTMTS)
		fatal("db: statement cache full");
	c = &db->stmts[db->nstmts];
	if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &c->stmt, NULL) != SQLITE_OK)
		fatal("db: cannot prepare %s: %s", sql, sqlite3_errmsg(db->h));
	c->sql = sql;
	db->nstmts++;
	return (c->stmt);
}

sqlite3_stmt *
db_stmt_device(struct db *db, const char *sql, int64_t account,
    uint32_t device)
{
	sqlite3_stmt	*st = db_stmt(db, sql);

	sqlite3_bind_int64(st, 1, account);
	sqlite3_bind_int64(st, 2, device);
	return (st);
}

sqlite3_stmt *
db_write_device(struct db *db, const char *sql, int64_t account,
    uint32_t device)
{
	if (db_begin(db) != 0)
		return (NULL);
	return (db_stmt_device(db, sql, account, device));
}

int
db_step_done(sqlite3_stmt *st)
{
	int	rc = sqlite3_step(st);

	sqlite3_reset(st);
	return (rc == SQLITE_DONE ? 0 : -1);
}

int
db_step_int64(sqlite3_stmt *st, int64_t *value)
{
	int	rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		*value = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return (0);
	return (rc == SQLITE_DONE ? 1 : -1);
}

int
db_step_row(sqlite3_stmt *st)
{
	int	rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return (0);
	sqlite3_reset(st);
	return (rc == SQLITE_DONE ? 1 : -1);
}

int
db_column_blob(sqlite3_stmt *st, int col, void *out, size_t max,
    size_t *len)
{
	int	n = sqlite3_column_bytes(st, col);

	if (n <= 0 || (size_t)n > max)
		return (-1);
	memcpy(out, sqlite3_column_blob(st, col), (size_t)n);
	*len = (size_t)n;
	return (0);
}

static const char db_sql_savepoint[] = "SAVEPOINT request";
static const char db_sql_release[] = "RELEASE request";
static const char db_sql_rollback_to[] = "ROLLBACK TO request";

int
db_savepoint(struct db *db)
{
	if (db_begin(db) != 0 || db_run(db, db_sql_savepoint) != 0)
		return (-1);
	db->in_savepoint = 1;
	return (0);
}

static void
db_ext_hook(struct db *db, int rollback)
{
	const struct db_ext_ops	*ops;
	size_t			 i;

	db->in_savepoint = 0;
	for (i = 0; i < DB_NEXT; i++) {
		if ((ops = db->ext_ops[i]) == NULL)
			continue;
		if (rollback && ops->rollback != NULL)
			ops->rollback(db->ext[i]);
		else if (!rollback && ops->release != NULL)
			ops->release(db->ext[i]);
	}
}

int
db_release(struct db *db)
{
	if (db_run(db, db_sql_release) != 0)
		return (-1);
	db_ext_hook(db, 0);
	return (0);
}

void
db_rollback_savepoint(struct db *db)
{
	if (db_run(db, db_sql_rollback_to) != 0 ||
	    db_run(db, db_sql_release) != 0)
		log_error("cannot roll back a request");
	db_ext_hook(db, 1);
}

int
db_in_savepoint(struct db *db)
{
	return (db->in_savepoint);
}

void *
db_ext(struct db *db, enum db_ext which, const struct db_ext_ops *ops)
{
	if (db->ext_ops[which] == NULL) {
		db->ext[which] = ops->create();
		db->ext_ops[which] = ops;
	}
	return (db->ext[which]);
}
