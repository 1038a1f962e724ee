/* session: one WebSocket connection: auth state, output, delivery.
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
#include "server/db.h"
#include "server/directory.h"
#include "server/durable.h"
#include "server/fiber.h"
#include "server/grouprcpt.h"
#include "server/handle.h"
#include "server/link.h"
#include "server/metrics.h"
#include "server/online.h"
#include "server/queue.h"
#include "server/session.h"
#include "server/sessionq.h"
#include "shared/proto/wire.h"
#include "shared/util/log.h"
#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"

#define SESSION_BATCH		32		/* rows per Deliver */
#define SESSION_DELIVERMAX	(128 * 1024)	/* bytes per Deliver */
#define SESSION_NHOLD		2	/* generations: syncing, current */
#define SESSION_GROUP_CHANGE	4	/* Delivery.type of a group change */

/* What an ack needs to know about a row in flight (see session_recall). */
struct session_sent {
	uint64_t	seq;		/* 0: free */
	int64_t		from_account;
	uint8_t		message_id[QUEUE_IDBYTES];
	uint32_t	status;
	uint32_t	type;
	int64_t		body;
};

/* Output up to end (from out + LWS_PRE) waits for generation gen. */
struct session_hold {
	uint64_t	gen;
	size_t		end;
};

struct session {
	struct lws		*wsi;
	const struct session_config	*cfg;
	uint8_t			*out;		/* LWS_PRE, then framed output */
	size_t			 outlen, outcap;
	size_t			 released;	/* bytes that may leave */
	struct session_hold	 hold[SESSION_NHOLD];
	unsigned		 nhold;
	uint64_t		 flush_pass;
	int			 rx_paused;	/* SESSION_HOLD_* bits */
	int			 kicked;	/* closing with close_code */
	uint64_t		 close_gen;	/* once this is on disk */
	int			 close_code;
	const char		*close_reason;
	int64_t			 created_ms;
	int			 unauthed_listed;
	TAILQ_ENTRY(session)	 unauthed_entry;
	int			 dirty;
	TAILQ_ENTRY(session)	 dirty_entry;

	uint8_t			 nonce[AUTH_NONCEBYTES];
	int			 authed;
	int64_t			 account;
	uint32_t		 device;
	char			 name[WIRE_NAME_MAX + 1];

	struct queue_item	*lazy;		/* [SESSION_BATCH], lazily */
	unsigned		 nlazy;
	int64_t			 lazy_ms;	/* when lazy[0] was queued */
	TAILQ_ENTRY(session)	 lazy_entry;

	uint64_t		 sent_seq;	/* highest seq pushed */
	int			 backlog;	/* rows past sent_seq */
	unsigned		 marks;		/* times backlog was set */
	unsigned		 inflight;
	struct session_sent	*sent;		/* [SESSION_WINDOW], lazily */
	int			 drained_sent;
	int			 low_sent;

	struct bucket		 rate;		/* requests */
	unsigned		 bad_frames;

	struct sessionq		*q;		/* with a store that waits */
	int			 gone;		/* closed, freed after q */
	TAILQ_ENTRY(session)	 all_entry;
};
TAILQ_HEAD(session_list, session);

static struct session_list session_dirty =
    TAILQ_HEAD_INITIALIZER(session_dirty);
/* Sessions holding lazy receipts, oldest first. */
static struct session_list session_lazy =
    TAILQ_HEAD_INITIALIZER(session_lazy);
/* Connections not logged in yet, oldest first. */
static struct session_list session_unauthed =
    TAILQ_HEAD_INITIALIZER(session_unauthed);
/* Every connection (session_abort_all). */
static struct session_list session_all = TAILQ_HEAD_INITIALIZER(session_all);

static void	session_lazy_flush(struct session *);

static void
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

/*
 * Frames are appended to one output buffer, already framed as unmasked
 * binary WebSocket messages, so that everything a connection has to say
 * after a commit leaves in one write (a raw lws_write of several
 * WebSocket messages) instead of one writable callback per frame.
 */
void
session_send(struct session *s, const Natter__Frame *f)
{
	size_t	len, need, i;
	uint8_t	*p;

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
static int
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

/* 1 if the row seq was delivered and is not acked yet. */
static int
session_in_flight(const struct session *s, uint64_t seq)
{
	size_t	i;

	for (i = 0; s->sent != NULL && i < SESSION_WINDOW; i++) {
		if (s->sent[i].seq == seq)
			return (1);
	}
	return (0);
}

/*
 * The next rows to deliver, at most want. From SQLite, the rows past
 * sent_seq. From a shared store, a cursor could skip rows: another
 * node's transaction may take a lower seq and commit after a higher one
 * was sent. So the queue is read from its head (acked rows are gone)
 * and the rows in flight are left out.
 */
static int
session_fetch(struct session *s, struct queue_item *items, size_t want,
    size_t *n)
{
	/* On the fiber's stack: no allocation per read. */
	struct queue_item	 all[SESSION_WINDOW + SESSION_BATCH];
	size_t			 max = s->inflight + want, got, i;

	if (db_pg(s->cfg->db) == NULL)
		return (queue_fetch(s->cfg->db, s->account, s->device,
		    s->sent_seq, time_now_ms(), items, want, n));
	if (queue_fetch(s->cfg->db, s->account, s->device, 0, time_now_ms(),
	    all, max, &got) != 0)
		return (-1);
	/* Fewer than want left means fewer than max read: no backlog. */
	for (*n = 0, i = 0; i < got; i++) {
		if (*n < want && !session_in_flight(s, all[i].seq))
			items[(*n)++] = all[i];
		else
			queue_items_clear(&all[i], 1);
	}
	return (0);
}

void
session_acked(struct session *s, uint64_t seq)
{
	if (seq <= s->sent_seq && s->inflight > 0)
		s->inflight--;
}

/*
 * The rows in flight sit in s->sent by linear probing from seq's home
 * slot (seq % SESSION_WINDOW), so a remember or a recall usually looks
 * at one or two slots instead of sweeping the window, whose cold cache
 * lines cost more than the rest of a delivery's bookkeeping. A recall
 * cannot stop at a free slot (an ack may have freed one mid-run): it
 * goes on round the window, and a seq not there costs the full sweep.
 */
static void
session_remember(struct session *s, const struct queue_item *it)
{
	struct session_sent	*e;
	size_t			 i, home = it->seq % SESSION_WINDOW;

	if (s->sent == NULL)
		s->sent = xcalloc(SESSION_WINDOW, sizeof *s->sent);
	e = &s->sent[home];
	for (i = 0; i < SESSION_WINDOW; i++) {
		if (s->sent[(home + i) % SESSION_WINDOW].seq == 0) {
			e = &s->sent[(home + i) % SESSION_WINDOW];
			break;
		}
	}
	e->seq = it->seq;
	e->from_account = it->from_account;
	memcpy(e->message_id, it->message_id, QUEUE_IDBYTES);
	e->status = it->status;
	e->type = it->type;
	e->body = it->body;
}

int
session_recall(struct session *s, uint64_t seq, struct queue_item *out)
{
	struct session_sent	*e;
	size_t			 i;

	for (i = 0; s->sent != NULL && seq != 0 && i < SESSION_WINDOW; i++) {
		e = &s->sent[(seq + i) % SESSION_WINDOW];
		if (e->seq != seq)
			continue;
		memset(out, 0, sizeof *out);
		out->seq = seq;
		out->from_account = e->from_account;
		memcpy(out->message_id, e->message_id, QUEUE_IDBYTES);
		out->status = e->status;
		out->type = e->type;
		out->body = e->body;
		e->seq = 0;
		return (1);
	}
	return (0);
}

static void
session_drained(struct session *s)
{
	Natter__Event		ev = NATTER__EVENT__INIT;
	Natter__BacklogDrained	bd = NATTER__BACKLOG_DRAINED__INIT;

	s->drained_sent = 1;
	ev.kind_case = NATTER__EVENT__KIND_BACKLOG_DRAINED;
	ev.backlog_drained = &bd;
	session_send_event(s, &ev);
}

/* A group's row: its group id; a change (type 4) is stored encoded in
 * the content and goes out as Delivery.change (free it after sending),
 * with no content. */
static void
session_group_item(Natter__Delivery *dl, const struct queue_item *it)
{
	dl->group.data = (uint8_t *)it->group;
	dl->group.len = QUEUE_IDBYTES;
	if (it->type != SESSION_GROUP_CHANGE)
		return;
	dl->change = natter__group_change__unpack(NULL, it->content_len,
	    it->content);
	if (dl->change == NULL)
		log_error("a stored group change does not decode");
	dl->content.data = NULL;
	dl->content.len = 0;
}

/* Build one Deliver from items[0..n), stopping before SESSION_DELIVERMAX
 * bytes (but with at least one item). Returns how many went in. */
static size_t
session_deliver(struct session *s, const struct queue_item *items, size_t n)
{
	Natter__Frame		 f = NATTER__FRAME__INIT;
	Natter__Deliver		 d = NATTER__DELIVER__INIT;
	Natter__Delivery	 dl[SESSION_BATCH], *dp[SESSION_BATCH];
	Natter__Receipt		 rc[SESSION_BATCH];
	size_t			 i, bytes = 0;

	for (i = 0; i < n && i < SESSION_BATCH; i++) {
		if (i > 0 && bytes + items[i].content_len > SESSION_DELIVERMAX)
			break;
		bytes += items[i].content_len + 64;
		session_remember(s, &items[i]);
		natter__delivery__init(&dl[i]);
		dp[i] = &dl[i];
		dl[i].seq = items[i].seq;
		dl[i].server_ts = items[i].server_ts;
		if (items[i].status != 0) {
			natter__receipt__init(&rc[i]);
			rc[i].message_id.data = (uint8_t *)items[i].message_id;
			rc[i].message_id.len = QUEUE_IDBYTES;
			rc[i].by = (char *)items[i].from;
			rc[i].by_device = items[i].from_device;
			rc[i].status = items[i].status;
			rc[i].ts = items[i].server_ts;
			/* A group's receipt: the other ackers. */
			grouprcpt_more(&rc[i], items[i].content,
			    items[i].content_len);
			dl[i].receipt = &rc[i];
			continue;
		}
		dl[i].from = (char *)items[i].from;
		dl[i].from_device = items[i].from_device;
		dl[i].message_id.data = (uint8_t *)items[i].message_id;
		dl[i].message_id.len = QUEUE_IDBYTES;
		dl[i].type = items[i].type;
		dl[i].content.data = items[i].content;
		dl[i].content.len = items[i].content_len;
		if (items[i].body != 0)
			session_group_item(&dl[i], &items[i]);
	}
	d.n_items = i;
	d.items = dp;
	f.body_case = NATTER__FRAME__BODY_DELIVER;
	f.deliver = &d;
	session_send(s, &f);
	while (i-- > 0) {
		if (dl[i].change != NULL)
			natter__group_change__free_unpacked(dl[i].change, NULL);
		if (dl[i].receipt != NULL)
			grouprcpt_more_free(dl[i].receipt);
	}
	return (d.n_items);
}

static int
session_can_deliver(const struct session *s)
{
	return (s->authed && !s->kicked && s->inflight < SESSION_WINDOW &&
	    s->outlen < SESSION_OUTMAX / 2);
}

/*
 * Read queued rows while the window and the output have room. The queue
 * is read only while it may hold rows past sent_seq (backlog): a row
 * queued for a caught-up session goes out from memory (session_offer).
 */
void
session_pump(struct session *s)
{
	struct queue_item	items[SESSION_BATCH];
	size_t			n, want, used;
	unsigned		marks;

	/* With a store that waits, only the session's own worker reads
	 * its queue, so two reads never race for the same rows. */
	if (fiber_enabled() && !sessionq_on_worker(s->q)) {
		if (s->q != NULL && !s->gone && session_can_deliver(s))
			sessionq_pump(s->q);
		return;
	}
	while (session_can_deliver(s)) {
		if (!s->backlog) {
			if (!s->drained_sent)
				session_drained(s);
			return;
		}
		want = SESSION_WINDOW - s->inflight;
		if (want > SESSION_BATCH)
			want = SESSION_BATCH;
		/* A row offered while the read waits (a store that
		 * waits) keeps the backlog set. */
		marks = s->marks;
		if (session_fetch(s, items, want, &n) != 0) {
			log_error("cannot read the queue of %s/%u", s->name,
			    s->device);
			return;
		}
		if (n < want && s->marks == marks)
			s->backlog = 0;
		if (n == 0)
			continue;
		used = session_deliver(s, items, n);
		if (used < n)
			s->backlog = 1;
		s->inflight += used;
		if (items[used - 1].seq > s->sent_seq)
			s->sent_seq = items[used - 1].seq;
		queue_items_clear(items, n);
	}
}

void
session_wake(struct session *s)
{
	if (!s->authed || s->kicked)
		return;
	s->backlog = 1;
	session_pump(s);
}

/* As for a replaced connection (session_login): not authed any more, so
 * session_free leaves online.h and the directory alone. */
void
session_moved(struct session *s)
{
	if (!s->authed)
		return;
	(void)online_remove(s->account, s->device, s);
	session_close(s, SESSION_CLOSE_MOVED, "moved to another node");
	s->authed = 0;
}

/* Monotonic milliseconds: a wall clock stepped back must not hold
 * receipts. */
static int64_t
session_mono_ms(void)
{
	return ((int64_t)(time_mono_ns() / 1000000));
}

/* Keep receipt it (no content) until other output or SESSION_LAZY_MS. */
static void
session_lazy_add(struct session *s, const struct queue_item *it)
{
	if (s->lazy == NULL)
		s->lazy = xreallocarray(NULL, SESSION_BATCH, sizeof *s->lazy);
	if (s->nlazy == 0) {
		s->lazy_ms = session_mono_ms();
		TAILQ_INSERT_TAIL(&session_lazy, s, lazy_entry);
	}
	s->lazy[s->nlazy] = *it;
	s->lazy[s->nlazy++].content = NULL;
	if (s->nlazy == SESSION_BATCH)
		session_lazy_flush(s);
}

/* Deliver the lazy receipts, counted in flight when they were kept. */
static void
session_lazy_flush(struct session *s)
{
	size_t	n = s->nlazy, done;

	if (n == 0)
		return;
	s->nlazy = 0;
	TAILQ_REMOVE(&session_lazy, s, lazy_entry);
	for (done = 0; done < n; )
		done += session_deliver(s, s->lazy + done, n - done);
}

void
session_offer(struct session *s, const struct queue_item *it)
{
	/* From a shared store rows go out only as read back from it: its
	 * seqs are not in commit order (session_fetch). */
	if (s->backlog || it->seq <= s->sent_seq || !session_can_deliver(s) ||
	    db_pg(s->cfg->db) != NULL) {
		s->backlog = 1;
		s->marks++;
		session_pump(s);
		return;
	}
	if (it->status != 0 && it->content == NULL)
		session_lazy_add(s, it);
	else
		(void)session_deliver(s, it, 1);
	s->inflight++;
	s->sent_seq = it->seq;
}

int64_t
session_lazy_due(void)
{
	struct session	*s;
	int64_t		 now;

	if (TAILQ_EMPTY(&session_lazy))
		return (-1);	/* the usual case: no clock read */
	now = session_mono_ms();
	while ((s = TAILQ_FIRST(&session_lazy)) != NULL &&
	    now - s->lazy_ms >= SESSION_LAZY_MS)
		session_lazy_flush(s);
	return (s == NULL ? -1 : s->lazy_ms + SESSION_LAZY_MS - now);
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
