/* xfer: HTTP transfers on libcurl's multi-socket API, its sockets and timer on the caller's libuv loop. */
#include <sys/queue.h>

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <uv.h>

#include "client/net/xfer.h"
#include "shared/util/log.h"
#include "shared/util/xmalloc.h"

#define XFER_UPLOAD_BUF		(2 * 1024 * 1024)	/* curl's largest */
#define XFER_DOWNLOAD_BUF	(512 * 1024)		/* curl's largest */
#define XFER_CONNECT_S		15L
#define XFER_STALL_S		60L	/* under 1 KiB/s for so long: give up */

struct xfer_req {
	struct xfer		*x;
	CURL			*easy;
	struct curl_slist	*hdrs;
	struct xfer_spec	 spec;
	struct xfer_result	 res;
	char			 body[XFER_BODYMAX + 1];
	size_t			 bodylen;
	char			 errbuf[CURL_ERROR_SIZE];
	int			 aborted;	/* a callback said stop */
	int			 paused;	/* the sink said wait */
	TAILQ_ENTRY(xfer_req)	 entry;
};
TAILQ_HEAD(xfer_reqs, xfer_req);

struct xfer {
	uv_loop_t		*loop;
	CURLM			*multi;
	uv_timer_t		*timer;
	struct xfer_reqs	 reqs;
	int			 n;
};

/* One socket curl asked us to watch. */
struct xfer_sock {
	uv_poll_t		 poll;
	struct xfer		*x;
	curl_socket_t		 fd;
};

static void	xfer_check(struct xfer *);

static void
xfer_poll_cb(uv_poll_t *h, int status, int events)
{
	struct xfer_sock	*s = h->data;
	struct xfer		*x = s->x;
	int			 flags = 0, running;

	if (status < 0)
		flags = CURL_CSELECT_ERR;
	if (events & UV_READABLE)
		flags |= CURL_CSELECT_IN;
	if (events & UV_WRITABLE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(x->multi, s->fd, flags, &running);
	xfer_check(x);
}

static void
xfer_sock_closed(uv_handle_t *h)
{
	free(h->data);
}

static int
xfer_socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp,
    void *sockp)
{
	struct xfer		*x = userp;
	struct xfer_sock	*s = sockp;
	int			 ev = 0;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (s != NULL) {
			uv_poll_stop(&s->poll);
			uv_close((uv_handle_t *)&s->poll, xfer_sock_closed);
			curl_multi_assign(x->multi, fd, NULL);
		}
		return (0);
	}
	if (s == NULL) {
		s = xcalloc(1, sizeof *s);
		s->x = x;
		s->fd = fd;
		if (uv_poll_init_socket(x->loop, &s->poll, fd) != 0) {
			free(s);
			return (-1);
		}
		s->poll.data = s;
		curl_multi_assign(x->multi, fd, s);
	}
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		ev |= UV_READABLE;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		ev |= UV_WRITABLE;
	uv_poll_start(&s->poll, ev, xfer_poll_cb);
	return (0);
}

static void
xfer_timer_cb(uv_timer_t *t)
{
	struct xfer	*x = t->data;
	int		 running;

	curl_multi_socket_action(x->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	xfer_check(x);
}

static int
xfer_timeout_cb(CURLM *multi, long ms, void *userp)
{
	struct xfer	*x = userp;

	(void)multi;
	if (ms < 0)
		uv_timer_stop(x->timer);
	else
		uv_timer_start(x->timer, xfer_timer_cb, (uint64_t)ms, 0);
	return (0);
}

struct xfer *
xfer_create(uv_loop_t *loop)
{
	static int	 inited;
	struct xfer	*x;

	if (!inited) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			fatal("xfer: libcurl would not initialise");
		inited = 1;
	}
	x = xcalloc(1, sizeof *x);
	x->loop = loop;
	TAILQ_INIT(&x->reqs);
	if ((x->multi = curl_multi_init()) == NULL)
		fatal("xfer: curl_multi_init");
	x->timer = xcalloc(1, sizeof *x->timer);
	uv_timer_init(loop, x->timer);
	x->timer->data = x;
	curl_multi_setopt(x->multi, CURLMOPT_SOCKETFUNCTION, xfer_socket_cb);
	curl_multi_setopt(x->multi, CURLMOPT_SOCKETDATA, x);
	curl_multi_setopt(x->multi, CURLMOPT_TIMERFUNCTION, xfer_timeout_cb);
	curl_multi_setopt(x->multi, CURLMOPT_TIMERDATA, x);
	return (x);
}

static void
xfer_req_free(struct xfer_req *r)
{
	struct xfer	*x = r->x;

	TAILQ_REMOVE(&x->reqs, r, entry);
	x->n--;
	curl_multi_remove_handle(x->multi, r->easy);
	curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->hdrs);
	free(r);
}

static void
xfer_timer_closed(uv_handle_t *h)
{
	free(h);
}

void
xfer_free(struct xfer *x)
{
	if (x == NULL)
		return;
	while (!TAILQ_EMPTY(&x->reqs))
		xfer_req_free(TAILQ_FIRST(&x->reqs));
	curl_multi_cleanup(x->multi);
	uv_timer_stop(x->timer);
	uv_close((uv_handle_t *)x->timer, xfer_timer_closed);
	free(x);
}

int
xfer_active(struct xfer *x)
{
	return (x->n);
}

static size_t
xfer_read_cb(char *buf, size_t size, size_t n, void *arg)
{
	struct xfer_req	*r = arg;
	ssize_t		 got;

	got = r->spec.source(r->spec.arg, (uint8_t *)buf, size * n);
	if (got < 0) {
		r->aborted = 1;
		return (CURL_READFUNC_ABORT);
	}
	return ((size_t)got);
}

static size_t
xfer_write_cb(char *buf, size_t size, size_t n, void *arg)
{
	struct xfer_req	*r = arg;
	size_t		 len = size * n, keep;
	long		 status = 0;

	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	if (r->spec.sink != NULL && (status == 200 || status == 206)) {
		switch (r->spec.sink(r->spec.arg, status, (const uint8_t *)buf,
		    len)) {
		case 0:
			return (len);
		case XFER_PAUSE:
			r->paused = 1;
			return (CURL_WRITEFUNC_PAUSE);
		default:
			r->aborted = 1;
			return (0);
		}
	}
	keep = XFER_BODYMAX - r->bodylen;
	if (keep > len)
		keep = len;
	memcpy(r->body + r->bodylen, buf, keep);
	r->bodylen += keep;
	return (len);
}

/* Remember the Upload-Offset header. */
static size_t
xfer_header_cb(char *buf, size_t size, size_t n, void *arg)
{
	struct xfer_req	*r = arg;
	size_t		 len = size * n;
	const char	*name = "upload-offset:";
	char		 v[32];
	size_t		 i, vl;

	if (len > strlen(name) && strncasecmp(buf, name, strlen(name)) == 0) {
		for (i = strlen(name); i < len && buf[i] == ' '; i++)
			;
		vl = len - i < sizeof v - 1 ? len - i : sizeof v - 1;
		memcpy(v, buf + i, vl);
		v[vl] = '\0';
		if (sscanf(v, "%" SCNu64, &r->res.offset) == 1)
			r->res.has_offset = 1;
	}
	return (len);
}

static int
xfer_on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct xfer_req	*r = arg;

	if (r->spec.progress == NULL)
		return (0);
	if (r->spec.source != NULL)
		r->spec.progress(r->spec.arg, (uint64_t)ulnow, (uint64_t)ultotal);
	else
		r->spec.progress(r->spec.arg, (uint64_t)dlnow, (uint64_t)dltotal);
	return (0);
}

/* For tests only: the rate in $name (bytes a second), or 0. */
static curl_off_t
xfer_test_rate(const char *name)
{
	const char	*e = getenv(name);

	return (e != NULL ? (curl_off_t)strtoull(e, NULL, 10) : 0);
}

/* For tests only: slow transfers, so that a test can interrupt one. */
static void
xfer_test_rates(CURL *e)
{
	curl_off_t	up, down;

	if ((up = xfer_test_rate("NATTER_TEST_UPLOAD_BPS")) > 0)
		curl_easy_setopt(e, CURLOPT_MAX_SEND_SPEED_LARGE, up);
	if ((down = xfer_test_rate("NATTER_TEST_DOWNLOAD_BPS")) > 0)
		curl_easy_setopt(e, CURLOPT_MAX_RECV_SPEED_LARGE, down);
}

static void
xfer_setup(struct xfer_req *r)
{
	const struct xfer_spec	*sp = &r->spec;
	CURL			*e = r->easy;
	char			 h[1024];
	size_t			 i;

	curl_easy_setopt(e, CURLOPT_URL, sp->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, XFER_CONNECT_S);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, XFER_STALL_S);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, xfer_write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, xfer_header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(e, CURLOPT_BUFFERSIZE, (long)XFER_DOWNLOAD_BUF);
	curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, xfer_on_progress);
	curl_easy_setopt(e, CURLOPT_XFERINFODATA, r);
	curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
	if (strcmp(sp->method, "HEAD") == 0)
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	else if (strcmp(sp->method, "POST") == 0) {
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_READFUNCTION, xfer_read_cb);
		curl_easy_setopt(e, CURLOPT_READDATA, r);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)sp->body_len);
		curl_easy_setopt(e, CURLOPT_UPLOAD_BUFFERSIZE,
		    (long)XFER_UPLOAD_BUF);
		/* The body follows at once, unless the server may not want it. */
		r->hdrs = curl_slist_append(r->hdrs, sp->expect ?
		    "Expect: 100-continue" : "Expect:");
		r->hdrs = curl_slist_append(r->hdrs,
		    "Content-Type: application/octet-stream");
	}
	if (sp->token != NULL) {
		snprintf(h, sizeof h, "Authorization: Bearer %s", sp->token);
		r->hdrs = curl_slist_append(r->hdrs, h);
	}
	for (i = 0; sp->headers != NULL && sp->headers[i] != NULL; i++)
		r->hdrs = curl_slist_append(r->hdrs, sp->headers[i]);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->hdrs);
	xfer_test_rates(e);
}

struct xfer_req *
xfer_start(struct xfer *x, const struct xfer_spec *sp)
{
	struct xfer_req	*r;

	r = xcalloc(1, sizeof *r);
	r->x = x;
	r->spec = *sp;
	if ((r->easy = curl_easy_init()) == NULL)
		fatal("xfer: curl_easy_init");
	xfer_setup(r);
	TAILQ_INSERT_TAIL(&x->reqs, r, entry);
	x->n++;
	if (curl_multi_add_handle(x->multi, r->easy) != CURLM_OK)
		fatal("xfer: curl_multi_add_handle");
	return (r);
}

void
xfer_resume(struct xfer_req *r)
{
	if (r == NULL || !r->paused)
		return;
	r->paused = 0;
	/* The bytes kept come at once; curl's timer drives the rest. */
	(void)curl_easy_pause(r->easy, CURLPAUSE_CONT);
}

void
xfer_cancel(struct xfer_req *r)
{
	if (r != NULL)
		xfer_req_free(r);
}

/* A finished transfer: its result to its owner. */
static void
xfer_finish(struct xfer_req *r, CURLcode code)
{
	struct xfer_spec	sp = r->spec;
	struct xfer_result	res = r->res;
	curl_off_t		len = -1;
	char			err[CURL_ERROR_SIZE + 16];
	char			body[XFER_BODYMAX + 1];

	memcpy(body, r->body, r->bodylen);
	body[r->bodylen] = '\0';
	res.body = body;
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &res.status);
	curl_easy_getinfo(r->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
	res.length = len > 0 ? (uint64_t)len : 0;
	if (code != CURLE_OK) {
		snprintf(err, sizeof err, "%s", r->aborted ? "stopped" :
		    r->errbuf[0] != '\0' ? r->errbuf : curl_easy_strerror(code));
		res.error = err;
		if (res.status >= 200 && res.status < 300)
			res.status = 0;	/* cut off: not a whole answer */
	}
	/* Free first: done may start the next request or cancel others. */
	xfer_req_free(r);
	sp.done(sp.arg, &res);
}

static void
xfer_check(struct xfer *x)
{
	CURLMsg		*m;
	struct xfer_req	*r;
	int		 left;

	while ((m = curl_multi_info_read(x->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		xfer_finish(r, m->data.result);
	}
}
