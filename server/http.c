/* http: natterd's HTTP requests: the route table and the answers.
 *
 * Every request on the listening port that is not a WebSocket upgrade
 * comes here. The route table maps method and path to a route's hooks
 * (http.h); a path with no route is 404, a known path with a method it
 * does not take 405. Answers are written on HTTP_WRITEABLE: the headers
 * first, then a small body, or the route's stream piece by piece as the
 * socket drains, so no answer is ever held in memory whole. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libwebsockets.h>

#include "server/db.h"
#include "server/download.h"
#include "server/fiber.h"
#include "server/groupdb.h"
#include "server/http.h"
#include "server/httpreq.h"
#include "server/metrics.h"
#include "server/online.h"
#include "server/pgturn.h"
#include "server/queue.h"
#include "server/upload.h"
#include "shared/util/log.h"
#include "shared/util/xmalloc.h"

#define HTTP_MAXHEADERS	8
#define HTTP_VALUELEN	128
/* An answer given before the request body was read: up to this much of
 * it is read into nothing, so the connection stays up; past it, or with
 * no length, the connection closes after the answer. */
#define HTTP_DISCARD_MAX	(64ULL * 1024 * 1024)

_Static_assert(HTTP_PRE >= LWS_PRE, "HTTP_PRE must cover LWS_PRE");

struct http_route {
	unsigned			 methods;	/* enum http_method */
	const char			*path;
	int				 prefix;	/* path is a prefix */
	const struct http_route_ops	*ops;
};

struct http_txn {
	struct lws			*wsi;
	const struct http_route		*route;
	void				*state;
	enum http_method		 method;
	int				 body_pending;	/* not all read */
	int				 has_length;	/* Content-Length */
	uint64_t			 length_in;	/* its value */
	uint64_t			 received;	/* body bytes so far */
	int				 continued;	/* 100 Continue sent */
	int				 held;		/* http_hold_input */
	int				 answered;
	int				 headers_sent;
	int				 streaming;
	int				 close;		/* after the answer */
	int				 ended;
	unsigned			 status;
	const char			*ctype;
	uint64_t			 length;
	char				*body;
	size_t				 nheaders;
	const char			*hname[HTTP_MAXHEADERS];
	char				 hvalue[HTTP_MAXHEADERS][HTTP_VALUELEN];
};

static struct db	*http_db;

static int	http_healthz(struct http_txn *, const char *);
static int	http_metrics(struct http_txn *, const char *);
static void	http_metrics_end(struct http_txn *);

static const struct http_route_ops http_healthz_ops = { http_healthz, NULL,
	NULL, NULL, NULL };
static const struct http_route_ops http_metrics_ops = { http_metrics, NULL,
	NULL, NULL, http_metrics_end };

/* First match wins: a path is looked up before its method. */
static const struct http_route http_routes[] = {
	{ HTTP_GET, "/healthz", 0, &http_healthz_ops },
	{ HTTP_GET, "/metrics", 0, &http_metrics_ops },
	{ HTTP_POST, "/v1/assets", 0, &upload_ops },
	{ HTTP_GET | HTTP_HEAD, "/v1/assets/", 1, &download_ops },
	{ HTTP_HEAD, "/v1/uploads/", 1, &upload_query_ops },
};

/* Request headers the table names; others are lws "custom" headers. */
static const struct {
	const char		*name;
	enum lws_token_indexes	 token;
} http_tokens[] = {
	{ "authorization:", WSI_TOKEN_HTTP_AUTHORIZATION },
	{ "content-length:", WSI_TOKEN_HTTP_CONTENT_LENGTH },
	{ "expect:", WSI_TOKEN_HTTP_EXPECT },
	{ "if-none-match:", WSI_TOKEN_HTTP_IF_NONE_MATCH },
	{ "range:", WSI_TOKEN_HTTP_RANGE },
	{ "transfer-encoding:", WSI_TOKEN_HTTP_TRANSFER_ENCODING },
};

void
http_init(struct db *db)
{
	http_db = db;
}

enum http_method
http_method(const struct http_txn *t)
{
	return (t->method);
}

void *
http_state(const struct http_txn *t)
{
	return (t->state);
}

void
http_set_state(struct http_txn *t, void *state)
{
	t->state = state;
}

int
http_header(struct http_txn *t, const char *name, char *out, size_t outlen)
{
	size_t	i;
	int	n, len;

	out[0] = '\0';
	for (i = 0; i < sizeof http_tokens / sizeof http_tokens[0]; i++) {
		if (strcmp(name, http_tokens[i].name) != 0)
			continue;
		/* lws cannot tell an empty header from none. */
		if ((len = lws_hdr_total_length(t->wsi,
		    http_tokens[i].token)) <= 0)
			return (-1);
		if ((size_t)len >= outlen)
			return (-2);
		n = lws_hdr_copy(t->wsi, out, (int)outlen,
		    http_tokens[i].token);
		return (n < 0 ? -2 : n);
	}
	len = lws_hdr_custom_length(t->wsi, name, (int)strlen(name));
	if (len < 0)
		return (-1);
	if ((size_t)len >= outlen)
		return (-2);
	n = lws_hdr_custom_copy(t->wsi, out, (int)outlen, name,
	    (int)strlen(name));
	return (n < 0 ? -2 : n);
}

int
http_expects_continue(struct http_txn *t)
{
	char	v[32];

	return (http_header(t, "expect:", v, sizeof v) > 0 &&
	    strcasecmp(v, "100-continue") == 0);
}

void
http_hold_input(struct http_txn *t, int on)
{
	if (t->wsi != NULL && t->held != on)
		lws_rx_flow_control(t->wsi, !on);
	t->held = on;
}

void
http_continue(struct http_txn *t)
{
	static const char	line[] = "HTTP/1.1 100 Continue\r\n\r\n";
	uint8_t			buf[LWS_PRE + sizeof line];

	/* HTTP/1.1 only: on HTTP/2 lws speaks for the stream. */
	if (t->wsi == NULL || !http_expects_continue(t) ||
	    lws_get_network_wsi(t->wsi) != t->wsi)
		return;
	memcpy(buf + LWS_PRE, line, sizeof line - 1);
	/* On HTTP/1.1 a plain write before the answer's headers. */
	if (lws_write(t->wsi, buf + LWS_PRE, sizeof line - 1,
	    LWS_WRITE_HTTP) != (int)sizeof line - 1)
		log_debug("cannot send 100 Continue");
	t->continued = 1;
}

void
http_add_header(struct http_txn *t, const char *name, const char *fmt, ...)
{
	va_list	ap;

	if (t->nheaders == HTTP_MAXHEADERS)
		fatal("too many HTTP headers in one answer");
	t->hname[t->nheaders] = name;
	va_start(ap, fmt);
	vsnprintf(t->hvalue[t->nheaders], HTTP_VALUELEN, fmt, ap);
	va_end(ap);
	t->nheaders++;
}

/*
 * An answer before the whole body came: close after it when the client
 * waits for 100 Continue (it sends no body), when the body has no length
 * or too much of it is left; else lws reads the rest into nothing and
 * the connection is kept. (Closing with unread data in the socket could
 * make the kernel reset the connection before the client reads the
 * answer.)
 */
static int
http_close_after(struct http_txn *t)
{
	if (!t->body_pending)
		return (0);
	if (!t->has_length)
		return (1);
	if (http_expects_continue(t) && !t->continued)
		return (1);
	return (t->length_in - t->received > HTTP_DISCARD_MAX);
}

/* An answer is set: have the headers written. */
static void
http_answer(struct http_txn *t, unsigned status, const char *ctype)
{
	if (t->answered)
		fatal("HTTP request answered twice");
	t->answered = 1;
	t->status = status;
	t->ctype = ctype;
	t->close = http_close_after(t);
	if (t->wsi != NULL)
		lws_callback_on_writable(t->wsi);
}

void
http_reply(struct http_txn *t, unsigned status, const char *ctype,
    const char *body)
{
	if (ctype == NULL)
		ctype = "text/plain";
	t->body = xstrdup(body);
	t->length = status == 304 || t->method == HTTP_HEAD ? 0 : strlen(body);
	http_answer(t, status, ctype);
}

void
http_stream(struct http_txn *t, unsigned status, const char *ctype,
    uint64_t length)
{
	t->streaming = t->method != HTTP_HEAD;
	t->length = length;
	http_answer(t, status, ctype);
}

int
http_write(struct http_txn *t, uint8_t *buf, size_t len, int last)
{
	int	n;

	n = lws_write(t->wsi, buf, len,
	    last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP);
	return (n < 0 || (size_t)n != len ? -1 : 0);
}

/* The transaction is over: the route forgets it. */
static void
http_end(struct http_txn **tp)
{
	struct http_txn	*t = *tp;

	if (t == NULL)
		return;
	*tp = NULL;
	t->wsi = NULL;
	if (t->route != NULL && t->route->ops->end != NULL)
		t->route->ops->end(t);
	free(t->body);
	free(t);
}

/* Write the status line and headers: 0 or -1. */
static int
http_write_headers(struct http_txn *t)
{
	uint8_t		 buf[LWS_PRE + 2048], *start = buf + LWS_PRE, *p = start;
	uint8_t		*end = buf + sizeof buf - 1;
	char		 len[24];
	size_t		 i;

	/* Unknown length makes lws say "connection: close". */
	if (lws_add_http_common_headers(t->wsi, t->status, t->ctype,
	    t->close ? LWS_ILLEGAL_HTTP_CONTENT_LEN : t->length, &p, end))
		return (-1);
	if (t->close) {
		snprintf(len, sizeof len, "%llu", (unsigned long long)t->length);
		if (lws_add_http_header_by_token(t->wsi,
		    WSI_TOKEN_HTTP_CONTENT_LENGTH, (uint8_t *)len,
		    (int)strlen(len), &p, end))
			return (-1);
	}
	for (i = 0; i < t->nheaders; i++) {
		if (lws_add_http_header_by_name(t->wsi,
		    (const uint8_t *)t->hname[i], (uint8_t *)t->hvalue[i],
		    (int)strlen(t->hvalue[i]), &p, end))
			return (-1);
	}
	if (lws_finalize_write_http_header(t->wsi, start, &p, end))
		return (-1);
	return (0);
}

/* The transaction's answer is out: keep the connection or close it. */
static int
http_done(struct http_txn **tp)
{
	struct http_txn	*t = *tp;

	if (t->close)
		return (-1);
	http_hold_input(t, 0);		/* the next request is read */
	/* lws drops the protocol binding here: that ends the txn. */
	if (lws_http_transaction_completed(t->wsi))
		return (-1);
	return (0);
}

static int
http_writeable(struct http_txn **tp)
{
	struct http_txn	*t = *tp;
	uint8_t		*buf;
	int		 rc;

	if (t == NULL || !t->answered)
		return (0);
	if (!t->headers_sent) {
		t->headers_sent = 1;
		if (http_write_headers(t) != 0)
			return (-1);
		if (t->length == 0 || (!t->streaming && t->body == NULL))
			return (http_done(tp));
		lws_callback_on_writable(t->wsi);
		return (0);
	}
	if (t->streaming) {
		if ((rc = t->route->ops->more(t)) < 0)
			return (-1);
		if (rc == 0) {
			lws_callback_on_writable(t->wsi);
			return (0);
		}
		return (http_done(tp));
	}
	buf = xmalloc(LWS_PRE + t->length);
	memcpy(buf + LWS_PRE, t->body, t->length);
	rc = http_write(t, buf + LWS_PRE, t->length, 1);
	free(buf);
	return (rc != 0 ? -1 : http_done(tp));
}

static enum http_method
http_method_of(struct lws *wsi)
{
	if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0)
		return (HTTP_GET);
	if (lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI) > 0)
		return (HTTP_HEAD);
	if (lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0)
		return (HTTP_POST);
	return (HTTP_OTHER);
}

/* The Allow header's value for methods. */
static const char *
http_allow(unsigned methods)
{
	switch (methods) {
	case HTTP_GET:
		return ("GET");
	case HTTP_HEAD:
		return ("HEAD");
	case HTTP_GET | HTTP_HEAD:
		return ("GET, HEAD");
	default:
		return ("POST");
	}
}

/* A new request with path: find its route and start it. */
static int
http_request(struct lws *wsi, struct http_txn **tp, const char *path)
{
	const struct http_route	*r = NULL;
	struct http_txn		*t;
	char			 cl[32];
	size_t			 i, n;

	http_end(tp);
	t = *tp = xcalloc(1, sizeof *t);
	t->wsi = wsi;
	t->method = http_method_of(wsi);
	/* A body lws would read (with no length: up to 100 MiB!). */
	t->has_length = http_header(t, "content-length:", cl, sizeof cl) >= 0 &&
	    httpreq_number(cl, UINT64_MAX, &t->length_in) == 0;
	if (t->method == HTTP_POST || t->method == HTTP_OTHER)
		t->body_pending = !t->has_length || t->length_in > 0;
	for (i = 0; i < sizeof http_routes / sizeof http_routes[0]; i++) {
		n = strlen(http_routes[i].path);
		if (http_routes[i].prefix ? strncmp(path, http_routes[i].path,
		    n) == 0 : strcmp(path, http_routes[i].path) == 0) {
			r = &http_routes[i];
			break;
		}
	}
	if (r == NULL) {
		http_reply(t, HTTP_STATUS_NOT_FOUND, NULL, "not found\n");
		return (0);
	}
	if ((r->methods & t->method) == 0) {
		http_add_header(t, "allow:", "%s", http_allow(r->methods));
		http_reply(t, HTTP_STATUS_METHOD_NOT_ALLOWED, NULL,
		    "method not allowed\n");
		return (0);
	}
	t->route = r;
	return (r->ops->start(t, path));
}

static int
http_body(struct http_txn *t, const uint8_t *in, size_t len)
{
	if (t != NULL)
		t->received += len;
	if (t == NULL || t->answered || t->route == NULL ||
	    t->route->ops->body == NULL || len == 0)
		return (0);
	return (t->route->ops->body(t, in, len));
}

static int
http_body_done(struct http_txn *t)
{
	if (t == NULL)
		return (0);
	t->body_pending = 0;
	if (t->answered || t->route == NULL)
		return (0);
	if (t->route->ops->body_done == NULL) {
		http_reply(t, HTTP_STATUS_OK, NULL, "ok\n");
		return (0);
	}
	return (t->route->ops->body_done(t));
}

int
http_callback(struct lws *wsi, int reason, void *user, void *in, size_t len)
{
	struct http_txn	**tp = user;

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		return (http_request(wsi, tp, in));
	case LWS_CALLBACK_HTTP_BODY:
		return (http_body(*tp, in, len));
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		return (http_body_done(*tp));
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return (tp == NULL ? -1 : http_writeable(tp));
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
	case LWS_CALLBACK_CLOSED_HTTP:
		if (tp != NULL)
			http_end(tp);
		return (0);
	default:
		break;
	}
	return (lws_callback_http_dummy(wsi, (enum lws_callback_reasons)reason,
	    user, in, len));
}

static int
http_healthz(struct http_txn *t, const char *path)
{
	http_reply(t, HTTP_STATUS_OK, NULL, "ok\n");
	return (0);
}

/* /metrics on the PostgreSQL store: the two counts are queries, which
 * wait, so they run on a fiber of their own (in the turn's transaction)
 * and the answer leaves when they are in. The state outlives whichever
 * of the fiber and the transaction ends last. */
struct http_metrics_count {
	struct http_txn	*t;		/* NULL once the transaction ended */
	int		 running;	/* the fiber has not finished */
	uint64_t	 depth, groups;
};

static void
http_metrics_reply(struct http_txn *t, uint64_t depth, uint64_t groups)
{
	char	*body;

	body = metrics_render(depth, online_count(), groups);
	http_reply(t, HTTP_STATUS_OK, "text/plain; version=0.0.4", body);
	free(body);
}

static void
http_metrics_count(void *arg)
{
	struct http_metrics_count	*m = arg;

	pgturn_enter(PGTURN_SHARED);
	if (queue_total(http_db, &m->depth) != 0)
		log_warn("cannot count the queue");
	if (groupdb_count(http_db, &m->groups) != 0)
		log_warn("cannot count the groups");
	pgturn_leave();
}

static void
http_metrics_counted(void *arg)
{
	struct http_metrics_count	*m = arg;

	m->running = 0;
	if (m->t == NULL)
		free(m);
	else	/* the transaction's end frees m */
		http_metrics_reply(m->t, m->depth, m->groups);
}

static int
http_metrics(struct http_txn *t, const char *path)
{
	struct http_metrics_count	*m;
	uint64_t			 depth = 0, groups = 0;

	if (db_pg(http_db) != NULL && fiber_self() == NULL) {
		m = xcalloc(1, sizeof *m);
		m->t = t;
		m->running = 1;
		http_set_state(t, m);
		if (fiber_run(http_metrics_count, m, http_metrics_counted,
		    m) != 0) {
			m->running = 0;
			http_reply(t, HTTP_STATUS_SERVICE_UNAVAILABLE, NULL,
			    "busy\n");
		}
		return (0);
	}
	if (queue_total(http_db, &depth) != 0)
		log_warn("cannot count the queue");
	if (groupdb_count(http_db, &groups) != 0)
		log_warn("cannot count the groups");
	http_metrics_reply(t, depth, groups);
	return (0);
}

static void
http_metrics_end(struct http_txn *t)
{
	struct http_metrics_count	*m = http_state(t);

	if (m == NULL)
		return;
	if (m->running)
		m->t = NULL;	/* the fiber's end frees m */
	else
		free(m);
}
