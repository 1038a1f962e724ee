/* core: the client's engine (profile, keys, sessions, send/receive, outbox); one API for every front end. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <uv.h>

#include "client/core/coreint.h"
#include "client/store/msglog.h"
#include "shared/proto/wire.h"
#include "shared/util/hex.h"
#include "shared/util/log.h"
#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"

/* A callback to be called on the next loop turn (errors found up front). */
struct core_later {
	uv_timer_t		 t;
	struct core		*c;
	core_done_cb		*dcb;
	core_sent_cb		*scb;
	core_fingerprint_cb	*fcb;
	void			*arg;
	struct core_error	 err;
};

static const char *core_errnames[] = {
	"ok", "usage", "passphrase", "no profile", "profile exists", "locked",
	"unreachable", "name taken", "name invalid", "unknown user",
	"untrusted identity", "mismatch", "rate limited", "too large",
	"queue full", "server", "protocol", "crypto", "io", "corrupt",
	"closed", "unsupported",
};

const char *
core_strerror(enum core_err e)
{
	if ((size_t)e >= sizeof core_errnames / sizeof core_errnames[0])
		return ("unknown");
	return (core_errnames[e]);
}

void
core_seterr(struct core_error *err, enum core_err code, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL)
		return;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
}

enum core_err
core_code_err(uint32_t code)
{
	switch (code) {
	case NATTER__CODE__OK:
		return (CORE_OK);
	case NATTER__CODE__NAME_TAKEN:
		return (CORE_ERR_NAME_TAKEN);
	case NATTER__CODE__NAME_INVALID:
		return (CORE_ERR_NAME_INVALID);
	case NATTER__CODE__UNKNOWN_USER:
		return (CORE_ERR_UNKNOWN_USER);
	case NATTER__CODE__RATE_LIMITED:
		return (CORE_ERR_RATE_LIMITED);
	case NATTER__CODE__TOO_LARGE:
		return (CORE_ERR_TOO_LARGE);
	case NATTER__CODE__QUEUE_FULL:
		return (CORE_ERR_QUEUE_FULL);
	case NATTER__CODE__INTERNAL:
		return (CORE_ERR_SERVER);
	case NATTER__CODE__BAD_SIGNATURE:
		return (CORE_ERR_CRYPTO);
	default:
		return (CORE_ERR_PROTOCOL);
	}
}

/* An error for a failed Response, with the server's detail. */
void
core_resp_err(struct core_error *err, const Natter__Response *r,
    const char *what)
{
	const char	*detail = r->message != NULL && *r->message != '\0' ?
			    r->message : "no detail";

	core_seterr(err, core_code_err(r->code), "%s failed: server said %s "
	    "(code %u)", what, detail, r->code);
}

void
core_id_hex(char out[CORE_IDHEXBYTES], const uint8_t *id, size_t len)
{
	if (len != CORE_IDBYTES) {
		out[0] = '\0';
		return;
	}
	hex_encode(out, id, len);
}

void
core_emit(struct core *c, const struct core_event *ev)
{
	if (c->evcb != NULL)
		c->evcb(c, ev, c->evarg);
}

static void
core_later_close(uv_handle_t *h)
{
	free(h->data);
}

static void
core_later_cb(uv_timer_t *t)
{
	struct core_later	*l = t->data;

	if (l->dcb != NULL)
		l->dcb(l->c, &l->err, l->arg);
	if (l->scb != NULL)
		l->scb(l->c, &l->err, NULL, 0, l->arg);
	if (l->fcb != NULL)
		l->fcb(l->c, &l->err, NULL, l->arg);
	uv_close((uv_handle_t *)&l->t, core_later_close);
}

/* Report err to one of the callbacks on the next loop turn. */
static void
core_later(struct core *c, const struct core_error *err, core_done_cb *dcb,
    core_sent_cb *scb, core_fingerprint_cb *fcb, void *arg)
{
	struct core_later	*l;

	l = xcalloc(1, sizeof *l);
	l->c = c;
	l->dcb = dcb;
	l->scb = scb;
	l->fcb = fcb;
	l->arg = arg;
	l->err = *err;
	uv_timer_init(c->loop, &l->t);
	l->t.data = l;
	uv_timer_start(&l->t, core_later_cb, 0, 0);
}

static void
core_open_err(struct core_error *err, enum store_err se, const char *home)
{
	switch (se) {
	case STORE_EPASS:
		core_seterr(err, CORE_ERR_PASSPHRASE, "wrong passphrase for the "
		    "profile in %s", home);
		break;
	case STORE_ENOENT:
		core_seterr(err, CORE_ERR_NO_PROFILE, "no profile in %s: run "
		    "natter register NAME first, or use --home DIR", home);
		break;
	case STORE_ELOCKED:
		core_seterr(err, CORE_ERR_LOCKED, "the profile in %s is in use "
		    "by another natter process (listen, rpc or the TUI): stop "
		    "it or use that process", home);
		break;
	case STORE_ECORRUPT:
		core_seterr(err, CORE_ERR_CORRUPT, "the profile in %s is "
		    "damaged (bad key file or database)", home);
		break;
	default:
		core_seterr(err, CORE_ERR_IO, "cannot open the profile in %s: "
		    "%s", home, strerror(errno));
		break;
	}
}

int
core_open(struct core **corep, uv_loop_t *loop, const char *home,
    const char *pass, size_t passlen, const char *server, int flags,
    struct core_error *err)
{
	struct core	*c;
	enum store_err	 se;

	*corep = NULL;
	if (home == NULL || *home == '\0' || pass == NULL) {
		core_seterr(err, CORE_ERR_USAGE, "no profile directory given");
		return (-1);
	}
	c = xcalloc(1, sizeof *c);
	c->loop = loop;
	TAILQ_INIT(&c->sends);
	TAILQ_INIT(&c->fprs);
	c->st = store_open(home, pass, passlen, (flags & CORE_OPEN_CREATE) ?
	    STORE_CREATE : 0, &se);
	if (c->st == NULL) {
		core_open_err(err, se, home);
		free(c);
		return (-1);
	}
	if (account_load(c, err) != 0) {
		store_close(c->st);
		free(c);
		return (-1);
	}
	if (server != NULL) {
		free(c->server);
		c->server = xstrdup(server);
	} else if (c->server == NULL)
		c->server = xstrdup(CORE_DEFAULT_SERVER);
	conn_init(c);
	if (outbox_load(c, err) != 0) {
		core_close(c);
		return (-1);
	}
	*corep = c;
	return (0);
}

static void
core_free_cb(uv_handle_t *h)
{
	struct core	*c = h->data;

	net_free(c->net);
	store_close(c->st);
	if (c->ik_sk != NULL)
		sodium_free(c->ik_sk);
	free(c->server);
	free(c->name);
	free(c);
}

/*
 * Safe inside a core callback: what the caller's stack may still touch
 * (the store, the lws context) is released on a later loop turn.
 */
void
core_close(struct core *c)
{
	struct core_error	err;

	if (c == NULL || c->closing)
		return;
	c->evcb = NULL;
	conn_stop(c);
	core_seterr(&err, CORE_ERR_CLOSED, "closed before the operation "
	    "finished");
	if (c->reg_cb != NULL) {
		c->reg_cb(c, &err, c->reg_arg);
		c->reg_cb = NULL;
	}
	free(c->reg_name);
	c->reg_name = NULL;
	outbox_fail_all(c, &err, 1);
	trust_fail_all(c, &err);
	uv_close((uv_handle_t *)&c->retry, core_free_cb);
}

const char *
core_account(struct core *c)
{
	return (c->name);
}

uint32_t
core_device(struct core *c)
{
	return (c->device);
}

const char *
core_server(struct core *c)
{
	return (c->server);
}

void
core_register(struct core *c, const char *name, core_done_cb *done, void *arg)
{
	struct core_error	err;

	if (c->name != NULL) {
		core_seterr(&err, CORE_ERR_PROFILE_EXISTS, "this profile is "
		    "already registered as %s (device %u); use another --home",
		    c->name, c->device);
	} else if (name == NULL || !wire_name_valid(name)) {
		core_seterr(&err, CORE_ERR_NAME_INVALID, "invalid name \"%.40s\":"
		    " use 1 to 32 of a-z 0-9 . _ -", name != NULL ? name : "");
	} else if (c->reg_cb != NULL || c->state != CONN_DOWN) {
		core_seterr(&err, CORE_ERR_USAGE, "already connecting");
	} else if (account_create_keys(c, &err) == 0) {
		c->reg_name = xstrdup(name);
		c->reg_cb = done;
		c->reg_arg = arg;
		c->started = 1;
		if (!c->evcb)
			c->oneshot = 1;
		conn_start(c);
		return;
	}
	core_later(c, &err, done, NULL, NULL, arg);
}

static const char *
core_status_name(int status)
{
	switch (status) {
	case STORE_ST_SENT:
		return ("sent");
	case STORE_ST_DELIVERED:
		return ("delivered");
	case STORE_ST_READ:
		return ("read");
	case STORE_ST_RECEIVED:
		return ("received");
	}
	return ("pending");
}

void
core_event_from(struct core_event *ev, int64_t seq, int kind, int status,
    const Natter__StoredMessage *m)
{
	memset(ev, 0, sizeof *ev);
	ev->type = kind == STORE_RECEIPT ? CORE_EV_RECEIPT : CORE_EV_MESSAGE;
	ev->seq = seq;
	core_id_hex(ev->id, m->message_id.data, m->message_id.len);
	ev->from = m->from;
	ev->from_device = m->from_device;
	ev->to = m->to;
	ev->ts = m->ts;
	ev->outgoing = m->outgoing;
	ev->unseen = kind == STORE_MESSAGE && status == STORE_ST_RECEIVED;
	if (kind == STORE_RECEIPT) {
		ev->by = m->by;
		ev->status = core_status_name((int)m->status);
	} else {
		ev->text = m->text;
		ev->status = core_status_name(status);
	}
}

struct core_each {
	struct core	*c;
	core_event_cb	*cb;
	void		*arg;
};

static int
core_each_cb(int64_t seq, int kind, int status, const Natter__StoredMessage *m,
    void *arg)
{
	struct core_each	*e = arg;
	struct core_event	 ev;

	core_event_from(&ev, seq, kind, status, m);
	e->cb(e->c, &ev, e->arg);
	return (0);
}

void
core_emit_row(struct core *c, int64_t seq, int kind, int status,
    const Natter__StoredMessage *m)
{
	struct core_event	ev;

	core_event_from(&ev, seq, kind, status, m);
	core_emit(c, &ev);
}

int
core_history(struct core *c, const char *peer, int limit, core_event_cb *each,
    void *arg, struct core_error *err)
{
	struct core_each	e = { c, each, arg };

	if (peer == NULL || !wire_name_valid(peer) || limit < 0) {
		core_seterr(err, CORE_ERR_USAGE, "invalid user name");
		return (-1);
	}
	if (msglog_history(c->st, peer, limit, core_each_cb, &e) != 0) {
		core_seterr(err, CORE_ERR_IO, "cannot read the history from "
		    "the profile %s", store_dir(c->st));
		return (-1);
	}
	return (0);
}

int
core_unprinted(struct core *c, core_event_cb *each, void *arg,
    struct core_error *err)
{
	struct core_each	e = { c, each, arg };

	if (msglog_unprinted(c->st, core_each_cb, &e) != 0) {
		core_seterr(err, CORE_ERR_IO, "cannot read the profile %s",
		    store_dir(c->st));
		return (-1);
	}
	return (0);
}

int
core_mark_printed(struct core *c, int64_t seq)
{
	if (seq <= 0)
		return (0);
	return (msglog_mark_printed(c->st, seq));
}

int
core_start(struct core *c, int flags, core_event_cb *cb, void *arg,
    struct core_error *err)
{
	if (c->name == NULL) {
		core_seterr(err, CORE_ERR_NO_PROFILE, "this profile has no "
		    "account yet: run natter register NAME first");
		return (-1);
	}
	c->evcb = cb;
	c->evarg = arg;
	c->oneshot = (flags & CORE_START_ONESHOT) != 0;
	if ((flags & CORE_START_REPLAY) && cb != NULL &&
	    core_unprinted(c, cb, arg, err) != 0)
		return (-1);
	c->started = 1;
	if (c->state == CONN_DOWN)
		conn_start(c);
	return (0);
}

void
core_send_text(struct core *c, const char *to, const char *text,
    core_sent_cb *sent, void *arg)
{
	struct core_error	 err;
	struct core_send	*s;

	if (c->name == NULL)
		core_seterr(&err, CORE_ERR_NO_PROFILE, "this profile has no "
		    "account yet: run natter register NAME first");
	else if (to != NULL && to[0] == '#')
		core_seterr(&err, CORE_ERR_UNSUPPORTED, "group messages are not "
		    "supported by this version yet");
	else if (to == NULL || !wire_name_valid(to))
		core_seterr(&err, CORE_ERR_USAGE, "invalid recipient \"%.40s\"",
		    to != NULL ? to : "");
	else if (text == NULL || strlen(text) > CORE_TEXT_MAX)
		core_seterr(&err, CORE_ERR_TOO_LARGE, "message too long: at "
		    "most %d bytes", CORE_TEXT_MAX);
	else if ((s = outbox_add(c, to, text, &err)) != NULL) {
		s->cb = sent;
		s->arg = arg;
		core_outbox_go(c);
		return;
	}
	core_later(c, &err, NULL, sent, NULL, arg);
}

void
core_outbox_go(struct core *c)
{
	if (!c->started) {
		c->started = 1;
		c->oneshot = 1;
	}
	if (c->state == CONN_DOWN)
		conn_start(c);
	else
		outbox_kick(c);
}

/* Messages only (not read receipts); the queue mirrors the outbox table. */
int
core_outbox_count(struct core *c)
{
	struct core_send	*s;
	int			 n = 0;

	TAILQ_FOREACH(s, &c->sends, entry) {
		if (s->text != NULL)
			n++;
	}
	return (n);
}

void
core_later_fpr(struct core *c, const struct core_error *err,
    core_fingerprint_cb *fcb, core_done_cb *dcb, void *arg)
{
	core_later(c, err, dcb, NULL, fcb, arg);
}
