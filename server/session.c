/* session: one WebSocket connection: auth state, output, requests.
 *
 * What a session delivers, and how, is sessiondeliver.c's; the state
 * both share is in sessionpriv.h.
 *
 * Output is one buffer of frames already framed as WebSocket messages.
 * A frame queued while commit generation g is current is held until g is
 * on disk (durable.c); then everything released leaves in one write.
 * When the output is over SESSION_OUTMAX the session stops reading from
 * the socket, and it reads queued rows from SQLite only while the output
 * is under half of that and fewer than SESSION_WINDOW deliveries are
 * unacked, so a slow consumer costs a bounded amount of memory.
 *
 * A delivered receipt for a caught-up session waits in memory (lazy) for
 * the session's next other output, at most SESSION_LAZY_MS: a sender
 * then hears "stored" for its next message and "delivered" for earlier
 * ones in one write, and acks the receipts together. The rows stay in
 * the queue, so a receipt still waiting when the connection drops is
 * delivered again on the next one. */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "server/auth.h"
#include "server/bucket.h"
#include "server/directory.h"
#include "server/durable.h"
#include "server/fiber.h"
#include "server/handle.h"
#include "server/link.h"
#include "server/metrics.h"
#include "server/online.h"
#include "server/session.h"
#include "server/sessionq.h"
#include "shared/proto/wire.h"
#include "shared/util/log.h"
#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"

#include "server/sessionpriv.h"

static struct session_list session_dirty =
    TAILQ_HEAD_INITIALIZER(session_dirty);
/* Connections not logged in yet, oldest first. */
static struct session_list session_unauthed =
    TAILQ_HEAD_INITIALIZER(session_unauthed);
/* Every connection (session_abort_all). */
static struct session_list session_all = TAILQ_HEAD_INITIALIZER(session_all);


void
session_mark_dirty(struct session *s)
{
	if (s->dirty || s->gone)
		return;
	s->dirty = 1;
	TAILQ_INSERT_TAIL(&session_dirty, s, dirty_entry);
}

struct session *
session_create(struct lws *wsi, const struct session_config *cfg)
{
	struct session	*s = xcalloc(1, sizeof *s);

	s->wsi = wsi;
	s->cfg = cfg;
	s->created_ms = time_now_ms();
	s->unauthed_listed = 1;
	TAILQ_INSERT_TAIL(&session_unauthed, s, unauthed_entry);
	TAILQ_INSERT_TAIL(&session_all, s, all_entry);
	metrics_connections(1);
	session_rechallenge(s);
	return (s);
}

/* The connection is closed: take the session off every list and out of
 * online.h, so that nothing reaches it any more. */
static void
session_detach(struct session *s)
{
	s->gone = 1;
	s->kicked = 1;
	s->wsi = NULL;
	TAILQ_REMOVE(&session_all, s, all_entry);
	if (s->dirty)
		TAILQ_REMOVE(&session_dirty, s, dirty_entry);
	if (s->unauthed_listed)
		TAILQ_REMOVE(&session_unauthed, s, unauthed_entry);
	if (s->nlazy > 0)
		TAILQ_REMOVE(&session_lazy, s, lazy_entry);
	free(s->lazy);
	if (s->authed && online_remove(s->account, s->device, s))
		directory_forget(s->cfg->directory, s->account, s->device);
	s->authed = 0;
	link_forget(s);
}

void
session_free(struct session *s)
{
	if (s == NULL)
		return;
	if (!s->gone)
		session_detach(s);
	/* A request of this connection still waits for the store: its
	 * worker frees the session when it ends (sessionq.c). */
	if (sessionq_busy(s->q))
		return;
	sessionq_free(s->q);
	free(s->out);
	free(s->sent);
	metrics_connections(-1);
	free(s);
}

/* The output queued so far waits for generation gen. */
static void
session_hold(struct session *s, uint64_t gen)
{
	struct session_hold	*h;

	if (s->nhold > 0 && s->hold[s->nhold - 1].gen >= gen) {
		s->hold[s->nhold - 1].end = s->outlen;
		return;
	}
	/* Only the syncing and the current generation can be pending;
	 * were there more, waiting for the later one is still safe. */
	if (s->nhold == SESSION_NHOLD)
		s->nhold--;
	h = &s->hold[s->nhold++];
	h->gen = gen;
	h->end = s->outlen;
}

/* Release the output of the generations up to synced. */
static void
session_release(struct session *s, uint64_t synced)
{
	unsigned	n = 0;

	while (n < s->nhold && s->hold[n].gen <= synced)
		s->released = s->hold[n++].end;
	memmove(s->hold, s->hold + n, (s->nhold - n) * sizeof s->hold[0]);
	s->nhold -= n;
}

void
session_in_order(struct session *s)
{
	sessionq_in_order(s->q);
}

/*
 * Frames are appended to one output buffer, already framed as unmasked
 * binary WebSocket messages, so that everything a connection has to say
 * after a commit leaves in one write (a raw lws_write of several
 * WebSocket messages) instead of one writable callback per frame. A
 * frame for a connection whose earlier requests still run waits for
 * them (session_in_order), so answers keep the requests' order.
 */
void
session_send(struct session *s, const Natter__Frame *f)
{
	size_t	len, need, i;
	uint8_t	*p;

	session_in_order(s);
	if (s->nlazy > 0)
		session_lazy_flush(s);
	len = wire_size(f);
	need = LWS_PRE + s->outlen + 10 + len;
	if (need > s->outcap) {
		s->outcap = need < 4096 ? 4096 : need + need / 2;
		s->out = xrealloc(s->out, s->outcap);
	}
	p = s->out + LWS_PRE + s->outlen;
	*p++ = 0x82;	/* FIN, binary */
	if (len < 126)
		*p++ = (uint8_t)len;
	else if (len < 65536) {
		*p++ = 126;
		*p++ = (uint8_t)(len >> 8);
		*p++ = (uint8_t)len;
	} else {
		*p++ = 127;
		for (i = 0; i < 8; i++)
			*p++ = (uint8_t)((uint64_t)len >> (56 - 8 * i));
	}
	/* The buffer has room: pack without sizing the frame again. */
	if (natter__frame__pack(f, p) != len)
		fatal("session: frame encoding failed");
	s->outlen = (size_t)(p + len - (s->out + LWS_PRE));
	session_hold(s, durable_gen());
	session_mark_dirty(s);
	if (s->outlen > SESSION_OUTMAX)
		session_hold_input(s, SESSION_HOLD_OUTPUT, 1);
}

void
session_hold_input(struct session *s, int why, int on)
{
	int	was = s->rx_paused;

	if (on)
		s->rx_paused |= why;
	else
		s->rx_paused &= ~why;
	if (s->wsi != NULL && (was == 0) != (s->rx_paused == 0))
		lws_rx_flow_control(s->wsi, s->rx_paused == 0);
}

void
session_send_response(struct session *s, uint64_t id, Natter__Response *r)
{
	Natter__Frame	f = NATTER__FRAME__INIT;

	f.id = id;
	f.body_case = NATTER__FRAME__BODY_RESPONSE;
	f.response = r;
	session_send(s, &f);
}

void
session_respond(struct session *s, uint64_t id, uint32_t code,
    const char *message)
{
	Natter__Response	r = NATTER__RESPONSE__INIT;

	r.code = code;
	r.message = (char *)(message != NULL ? message : "");
	if (code == NATTER__CODE__OK)
		r.server_ts = time_now_ms();
	session_send_response(s, id, &r);
}

void
session_send_event(struct session *s, Natter__Event *ev)
{
	Natter__Frame	f = NATTER__FRAME__INIT;

	f.body_case = NATTER__FRAME__BODY_EVENT;
	f.event = ev;
	session_send(s, &f);
}

struct db *
session_db(const struct session *s)
{
	return (s->cfg->db);
}

struct directory *
session_directory(const struct session *s)
{
	return (s->cfg->directory);
}

int64_t
session_ttl_ms(const struct session *s)
{
	return (s->cfg->ttl_ms);
}

int64_t
session_link_ttl_ms(const struct session *s)
{
	return (s->cfg->link_ttl_ms);
}

const uint8_t *
session_nonce(const struct session *s)
{
	return (s->nonce);
}

void
session_rechallenge(struct session *s)
{
	Natter__Frame		f = NATTER__FRAME__INIT;
	Natter__Challenge	c = NATTER__CHALLENGE__INIT;

	auth_challenge(s->nonce);
	c.nonce.data = s->nonce;
	c.nonce.len = sizeof s->nonce;
	c.server_ts = time_now_ms();
	f.body_case = NATTER__FRAME__BODY_CHALLENGE;
	f.challenge = &c;
	session_send(s, &f);
}

int
session_is_authed(const struct session *s)
{
	return (s->authed);
}

void
session_linking(struct session *s, int on)
{
	if (on && s->unauthed_listed) {
		TAILQ_REMOVE(&session_unauthed, s, unauthed_entry);
		s->unauthed_listed = 0;
	} else if (!on && !s->unauthed_listed && !s->authed && !s->kicked) {
		s->created_ms = time_now_ms();
		s->unauthed_listed = 1;
		TAILQ_INSERT_TAIL(&session_unauthed, s, unauthed_entry);
	}
}

int64_t
session_account(const struct session *s)
{
	return (s->account);
}

uint32_t
session_device(const struct session *s)
{
	return (s->device);
}

const char *
session_name(const struct session *s)
{
	return (s->name);
}

void
session_login(struct session *s, int64_t account, uint32_t device,
    const char *name)
{
	struct session	*old;

	/* The nonce is spent: a later Register/Auth cannot reuse it. */
	auth_challenge(s->nonce);
	if (s->unauthed_listed) {
		TAILQ_REMOVE(&session_unauthed, s, unauthed_entry);
		s->unauthed_listed = 0;
	}
	s->authed = 1;
	s->account = account;
	s->device = device;
	snprintf(s->name, sizeof s->name, "%s", name);
	s->backlog = 1;
	old = online_add(account, device, s);
	directory_announce(s->cfg->directory, account, device);
	if (old != NULL && old != s) {
		log_info("%s/%u reconnected; closing the older connection",
		    name, device);
		session_close(old, SESSION_CLOSE_REPLACED, "replaced");
		old->authed = 0;
	}
}

void
session_close(struct session *s, int code, const char *reason)
{
	s->kicked = 1;
	s->close_gen = durable_gen();
	s->close_code = code;
	s->close_reason = reason;
	session_mark_dirty(s);
}

/* 1 once a closing session may write its close frame. */
int
session_closing(const struct session *s)
{
	return (s->kicked && s->close_gen <= durable_synced());
}

void
session_prekeys_low(struct session *s, uint32_t count)
{
	Natter__Event		ev = NATTER__EVENT__INIT;
	Natter__PrekeysLow	pl = NATTER__PREKEYS_LOW__INIT;

	if (s->low_sent)
		return;
	s->low_sent = 1;
	pl.count = count;
	ev.kind_case = NATTER__EVENT__KIND_PREKEYS_LOW;
	ev.prekeys_low = &pl;
	session_send_event(s, &ev);
}

void
session_prekeys_refilled(struct session *s)
{
	s->low_sent = 0;
}

Natter__Frame *
session_decode(struct session *s, const uint8_t *data, size_t len)
{
	Natter__Frame	*f;

	if (s->kicked)
		return (NULL);
	f = wire_decode(data, len, s->cfg->max_frame);
	if (f == NULL) {
		metrics_add(METRICS_BAD_FRAMES, 1);
		if (++s->bad_frames > SESSION_MAXBAD)
			session_close(s, LWS_CLOSE_STATUS_POLICY_VIOLATION,
			    "too many undecodable frames");
		else
			session_respond(s, 0, NATTER__CODE__BAD_FRAME,
			    "undecodable frame");
		return (NULL);
	}
	if (!bucket_take(&s->rate, SESSION_RATE, SESSION_BURST,
	    time_now_ms())) {
		metrics_add(METRICS_RATE_LIMITED, 1);
		session_respond(s, f->id, NATTER__CODE__RATE_LIMITED,
		    "too many requests; slow down");
		wire_free(f);
		return (NULL);
	}
	return (f);
}

int
session_receive(struct session *s, const uint8_t *data, size_t len)
{
	Natter__Frame	*f;

	metrics_add(METRICS_REQUESTS, 1);
	if (s->kicked)
		return (0);
	if (fiber_enabled()) {
		if (s->q == NULL)
			s->q = sessionq_create(s);
		sessionq_push(s->q, data, len);
		return (0);
	}
	if ((f = session_decode(s, data, len)) != NULL) {
		handle_frame(s, f);
		wire_free(f);
	}
	return (0);
}

void
session_rescan_all(void)
{
	struct session	*s;

	TAILQ_FOREACH(s, &session_all, all_entry) {
		if (!s->authed || s->kicked)
			continue;
		s->backlog = 1;
		s->marks++;
		session_pump(s);
	}
}

int
session_gone(const struct session *s)
{
	return (s->gone);
}

void
session_abort_all(int code, const char *reason)
{
	struct session	*s;
	unsigned	 i;

	TAILQ_FOREACH(s, &session_all, all_entry) {
		/* Drop everything not yet released: it may rest on the
		 * failed commit. */
		s->outlen = s->released;
		for (i = 0; i < s->nhold; i++)
			s->hold[i].end = s->released;
		s->nhold = 0;
		if (s->nlazy > 0) {
			TAILQ_REMOVE(&session_lazy, s, lazy_entry);
			s->nlazy = 0;
		}
		s->kicked = 1;
		s->close_gen = 0;
		s->close_code = code;
		s->close_reason = reason;
		session_mark_dirty(s);
	}
}

/* Write what may leave in one raw write: 0, or -1 when the connection
 * failed. lws keeps what the socket did not take and sends it first. */
static int
session_output(struct session *s)
{
	unsigned	i;
	int		n;

	if (s->released == 0)
		return (0);
	n = lws_write(s->wsi, s->out + LWS_PRE, s->released, LWS_WRITE_RAW);
	if (n < 0 || (size_t)n < s->released)
		return (-1);
	memmove(s->out + LWS_PRE, s->out + LWS_PRE + s->released,
	    s->outlen - s->released);
	s->outlen -= s->released;
	for (i = 0; i < s->nhold; i++)
		s->hold[i].end -= s->released;
	s->released = 0;
	if (s->outlen == 0 && s->inflight == 0) {
		/* Idle connections keep no output buffer (and, having
		 * nothing in flight, no lazy receipts). */
		free(s->out);
		s->out = NULL;
		s->outcap = 0;
		free(s->lazy);
		s->lazy = NULL;
	}
	if (s->outlen < SESSION_OUTMAX / 2)
		session_hold_input(s, SESSION_HOLD_OUTPUT, 0);
	session_pump(s);
	return (0);
}

int
session_writable(struct session *s)
{
	uint8_t	close[LWS_PRE + 32];
	size_t	len;

	if (session_closing(s)) {
		/* What was answered before the close goes first (a
		 * LeaveAccount's OK, say). */
		if (session_output(s) != 0)
			return (-1);
		if (lws_partial_buffered(s->wsi)) {
			lws_callback_on_writable(s->wsi);
			return (0);
		}
		/* Write the close frame ourselves: lws 4.1 does not send the
		 * lws_close_reason() status when a WRITEABLE callback fails.
		 * 4 is lws's internal LWS_WRITE_CLOSE, which lws-write.h
		 * leaves out of the public enum. */
		memset(close, 0, sizeof close);
		len = strlen(s->close_reason);
		if (len > sizeof close - LWS_PRE - 2)
			len = sizeof close - LWS_PRE - 2;
		close[LWS_PRE] = (uint8_t)(s->close_code >> 8);
		close[LWS_PRE + 1] = (uint8_t)s->close_code;
		memcpy(close + LWS_PRE + 2, s->close_reason, len);
		(void)lws_write(s->wsi, close + LWS_PRE, 2 + len,
		    (enum lws_write_protocol)4);
		return (-1);
	}
	return (session_output(s));
}

/*
 * Each session on the dirty list once: one that still holds output of a
 * later generation goes back to the tail, marked with this pass, and the
 * loop stops when it meets it again.
 */
void
session_flush_all(void)
{
	static uint64_t	 pass;
	struct session	*s;

	pass++;
	while ((s = TAILQ_FIRST(&session_dirty)) != NULL &&
	    s->flush_pass != pass) {
		TAILQ_REMOVE(&session_dirty, s, dirty_entry);
		s->dirty = 0;
		s->flush_pass = pass;
		session_release(s, durable_synced());
		if (s->nhold > 0 || (s->kicked && !session_closing(s)))
			session_mark_dirty(s);
		if (session_closing(s) || lws_partial_buffered(s->wsi)) {
			lws_callback_on_writable(s->wsi);
			continue;
		}
		/* Outside lws's writable callback: a failure can only ask
		 * lws to close the connection. */
		if (session_output(s) != 0)
			lws_set_timeout(s->wsi, PENDING_TIMEOUT_CLOSE_SEND,
			    LWS_TO_KILL_ASYNC);
	}
}

void
session_expire(int64_t now)
{
	struct session	*s;

	while ((s = TAILQ_FIRST(&session_unauthed)) != NULL &&
	    now - s->created_ms >= SESSION_AUTH_TIMEOUT_MS) {
		TAILQ_REMOVE(&session_unauthed, s, unauthed_entry);
		s->unauthed_listed = 0;
		s->kicked = 1;
		s->close_code = SESSION_CLOSE_AUTH;
		s->close_reason = "log in sooner";
		lws_callback_on_writable(s->wsi);
	}
}
