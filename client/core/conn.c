/* conn: the core's connection to natterd: connect, challenge, sign-in handshake, requests with deadlines, reconnect. */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>
#include <uv.h>

#include "client/core/conn.h"
#include "client/core/err.h"
#include "shared/proto/wire.h"
#include "shared/util/log.h"
#include "shared/util/xmalloc.h"

enum conn_state {
	CONN_DOWN,
	CONN_CONNECTING,	/* WebSocket not up yet */
	CONN_CHALLENGE,		/* waiting for the server's challenge */
	CONN_AUTH,		/* Register or Auth sent */
	CONN_READY,
};

struct conn_req {
	uint64_t		 id;
	uint64_t		 due;		/* uv_now() deadline */
	conn_req_cb		*cb;
	void			*arg;
	TAILQ_ENTRY(conn_req)	 entry;
};
TAILQ_HEAD(conn_reqs, conn_req);

struct conn {
	uv_loop_t		*loop;
	char			*server;
	const struct conn_net	*nt;
	struct net		*net;
	const struct conn_ops	*ops;
	void			*arg;

	enum conn_state		 state;
	int			 started;
	int			 oneshot;
	int			 closing;
	int			 backoff_ms;
	int			 timeout_ms;
	uint64_t		 next_req;
	uint64_t		 challenge_due;
	struct conn_reqs	 reqs;		/* in sending order */
	uv_timer_t		 retry;
	uv_timer_t		 watch;		/* the earliest deadline */
	int			 handles;	/* open uv handles (free) */
};

const struct conn_net conn_net_ws = {
	net_create, net_free, net_connect, net_send, net_disconnect
};

static void	conn_up(void *);
static void	conn_frame(void *, Natter__Frame *);
static void	conn_closed(void *, int, const char *);
static void	conn_watch_cb(uv_timer_t *);

static const struct net_cb conn_net_cb = { conn_up, conn_frame, conn_closed };

static void
conn_retry_cb(uv_timer_t *t)
{
	struct conn	*cn = t->data;

	if (cn->state == CONN_DOWN && !cn->closing)
		conn_start(cn);
}

struct conn *
conn_create(uv_loop_t *loop, const char *server, const struct conn_net *nt,
    const struct conn_ops *ops, void *arg)
{
	struct conn	*cn;

	cn = xcalloc(1, sizeof *cn);
	cn->loop = loop;
	cn->server = xstrdup(server);
	cn->nt = nt;
	cn->ops = ops;
	cn->arg = arg;
	cn->next_req = 1;
	cn->backoff_ms = CONN_BACKOFF_MIN_MS;
	cn->timeout_ms = CONN_REQ_TIMEOUT_MS;
	TAILQ_INIT(&cn->reqs);
	uv_timer_init(loop, &cn->retry);
	uv_timer_init(loop, &cn->watch);
	cn->retry.data = cn->watch.data = cn;
	cn->handles = 2;
	return (cn);
}

static void
conn_free_cb(uv_handle_t *h)
{
	struct conn	*cn = h->data;

	if (--cn->handles > 0)
		return;
	cn->nt->free(cn->net);
	free(cn->server);
	free(cn);
}

void
conn_free(struct conn *cn)
{
	if (cn == NULL)
		return;
	conn_stop(cn);
	uv_close((uv_handle_t *)&cn->retry, conn_free_cb);
	uv_close((uv_handle_t *)&cn->watch, conn_free_cb);
}

const char *
conn_server(struct conn *cn)
{
	return (cn->server);
}

void
conn_set_timeout(struct conn *cn, int ms)
{
	cn->timeout_ms = ms > 0 ? ms : CONN_REQ_TIMEOUT_MS;
}

void
conn_set_oneshot(struct conn *cn, int on)
{
	cn->oneshot = on;
}

int
conn_ready(struct conn *cn)
{
	return (cn->state == CONN_READY);
}

int
conn_started(struct conn *cn)
{
	return (cn->started);
}

/* Fail every request waiting for an answer. */
static void
conn_fail_reqs(struct conn *cn)
{
	struct conn_req	*r;

	uv_timer_stop(&cn->watch);
	while ((r = TAILQ_FIRST(&cn->reqs)) != NULL) {
		TAILQ_REMOVE(&cn->reqs, r, entry);
		r->cb(r->arg, NULL);
		free(r);
	}
}

/* Arm the deadline timer for due unless it runs already. */
static void
conn_watch(struct conn *cn, uint64_t due)
{
	uint64_t	now = uv_now(cn->loop);

	if (!uv_is_active((uv_handle_t *)&cn->watch))
		uv_timer_start(&cn->watch, conn_watch_cb, due > now ?
		    due - now : 0, 0);
}

/* Down for good: tell the layer above. */
static void
conn_down_final(struct conn *cn, const struct core_error *err)
{
	cn->started = 0;
	cn->ops->down(cn->arg, err, 0);
}

void
conn_start(struct conn *cn)
{
	struct core_error	err;
	char			msg[CORE_ERRMSG_MAX];

	cn->started = 1;
	if (cn->state != CONN_DOWN || cn->closing)
		return;
	uv_timer_stop(&cn->retry);
	/* Created on first use: commands that stay offline never pay for it. */
	if (cn->net == NULL && (cn->net = cn->nt->create(cn->loop,
	    &conn_net_cb, cn, strncasecmp(cn->server, "wss://", 6) == 0)) == NULL)
		fatal("cannot create the WebSocket context");
	cn->state = CONN_CONNECTING;
	if (cn->nt->connect(cn->net, cn->server, msg, sizeof msg) != 0) {
		cn->state = CONN_DOWN;
		err_set(&err, CORE_ERR_USAGE, "%s", msg);
		conn_down_final(cn, &err);
	}
}

void
conn_need(struct conn *cn)
{
	if (!cn->started)
		cn->oneshot = 1;
	conn_start(cn);
}

void
conn_stop(struct conn *cn)
{
	cn->closing = 1;
	cn->started = 0;
	uv_timer_stop(&cn->retry);
	if (cn->state != CONN_DOWN)
		cn->nt->disconnect(cn->net);
	cn->state = CONN_DOWN;
	conn_fail_reqs(cn);
}

int
conn_send(struct conn *cn, Natter__Frame *f)
{
	if (cn->state == CONN_DOWN || cn->state == CONN_CONNECTING)
		return (-1);
	return (cn->nt->send(cn->net, f));
}

static int
conn_track(struct conn *cn, Natter__Frame *f, conn_req_cb *cb, void *arg)
{
	struct conn_req	*r;

	f->id = cn->next_req++;
	if (cn->nt->send(cn->net, f) != 0)
		return (-1);
	r = xcalloc(1, sizeof *r);
	r->id = f->id;
	r->due = uv_now(cn->loop) + (uint64_t)cn->timeout_ms;
	r->cb = cb;
	r->arg = arg;
	TAILQ_INSERT_TAIL(&cn->reqs, r, entry);
	conn_watch(cn, r->due);
	return (0);
}

int
conn_request(struct conn *cn, Natter__Frame *f, conn_req_cb *cb, void *arg)
{
	if (cn->state != CONN_READY)
		return (-1);
	return (conn_track(cn, f, cb, arg));
}

int
conn_login(struct conn *cn, Natter__Frame *f, conn_req_cb *cb, void *arg)
{
	if (cn->state != CONN_CHALLENGE)
		return (-1);
	if (conn_track(cn, f, cb, arg) != 0)
		return (-1);
	cn->state = CONN_AUTH;
	return (0);
}

void
conn_authed(struct conn *cn)
{
	cn->state = CONN_READY;
	cn->backoff_ms = CONN_BACKOFF_MIN_MS;
	cn->ops->ready(cn->arg);
}

void
conn_give_up(struct conn *cn, const struct core_error *err)
{
	if (cn->state != CONN_DOWN)
		cn->nt->disconnect(cn->net);
	cn->state = CONN_DOWN;
	conn_fail_reqs(cn);
	conn_down_final(cn, err);
}

/* The connection is gone (err says how): reconnect later, or give up. */
static void
conn_lost(struct conn *cn, const struct core_error *err)
{
	int	delay;

	cn->state = CONN_DOWN;
	conn_fail_reqs(cn);
	if (cn->oneshot || cn->closing) {
		conn_down_final(cn, err);
		return;
	}
	delay = cn->backoff_ms / 2 + (int)randombytes_uniform(
	    (uint32_t)cn->backoff_ms / 2 + 1);
	cn->backoff_ms *= 2;
	if (cn->backoff_ms > CONN_BACKOFF_MAX_MS)
		cn->backoff_ms = CONN_BACKOFF_MAX_MS;
	uv_timer_start(&cn->retry, conn_retry_cb, (uint64_t)delay, 0);
	cn->ops->down(cn->arg, err, delay);
}

void
conn_retry_later(struct conn *cn, const struct core_error *err)
{
	if (cn->state != CONN_DOWN)
		cn->nt->disconnect(cn->net);
	conn_lost(cn, err);
}

/*
 * A deadline passed: the server (or the path to it) is stuck.  Recycle
 * the connection, so that what waits goes again on a fresh one.
 */
static void
conn_watch_cb(uv_timer_t *t)
{
	struct conn		*cn = t->data;
	struct conn_req		*r = TAILQ_FIRST(&cn->reqs);
	struct core_error	 err;
	uint64_t		 now = uv_now(cn->loop);
	const char		*what;

	if (cn->state == CONN_CHALLENGE && now >= cn->challenge_due)
		what = "sent no challenge";
	else if (r != NULL && now >= r->due)
		what = "did not answer a request";
	else {
		if (r != NULL)
			conn_watch(cn, r->due);
		else if (cn->state == CONN_CHALLENGE)
			conn_watch(cn, cn->challenge_due);
		return;
	}
	err_set(&err, CORE_ERR_TIMEOUT, "%s %s within %d s; the connection "
	    "was dropped", cn->server, what, (cn->timeout_ms + 999) / 1000);
	log_warn("%s", err.msg);
	cn->nt->disconnect(cn->net);
	conn_lost(cn, &err);
}

static void
conn_challenge(struct conn *cn, const Natter__Challenge *ch)
{
	if (cn->state != CONN_CHALLENGE || ch->nonce.len != WIRE_NONCEBYTES) {
		log_debug("challenge ignored (state %d)", (int)cn->state);
		return;
	}
	cn->ops->challenge(cn->arg, ch->nonce.data, ch->nonce.len);
}

static void
conn_response(struct conn *cn, const Natter__Frame *f)
{
	struct conn_req	*r;

	TAILQ_FOREACH(r, &cn->reqs, entry) {
		if (r->id == f->id)
			break;
	}
	if (r == NULL) {
		log_warn("response to unknown request %llu",
		    (unsigned long long)f->id);
		return;
	}
	TAILQ_REMOVE(&cn->reqs, r, entry);
	r->cb(r->arg, f->response);
	free(r);
}

static void
conn_up(void *arg)
{
	struct conn	*cn = arg;

	if (cn->state != CONN_CONNECTING)
		return;
	cn->state = CONN_CHALLENGE;
	cn->challenge_due = uv_now(cn->loop) + (uint64_t)cn->timeout_ms;
	conn_watch(cn, cn->challenge_due);
}

static void
conn_frame(void *arg, Natter__Frame *f)
{
	struct conn	*cn = arg;

	switch (f->body_case) {
	case NATTER__FRAME__BODY_CHALLENGE:
		conn_challenge(cn, f->challenge);
		break;
	case NATTER__FRAME__BODY_RESPONSE:
		conn_response(cn, f);
		break;
	case NATTER__FRAME__BODY_DELIVER:
		if (cn->state == CONN_READY)
			cn->ops->deliver(cn->arg, f->deliver);
		break;
	case NATTER__FRAME__BODY_EVENT:
		if (cn->state == CONN_READY)
			cn->ops->event(cn->arg, f->event);
		break;
	default:
		log_warn("unexpected frame type %d from the server",
		    (int)f->body_case);
		break;
	}
	wire_free(f);
}

static void
conn_closed(void *arg, int established, const char *why)
{
	struct conn		*cn = arg;
	struct core_error	 err;
	int			 was = cn->state;

	if (!established)
		err_set(&err, CORE_ERR_UNREACHABLE, "cannot reach %s: %s; is "
		    "natterd running? use --server URL", cn->server, why);
	else
		err_set(&err, CORE_ERR_UNREACHABLE, "lost the connection to "
		    "%s%s: %s", cn->server, was == CONN_READY ? "" :
		    " while signing in", why);
	conn_lost(cn, &err);
}
