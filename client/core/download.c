/* download: files from the asset service into the profile, checked as they arrive, resumed after a cut.
 *
 * The loop writes each piece to BLOB.part and hashes it (the blob's
 * SHA-256); a worker thread decrypts, hashes and writes the plaintext
 * (feed.c), a buffer behind.  When the worker falls behind, curl is
 * paused until it catches up, so memory stays at two buffers.  An answer
 * is judged only once the worker has eaten all of it. */
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <uv.h>

#include "client/core/attach.h"
#include "client/core/conn.h"
#include "client/core/download.h"
#include "client/core/err.h"
#include "client/net/url.h"
#include "client/net/xfer.h"
#include "shared/crypto/media.h"
#include "shared/crypto/sha256.h"
#include "shared/util/bgsync.h"
#include "shared/util/feed.h"
#include "shared/util/hex.h"
#include "shared/util/log.h"
#include "shared/util/xmalloc.h"

#define DOWNLOAD_MAX		2	/* at once */
#define DOWNLOAD_TRIES		5
#define DOWNLOAD_RETRY_MS	500	/* doubling */
#define DOWNLOAD_READBUF	(1024 * 1024)

struct download_job {
	struct download		*dl;
	Natter__Attachment	*a;
	char			 blob[SHA256_HEXBYTES];
	int			 fd;		/* HOME/files/BLOB.part */
	int			 plain_fd;	/* the file as it checks out, or -1 */
	uint64_t		 have;		/* bytes in it */
	struct sha256		*bh;		/* of those bytes */
	struct download_streams	*st;		/* the worker's while fed */
	struct feed		*feed;
	struct bgsync		*sync;		/* of plain_fd */
	struct xfer_req		*req;
	int			 paused;	/* req waits for the feed */
	int			 ended;		/* req ended: result below */
	long			 status;
	char			 error[256];	/* "": none */
	uv_timer_t		*timer;
	int			 tries;
	int			 bad;		/* the blob failed a check */
	int			 answering;	/* bytes of this answer came */
	TAILQ_ENTRY(download_job) entry;
};
TAILQ_HEAD(download_jobs, download_job);

/* The decryption: the pointer's key, out to the plaintext's checks. */
struct download_streams {
	struct media_stream	*m;
	struct attach_plain	*pl;
};

struct download {
	uv_loop_t		*loop;
	struct xfer		*x;
	struct attach		*at;
	struct conn		*cn;
	struct download_jobs	 jobs;
	int			 n;
	download_progress_cb	*progress;
	download_done_cb	*done;
	void			*arg;
};

static void	download_try(struct download_job *);

struct download *
download_create(uv_loop_t *loop, struct xfer *x, struct attach *at,
    struct conn *cn, download_progress_cb *progress, download_done_cb *done,
    void *arg)
{
	struct download	*dl;

	dl = xcalloc(1, sizeof *dl);
	dl->loop = loop;
	dl->x = x;
	dl->at = at;
	dl->cn = cn;
	dl->progress = progress;
	dl->done = done;
	dl->arg = arg;
	TAILQ_INIT(&dl->jobs);
	return (dl);
}

static void
download_timer_closed(uv_handle_t *h)
{
	free(h);
}

static void
download_streams_clear(struct download_streams *st)
{
	media_stream_free(st->m);
	attach_plain_free(st->pl);
	st->m = NULL;
	st->pl = NULL;
}

/* feed_free's release: the worker is done with them. */
static void
download_streams_free(void *arg)
{
	struct download_streams	*st = arg;

	download_streams_clear(st);
	free(st);
}

/* On the worker: one buffer of the blob through the decryption. */
static int
download_eat(void *arg, const uint8_t *p, size_t n)
{
	struct download_streams	*st = arg;

	return (media_pull(st->m, p, n));
}

static void
download_job_free(struct download_job *j)
{
	TAILQ_REMOVE(&j->dl->jobs, j, entry);
	j->dl->n--;
	attach_set_busy(j->dl->at, j->blob, 0);
	xfer_cancel(j->req);
	feed_free(j->feed, download_streams_free);
	bgsync_free(j->sync);
	sha256_free(j->bh);
	if (j->fd != -1)
		(void)close(j->fd);
	uv_timer_stop(j->timer);
	uv_close((uv_handle_t *)j->timer, download_timer_closed);
	natter__attachment__free_unpacked(j->a, NULL);
	free(j);
}

void
download_free(struct download *dl)
{
	if (dl == NULL)
		return;
	while (!TAILQ_EMPTY(&dl->jobs))
		download_job_free(TAILQ_FIRST(&dl->jobs));
	free(dl);
}

int
download_busy(struct download *dl)
{
	return (dl->n > 0);
}

/* The job ended (err NULL: the blob is in place); the next one starts. */
static void
download_end(struct download_job *j, const struct core_error *err, int next)
{
	struct download		*dl = j->dl;
	Natter__Attachment	*a = j->a;

	j->a = NULL;
	download_job_free(j);
	dl->done(dl->arg, a, err);
	natter__attachment__free_unpacked(a, NULL);
	if (next)
		(void)download_kick(dl, NULL, -1);
}

/* Ended for good (done, refused, gone): the next one starts. */
static void
download_finish(struct download_job *j, const struct core_error *err)
{
	download_end(j, err, 1);
}

/* Bytes of the blob: to the .part file and through the checks. */
static int
download_take(struct download_job *j, const uint8_t *p, size_t n)
{
	ssize_t	w;
	size_t	left = n;

	if (feed_full(j->feed)) {
		j->paused = 1;
		return (XFER_PAUSE);
	}
	while (left > 0) {
		if ((w = write(j->fd, p + (n - left), left)) == -1 &&
		    errno == EINTR)
			continue;
		if (w <= 0)
			return (-1);
		left -= w;
	}
	j->have += n;
	sha256_update(j->bh, p, n);
	bgsync_advance(j->sync, j->have);	/* the plaintext, about as far */
	if (j->have > j->a->blob_size || feed_put(j->feed, p, n) != 0) {
		j->bad = 1;
		return (-1);
	}
	return (0);
}

/*
 * Fresh checks over what the .part file already holds, here on the loop
 * (the feed is idle: a new answer starts only after the last was eaten).
 * 0 or -1 (start over).
 */
static int
download_replay(struct download_job *j)
{
	struct download_streams	*st = j->st;
	uint8_t			*buf;
	ssize_t			 n;
	int			 rc = 0;

	download_streams_clear(st);
	feed_reset(j->feed);
	sha256_free(j->bh);
	j->bh = sha256_new();
	if (j->plain_fd != -1 && (ftruncate(j->plain_fd, 0) != 0 ||
	    lseek(j->plain_fd, 0, SEEK_SET) == -1))
		return (-1);
	st->pl = attach_plain_new(j->a, j->plain_fd);
	st->m = media_pull_start(j->a->media_key.data, attach_plain_put,
	    st->pl);
	media_pull_unhashed(st->m);	/* j->bh hashes the blob */
	if (lseek(j->fd, 0, SEEK_SET) == -1)
		return (-1);
	buf = xmalloc(DOWNLOAD_READBUF);
	j->have = 0;
	while ((n = read(j->fd, buf, DOWNLOAD_READBUF)) > 0) {
		j->have += n;
		sha256_update(j->bh, buf, n);
		if (j->have > j->a->blob_size ||
		    media_pull(st->m, buf, n) != 0) {
			rc = -1;
			break;
		}
	}
	free(buf);
	if (n == -1)
		rc = -1;
	return (rc);
}

static int
download_restart(struct download_job *j)
{
	if (ftruncate(j->fd, 0) != 0 || download_replay(j) != 0)
		return (-1);
	return (0);
}

static int
download_sink(void *arg, long status, const uint8_t *p, size_t n)
{
	struct download_job	*j = arg;

	/* The server sends it whole though we asked for the rest. */
	if (!j->answering) {
		j->answering = 1;
		if (status == 200 && j->have > 0 && download_restart(j) != 0)
			return (-1);
	}
	return (download_take(j, p, n));
}

static void
download_on_progress(void *arg, uint64_t now, uint64_t total)
{
	struct download_job	*j = arg;

	(void)now;
	(void)total;
	if (j->dl->progress != NULL)
		j->dl->progress(j->dl->arg, j->a, j->have, j->a->blob_size);
}

static void
download_timer_cb(uv_timer_t *t)
{
	download_try(t->data);
}

static void
download_retry(struct download_job *j, const char *why)
{
	struct core_error	err;
	uint64_t		ms;

	if (++j->tries >= DOWNLOAD_TRIES) {
		err_set(&err, CORE_ERR_UNREACHABLE, "could not download %s "
		    "(%s); it stays to do", j->a->name, why);
		download_end(j, &err, 0);	/* again at the next start */
		return;
	}
	ms = (uint64_t)DOWNLOAD_RETRY_MS << (j->tries - 1);
	log_info("download of %s: %s; again in %" PRIu64 " ms", j->blob, why,
	    ms);
	uv_timer_start(j->timer, download_timer_cb, ms, 0);
}

/* Whole and checked: into place. */
static void
download_complete(struct download_job *j)
{
	struct core_error	err;
	char			part[4096];
	uint8_t			h[SHA256_BYTES];

	snprintf(part, sizeof part, "%s", attach_part_path(j->dl->at, j->blob));
	sha256_final(j->bh, h);
	if (j->have != j->a->blob_size || feed_failed(j->feed) ||
	    sodium_memcmp(h, j->a->blob_sha256.data, sizeof h) != 0 ||
	    media_pull_final(j->st->m, NULL, NULL) != 0 ||
	    attach_plain_end(j->st->pl) != 0) {
		(void)attach_refuse(j->dl->at, j->blob);
		err_set(&err, CORE_ERR_CRYPTO, "the file %s was refused: what "
		    "the server sent does not match its hashes (tampered or "
		    "truncated)", j->a->name);
		download_finish(j, &err);
		return;
	}
	/*
	 * Not fsynced: a copy a crash damaged fails its checks when it is
	 * next decrypted, and is then fetched again (attach_save).
	 */
	if (rename(part, attach_blob_path(j->dl->at, j->blob)) != 0) {
		err_set(&err, CORE_ERR_IO, "cannot keep %s in the profile: %s",
		    j->a->name, strerror(errno));
		download_finish(j, &err);
		return;
	}
	(void)attach_pending_del(j->dl->at, j->blob);
	(void)attach_remember(j->dl->at, j->a);	/* a forward reuses it */
	download_finish(j, NULL);
}

/* An answer ended and the worker has eaten all of it: judged. */
static void
download_answered(struct download_job *j)
{
	struct core_error	 err;
	struct xfer_result	 res, *r = &res;

	j->ended = 0;
	memset(r, 0, sizeof *r);
	r->status = j->status;
	r->error = j->error[0] != '\0' ? j->error : NULL;
	if (feed_failed(j->feed))
		j->bad = 1;
	if (j->bad || (r->status == 416 && j->have >= j->a->blob_size)) {
		if (j->bad) {
			(void)attach_refuse(j->dl->at, j->blob);
			err_set(&err, CORE_ERR_CRYPTO, "the file %s was refused: "
			    "what the server sent does not match its hashes "
			    "(tampered or too long)", j->a->name);
			download_finish(j, &err);
		} else
			download_complete(j);
		return;
	}
	if ((r->status == 200 || r->status == 206) && r->error == NULL) {
		download_complete(j);
		return;
	}
	if (r->status == 404) {
		(void)attach_pending_del(j->dl->at, j->blob);
		err_set(&err, CORE_ERR_UNKNOWN_USER, "the file %s is no longer "
		    "on the server (it expired)", j->a->name);
		download_finish(j, &err);
		return;
	}
	if (r->status == 416)
		(void)download_restart(j);
	download_retry(j, r->error != NULL ? r->error : "refused");
}

static void
download_answer(void *arg, const struct xfer_result *r)
{
	struct download_job	*j = arg;

	j->req = NULL;
	j->paused = 0;
	j->ended = 1;
	j->status = r->status;
	snprintf(j->error, sizeof j->error, "%s", r->error != NULL ?
	    r->error : "");
	if (feed_idle(j->feed)) {
		download_answered(j);
		return;
	}
	feed_flush(j->feed);		/* download_fed goes on */
}

/* The feed has room again, or has eaten a flushed answer. */
static void
download_fed(void *arg)
{
	struct download_job	*j = arg;

	if (j->paused && j->req != NULL) {
		j->paused = 0;
		xfer_resume(j->req);
		return;
	}
	if (j->ended && feed_idle(j->feed))
		download_answered(j);
}

static void
download_try(struct download_job *j)
{
	struct xfer_spec	 sp;
	char			 range[64], *base, *url;
	const char		*hdrs[2] = { range, NULL };

	if ((base = url_http_base(conn_server(j->dl->cn))) == NULL) {
		download_retry(j, "bad server URL");
		return;
	}
	xasprintf(&url, "%s/v1/assets/%s", base, j->blob);
	free(base);
	memset(&sp, 0, sizeof sp);
	sp.method = "GET";
	sp.url = url;
	if (j->have > 0) {
		snprintf(range, sizeof range, "Range: bytes=%" PRIu64 "-",
		    j->have);
		sp.headers = hdrs;
	}
	j->answering = 0;
	sp.sink = download_sink;
	sp.progress = download_on_progress;
	sp.done = download_answer;
	sp.arg = j;
	j->req = xfer_start(j->dl->x, &sp);
	free(url);
}

static int
download_running(struct download *dl, const char *blob)
{
	struct download_job	*j;

	TAILQ_FOREACH(j, &dl->jobs, entry)
		if (strcmp(j->blob, blob) == 0)
			return (1);
	return (0);
}

/* Start a (a copy the job owns); the plaintext to plain_fd (or -1). */
static void
download_start(struct download *dl, Natter__Attachment *a, int plain_fd)
{
	struct download_job	*j;
	struct core_error	 err;

	j = xcalloc(1, sizeof *j);
	j->dl = dl;
	j->a = a;
	j->plain_fd = plain_fd;
	hex_encode(j->blob, a->blob_sha256.data, SHA256_BYTES);
	j->timer = xcalloc(1, sizeof *j->timer);
	uv_timer_init(dl->loop, j->timer);
	j->timer->data = j;
	j->bh = sha256_new();
	j->st = xcalloc(1, sizeof *j->st);
	j->feed = feed_new(dl->loop, download_eat, j->st, download_fed, j);
	if (plain_fd != -1)
		j->sync = bgsync_new(dl->loop, plain_fd);
	TAILQ_INSERT_TAIL(&dl->jobs, j, entry);
	dl->n++;
	attach_set_busy(dl->at, j->blob, 1);
	j->fd = open(attach_part_path(dl->at, j->blob), O_RDWR | O_CREAT |
	    O_CLOEXEC, 0600);
	if (j->fd == -1 || download_replay(j) != 0) {
		if (j->fd == -1 || download_restart(j) != 0) {
			err_set(&err, CORE_ERR_IO, "cannot write the file %s "
			    "into the profile: %s", a->name, strerror(errno));
			download_end(j, &err, 0);
			return;
		}
	}
	if (lseek(j->fd, 0, SEEK_END) == -1) {
		download_retry(j, strerror(errno));
		return;
	}
	uv_timer_start(j->timer, download_timer_cb, 0, 0);
}

int
download_kick(struct download *dl, const Natter__Attachment *want,
    int plain_fd)
{
	Natter__Attachment	*a;
	char			 hex[SHA256_HEXBYTES];
	int			 started = 0;

	if (want != NULL) {
		hex_encode(hex, want->blob_sha256.data, SHA256_BYTES);
		if (!download_running(dl, hex)) {
			(void)attach_pending_add(dl->at, want);
			download_start(dl, attach_copy(want), plain_fd);
			started = plain_fd != -1;
		}
	}
	while (dl->n < DOWNLOAD_MAX &&
	    (a = attach_pending_next(dl->at, 0)) != NULL)
		download_start(dl, a, -1);
	return (started);
}
