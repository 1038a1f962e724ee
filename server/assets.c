/* assets: the asset service: blobs by SHA-256, their table, tokens, limits.
 *
 * A blob is the client's ciphertext, named by its SHA-256 (64 lowercase
 * hex digits). Its file lives in blobstore.c's blobs/; its row in the
 * table assets (id, size, expires) says until when it is served. The
 * file is made (fsync, rename, fsync) before the row is written, so the
 * row is the only thing a crash can lose: assets_start gives any blob
 * file without a row a fresh one, and forgets rows without a file.
 * Uploads (upload.c) need a token (assettoken.c) from the WebSocket; the
 * per-device limits are kept here, in memory. On PostgreSQL the table's
 * statements are assets_pg.c's: the files and the metrics stay here. */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/accounts.h"
#include "server/assets.h"
#include "server/assets_pg.h"
#include "server/blobstore.h"
#include "server/db.h"
#include "server/fiber.h"
#include "server/httpreq.h"
#include "server/itab.h"
#include "server/metrics.h"
#include "server/pgturn.h"
#include "server/session.h"
#include "shared/util/log.h"
#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"

#define C(x)	NATTER__CODE__##x

#define ASSETS_WINDOW_MS	(3600 * 1000)	/* for ASSETS_HOURLY */
#define ASSETS_PURGE_BATCH	256

/* One device's uploads: how many run, what it sent in this window. */
struct assets_quota {
	unsigned	active;
	int64_t		window_start;
	uint64_t	bytes;
};

static struct blobstore	*assets_blobs;
static struct db	*assets_db;
static uv_loop_t	*assets_uvloop;
static int64_t		 assets_ttl;
static uint64_t		 assets_maxbytes;
static struct itab	*assets_quotas;	/* (account, device) -> quota */

/* A blob file seen at start: give it a row if it has none. */
static void
assets_adopt(const char *id, uint64_t size, void *arg)
{
	int64_t		*now = arg;
	sqlite3_stmt	*st;

	if (db_pg(assets_db) != NULL) {
		if (assets_pg_adopt(assets_db, id, size, *now + assets_ttl) == 0)
			log_info("asset %s had no row: kept for a TTL", id);
		return;
	}
	if (db_begin(assets_db) != 0)
		return;
	st = db_stmt(assets_db, "INSERT OR IGNORE INTO assets (id, size, "
	    "expires) VALUES (?, ?, ?)");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)size);
	sqlite3_bind_int64(st, 3, *now + assets_ttl);
	if (db_step_done(st) == 0 && db_changes(assets_db) > 0)
		log_info("asset %s had no row: kept for a TTL", id);
}

/* Rows whose file is gone (deleted by hand, say) are forgotten. */
static int
assets_forget_missing(void)
{
	sqlite3_stmt	*st, *del;
	struct stat	 sb;
	char		*path;
	int		 rc;

	st = db_stmt(assets_db, "SELECT id FROM assets");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		path = blobstore_blob_path(assets_blobs,
		    (const char *)sqlite3_column_text(st, 0));
		if (stat(path, &sb) != 0) {
			del = db_stmt(assets_db, "DELETE FROM assets WHERE "
			    "id = ?");
			sqlite3_bind_text(del, 1, (const char *)
			    sqlite3_column_text(st, 0), -1, SQLITE_TRANSIENT);
			if (db_begin(assets_db) != 0 || db_step_done(del) != 0)
				rc = SQLITE_ERROR;
		}
		free(path);
		if (rc == SQLITE_ERROR)
			break;
	}
	sqlite3_reset(st);
	return (rc == SQLITE_DONE ? 0 : -1);
}

/* assets_start's reconciliation on PostgreSQL: SQLite's (the nodes
 * share the blob directory as they share the table, so any node's start
 * may reconcile the two), but its statements wait: on a fiber only. */
static int
assets_start_pg(char **err)
{
	int64_t	now = time_now_ms(), bytes = 0;

	if (fiber_self() == NULL) {
		xasprintf(err, "with the PostgreSQL store, assets_start must "
		    "run on a fiber");
		return (-1);
	}
	blobstore_foreach(assets_blobs, assets_adopt, &now);
	if (assets_pg_forget_missing(assets_db, assets_blobs) != 0 ||
	    assets_pg_bytes(assets_db, &bytes) != 0) {
		xasprintf(err, "cannot read the assets table");
		return (-1);
	}
	metrics_add(METRICS_ASSET_BYTES, (uint64_t)bytes);
	return (0);
}

/*
 * With PostgreSQL, the HTTP side (upload.c, download.c) runs on the loop,
 * not on a fiber, and must not wait for the store. So there:
 *   - whether a blob is stored is whether its file is (the nodes share
 *     the blob directory; a blob past its expiry is served until the
 *     purge, at most half a TTL, takes it);
 *   - its row is written in the background, on a fiber of its own, in
 *     the next transaction. The file is in place and synced first, and
 *     a file without a row is adopted (given a TTL) by the next start.
 */
struct assets_later {
	char		id[HTTPREQ_IDLEN + 1];
	uint64_t	size;
	int64_t		now;
	int		record;		/* else touch */
};

static void
assets_later_run(void *arg)
{
	struct assets_later	*l = arg;
	char			*err = NULL;
	int			 rc;

	pgturn_enter(PGTURN_SHARED);
	if (l->id[0] == '\0') {
		if (assets_start_pg(&err) != 0) {
			log_warn("assets: %s", err);
			free(err);
		}
	} else if (l->record) {
		if ((rc = assets_record(l->id, l->size, l->now)) == -1)
			log_warn("asset %s: cannot record it (the next start "
			    "adopts its file)", l->id);
	} else if (assets_touch(l->id, l->now) != 0)
		log_warn("asset %s: cannot extend its expiry", l->id);
	pgturn_leave();
	free(l);
}

/* Run the row's side of a record or touch (or, id NULL, the start's
 * reconciliation) on a fiber of its own. */
static void
assets_later(const char *id, uint64_t size, int64_t now, int record)
{
	struct assets_later	*l = xcalloc(1, sizeof *l);

	if (id != NULL)
		snprintf(l->id, sizeof l->id, "%s", id);
	l->size = size;
	l->now = now;
	l->record = record;
	if (fiber_run(assets_later_run, l, NULL, NULL) != 0) {
		log_warn("assets: no fiber free; %s skipped",
		    id != NULL ? id : "the start's reconciliation");
		free(l);
	}
}

/* On the loop with PostgreSQL: is the blob's file there? 0 (size set),
 * 1 no, -1 error. */
static int
assets_file_lookup(const char *id, uint64_t *size)
{
	struct stat	 sb;
	char		*path = blobstore_blob_path(assets_blobs, id);
	int		 rc = 0;

	if (stat(path, &sb) == 0)
		*size = (uint64_t)sb.st_size;
	else
		rc = errno == ENOENT ? 1 : -1;
	free(path);
	return (rc);
}

/* A stable number for an account name (FNV-1a), to key its quota. */
static uint64_t
assets_name_key(const char *name)
{
	uint64_t	h = 0xcbf29ce484222325ULL;

	for (; *name != '\0'; name++)
		h = (h ^ (uint8_t)*name) * 0x100000001b3ULL;
	return (h);
}

/* 1 when a call on PostgreSQL comes from the loop, not a fiber. */
static int
assets_on_loop(void)
{
	return (db_pg(assets_db) != NULL && fiber_self() == NULL);
}

int
assets_start(const struct assets_config *cfg, char **err)
{
	sqlite3_stmt	*st;
	int64_t		 now = time_now_ms(), bytes = 0;

	*err = NULL;
	if ((assets_blobs = blobstore_open(cfg->dir, err)) == NULL)
		return (-1);
	assets_db = cfg->db;
	assets_uvloop = cfg->loop;
	assets_ttl = cfg->ttl_ms;
	assets_maxbytes = cfg->max_asset;
	assets_quotas = itab_create();
	if (db_pg(assets_db) != NULL) {
		if (fiber_self() != NULL)
			return (assets_start_pg(err));
		/* natterd's start: reconciled in the background. */
		assets_later(NULL, 0, now, 0);
		return (0);
	}
	blobstore_foreach(assets_blobs, assets_adopt, &now);
	st = db_stmt(assets_db, "SELECT coalesce(sum(size), 0) FROM assets");
	if (assets_forget_missing() != 0 || db_step_int64(st, &bytes) != 0) {
		xasprintf(err, "cannot read the assets table");
		return (-1);
	}
	metrics_add(METRICS_ASSET_BYTES, (uint64_t)bytes);
	return (0);
}

static void
assets_free_quota(uint64_t key, uint64_t value, void *arg)
{
	free((void *)(uintptr_t)value);
}

void
assets_stop(void)
{
	if (assets_quotas != NULL)
		itab_foreach(assets_quotas, assets_free_quota, NULL);
	itab_free(assets_quotas);
	assets_quotas = NULL;
	blobstore_free(assets_blobs);
	assets_blobs = NULL;
}

struct blobstore *
assets_store(void)
{
	return (assets_blobs);
}

uv_loop_t *
assets_loop(void)
{
	return (assets_uvloop);
}

uint64_t
assets_max(void)
{
	return (assets_maxbytes);
}

uint32_t
assets_token(struct session *s, const Natter__Frame *f, const char **why)
{
	Natter__Response	r = NATTER__RESPONSE__INIT;
	char			token[ASSETTOKEN_MAXLEN + 1];
	int64_t			expires = time_now_ms() / 1000 +
				    ASSETTOKEN_TTL_S;

	if (assets_blobs == NULL) {
		*why = "this server keeps no assets";
		return (C(INTERNAL));
	}
	assettoken_make(blobstore_key(assets_blobs), session_name(s),
	    session_device(s), expires, token, sizeof token);
	r.code = C(OK);
	r.asset_token = token;
	r.expires_ts = expires * 1000;
	r.server_ts = time_now_ms();
	session_send_response(s, f->id, &r);
	return (C(OK));
}

int
assets_lookup(const char *id, int64_t now, uint64_t *size)
{
	sqlite3_stmt	*st;
	int64_t		 expires;
	int		 rc;

	if (assets_on_loop())
		return (assets_file_lookup(id, size));
	if (db_pg(assets_db) != NULL)
		return (assets_pg_lookup(assets_db, id, now, size));
	st = db_stmt(assets_db, "SELECT size, expires FROM assets WHERE "
	    "id = ?");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if ((rc = db_step_row(st)) != 0)
		return (rc);
	*size = (uint64_t)sqlite3_column_int64(st, 0);
	expires = sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	/* Expired is gone, whether or not the purge has run. */
	return (expires > now ? 0 : 1);
}

int
assets_touch(const char *id, int64_t now)
{
	sqlite3_stmt	*st;

	if (assets_on_loop()) {
		assets_later(id, 0, now, 0);
		return (0);
	}
	if (db_pg(assets_db) != NULL)
		return (assets_pg_touch(assets_db, id, now + assets_ttl));
	if (db_begin(assets_db) != 0)
		return (-1);
	st = db_stmt(assets_db, "UPDATE assets SET expires = max(expires, ?) "
	    "WHERE id = ?");
	sqlite3_bind_int64(st, 1, now + assets_ttl);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	return (db_step_done(st));
}

/* assets_record's table side on SQLite: 0 new, 1 touched, -1. */
static int
assets_insert(const char *id, uint64_t size, int64_t now)
{
	sqlite3_stmt	*st;
	uint64_t	 old;
	int		 rc;

	if ((rc = assets_lookup(id, INT64_MIN, &old)) == -1)
		return (-1);
	if (rc == 0)		/* another device stored it meanwhile */
		return (assets_touch(id, now) == 0 ? 1 : -1);
	if (db_begin(assets_db) != 0)
		return (-1);
	st = db_stmt(assets_db, "INSERT INTO assets (id, size, expires) "
	    "VALUES (?, ?, ?)");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)size);
	sqlite3_bind_int64(st, 3, now + assets_ttl);
	return (db_step_done(st));
}

int
assets_record(const char *id, uint64_t size, int64_t now)
{
	int	rc;

	if (assets_on_loop()) {
		assets_later(id, size, now, 1);
		return (0);
	}
	if (db_pg(assets_db) != NULL)
		rc = assets_pg_record(assets_db, id, size, now + assets_ttl);
	else
		rc = assets_insert(id, size, now);
	if (rc != 0)
		return (rc);
	metrics_add(METRICS_ASSETS_STORED, 1);
	metrics_add(METRICS_ASSET_BYTES, size);
	return (0);
}

/*
 * Delete one expired blob: its file, then its row. On PostgreSQL the
 * other way round, and the row only while it is still expired: another
 * node may have touched the blob since the purge listed it, and a blob
 * it was just told is stored must keep its file. A file whose row went
 * but which could not be deleted is adopted again at the next start.
 * 0 gone, 1 kept, -1 error.
 */
static int
assets_expire(const char *id, uint64_t size, int64_t now)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (db_pg(assets_db) != NULL) {
		if ((rc = assets_pg_expire(assets_db, id, now, &size)) != 0)
			return (rc);	/* 1: touched meanwhile, kept */
		metrics_sub(METRICS_ASSET_BYTES, size);
		if (blobstore_remove_blob(assets_blobs, id) != 0) {
			log_warn("cannot delete expired asset %s", id);
			return (-1);
		}
		return (0);
	}
	if (blobstore_remove_blob(assets_blobs, id) != 0) {
		log_warn("cannot delete expired asset %s", id);
		return (-1);
	}
	if (db_begin(assets_db) != 0)
		return (-1);
	st = db_stmt(assets_db, "DELETE FROM assets WHERE id = ?");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (db_step_done(st) != 0)
		return (-1);
	metrics_sub(METRICS_ASSET_BYTES, size);
	return (0);
}

/* Up to ASSETS_PURGE_BATCH blobs expired at now: 0 or -1. */
static int
assets_expired(int64_t now, char ids[][HTTPREQ_IDLEN + 1], uint64_t *sizes,
    size_t *n)
{
	sqlite3_stmt	*st;

	*n = 0;
	if (db_pg(assets_db) != NULL)
		return (assets_pg_expired(assets_db, now, ids, sizes,
		    ASSETS_PURGE_BATCH, n));
	st = db_stmt(assets_db, "SELECT id, size FROM assets WHERE "
	    "expires <= ? LIMIT 256");
	sqlite3_bind_int64(st, 1, now);
	while (*n < ASSETS_PURGE_BATCH && sqlite3_step(st) == SQLITE_ROW) {
		snprintf(ids[*n], HTTPREQ_IDLEN + 1, "%s",
		    (const char *)sqlite3_column_text(st, 0));
		sizes[(*n)++] = (uint64_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return (0);
}

void
assets_purge(int64_t now)
{
	char		 ids[ASSETS_PURGE_BATCH][HTTPREQ_IDLEN + 1];
	uint64_t	 sizes[ASSETS_PURGE_BATCH];
	size_t		 n = 0, i, gone = 0;

	if (assets_blobs == NULL)
		return;
	/* A batch per run: the next run takes the rest. */
	if (assets_expired(now, ids, sizes, &n) != 0)
		n = 0;
	for (i = 0; i < n; i++) {
		if (assets_expire(ids[i], sizes[i], now) == 0)
			gone++;
	}
	if (gone > 0)
		log_info("purged %zu expired assets", gone);
	gone = blobstore_purge_partials(assets_blobs,
	    now / 1000 - ASSETS_PARTIAL_TTL_S);
	if (gone > 0)
		log_info("purged %zu stale partial uploads", gone);
}

unsigned
assets_authorize(const char *hdr, int64_t now, struct assets_who *who,
    const char **why)
{
	char		token[HTTPREQ_MAXTOKEN + 1];
	uint8_t		ik[ACCOUNTS_KEYBYTES];
	int		rc;

	if (hdr == NULL || httpreq_bearer(hdr, token) != 0) {
		*why = "send Authorization: Bearer TOKEN (an asset token "
		    "from the WebSocket)";
		return (401);
	}
	switch (assettoken_verify(blobstore_key(assets_blobs), token,
	    now / 1000, who->name, &who->device)) {
	case ASSETTOKEN_OK:
		break;
	case ASSETTOKEN_EXPIRED:
		*why = "the asset token has expired; ask for a new one";
		return (403);
	default:
		*why = "the asset token is not valid";
		return (403);
	}
	/*
	 * With PostgreSQL this runs on the loop, which must not wait for
	 * the store, so the token alone speaks: it was made over the
	 * device's authenticated connection within the hour, with the key
	 * every node shares. A device removed since can still upload (blobs
	 * are ciphertext no one is sent; the quota below bounds it) until
	 * its token expires, but can read nothing. Quotas are then per name,
	 * each node counting its own.
	 */
	if (assets_on_loop()) {
		who->account = (int64_t)(assets_name_key(who->name) >> 1);
		return (0);
	}
	rc = accounts_lookup(assets_db, who->name, &who->account);
	if (rc == 0)
		rc = accounts_device_key(assets_db, who->account, who->device,
		    ik);
	if (rc == -1) {
		*why = "server error; retry later";
		return (500);
	}
	if (rc != 0) {
		*why = "the asset token's device no longer exists";
		return (403);
	}
	return (0);
}

static struct assets_quota *
assets_quota(const struct assets_who *who)
{
	struct assets_quota	*q;
	uint64_t		 key = itab_key_pair(who->account, who->device);
	uint64_t		 v;

	if (itab_get(assets_quotas, key, &v))
		return ((struct assets_quota *)(uintptr_t)v);
	q = xcalloc(1, sizeof *q);
	itab_put(assets_quotas, key, (uint64_t)(uintptr_t)q);
	return (q);
}

unsigned
assets_admit(const struct assets_who *who, uint64_t bytes, int64_t now,
    uint64_t *retry_s)
{
	struct assets_quota	*q = assets_quota(who);

	*retry_s = 0;
	if (q->active >= ASSETS_MAXACTIVE)
		return (429);
	if (now - q->window_start >= ASSETS_WINDOW_MS) {
		q->window_start = now;
		q->bytes = 0;
	}
	if (q->bytes + bytes > ASSETS_HOURLY) {
		*retry_s = (uint64_t)(q->window_start + ASSETS_WINDOW_MS -
		    now + 999) / 1000;
		return (429);
	}
	q->bytes += bytes;
	q->active++;
	metrics_add(METRICS_ASSET_UPLOADS_ACTIVE, 1);
	return (0);
}

void
assets_release(const struct assets_who *who)
{
	struct assets_quota	*q = assets_quota(who);

	if (q->active > 0) {
		q->active--;
		metrics_sub(METRICS_ASSET_UPLOADS_ACTIVE, 1);
	}
}
