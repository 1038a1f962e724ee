/* conn: the core's connection to natterd: connect, challenge, auth/register, requests, reconnect. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <uv.h>

#include "client/core/coreint.h"
#include "shared/proto/wire.h"
#include "shared/util/log.h"
#include "shared/util/xmalloc.h"

static void	conn_up(void *);
static void	conn_frame(void *, Natter__Frame *);
static void	conn_closed(void *, int, const char *);

static const struct net_cb conn_net_cb = { conn_up, conn_frame, conn_closed };

static void
conn_retry_cb(uv_timer_t *t)
{
	struct core	*c = t->data;

	if (c->state == CONN_DOWN && !c->closing)
		conn_start(c);
}

void
conn_init(struct core *c)
{
	TAILQ_INIT(&c->reqs);
	c->next_req = 1;
	c->backoff_ms = CORE_BACKOFF_MIN_MS;
	uv_timer_init(c->loop, &c->retry);
	c->retry.data = c;
}

int
conn_ready(struct core *c)
{
	return (c->state == CONN_READY);
}

/* Fail every request waiting for an answer. */
static void
conn_fail_reqs(struct core *c)
{
	struct core_req	*r;

	while ((r = TAILQ_FIRST(&c->reqs)) != NULL) {
		TAILQ_REMOVE(&c->reqs, r, entry);
		r->cb(c, r, NULL);
		free(r);
	}
}

/* Give up for good: tell everyone waiting. */
static void
conn_give_up(struct core *c, const struct core_error *err)
{
	struct core_event	 ev;
	core_done_cb		*cb = c->reg_cb;

	c->started = 0;
	if (cb != NULL) {
		c->reg_cb = NULL;
		free(c->reg_name);
		c->reg_name = NULL;
		cb(c, err, c->reg_arg);
	}
	outbox_fail_all(c, err, 0);
	trust_fail_all(c, err);
	memset(&ev, 0, sizeof ev);
	ev.type = CORE_EV_DISCONNECTED;
	ev.error = err;
	core_emit(c, &ev);
}

void
conn_start(struct core *c)
{
	struct core_error	err;
	char			msg[CORE_ERRMSG_MAX];

	if (c->state != CONN_DOWN || c->closing)
		return;
	uv_timer_stop(&c->retry);
	/* Created on first use: commands that stay offline never pay for it. */
	if (c->net == NULL && (c->net = net_create(c->loop, &conn_net_cb, c,
	    strncmp(c->server, "wss://", 6) == 0)) == NULL)
		fatal("cannot create the WebSocket context");
	c->state = CONN_CONNECTING;
	if (net_connect(c->net, c->server, msg, sizeof msg) != 0) {
		c->state = CONN_DOWN;
		core_seterr(&err, CORE_ERR_USAGE, "%s", msg);
		conn_give_up(c, &err);
	}
}

void
conn_stop(struct core *c)
{
	c->closing = 1;
	uv_timer_stop(&c->retry);
	if (c->state != CONN_DOWN)
		net_disconnect(c->net);
	c->state = CONN_DOWN;
	conn_fail_reqs(c);
}

int
conn_send(struct core *c, Natter__Frame *f)
{
	if (c->state == CONN_DOWN || c->state == CONN_CONNECTING)
		return (-1);
	return (net_send(c->net, f));
}

int
conn_request(struct core *c, Natter__Frame *f, core_req_cb *cb, void *data)
{
	struct core_req	*r;

	if (c->state != CONN_READY && !(c->state == CONN_CHALLENGE &&
	    f->body_case != NATTER__FRAME__BODY_SEND))
		return (-1);
	f->id = c->next_req++;
	if (net_send(c->net, f) != 0)
		return (-1);
	r = xcalloc(1, sizeof *r);
	r->id = f->id;
	r->cb = cb;
	r->data = data;
	TAILQ_INSERT_TAIL(&c->reqs, r, entry);
	return (0);
}

static void
conn_now_ready(struct core *c)
{
	struct core_event	ev;

	c->state = CONN_READY;
	c->ever_ready = 1;
	c->backoff_ms = CORE_BACKOFF_MIN_MS;
	memset(&ev, 0, sizeof ev);
	ev.type = CORE_EV_CONNECTED;
	core_emit(c, &ev);
	trust_kick(c);
	outbox_kick(c);
}

static void
conn_authed(struct core *c, struct core_req *r, const Natter__Response *resp)
{
	struct core_error	err;

	(void)r;
	if (resp == NULL)
		return;
	if (resp->code == NATTER__CODE__OK) {
		conn_now_ready(c);
		return;
	}
	core_resp_err(&err, resp, "sign-in");
	if (resp->code == NATTER__CODE__UNKNOWN_USER)
		core_seterr(&err, CORE_ERR_NO_PROFILE, "the server %s does not "
		    "know account %s (device %u): was it registered on another "
		    "server? use --server URL", c->server, c->name, c->device);
	c->state = CONN_DOWN;
	net_disconnect(c->net);
	conn_give_up(c, &err);
}

static void
conn_registered(struct core *c, struct core_req *r, const Natter__Response *resp)
{
	struct core_error	 err;
	core_done_cb		*cb = c->reg_cb;
	int			 rc;

	(void)r;
	if (resp == NULL)
		return;
	c->reg_cb = NULL;
	rc = account_registered(c, resp, &err);
	free(c->reg_name);
	c->reg_name = NULL;
	if (rc != 0) {
		c->state = CONN_DOWN;
		net_disconnect(c->net);
		if (cb != NULL)
			cb(c, &err, c->reg_arg);
		conn_give_up(c, &err);
		return;
	}
	conn_now_ready(c);
	if (cb != NULL)
		cb(c, NULL, c->reg_arg);
}

static void
conn_challenge(struct core *c, const Natter__Challenge *ch)
{
	Natter__Frame		f = NATTER__FRAME__INIT;
	struct core_error	err;
	int			rc;

	if (c->state != CONN_CHALLENGE || ch->nonce.len != WIRE_NONCEBYTES) {
		log_debug("challenge ignored (state %d)", (int)c->state);
		return;
	}
	if (c->reg_name != NULL) {
		account_register_frame(c, ch->nonce.data, ch->nonce.len, &f);
		rc = conn_request(c, &f, conn_registered, NULL);
	} else if (c->name != NULL) {
		account_auth_frame(c, ch->nonce.data, ch->nonce.len, &f);
		rc = conn_request(c, &f, conn_authed, NULL);
	} else {
		core_seterr(&err, CORE_ERR_NO_PROFILE, "this profile has no "
		    "account yet: run natter register NAME first");
		conn_give_up(c, &err);
		return;
	}
	account_frame_free(&f);
	if (rc == 0)
		c->state = CONN_AUTH;
}

static void
conn_response(struct core *c, const Natter__Frame *f)
{
	struct core_req	*r;

	TAILQ_FOREACH(r, &c->reqs, entry) {
		if (r->id == f->id)
			break;
	}
	if (r == NULL) {
		log_warn("response to unknown request %llu",
		    (unsigned long long)f->id);
		return;
	}
	TAILQ_REMOVE(&c->reqs, r, entry);
	r->cb(c, r, f->response);
	free(r);
}

static void
conn_up(void *arg)
{
	struct core	*c = arg;

	if (c->state == CONN_CONNECTING)
		c->state = CONN_CHALLENGE;
}

static void
conn_frame(void *arg, Natter__Frame *f)
{
	struct core	*c = arg;

	switch (f->body_case) {
	case NATTER__FRAME__BODY_CHALLENGE:
		conn_challenge(c, f->challenge);
		break;
	case NATTER__FRAME__BODY_RESPONSE:
		conn_response(c, f);
		break;
	case NATTER__FRAME__BODY_DELIVER:
		if (c->state == CONN_READY)
			inbox_deliver(c, f->deliver);
		break;
	case NATTER__FRAME__BODY_EVENT:
		if (c->state == CONN_READY)
			inbox_event(c, f->event);
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
	struct core		*c = arg;
	struct core_error	 err;
	struct core_event	 ev;
	int			 was = c->state, delay;

	c->state = CONN_DOWN;
	conn_fail_reqs(c);
	if (!established)
		core_seterr(&err, CORE_ERR_UNREACHABLE, "cannot reach %s: %s; "
		    "is natterd running? use --server URL", c->server, why);
	else
		core_seterr(&err, CORE_ERR_UNREACHABLE, "lost the connection "
		    "to %s%s: %s", c->server, was == CONN_READY ? "" :
		    " while signing in", why);
	if (c->oneshot || c->reg_cb != NULL || c->closing) {
		conn_give_up(c, &err);
		return;
	}
	delay = c->backoff_ms / 2 + (int)randombytes_uniform(
	    (uint32_t)c->backoff_ms / 2 + 1);
	c->backoff_ms *= 2;
	if (c->backoff_ms > CORE_BACKOFF_MAX_MS)
		c->backoff_ms = CORE_BACKOFF_MAX_MS;
	memset(&ev, 0, sizeof ev);
	ev.type = CORE_EV_DISCONNECTED;
	ev.retry_in_ms = delay;
	ev.error = &err;
	core_emit(c, &ev);
	uv_timer_start(&c->retry, conn_retry_cb, (uint64_t)delay, 0);
}
