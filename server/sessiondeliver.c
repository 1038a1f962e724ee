/* sessiondeliver: queued rows to a connection, and its acks back.
 *
 * A session reads its device's queue in order (session_fetch) while it
 * has room (session_can_deliver), up to SESSION_WINDOW rows unacked,
 * remembering what an ack needs of each row in flight (session_sent);
 * rows queued while it is caught up are offered to it directly
 * (session_offer), and a delivered receipt waits up to SESSION_LAZY_MS
 * for company (session_lazy). The rules of output and holding are
 * session.c's; see there. */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include "server/db.h"
#include "server/fiber.h"
#include "server/grouprcpt.h"
#include "server/online.h"
#include "server/queue.h"
#include "server/session.h"
#include "server/sessionpriv.h"
#include "server/sessionq.h"
#include "shared/proto/wire.h"
#include "shared/util/log.h"
#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"

struct session_list session_lazy = TAILQ_HEAD_INITIALIZER(session_lazy);

/*
 * The next rows to deliver, at most want. From SQLite, the rows past
 * sent_seq. From a shared store, a cursor could skip rows: another
 * node's transaction may take a lower seq and commit after a higher one
 * was sent. So the queue is read from its head (acked rows are gone),
 * leaving out the rows in flight.
 */
static int
session_fetch(struct session *s, struct queue_item *items, size_t want,
    size_t *n)
{
	uint64_t	skip[SESSION_WINDOW];
	size_t		nskip = 0, i;

	if (db_pg(s->cfg->db) == NULL)
		return (queue_fetch(s->cfg->db, s->account, s->device,
		    s->sent_seq, time_now_ms(), items, want, n));
	for (i = 0; s->sent != NULL && i < SESSION_WINDOW; i++) {
		if (s->sent[i].seq != 0)
			skip[nskip++] = s->sent[i].seq;
	}
	return (queue_fetch_except(s->cfg->db, s->account, s->device,
	    time_now_ms(), skip, nskip, items, want, n));
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
void
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
