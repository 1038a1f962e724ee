/* upload: POST /v1/assets (an upload, or its resumption) and HEAD /v1/uploads/ID.
 *
 * The body goes straight to the device's partial file for the blob
 * (blobstore.c) as it arrives, hashed on the way; nothing is held in
 * memory but a few MiB on their way to the disk. A libuv worker writes
 * and hashes them a buffer behind the loop (feed.c, uploadsink.c), the
 * connection not read while it catches up, so the loop is free for
 * everyone else; the disk is told to write as the pieces come, a large
 * blob leaves the cache once on disk (dropbehind.c), and another worker
 * fdatasyncs it every 128 MiB (bgsync.c), so the fsync at the end has
 * little left to wait for. Once the body is in, a libuv worker thread
 * checks the hash (the whole file, when the upload resumed an earlier
 * one), fsyncs, renames into blobs/ and fsyncs the directories; back on
 * the loop the row is written and the answer goes. Every error but a dropped
 * connection deletes the partial; a dropped connection keeps it, for a
 * resumption with Upload-Offset. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "server/assets.h"
#include "server/blobstore.h"
#include "server/httpreq.h"
#include "server/itab.h"
#include "server/metrics.h"
#include "server/upload.h"
#include "server/uploadsink.h"
#include "shared/crypto/sha256.h"
#include "shared/util/bgsync.h"
#include "shared/util/feed.h"
#include "shared/util/hex.h"
#include "shared/util/log.h"
#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"

#define UPLOAD_QUERY_PATH	"/v1/uploads/"
#define UPLOAD_HASH_CHUNK	(1024 * 1024)	/* worker's read buffer */
#define UPLOAD_MAXNUMBER	(UINT64_MAX / 4)

struct upload {
	struct http_txn		*txn;		/* NULL once it ended */
	struct assets_who	 who;
	char			 id[HTTPREQ_IDLEN + 1];
	char			*path;		/* the partial */
	int			 fd;		/* holds the partial's lock */
	struct feed		*writing;	/* to the sink, on a worker */
	struct uploadsink	*sink;		/* the feed's to free */
	struct bgsync		*sync;		/* the partial, as it comes */
	int			 admitted;	/* holds an assets_admit slot */
	int			 listed;	/* in upload_active */
	int			 discard;	/* stored already: 200 */
	uint64_t		 size;		/* of the stored blob */
	uint64_t		 offset;	/* on disk before this request */
	uint64_t		 length;	/* Content-Length */
	uint64_t		 got;
	int			 body_in;	/* all read: written, then work */
	uint64_t		 started_ns;	/* request start, body end */
	uint64_t		 body_ns;
	int			 hashed;	/* md's verdict is in hash_ok */
	/* The worker's job and its results. */
	uv_work_t		 work;
	int			 working;
	int			 hash_ok;
	int			 commit_errno;	/* 0: renamed into blobs/ */
};

static void	upload_written(void *);

/* Partials being written, by path: one request at a time for each. */
static struct itab	*upload_active;

static void
upload_fail(struct upload *u, unsigned status, const char *why)
{
	char	*line;

	if (u->txn == NULL)
		return;
	xasprintf(&line, "%s\n", why);
	http_reply(u->txn, status, NULL, line);
	free(line);
}

static void
upload_json(struct upload *u, unsigned status, uint64_t size)
{
	char	body[128];

	if (u->txn == NULL)
		return;
	snprintf(body, sizeof body, "{\"id\":\"%s\",\"size\":%llu}\n", u->id,
	    (unsigned long long)size);
	http_reply(u->txn, status, "application/json", body);
}

/* Stop writing the partial and delete it (an error, not a drop): the
 * name goes while the lock is still held (blobstore_partial_open). */
static void
upload_discard_partial(struct upload *u)
{
	if (u->path != NULL && u->fd != -1 && unlink(u->path) != 0 &&
	    errno != ENOENT)
		log_warn("cannot delete %s: %s", u->path, strerror(errno));
	if (u->fd != -1)
		close(u->fd);
	u->fd = -1;
}

/* A full disk (or file size limit) is the client's 507; else 500. */
static void
upload_io_failed(struct upload *u, int error, const char *what)
{
	upload_discard_partial(u);
	if (error == ENOSPC || error == EFBIG || error == EDQUOT) {
		upload_fail(u, 507, "the server has no room for this blob");
		return;
	}
	log_warn("asset %s: cannot %s: %s", u->id, what, strerror(error));
	upload_fail(u, 500, "server error; retry later");
}

/* The token's device (401, 403) and the blob id from hdr (400): 0, or
 * the answer was given. */
static int
upload_who(struct http_txn *t, struct upload *u, const char *id)
{
	char		 auth[HTTPREQ_MAXTOKEN + 16];
	const char	*why = NULL;
	unsigned	 status;
	int		 n;

	n = http_header(t, "authorization:", auth, sizeof auth);
	status = assets_authorize(n == -1 ? NULL : n == -2 ? "" : auth,
	    time_now_ms(), &u->who, &why);
	if (status != 0) {
		upload_fail(u, status, why);
		return (-1);
	}
	if (id == NULL || !httpreq_blob_id(id)) {
		upload_fail(u, 400, "send Asset-Sha256: the blob's SHA-256, "
		    "64 lowercase hex digits");
		return (-1);
	}
	snprintf(u->id, sizeof u->id, "%s", id);
	return (0);
}

/* Content-Length (411 without it or with chunked), Upload-Offset (400
 * when malformed): 0, or the answer was given. */
static int
upload_lengths(struct http_txn *t, struct upload *u)
{
	char	num[32];
	int	n;

	if (http_header(t, "transfer-encoding:", num, sizeof num) != -1 ||
	    http_header(t, "content-length:", num, sizeof num) < 0) {
		upload_fail(u, 411, "send Content-Length (uploads are not "
		    "chunked)");
		return (-1);
	}
	if (httpreq_number(num, UPLOAD_MAXNUMBER, &u->length) != 0) {
		upload_fail(u, 400, "bad Content-Length");
		return (-1);
	}
	n = http_header(t, "upload-offset:", num, sizeof num);
	if (n != -1 && (n < 0 ||
	    httpreq_number(num, UPLOAD_MAXNUMBER, &u->offset) != 0)) {
		upload_fail(u, 400, "bad Upload-Offset (a number of bytes)");
		return (-1);
	}
	return (0);
}

/* The partial is another request's (409), or still being written after
 * its connection dropped: with what it holds so far, as a try-again. */
static void
upload_busy(struct upload *u, uint64_t have)
{
	http_add_header(u->txn, "upload-offset:", "%llu",
	    (unsigned long long)have);
	upload_fail(u, 409, "this device is uploading this blob already");
}

/* Open the partial at u->offset, which must be its length (409): 0, or
 * the answer was given. */
static int
upload_open(struct upload *u)
{
	uint64_t	have, v;
	char		line[160];

	u->path = blobstore_partial_path(assets_store(), u->who.name,
	    u->who.device, u->id);
	have = blobstore_partial_size(u->path);
	if (itab_get(upload_active, itab_key_bytes(u->path, strlen(u->path)),
	    &v)) {
		upload_busy(u, have);
		return (-1);
	}
	if (u->offset != 0 && u->offset != have) {
		http_add_header(u->txn, "upload-offset:", "%llu",
		    (unsigned long long)have);
		snprintf(line, sizeof line, "Upload-Offset is %llu but %llu "
		    "bytes of this upload are stored; nothing changed",
		    (unsigned long long)u->offset, (unsigned long long)have);
		upload_fail(u, 409, line);
		return (-1);
	}
	/* The lock keeps out another node sharing the asset directory. */
	u->fd = blobstore_partial_open(u->path, u->offset == 0);
	if (u->fd == -1 && errno == EBUSY) {
		upload_busy(u, have);	/* or its last bytes are being written */
		return (-1);
	}
	if (u->fd == -1) {
		upload_io_failed(u, errno, "open the partial");
		return (-1);
	}
	itab_put(upload_active, itab_key_bytes(u->path, strlen(u->path)), 1);
	u->listed = 1;
	if ((u->sink = uploadsink_new(u->fd, u->offset)) == NULL) {
		upload_io_failed(u, errno, "open the partial");
		return (-1);
	}
	u->writing = feed_new(assets_loop(), uploadsink_eat, u->sink,
	    upload_written, u);
	u->sync = bgsync_new(assets_loop(), u->fd);
	return (0);
}

/* Take a slot of the device's limits (429): 0, or the answer was given. */
static int
upload_admit(struct upload *u)
{
	uint64_t	retry;

	if (assets_admit(&u->who, u->length, time_now_ms(), &retry) == 0) {
		u->admitted = 1;
		return (0);
	}
	if (retry == 0) {
		upload_fail(u, 429, "this device has too many uploads under "
		    "way; wait for one to end");
		return (-1);
	}
	http_add_header(u->txn, "retry-after:", "%llu",
	    (unsigned long long)retry);
	upload_fail(u, 429, "this device uploaded too much in the last "
	    "hour; retry later");
	return (-1);
}

static int
upload_start(struct http_txn *t, const char *path)
{
	struct upload	*u = xcalloc(1, sizeof *u);
	char		 id[HTTPREQ_IDLEN + 2], line[128];
	int		 rc;

	u->txn = t;
	u->fd = -1;
	u->started_ns = time_mono_ns();
	http_set_state(t, u);
	if (upload_active == NULL)
		upload_active = itab_create();
	if (upload_who(t, u, http_header(t, "asset-sha256:", id,
	    sizeof id) >= 0 ? id : NULL) != 0 || upload_lengths(t, u) != 0)
		return (0);
	/* Before all else: a body this big is never read, even to be
	 * discarded. */
	if (u->offset + u->length > assets_max()) {
		snprintf(line, sizeof line, "the blob is over this server's "
		    "limit of %llu bytes", (unsigned long long)assets_max());
		upload_fail(u, 413, line);
		return (0);
	}
	if ((rc = assets_lookup(u->id, time_now_ms(), &u->size)) == -1) {
		upload_fail(u, 500, "server error; retry later");
		return (0);
	}
	if (rc == 0) {
		/* Stored already: read the body into nothing, answer 200. */
		u->discard = 1;
		metrics_add(METRICS_ASSET_DEDUP_HITS, 1);
		if (assets_touch(u->id, time_now_ms()) != 0)
			log_warn("asset %s: cannot extend its expiry", u->id);
		/* A client waiting to send it need not: answer now. */
		if (http_expects_continue(t))
			upload_json(u, 200, u->size);
		return (0);
	}
	if (upload_admit(u) != 0 || upload_open(u) != 0)
		return (0);
	http_continue(t);
	return (0);
}

static int
upload_body(struct http_txn *t, const uint8_t *in, size_t len)
{
	struct upload	*u = http_state(t);

	if (u->discard || u->fd == -1)
		return (0);
	if (feed_put(u->writing, in, len) != 0) {
		upload_io_failed(u, u->sink->error, "write");
		return (0);
	}
	u->got += len;
	bgsync_advance(u->sync, u->got);
	if (feed_full(u->writing))
		http_hold_input(t, 1);	/* upload_written lets go */
	return (0);
}

/* On the worker: 1 if the file at path hashes to id (hex). */
static int
upload_hash_file(const char *path, const char *id)
{
	struct sha256	*md = sha256_new();
	uint8_t		*buf = xmalloc(UPLOAD_HASH_CHUNK);
	uint8_t		 digest[32];
	char		 hex[HTTPREQ_IDLEN + 1];
	ssize_t		 n;
	int		 fd, ok = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) != -1) {
		while ((n = read(fd, buf, UPLOAD_HASH_CHUNK)) > 0)
			sha256_update(md, buf, (size_t)n);
		close(fd);
		if (n == 0) {
			sha256_final(md, digest);
			hex_encode(hex, digest, sizeof digest);
			ok = strcmp(hex, id) == 0;
		}
	}
	sha256_free(md);
	free(buf);
	return (ok);
}

/* On the worker: check, sync, rename. */
static void
upload_work(uv_work_t *w)
{
	struct upload	*u = w->data;

	if (!u->hashed)
		u->hash_ok = upload_hash_file(u->path, u->id);
	if (!u->hash_ok)
		return;
	u->commit_errno = 0;
	if (blobstore_commit(assets_store(), u->path, u->id) != 0)
		u->commit_errno = errno != 0 ? errno : EIO;
}

static void
upload_free(struct upload *u)
{
	if (u->writing != NULL)
		feed_free(u->writing, uploadsink_free);
	bgsync_free(u->sync);
	if (u->listed)
		itab_del(upload_active, itab_key_bytes(u->path,
		    strlen(u->path)));
	if (u->fd != -1)
		close(u->fd);
	free(u->path);
	free(u);
}

/* Back on the loop: record the blob and answer (if anyone listens). */
static void
upload_after(uv_work_t *w, int status)
{
	struct upload	*u = w->data;
	int		 rc;

	u->working = 0;
	if (!u->hash_ok) {
		upload_discard_partial(u);
		upload_fail(u, 409, "the blob does not match its Asset-Sha256");
	} else if (u->commit_errno != 0)
		upload_io_failed(u, u->commit_errno, "store the blob");
	else if ((rc = assets_record(u->id, u->offset + u->got,
	    time_now_ms())) == -1) {
		/* The file is in place: assets_start adopts it. */
		upload_fail(u, 500, "server error; retry later");
	} else {
		log_info("stored asset %s for %s/%u: %llu bytes, body in %llu "
		    "ms, check, sync and rename in %llu ms", u->id, u->who.name,
		    u->who.device, (unsigned long long)(u->offset + u->got),
		    (unsigned long long)(u->body_ns - u->started_ns) / 1000000,
		    (unsigned long long)(time_mono_ns() - u->body_ns) / 1000000);
		upload_json(u, rc == 0 ? 201 : 200, u->offset + u->got);
	}
	if (u->txn == NULL)
		upload_free(u);
}

/* The body is written and hashed: check, sync and rename on a worker. */
static void
upload_body_written(struct upload *u)
{
	uint8_t		 digest[32];
	char		 hex[HTTPREQ_IDLEN + 1];

	if (feed_failed(u->writing)) {
		upload_io_failed(u, u->sink->error, "write");
		return;
	}
	/* u->fd stays open, and the partial locked, until the worker has
	 * renamed it: upload_free closes it. */
	if (u->sink->md != NULL) {
		sha256_final(u->sink->md, digest);
		hex_encode(hex, digest, sizeof digest);
		u->hash_ok = strcmp(hex, u->id) == 0;
		u->hashed = 1;
	}
	u->work.data = u;
	u->working = 1;
	if (uv_queue_work(assets_loop(), &u->work, upload_work,
	    upload_after) != 0) {
		u->working = 0;
		upload_io_failed(u, EAGAIN, "queue the sync");
	}
}

static int
upload_body_done(struct http_txn *t)
{
	struct upload	*u = http_state(t);

	if (u->discard) {
		upload_json(u, 200, u->size);
		return (0);
	}
	if (u->fd == -1)
		return (0);
	u->body_ns = time_mono_ns();
	u->body_in = 1;
	if (!feed_idle(u->writing)) {
		feed_flush(u->writing);		/* upload_written goes on */
		return (0);
	}
	upload_body_written(u);
	return (0);
}

/* The writer has room again, or has caught up with the whole body. */
static void
upload_written(void *arg)
{
	struct upload	*u = arg;

	if (u->txn != NULL)
		http_hold_input(u->txn, 0);
	if (u->body_in && !u->working && u->fd != -1 &&
	    feed_idle(u->writing))
		upload_body_written(u);
}

/* The request is over; a job on the worker frees u when it is done. */
static void
upload_end(struct http_txn *t)
{
	struct upload	*u = http_state(t);

	if (u == NULL)
		return;
	u->txn = NULL;
	if (u->admitted)
		assets_release(&u->who);
	u->admitted = 0;
	if (!u->working)
		upload_free(u);
}

const struct http_route_ops upload_ops = {
	upload_start, upload_body, upload_body_done, NULL, upload_end
};

/* HEAD /v1/uploads/ID: Upload-Offset, the bytes of the device's partial. */
static int
upload_query_start(struct http_txn *t, const char *path)
{
	struct upload	*u = xcalloc(1, sizeof *u);
	char		*partial;

	u->txn = t;
	u->fd = -1;
	http_set_state(t, u);
	if (upload_who(t, u, path + sizeof UPLOAD_QUERY_PATH - 1) != 0)
		return (0);
	partial = blobstore_partial_path(assets_store(), u->who.name,
	    u->who.device, u->id);
	http_add_header(t, "upload-offset:", "%llu",
	    (unsigned long long)blobstore_partial_size(partial));
	free(partial);
	http_reply(t, 200, NULL, "");
	return (0);
}

const struct http_route_ops upload_query_ops = {
	upload_query_start, NULL, NULL, NULL, upload_end
};
