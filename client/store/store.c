/* store: the profile's encrypted SQLite database and its lock. */
#include <sys/file.h>
#include <sys/stat.h>

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "client/store/schema.h"
#include "client/store/store.h"
#include "shared/crypto/sealed.h"
#include "shared/util/log.h"
#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"

#define STORE_SEEN_KEEP	20000
/* Times store_open finds the lock file replaced before it gives up. */
#define STORE_LOCK_TRIES	8

/* The files of a profile, the lock first, the directory files/ last. */
static const char *const store_files[] = { "lock", "key", "natter.db",
    "natter.db-wal", "natter.db-shm", "files" };
#define STORE_NFILES	(sizeof store_files / sizeof store_files[0])

struct store {
	char		*dir;
	int		 lockfd;
	int		 created;	/* store_open made the profile */
	int		 madedir;	/* and its directory */
	struct sealed	*key;
	uint8_t		*hkey;		/* sodium_malloc'd index key */
	sqlite3		*db;
};


const char *
store_strerror(enum store_err e)
{
	switch (e) {
	case STORE_OK:
		return ("success");
	case STORE_EPASS:
		return ("wrong passphrase");
	case STORE_ENOENT:
		return ("no profile");
	case STORE_ELOCKED:
		return ("profile in use by another natter process");
	case STORE_EIO:
		return ("cannot read or write the profile");
	case STORE_ECORRUPT:
		return ("profile damaged");
	}
	return ("unknown error");
}

const char *
store_dir(struct store *st)
{
	return (st->dir);
}

/* Make dir and its parents; *made says whether dir itself is new. */
static int
store_mkdirs(const char *dir, int *made)
{
	char	*p, *s;
	int	 rc = 0;

	*made = 0;
	s = xstrdup(dir);
	for (p = s + 1; *p != '\0' && rc == 0; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(s, 0700) == -1 && errno != EEXIST)
			rc = -1;
		*p = '/';
	}
	if (rc == 0 && mkdir(s, 0700) == 0)
		*made = 1;
	else if (rc == 0 && errno != EEXIST)
		rc = -1;
	free(s);
	return (rc);
}

/* 1 if path is still the file open on fd. */
static int
store_same_file(const char *path, int fd)
{
	struct stat	a, b;

	return (stat(path, &a) == 0 && fstat(fd, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino);
}

/*
 * Open and lock dir/lock: a store_err, or -1 if the file we locked is no
 * longer the profile's (store_discard removed it while we waited).
 */
static int
store_lock_once(struct store *st, int create, const char *path)
{
	struct timespec	 ts = { 0, 50 * 1000 * 1000 };
	int		 waited;

	st->lockfd = open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0),
	    0600);
	if (st->lockfd == -1)
		return (errno == ENOENT ? STORE_ENOENT : STORE_EIO);
	for (waited = 0; flock(st->lockfd, LOCK_EX | LOCK_NB) == -1;
	    waited += 50) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return (STORE_EIO);
		if (waited >= STORE_LOCK_WAIT_MS)
			return (STORE_ELOCKED);
		nanosleep(&ts, NULL);
	}
	if (store_same_file(path, st->lockfd))
		return (STORE_OK);
	close(st->lockfd);
	st->lockfd = -1;
	return (-1);
}

/* Lock the profile, making its directory first with create. */
static int
store_lock(struct store *st, int create)
{
	char	*path;
	int	 e = STORE_ELOCKED, tries;

	xasprintf(&path, "%s/lock", st->dir);
	for (tries = 0; tries < STORE_LOCK_TRIES; tries++) {
		if (create && store_mkdirs(st->dir, &st->madedir) == -1) {
			e = STORE_EIO;
			break;
		}
		if ((e = store_lock_once(st, create, path)) != -1)
			break;
		e = STORE_ELOCKED;
	}
	free(path);
	return (e);
}

static int
store_exec(struct store *st, const char *sql)
{
	char	*msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_warn("store: %s: %s", sql, msg != NULL ? msg : "?");
		sqlite3_free(msg);
		return (-1);
	}
	return (0);
}

static int
store_opendb(struct store *st)
{
	char	*path;
	int	 rc;

	xasprintf(&path, "%s/natter.db", st->dir);
	rc = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	free(path);
	if (rc != SQLITE_OK)
		return (-1);
	sqlite3_busy_timeout(st->db, 5000);
	if (store_exec(st, "PRAGMA journal_mode = WAL") != 0 ||
	    store_exec(st, "PRAGMA secure_delete = ON") != 0 ||
	    store_exec(st, "PRAGMA synchronous = FULL") != 0 ||
	    store_exec(st, "PRAGMA foreign_keys = ON") != 0)
		return (-1);
	return (schema_migrate(st->db));
}

static int
store_unwrap(struct store *st, const char *pass, size_t passlen, int create)
{
	enum sealed_err	 se = SEALED_OK;
	struct stat	 sb;
	char		*path;

	xasprintf(&path, "%s/key", st->dir);
	if (stat(path, &sb) == -1 && errno == ENOENT) {
		if (!create) {
			free(path);
			return (STORE_ENOENT);
		}
		st->key = sealed_create(path, pass, passlen, &se);
		st->created = st->key != NULL;
	} else
		st->key = sealed_open(path, pass, passlen, &se);
	free(path);
	if (st->key != NULL)
		return (STORE_OK);
	switch (se) {
	case SEALED_EPASS:
		return (STORE_EPASS);
	case SEALED_ECORRUPT:
		return (STORE_ECORRUPT);
	default:
		return (STORE_EIO);
	}
}

/*
 * The profile is the user's alone: its directory 0700, its files 0600,
 * also when --home named a directory that existed with looser modes.
 */
static void
store_tighten(struct store *st)
{
	char	*path;
	size_t	 i;

	if (chmod(st->dir, 0700) == -1)
		log_warn("cannot make %s private: %s", st->dir, strerror(errno));
	for (i = 0; i < STORE_NFILES; i++) {
		xasprintf(&path, "%s/%s", st->dir, store_files[i]);
		if (chmod(path, i == STORE_NFILES - 1 ? 0700 : 0600) == -1 &&
		    errno != ENOENT)
			log_warn("cannot make %s private: %s", path,
			    strerror(errno));
		free(path);
	}
}

struct store *
store_open(const char *dir, const char *pass, size_t passlen, int flags,
    enum store_err *err)
{
	struct store	*st;
	int		 create = (flags & STORE_CREATE) != 0;
	int		 e;

	if (sodium_init() == -1)
		fatal("sodium_init failed");
	st = xcalloc(1, sizeof *st);
	st->dir = xstrdup(dir);
	st->lockfd = -1;
	if ((e = store_lock(st, create)) != STORE_OK)
		goto fail;
	if ((e = store_unwrap(st, pass, passlen, create)) != STORE_OK)
		goto fail;
	st->hkey = sodium_malloc(SEALED_KEYBYTES);
	if (st->hkey == NULL)
		fatal("sodium_malloc failed");
	if (sealed_table_key(st->key, st->hkey, "index") != 0 ||
	    store_opendb(st) != 0) {
		e = STORE_EIO;
		goto fail;
	}
	if (create) {
		char	*files;

		xasprintf(&files, "%s/files", dir);
		(void)mkdir(files, 0700);
		free(files);
	}
	store_tighten(st);
	*err = STORE_OK;
	return (st);
fail:
	*err = e;
	if (st->created)
		store_discard(st);
	else
		store_close(st);
	return (NULL);
}

int
store_created(struct store *st)
{
	return (st->created);
}

void
store_discard(struct store *st)
{
	char	*path;
	size_t	 i;

	assert(st->created);
	if (st->db != NULL)
		sqlite3_close(st->db);
	st->db = NULL;
	for (i = STORE_NFILES; i-- > 0;) {
		xasprintf(&path, "%s/%s", st->dir, store_files[i]);
		if ((i == STORE_NFILES - 1 ? rmdir(path) : unlink(path)) ==
		    -1 && errno != ENOENT)
			log_warn("cannot remove %s: %s", path, strerror(errno));
		free(path);
	}
	if (st->madedir && rmdir(st->dir) == -1)
		log_warn("cannot remove %s: %s", st->dir, strerror(errno));
	store_close(st);
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->db != NULL)
		sqlite3_close(st->db);
	if (st->hkey != NULL)
		sodium_free(st->hkey);
	sealed_free(st->key);
	if (st->lockfd != -1)
		close(st->lockfd);
	free(st->dir);
	free(st);
}

int
store_begin(struct store *st)
{
	return (store_exec(st, "BEGIN IMMEDIATE"));
}

int
store_commit(struct store *st)
{
	return (store_exec(st, "COMMIT"));
}

void
store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		(void)store_exec(st, "ROLLBACK");
}

/* Keyed hash of a domain-separated value, used for lookups. */
void
store_hash(struct store *st, uint8_t out[STORE_HASHBYTES], const char *dom,
    const void *val, size_t len)
{
	crypto_generichash_state	h;

	crypto_generichash_init(&h, st->hkey, SEALED_KEYBYTES, STORE_HASHBYTES);
	crypto_generichash_update(&h, (const uint8_t *)dom, strlen(dom) + 1);
	crypto_generichash_update(&h, val, len);
	crypto_generichash_final(&h, out, STORE_HASHBYTES);
	sodium_memzero(&h, sizeof h);
}

sqlite3_stmt *
store_prep(struct store *st, const char *sql)
{
	sqlite3_stmt	*s;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		log_warn("store: %s: %s", sql, sqlite3_errmsg(st->db));
		return (NULL);
	}
	return (s);
}

/* Run a statement that returns no rows; finalizes it.  0 or -1. */
int
store_done(struct store *st, sqlite3_stmt *s)
{
	int	 rc;

	if (s == NULL)
		return (-1);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		log_warn("store: %s", sqlite3_errmsg(st->db));
		return (-1);
	}
	return (0);
}

/* Bind the sealed form of val for (table, rowid, "v") at index idx. */
int
store_bind_sealed(struct store *st, sqlite3_stmt *s, int idx,
    const char *table, int64_t rowid, const void *val, size_t len)
{
	uint8_t	*buf;

	buf = xmalloc(len + SEALED_COLUMN_OVERHEAD);
	if (sealed_column_seal(st->key, buf, val, len, table, rowid,
	    "v") != 0) {
		free(buf);
		return (-1);
	}
	return (sqlite3_bind_blob(s, idx, buf, (int)(len +
	    SEALED_COLUMN_OVERHEAD), free) == SQLITE_OK ? 0 : -1);
}

/* Open column col of the current row, sealed for (table, rowid, "v"). */
int
store_col_open(struct store *st, sqlite3_stmt *s, int col, const char *table,
    int64_t rowid, uint8_t **out, size_t *outlen)
{
	const uint8_t	*in = sqlite3_column_blob(s, col);
	size_t		 len = (size_t)sqlite3_column_bytes(s, col);
	uint8_t		*buf;

	if (in == NULL || len < SEALED_COLUMN_OVERHEAD)
		return (-1);
	buf = xmalloc(len - SEALED_COLUMN_OVERHEAD + 1);
	if (sealed_column_open(st->key, buf, in, len, table, rowid,
	    "v") != 0) {
		log_warn("store: %s row %lld fails to open", table,
		    (long long)rowid);
		free(buf);
		return (-1);
	}
	buf[len - SEALED_COLUMN_OVERHEAD] = '\0';
	*out = buf;
	*outlen = len - SEALED_COLUMN_OVERHEAD;
	return (0);
}

/* Fetch and open the v column of table by a query binding one blob. */
static int
store_get_by(struct store *st, const char *sql, const char *table,
    const void *key, size_t keylen, int64_t rowid, uint8_t **v, size_t *len)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = store_prep(st, sql)) == NULL)
		return (-1);
	if (key != NULL)
		sqlite3_bind_blob(s, 1, key, (int)keylen, SQLITE_TRANSIENT);
	else
		sqlite3_bind_int64(s, 1, rowid);
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE)
		rc = 1;
	else if (rc == SQLITE_ROW)
		rc = store_col_open(st, s, 1, table, sqlite3_column_int64(s, 0),
		    v, len);
	else
		rc = -1;
	sqlite3_finalize(s);
	return (rc);
}

int64_t
store_next_id(struct store *st, const char *table)
{
	sqlite3_stmt	*s;
	char		*sql;
	int64_t		 id = -1;

	xasprintf(&sql, "SELECT coalesce(max(id), 0) + 1 FROM %s", table);
	s = store_prep(st, sql);
	free(sql);
	if (s != NULL && sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return (id);
}

sqlite3_stmt *
store_prep_peer(struct store *st, const char *sql, const char *peer)
{
	sqlite3_stmt	*s;
	uint8_t		 hp[STORE_HASHBYTES];

	store_hash(st, hp, "peer", peer, strlen(peer));
	if ((s = store_prep(st, sql)) != NULL)
		sqlite3_bind_blob(s, 1, hp, sizeof hp, SQLITE_TRANSIENT);
	return (s);
}

int64_t
store_find(struct store *st, const char *sql, const uint8_t *h)
{
	sqlite3_stmt	*s;
	int64_t		 id = 0;

	if ((s = store_prep(st, sql)) == NULL)
		return (-1);
	sqlite3_bind_blob(s, 1, h, STORE_HASHBYTES, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return (id);
}

int
store_kv_get(struct store *st, int key, uint8_t **val, size_t *len)
{
	return (store_get_by(st, "SELECT id, v FROM kv WHERE id = ?", "kv",
	    NULL, 0, key, val, len));
}

int
store_kv_put(struct store *st, int key, const void *val, size_t len)
{
	sqlite3_stmt	*s;

	s = store_prep(st, "INSERT OR REPLACE INTO kv(id, v) VALUES (?, ?)");
	if (s == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, key);
	if (store_bind_sealed(st, s, 2, "kv", key, val, len) != 0) {
		sqlite3_finalize(s);
		return (-1);
	}
	return (store_done(st, s));
}

int
store_contact_get(struct store *st, const char *name, struct store_contact *c)
{
	uint8_t	 h[STORE_HASHBYTES], *v;
	size_t	 len;
	int	 rc;

	store_hash(st, h, "contact", name, strlen(name));
	rc = store_get_by(st, "SELECT id, v FROM contacts WHERE h = ?",
	    "contacts", h, sizeof h, 0, &v, &len);
	if (rc != 0)
		return (rc);
	if (len != 1 + 1 + 32 + 32) {
		free(v);
		return (-1);
	}
	memset(c, 0, sizeof *c);
	c->trust = v[0];
	c->has_new = v[1];
	memcpy(c->ik, v + 2, 32);
	memcpy(c->new_ik, v + 34, 32);
	free(v);
	return (0);
}

int
store_contact_put(struct store *st, const char *name,
    const struct store_contact *c)
{
	sqlite3_stmt	*s;
	uint8_t		 h[STORE_HASHBYTES], v[66];
	int64_t		 id;

	store_hash(st, h, "contact", name, strlen(name));
	id = store_find(st, "SELECT id FROM contacts WHERE h = ?", h);
	if (id == 0)
		id = store_next_id(st, "contacts");
	if (id < 0)
		return (-1);
	v[0] = (uint8_t)c->trust;
	v[1] = (uint8_t)c->has_new;
	memcpy(v + 2, c->ik, 32);
	memcpy(v + 34, c->new_ik, 32);
	s = store_prep(st,
	    "INSERT OR REPLACE INTO contacts(id, h, v) VALUES (?, ?, ?)");
	if (s == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_blob(s, 2, h, sizeof h, SQLITE_TRANSIENT);
	if (store_bind_sealed(st, s, 3, "contacts", id, v, sizeof v) != 0) {
		sqlite3_finalize(s);
		return (-1);
	}
	return (store_done(st, s));
}

static void
store_session_hash(struct store *st, uint8_t h[STORE_HASHBYTES],
    const char *name, uint32_t device)
{
	uint8_t	*buf;
	size_t	 n = strlen(name);

	buf = xmalloc(n + 5);
	memcpy(buf, name, n + 1);
	buf[n + 1] = device >> 24;
	buf[n + 2] = device >> 16;
	buf[n + 3] = device >> 8;
	buf[n + 4] = device;
	store_hash(st, h, "session", buf, n + 5);
	free(buf);
}

int
store_session_get(struct store *st, const char *name, uint32_t device,
    uint8_t **rec, size_t *len)
{
	uint8_t	 h[STORE_HASHBYTES], *v;
	size_t	 vlen;
	int	 rc;

	store_session_hash(st, h, name, device);
	rc = store_get_by(st, "SELECT id, v FROM sessions WHERE h = ?",
	    "sessions", h, sizeof h, 0, &v, &vlen);
	if (rc != 0)
		return (rc);
	if (vlen < 4) {
		free(v);
		return (-1);
	}
	memmove(v, v + 4, vlen - 4);
	*rec = v;
	*len = vlen - 4;
	return (0);
}

int
store_session_put(struct store *st, const char *name, uint32_t device,
    const uint8_t *rec, size_t len)
{
	sqlite3_stmt	*s;
	uint8_t		 h[STORE_HASHBYTES], nh[STORE_HASHBYTES], *v;
	int64_t		 id;
	int		 rc;

	store_session_hash(st, h, name, device);
	store_hash(st, nh, "sessions of", name, strlen(name));
	id = store_find(st, "SELECT id FROM sessions WHERE h = ?", h);
	if (id == 0)
		id = store_next_id(st, "sessions");
	if (id < 0)
		return (-1);
	s = store_prep(st, "INSERT OR REPLACE INTO sessions(id, h, nh, v)"
	    " VALUES (?, ?, ?, ?)");
	if (s == NULL)
		return (-1);
	v = xmalloc(len + 4);
	v[0] = device >> 24;
	v[1] = device >> 16;
	v[2] = device >> 8;
	v[3] = device;
	memcpy(v + 4, rec, len);
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_blob(s, 2, h, sizeof h, SQLITE_TRANSIENT);
	sqlite3_bind_blob(s, 3, nh, sizeof nh, SQLITE_TRANSIENT);
	rc = store_bind_sealed(st, s, 4, "sessions", id, v, len + 4);
	sodium_memzero(v, len + 4);
	free(v);
	if (rc != 0) {
		sqlite3_finalize(s);
		return (-1);
	}
	return (store_done(st, s));
}

int
store_session_del(struct store *st, const char *name, uint32_t device)
{
	sqlite3_stmt	*s;
	uint8_t		 h[STORE_HASHBYTES];

	store_session_hash(st, h, name, device);
	if ((s = store_prep(st, "DELETE FROM sessions WHERE h = ?")) == NULL)
		return (-1);
	sqlite3_bind_blob(s, 1, h, sizeof h, SQLITE_TRANSIENT);
	return (store_done(st, s));
}

int
store_session_devices(struct store *st, const char *name, uint32_t *devices,
    int max)
{
	sqlite3_stmt	*s;
	uint8_t		 nh[STORE_HASHBYTES], *v;
	size_t		 len;
	int		 n = 0;

	store_hash(st, nh, "sessions of", name, strlen(name));
	s = store_prep(st, "SELECT id, v FROM sessions WHERE nh = ? ORDER BY id");
	if (s == NULL)
		return (-1);
	sqlite3_bind_blob(s, 1, nh, sizeof nh, SQLITE_TRANSIENT);
	while (n < max && sqlite3_step(s) == SQLITE_ROW) {
		if (store_col_open(st, s, 1, "sessions",
		    sqlite3_column_int64(s, 0), &v, &len) != 0 || len < 4) {
			n = -1;
			break;
		}
		devices[n++] = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 |
		    (uint32_t)v[2] << 8 | v[3];
		sodium_memzero(v, len);
		free(v);
	}
	sqlite3_finalize(s);
	return (n);
}

static int64_t
store_prekey_rowid(int kind, uint32_t id)
{
	return ((int64_t)kind << 32 | id);
}

int
store_prekey_put(struct store *st, int kind, uint32_t id, const uint8_t *sk,
    size_t len)
{
	sqlite3_stmt	*s;
	int64_t		 rowid = store_prekey_rowid(kind, id);

	s = store_prep(st, "INSERT OR REPLACE INTO prekeys(id, kind, made, v) "
	    "VALUES (?, ?, ?, ?)");
	if (s == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, rowid);
	sqlite3_bind_int(s, 2, kind);
	sqlite3_bind_int64(s, 3, time_now_ms());
	if (store_bind_sealed(st, s, 4, "prekeys", rowid, sk, len) != 0) {
		sqlite3_finalize(s);
		return (-1);
	}
	return (store_done(st, s));
}

int
store_prekey_get(struct store *st, int kind, uint32_t id, uint8_t **sk,
    size_t *len)
{
	return (store_get_by(st, "SELECT id, v FROM prekeys WHERE id = ?",
	    "prekeys", NULL, 0, store_prekey_rowid(kind, id), sk, len));
}

int
store_prekey_del(struct store *st, int kind, uint32_t id)
{
	sqlite3_stmt	*s;

	if ((s = store_prep(st, "DELETE FROM prekeys WHERE id = ?")) == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, store_prekey_rowid(kind, id));
	return (store_done(st, s));
}

static int
store_count(struct store *st, const char *sql, int arg)
{
	sqlite3_stmt	*s;
	int		 n = -1;

	if ((s = store_prep(st, sql)) == NULL)
		return (-1);
	if (sqlite3_bind_parameter_count(s) > 0)
		sqlite3_bind_int(s, 1, arg);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return (n);
}

int
store_prekey_count(struct store *st, int kind)
{
	return (store_count(st, "SELECT count(*) FROM prekeys WHERE kind = ?",
	    kind));
}

int
store_outbox_count(struct store *st)
{
	return (store_count(st, "SELECT count(*) FROM outbox", 0));
}

int
store_seq_seen(struct store *st, uint64_t seq)
{
	sqlite3_stmt	*s;
	int		 found;

	if ((s = store_prep(st, "SELECT 1 FROM seen WHERE seq = ?")) == NULL)
		return (0);
	sqlite3_bind_int64(s, 1, (int64_t)seq);
	found = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_finalize(s);
	return (found);
}

int
store_seq_add(struct store *st, uint64_t seq)
{
	sqlite3_stmt	*s;

	s = store_prep(st, "INSERT OR IGNORE INTO seen(seq) VALUES (?)");
	if (s == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, (int64_t)seq);
	if (store_done(st, s) != 0)
		return (-1);
	s = store_prep(st, "DELETE FROM seen WHERE seq < ?");
	if (s == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, (int64_t)seq - STORE_SEEN_KEEP);
	return (store_done(st, s));
}

int
store_outbox_add(struct store *st, const Natter__OutboxItem *o, int64_t *oid)
{
	sqlite3_stmt	*s;
	uint8_t		*buf;
	size_t		 len;
	int64_t		 id;
	int		 rc;

	if ((id = store_next_id(st, "outbox")) < 0)
		return (-1);
	s = store_prep(st, "INSERT INTO outbox(id, v) VALUES (?, ?)");
	if (s == NULL)
		return (-1);
	len = natter__outbox_item__get_packed_size(o);
	buf = xmalloc(len + 1);
	natter__outbox_item__pack(o, buf);
	sqlite3_bind_int64(s, 1, id);
	rc = store_bind_sealed(st, s, 2, "outbox", id, buf, len);
	sodium_memzero(buf, len);
	free(buf);
	if (rc != 0) {
		sqlite3_finalize(s);
		return (-1);
	}
	*oid = id;
	return (store_done(st, s));
}

int
store_outbox_del(struct store *st, int64_t oid)
{
	sqlite3_stmt	*s;

	if ((s = store_prep(st, "DELETE FROM outbox WHERE id = ?")) == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, oid);
	return (store_done(st, s));
}

int
store_outbox_each(struct store *st, store_outbox_cb *cb, void *arg)
{
	Natter__OutboxItem	*o;
	sqlite3_stmt		*s;
	uint8_t			*v;
	size_t			 len;
	int64_t			 id;
	int			 rc = 0;

	if ((s = store_prep(st, "SELECT id, v FROM outbox ORDER BY id")) == NULL)
		return (-1);
	while (rc == 0 && sqlite3_step(s) == SQLITE_ROW) {
		id = sqlite3_column_int64(s, 0);
		if (store_col_open(st, s, 1, "outbox", id, &v, &len) != 0) {
			rc = -1;
			break;
		}
		o = natter__outbox_item__unpack(NULL, len, v);
		sodium_memzero(v, len);
		free(v);
		if (o == NULL) {
			rc = -1;
			break;
		}
		rc = cb(id, o, arg);
		natter__outbox_item__free_unpacked(o, NULL);
	}
	sqlite3_finalize(s);
	return (rc);
}
