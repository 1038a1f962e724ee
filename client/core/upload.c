/* upload: a file's blob to the asset service: a token over the WebSocket, HEAD first, resumed where the server stopped. */
#include <sys/queue.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "client/core/attach.h"
#include "client/core/conn.h"
#include "client/core/err.h"
#include "client/core/upload.h"
#include "client/net/url.h"
#include "client/net/xfer.h"
#include "shared/crypto/sha256.h"
#include "shared/util/dropbehind.h"
#include "shared/util/hex.h"
#include "shared/util/log.h"
#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"

#define UPLOAD_TRIES		5
#define UPLOAD_RETRY_MS		500	/* doubling */
#define UPLOAD_TOKEN_SLACK_MS	60000	/* a token this close to its end is old */

enum upload_step {
	UPLOAD_TOKEN,		/* waiting for a token */
	UPLOAD_EXISTS,		/* HEAD /v1/assets/BLOB */
	UPLOAD_TOUCH,		/* it does: POST, the server answers at once */
	UPLOAD_OFFSET,		/* HEAD /v1/uploads/BLOB */
	UPLOAD_POST,
	UPLOAD_PAUSE,		/* waiting to try again */
};

struct upload_job {
	struct upload		*up;
	char			 blob[SHA256_HEXBYTES];
	uint64_t		 size;
	uint64_t		 offset;	/* where the POST starts */
	int			 fd;
	struct dropbehind	 db;		/* of fd, in a POST */
	uint64_t		 pos;		/* fd's offset */
	enum upload_step	 step;
	int			 tries;
	int			 reauth;	/* a fresh token was tried */
	struct xfer_req		*req;
	uv_timer_t		*timer;
	upload_progress_cb	*progress;
	upload_done_cb		*done;
	void			*arg;
	TAILQ_ENTRY(upload_job)	 entry;
};
TAILQ_HEAD(upload_jobs, upload_job);

struct upload {
	uv_loop_t		*loop;
	struct xfer		*x;
	struct attach		*at;
	struct conn		*cn;
	struct upload_jobs	 jobs;
	char			*token;
	int64_t			 token_end;
	int			 asking;	/* a token request is out */
};

static void	upload_go(struct upload_job *);

static void
upload_timer_cb(uv_timer_t *t)
{
	upload_go(t->data);
}

struct upload *
upload_create(uv_loop_t *loop, struct xfer *x, struct attach *at,
    struct conn *cn)
{
	struct upload	*up;

	up = xcalloc(1, sizeof *up);
	up->loop = loop;
	up->x = x;
	up->at = at;
	up->cn = cn;
	TAILQ_INIT(&up->jobs);
	return (up);
}

static void
upload_timer_closed(uv_handle_t *h)
{
	free(h);
}

static void
upload_job_free(struct upload_job *j)
{
	TAILQ_REMOVE(&j->up->jobs, j, entry);
	xfer_cancel(j->req);
	if (j->fd != -1)
		(void)close(j->fd);
	uv_timer_stop(j->timer);
	uv_close((uv_handle_t *)j->timer, upload_timer_closed);
	free(j);
}

void
upload_free(struct upload *up)
{
	if (up == NULL)
		return;
	while (!TAILQ_EMPTY(&up->jobs))
		upload_job_free(TAILQ_FIRST(&up->jobs));
	if (up->token != NULL)
		free(up->token);
	free(up);
}

int
upload_busy(struct upload *up)
{
	return (!TAILQ_EMPTY(&up->jobs));
}

static void
upload_finish(struct upload_job *j, const struct core_error *err)
{
	upload_done_cb	*done = j->done;
	void		*arg = j->arg;

	upload_job_free(j);
	done(arg, err);
}

/* A try went wrong: again later from the offset query, or give up. */
static void
upload_retry(struct upload_job *j, const char *why)
{
	struct core_error	err;
	uint64_t		ms;

	if (++j->tries >= UPLOAD_TRIES) {
		err_set(&err, CORE_ERR_UNREACHABLE, "could not upload the file "
		    "(%s); send it again to go on from where it stopped", why);
		upload_finish(j, &err);
		return;
	}
	ms = (uint64_t)UPLOAD_RETRY_MS << (j->tries - 1);
	log_info("upload of %s: %s; again in %" PRIu64 " ms", j->blob, why, ms);
	j->step = UPLOAD_PAUSE;
	uv_timer_start(j->timer, upload_timer_cb, ms, 0);
}

/* The URL of path (under /v1/) on the server's HTTP side, or NULL. */
static char *
upload_url(struct upload *up, const char *path)
{
	char	*base, *url;

	if ((base = url_http_base(conn_server(up->cn))) == NULL)
		return (NULL);
	xasprintf(&url, "%s/v1/%s", base, path);
	free(base);
	return (url);
}

static void	upload_request(struct upload_job *);

static void
upload_token_cb(void *arg, const Natter__Response *resp)
{
	struct upload		*up = arg;
	struct upload_job	*j, *next;
	struct core_error	 err;

	up->asking = 0;
	if (resp != NULL && resp->code == NATTER__CODE__OK &&
	    resp->asset_token != NULL && *resp->asset_token != '\0') {
		free(up->token);
		up->token = xstrdup(resp->asset_token);
		up->token_end = resp->expires_ts;
	} else if (resp != NULL) {
		err_from_resp(&err, resp, "getting an upload token");
		for (j = TAILQ_FIRST(&up->jobs); j != NULL; j = next) {
			next = TAILQ_NEXT(j, entry);
			if (j->step == UPLOAD_TOKEN)
				upload_finish(j, &err);
		}
		return;
	}
	upload_kick(up);
}

/* 1 if a token is at hand; else one is asked for (when connected). */
static int
upload_token(struct upload *up)
{
	Natter__Frame		fr = NATTER__FRAME__INIT;
	Natter__AssetToken	at = NATTER__ASSET_TOKEN__INIT;

	if (up->token != NULL &&
	    up->token_end - UPLOAD_TOKEN_SLACK_MS > time_now_ms())
		return (1);
	if (up->asking)
		return (0);
	if (!conn_ready(up->cn)) {
		conn_need(up->cn);
		return (0);
	}
	fr.body_case = NATTER__FRAME__BODY_ASSET_TOKEN;
	fr.asset_token = &at;
	if (conn_request(up->cn, &fr, upload_token_cb, up) == 0)
		up->asking = 1;
	return (0);
}

static ssize_t
upload_source(void *arg, uint8_t *buf, size_t max)
{
	struct upload_job	*j = arg;
	ssize_t			 n;

	while ((n = read(j->fd, buf, max)) == -1 && errno == EINTR)
		;
	if (n > 0) {
		j->pos += (uint64_t)n;
		dropbehind_advance(&j->db, j->pos);
	}
	return (n);
}

static void
upload_progress(void *arg, uint64_t now, uint64_t total)
{
	struct upload_job	*j = arg;

	(void)total;
	if (j->progress != NULL)
		j->progress(j->arg, j->offset + now, j->size);
}

/* The answer to a POST. */
static void
upload_posted(struct upload_job *j, const struct xfer_result *r)
{
	struct core_error	err;

	if (r->status == 200 || r->status == 201) {
		if (j->progress != NULL)
			j->progress(j->arg, j->size, j->size);
		upload_finish(j, NULL);
	} else if (r->status == 409 && r->has_offset && r->offset <= j->size) {
		j->offset = r->offset;	/* the server has more, or less */
		upload_retry(j, "the server kept a different part");
	} else if (r->status == 413) {
		err_set(&err, CORE_ERR_TOO_LARGE, "the server takes no file this "
		    "large (%" PRIu64 " bytes encrypted)", j->size);
		upload_finish(j, &err);
	} else if (r->status == 507) {
		err_set(&err, CORE_ERR_SERVER, "the server's disk is full; "
		    "try again later");
		upload_finish(j, &err);
	} else if (r->status == 409) {
		err_set(&err, CORE_ERR_SERVER, "the server refused the upload: "
		    "the blob did not match its hash");
		upload_finish(j, &err);
	} else
		upload_retry(j, r->error != NULL ? r->error : "refused");
}

static void
upload_answer(void *arg, const struct xfer_result *r)
{
	struct upload_job	*j = arg;
	struct core_error	 err;

	j->req = NULL;
	if ((r->status == 401 || r->status == 403) && !j->reauth) {
		j->reauth = 1;
		free(j->up->token);
		j->up->token = NULL;
		j->step = UPLOAD_TOKEN;
		upload_go(j);
		return;
	}
	if (r->status == 401 || r->status == 403) {
		err_set(&err, CORE_ERR_SERVER, "the server refused this device's "
		    "upload token");
		upload_finish(j, &err);
		return;
	}
	switch (j->step) {
	case UPLOAD_EXISTS:
		if (r->status == 200 && r->length == j->size) {
			/*
			 * The server has it: a POST that waits for 100
			 * Continue is answered at once, and keeps the blob
			 * for as long as this new message may be fetched.
			 */
			j->offset = 0;
			j->step = UPLOAD_TOUCH;
			upload_request(j);
			return;
		}
		if (r->status == 404 || r->status == 200) {
			j->step = UPLOAD_OFFSET;
			upload_request(j);
			return;
		}
		break;
	case UPLOAD_OFFSET:
		if (r->status == 200) {
			j->offset = r->has_offset && r->offset <= j->size ?
			    r->offset : 0;
			j->step = UPLOAD_POST;
			upload_request(j);
			return;
		}
		break;
	case UPLOAD_TOUCH:
	case UPLOAD_POST:
		upload_posted(j, r);
		return;
	default:
		break;
	}
	upload_retry(j, r->error != NULL ? r->error : "unexpected answer");
}

/*
 * The request of j's step: HEAD assets/BLOB (no token: anyone may ask),
 * HEAD uploads/BLOB, or POST assets from j->offset.
 */
static void
upload_request(struct upload_job *j)
{
	struct xfer_spec	 sp;
	char			 h1[96], h2[64], path[96], *url;
	const char		*hdrs[3] = { h1, h2, NULL };
	int			 post = j->step == UPLOAD_POST ||
				    j->step == UPLOAD_TOUCH;

	memset(&sp, 0, sizeof sp);
	if (post)
		snprintf(path, sizeof path, "assets");
	else
		snprintf(path, sizeof path, "%s/%s", j->step == UPLOAD_OFFSET ?
		    "uploads" : "assets", j->blob);
	if ((url = upload_url(j->up, path)) == NULL) {
		upload_retry(j, "bad server URL");
		return;
	}
	if (post && lseek(j->fd, (off_t)j->offset, SEEK_SET) == -1) {
		free(url);
		upload_retry(j, strerror(errno));
		return;
	}
	if (post) {
		j->pos = j->offset;
		dropbehind_read(&j->db, j->fd, j->offset);
		snprintf(h1, sizeof h1, "Asset-Sha256: %s", j->blob);
		snprintf(h2, sizeof h2, "Upload-Offset: %" PRIu64, j->offset);
		sp.headers = hdrs;
		sp.body_len = j->size - j->offset;
		sp.expect = j->step == UPLOAD_TOUCH;
		sp.source = upload_source;
		sp.progress = upload_progress;
	}
	sp.method = post ? "POST" : "HEAD";
	sp.url = url;
	sp.token = j->step == UPLOAD_EXISTS ? NULL : j->up->token;
	sp.done = upload_answer;
	sp.arg = j;
	j->req = xfer_start(j->up->x, &sp);
	free(url);
}

static void
upload_go(struct upload_job *j)
{
	struct core_error	err;

	if (j->step == UPLOAD_PAUSE)
		j->step = UPLOAD_TOKEN;
	if (j->step != UPLOAD_TOKEN || j->req != NULL)
		return;
	if (j->fd == -1) {
		err_set(&err, CORE_ERR_IO, "the encrypted file %s is gone from "
		    "the profile", j->blob);
		upload_finish(j, &err);
		return;
	}
	if (!upload_token(j->up))
		return;
	j->step = UPLOAD_EXISTS;
	upload_request(j);
}

void
upload_start(struct upload *up, const Natter__Attachment *a,
    upload_progress_cb *progress, upload_done_cb *done, void *arg)
{
	struct upload_job	*j;

	j = xcalloc(1, sizeof *j);
	j->up = up;
	hex_encode(j->blob, a->blob_sha256.data, SHA256_BYTES);
	j->size = a->blob_size;
	j->fd = open(attach_blob_path(up->at, j->blob), O_RDONLY | O_CLOEXEC);
	j->progress = progress;
	j->done = done;
	j->arg = arg;
	j->timer = xcalloc(1, sizeof *j->timer);
	uv_timer_init(up->loop, j->timer);
	j->timer->data = j;
	TAILQ_INSERT_TAIL(&up->jobs, j, entry);
	j->step = UPLOAD_TOKEN;
	/* From the loop, never inside the caller. */
	uv_timer_start(j->timer, upload_timer_cb, 0, 0);
}

void
upload_kick(struct upload *up)
{
	struct upload_job	*j, *next;

	for (j = TAILQ_FIRST(&up->jobs); j != NULL; j = next) {
		next = TAILQ_NEXT(j, entry);
		if (j->step == UPLOAD_TOKEN)
			upload_go(j);
	}
}

void
upload_fail_waiting(struct upload *up, const struct core_error *err)
{
	struct upload_job	*j, *next;

	for (j = TAILQ_FIRST(&up->jobs); j != NULL; j = next) {
		next = TAILQ_NEXT(j, entry);
		if (j->step == UPLOAD_TOKEN && j->req == NULL)
			upload_finish(j, err);
	}
}
