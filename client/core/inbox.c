/* inbox: receiving: decrypt, dedup, commit message (or receipt) + session + ack bookkeeping together, then ack. */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/core/account.h"
#include "client/core/conn.h"
#include "client/core/content.h"
#include "client/core/devices.h"
#include "client/core/err.h"
#include "client/core/event.h"
#include "client/core/attach.h"
#include "client/core/files.h"
#include "client/core/grouprecv.h"
#include "client/core/inbox.h"
#include "client/core/leave.h"
#include "client/core/outbox.h"
#include "client/core/peers.h"
#include "client/core/prekeys.h"
#include "client/core/receipts.h"
#include "client/core/resend.h"
#include "client/core/transfer.h"
#include "client/store/msglog.h"
#include "client/store/store.h"
#include "shared/crypto/keys.h"
#include "shared/proto/wire.h"
#include "shared/util/log.h"
#include "shared/util/xmalloc.h"

#define INBOX_RECEIPT_DELIVERED	1
#define INBOX_RECEIPT_UNDECRYPTABLE 2
/* Devices one gathered receipt may name: every device of 1,024 members. */
#define INBOX_MAXACKERS	(1024 * 5)

/* What became of a message. */
#define INBOX_GO	0	/* handled (stored, or recorded as dropped) */
#define INBOX_WAIT	1	/* its sender's account must be looked up */
#define INBOX_DROP	2	/* not from one of the account's devices */
#define INBOX_BAD	3	/* could not be decrypted: recorded as such */

/* A Deliver (a copy) whose items from next on wait for a lookup. */
struct inbox_held {
	Natter__Deliver			*dl;
	size_t				 next;
	TAILQ_ENTRY(inbox_held)		 entry;
};
TAILQ_HEAD(inbox_helds, inbox_held);

struct inbox {
	struct inbox_parts	 p;		/* the modules it works with */
	/* Acks sent and not answered yet; a backlog-drained event waits. */
	int			 acks_inflight;
	int			 drained_waiting;
	struct inbox_helds	 held;		/* in arrival order */
	int			 waiting;	/* a lookup is out */
	char			*looked_up;	/* the last account looked up */
};

static void	inbox_settled(void *);

struct inbox *
inbox_create(const struct inbox_parts *p)
{
	struct inbox	*in;

	in = xcalloc(1, sizeof *in);
	in->p = *p;
	TAILQ_INIT(&in->held);
	return (in);
}

void
inbox_free(struct inbox *in)
{
	if (in == NULL)
		return;
	inbox_reset(in);
	free(in);
}

/* Record seq as handled (in its own transaction) after a failure. */
static void
inbox_skip(struct inbox *in, uint64_t seq)
{
	if (store_begin(in->p.st) != 0)
		return;
	if (store_seq_add(in->p.st, seq) != 0 || store_commit(in->p.st) != 0)
		store_rollback(in->p.st);
}

static void
inbox_error(struct inbox *in, const Natter__Delivery *d, const char *what)
{
	struct core_error	err;
	struct core_event	ev;

	err_set(&err, CORE_ERR_CRYPTO, "dropped a message from %s (device "
	    "%u): %s", d->from != NULL ? d->from : "?", d->from_device, what);
	log_info("%s", err.msg);	/* the event tells the user */
	memset(&ev, 0, sizeof ev);
	ev.type = CORE_EV_ERROR;
	ev.from = d->from;
	ev.from_device = d->from_device;
	event_id_hex(ev.id, d->message_id.data, d->message_id.len);
	ev.error = &err;
	event_emit(in->p.ev, &ev);
}

/* (by, device) could not decrypt a message of ours: send it again. */
static void
inbox_undecryptable_receipt(struct inbox *in, const Natter__Delivery *d)
{
	const Natter__Receipt	*r = d->receipt;
	int			 rc;

	if (store_begin(in->p.st) != 0)
		return;
	rc = resend_request(in->p.rs, r->by, r->by_device, r->message_id.data,
	    r->message_id.len);
	if (rc == -1 || store_seq_add(in->p.st, d->seq) != 0 ||
	    store_commit(in->p.st) != 0) {
		store_rollback(in->p.st);
		return;
	}
	if (rc == 1)
		outbox_kick(in->p.ob);
}

/*
 * d could not be decrypted: a lasting row in its conversation (status
 * undecryptable, no text) and its seq, in one commit; the Ack then says
 * so, and the sender's device is asked to send it again.
 */
static void
inbox_undecryptable(struct inbox *in, const Natter__Delivery *d)
{
	Natter__StoredMessage	m = NATTER__STORED_MESSAGE__INIT;
	int64_t			seq = 0;
	int			rc;

	log_info("a message from %s (device %u) could not be decrypted; its "
	    "sender is asked to send it again", d->from, d->from_device);
	m.message_id = d->message_id;
	m.peer = m.from = d->from;
	m.from_device = d->from_device;
	m.to = (char *)account_name(in->p.acct);
	m.ts = d->server_ts;
	m.text = (char *)"";
	if (store_begin(in->p.st) != 0)
		return;
	rc = d->message_id.len == CORE_IDBYTES ? msglog_add(in->p.st,
	    STORE_MESSAGE, STORE_ST_UNDECRYPTABLE, &m, &seq) : 1;
	if (rc == -1 || store_seq_add(in->p.st, d->seq) != 0 ||
	    store_commit(in->p.st) != 0) {
		store_rollback(in->p.st);
		return;
	}
	if (seq > 0)
		event_emit_row(in->p.ev, seq, STORE_MESSAGE,
		    STORE_ST_UNDECRYPTABLE, &m);
}

/* One acker of a delivered receipt: its row, once committed. */
struct inbox_acker {
	const char	*by;
	uint32_t	 device;
	int64_t		 seq;		/* > 0: a row to emit */
	uint8_t		 gid[16];
	uint32_t	 delivered_n, read_n, recipients_n;
	int		 group;
};

/*
 * The receipt row for acker a of our message m (the receipt's id),
 * inside the caller's transaction: 0 (a->seq set when a row was added),
 * or -1.
 */
static int
inbox_receipt_one(struct inbox *in, Natter__StoredMessage *m,
    struct inbox_acker *a)
{
	int64_t	mseq;
	int	rc, grc;

	m->peer = m->from = m->by = (char *)a->by;
	m->from_device = a->device;
	m->group.len = 0;
	/* Only for a message of ours that the history holds: the receipts
	 * the server makes for read receipts, history and the like (none
	 * of them a message) reach nobody. */
	rc = msglog_set_status(in->p.st, m->message_id.data, m->message_id.len,
	    NULL, STORE_ST_DELIVERED, &mseq);
	if (rc >= 0 && rc != 1) {
		/* A group message: each member that has it is a receipt. */
		grc = grouprecv_delivered(in->p.gr, m->message_id.data,
		    m->message_id.len, a->by, m, a->gid);
		if (grc < 0)
			rc = -1;
		else if (grc == 1)
			rc = 0;
		a->group = m->group.len != 0;
		a->delivered_n = m->delivered_n;
		a->read_n = m->read_n;
		a->recipients_n = m->recipients_n;
	}
	if (rc == 0 && msglog_add(in->p.st, STORE_RECEIPT, STORE_ST_DELIVERED,
	    m, &a->seq) == -1)
		return (-1);
	return (rc == -1 ? -1 : 0);
}

/*
 * The devices a delivered receipt names: by, and for a group message the
 * others natterd gathered into it (Receipt.more).  NULL if one is
 * malformed; *n set.
 */
static struct inbox_acker *
inbox_ackers(const Natter__Receipt *r, size_t *n)
{
	struct inbox_acker	*a;
	size_t			 i;

	if (r->n_more > INBOX_MAXACKERS)
		return (NULL);
	a = xcalloc(r->n_more + 1, sizeof *a);
	a[0].by = r->by;
	a[0].device = r->by_device;
	for (i = 0; i < r->n_more; i++) {
		if (r->more[i]->name == NULL ||
		    !wire_name_valid(r->more[i]->name)) {
			free(a);
			return (NULL);
		}
		a[i + 1].by = r->more[i]->name;
		a[i + 1].device = r->more[i]->device;
	}
	*n = r->n_more + 1;
	return (a);
}

static void
inbox_receipt(struct inbox *in, const Natter__Delivery *d)
{
	Natter__StoredMessage	 m = NATTER__STORED_MESSAGE__INIT;
	const Natter__Receipt	*r = d->receipt;
	struct inbox_acker	*a;
	uint8_t			 orig[CORE_IDBYTES];
	size_t			 i, n;
	int			 rc = 0;

	if (r->message_id.len != CORE_IDBYTES || r->by == NULL ||
	    !wire_name_valid(r->by) || (a = inbox_ackers(r, &n)) == NULL) {
		inbox_skip(in, d->seq);
		return;
	}
	if (r->status == INBOX_RECEIPT_UNDECRYPTABLE) {
		free(a);
		inbox_undecryptable_receipt(in, d);
		return;
	}
	if (r->status != INBOX_RECEIPT_DELIVERED) {
		free(a);
		inbox_skip(in, d->seq);
		return;
	}
	m.message_id = r->message_id;
	if (resend_original(in->p.rs, r->message_id.data, r->message_id.len,
	    orig, sizeof orig) == 0) {
		m.message_id.data = orig;	/* a resend's receipt */
		m.message_id.len = sizeof orig;
	}
	m.ts = r->ts;
	m.status = STORE_ST_DELIVERED;
	if (store_begin(in->p.st) != 0) {
		free(a);
		return;
	}
	for (i = 0; i < n && rc == 0; i++)
		rc = inbox_receipt_one(in, &m, &a[i]);
	if (rc == -1 || store_seq_add(in->p.st, d->seq) != 0 ||
	    store_commit(in->p.st) != 0) {
		store_rollback(in->p.st);
		free(a);
		return;
	}
	for (i = 0; i < n; i++) {
		if (a[i].seq <= 0)
			continue;
		m.peer = m.from = m.by = (char *)a[i].by;
		m.from_device = a[i].device;
		m.group.data = a[i].gid;
		m.group.len = a[i].group ? sizeof a[i].gid : 0;
		m.delivered_n = a[i].delivered_n;
		m.read_n = a[i].read_n;
		m.recipients_n = a[i].recipients_n;
		event_emit_row(in->p.ev, a[i].seq, STORE_RECEIPT,
		    STORE_ST_DELIVERED, &m);
	}
	free(a);
}

/* Store a decrypted text; the caller's transaction is open. */
static int
inbox_store_text(struct inbox *in, const Natter__Delivery *d,
    const Natter__Content *ct, Natter__StoredMessage *m, int64_t *seq)
{
	const char	*self = account_name(in->p.acct);
	int		 mine = strcmp(d->from, self) == 0, rc;
	int		 status = mine ? STORE_ST_SENT : STORE_ST_RECEIVED;

	m->message_id = ct->message_id;
	m->peer = mine ? ct->to : d->from;
	m->from = d->from;
	m->from_device = d->from_device;
	m->to = mine ? ct->to : (char *)self;
	m->ts = ct->ts;
	m->text = ct->text;
	m->outgoing = mine;
	if (ct->body_case == NATTER__CONTENT__BODY_ATTACHMENT) {
		if (attach_valid(ct->attachment) != 0)
			return (1);
		m->attachment = ct->attachment;
		m->text = ct->attachment->caption != NULL ?
		    ct->attachment->caption : (char *)"";
		if (files_incoming(in->p.files, ct->attachment) != 0)
			return (-1);
	}
	if (m->peer == NULL || !wire_name_valid(m->peer))
		return (1);
	rc = msglog_add(in->p.st, STORE_MESSAGE, status, m, seq);
	if (rc == 1)		/* a resend of one we could not decrypt? */
		rc = msglog_redo(in->p.st, status, m, seq);
	return (rc);
}

/*
 * Is the sender one of d->from's devices?  INBOX_GO, INBOX_WAIT (look its
 * account up first, then try again), or INBOX_DROP (told, not shown).
 */
static int
inbox_sender(struct inbox *in, const Natter__Delivery *d, const uint8_t ik[32])
{
	if (devices_check(in->p.devs, d->from, d->from_device, ik) ==
	    DEVICES_LISTED)
		return (INBOX_GO);
	if (in->looked_up == NULL || strcmp(in->looked_up, d->from) != 0)
		return (INBOX_WAIT);
	inbox_error(in, d, "that device is not on the account's signed device "
	    "list (the server may have added it): not shown");
	return (INBOX_DROP);
}

/*
 * A part of history: only from our own primary (device 1, on our signed
 * list: inbox_sender checked that) is it taken in.  1 if it was, 0 if it
 * was ignored, -1 on error.
 */
static int
inbox_history(struct inbox *in, const Natter__Delivery *d,
    const Natter__HistoryChunk *hc)
{
	size_t	i;

	if (strcmp(d->from, account_name(in->p.acct)) != 0 ||
	    d->from_device != 1 || account_device(in->p.acct) == 1)
		return (0);
	/* The files of the history are downloaded like new ones. */
	for (i = 0; i < hc->n_messages; i++)
		if (attach_valid(hc->messages[i]->attachment) == 0 &&
		    files_incoming(in->p.files, hc->messages[i]->attachment) != 0)
			return (-1);
	return (transfer_take(in->p.tr, hc) == 0 ? 1 : -1);
}

/*
 * A DeviceLeave: only to our primary, from one of our own devices about
 * itself (inbox_sender checked it is on our signed list).  1 if it was
 * recorded, 0 if ignored, -1 on error.
 */
static int
inbox_device_leave(struct inbox *in, const Natter__Delivery *d,
    const Natter__DeviceLeave *dl)
{
	if (strcmp(d->from, account_name(in->p.acct)) != 0 ||
	    account_device(in->p.acct) != 1 || d->from_device == 1 ||
	    dl->device != d->from_device)
		return (0);
	return (leave_record(in->p.leave, dl->device) == 0 ? 1 : -1);
}

/* Decrypt and commit one message.  INBOX_GO when handled, or INBOX_WAIT. */
static int
inbox_message(struct inbox *in, const Natter__Delivery *d)
{
	Natter__StoredMessage	 m = NATTER__STORED_MESSAGE__INIT;
	struct receipts_seen	*seen = NULL;
	Natter__Content		*ct = NULL;
	uint8_t			*pt = NULL, ik[32];
	size_t			 ptlen = 0;
	int64_t			 seq = 0;
	int			 rc = 0, hist = 0, left = 0;

	if (d->from == NULL || !wire_name_valid(d->from)) {
		inbox_skip(in, d->seq);
		return (INBOX_GO);
	}
	if (store_begin(in->p.st) != 0)
		return (INBOX_GO);
	if (peers_decrypt(in->p.peers, d->from, d->from_device, d->type,
	    d->content.data, d->content.len, &pt, &ptlen, ik) != 0) {
		store_rollback(in->p.st);
		inbox_undecryptable(in, d);
		return (INBOX_BAD);
	}
	if ((rc = inbox_sender(in, d, ik)) != INBOX_GO) {
		store_rollback(in->p.st);	/* the session stays as it was */
		if (rc == INBOX_DROP)
			inbox_skip(in, d->seq);
		rc = rc == INBOX_WAIT ? INBOX_WAIT : INBOX_GO;
		goto out;
	}
	if ((ct = content_decode(pt, ptlen)) == NULL)
		rc = 2;
	else if (ct->body_case == NATTER__CONTENT__BODY_TEXT ||
	    ct->body_case == NATTER__CONTENT__BODY_ATTACHMENT)
		rc = inbox_store_text(in, d, ct, &m, &seq);
	else if (ct->body_case == NATTER__CONTENT__BODY_READ_RECEIPT &&
	    (rc = receipts_apply(in->p.rcpt, d, ct, &seen)) == 1)
		rc = 2;
	else if (ct->body_case == NATTER__CONTENT__BODY_HISTORY)
		rc = (hist = inbox_history(in, d, ct->history)) < 0 ? -1 : 0;
	else if (ct->body_case == NATTER__CONTENT__BODY_SENDER_KEY)
		rc = grouprecv_sender_key(in->p.gr, d->from, d->from_device,
		    ct);
	else if (ct->body_case == NATTER__CONTENT__BODY_DEVICE_LEAVE)
		rc = (left = inbox_device_leave(in, d, ct->device_leave)) < 0 ?
		    -1 : 0;
	if (rc == -1 || store_seq_add(in->p.st, d->seq) != 0 ||
	    store_commit(in->p.st) != 0) {
		store_rollback(in->p.st);
		receipts_done(in->p.rcpt, seen, 0);
		log_warn("cannot save a message from %s", d->from);
		rc = INBOX_GO;
		goto out;
	}
	receipts_done(in->p.rcpt, seen, 1);
	if (hist == 1) {
		transfer_taken(in->p.tr, ct->history);
		files_kick(in->p.files);
	}
	if (left == 1)
		leave_kick(in->p.leave);
	if (rc == 2)
		inbox_error(in, d, "malformed content");
	else if (rc == 0 && seq > 0)
		event_emit_row(in->p.ev, seq, STORE_MESSAGE, m.outgoing ?
		    STORE_ST_SENT : STORE_ST_RECEIVED, &m);
	if (m.attachment != NULL)
		files_kick(in->p.files);
	rc = INBOX_GO;
out:
	content_free(ct);
	if (pt != NULL) {
		sodium_memzero(pt, ptlen);
		free(pt);
	}
	return (rc);
}

static void
inbox_emit_drained(struct inbox *in)
{
	struct core_event	ev;

	in->drained_waiting = 0;
	memset(&ev, 0, sizeof ev);
	ev.type = CORE_EV_BACKLOG_DRAINED;
	event_emit(in->p.ev, &ev);
}

/*
 * The backlog is drained once the server said so and nothing we owe it is
 * out: acks, held messages, a prekey upload, a leave being published (a
 * one-shot command may exit then without losing any of them).
 */
static void
inbox_maybe_drained(struct inbox *in)
{
	if (in->drained_waiting && in->acks_inflight == 0 &&
	    TAILQ_EMPTY(&in->held) && !prekeys_busy(in->p.pk) &&
	    !leave_busy(in->p.leave))
		inbox_emit_drained(in);
}

static void
inbox_settled(void *arg)
{
	inbox_maybe_drained(arg);
}

void
inbox_recheck(struct inbox *in)
{
	inbox_maybe_drained(in);
}

/*
 * The server answered an ack (after committing the deletes and receipts
 * it caused), or the connection went.  Only then is the backlog really
 * drained: a one-shot recv may exit without losing an ack.
 */
static void
inbox_acked(void *arg, const Natter__Response *resp)
{
	struct inbox	*in = arg;

	if (in->acks_inflight > 0)
		in->acks_inflight--;
	if (resp == NULL) {
		in->acks_inflight = 0;
		in->drained_waiting = 0;
		return;
	}
	inbox_maybe_drained(in);
}

/* Ack what is durably recorded (seqs, n of them; bad: the ones that
 * could not be decrypted) in one Ack. */
static void
inbox_ack(struct inbox *in, uint64_t *seqs, size_t n, uint64_t *bad,
    size_t nbad)
{
	Natter__Frame	fr = NATTER__FRAME__INIT;
	Natter__Ack	ack = NATTER__ACK__INIT;

	if (n + nbad == 0 || !conn_ready(in->p.cn))
		return;
	ack.seqs = seqs;
	ack.n_seqs = n;
	ack.undecryptable = bad;
	ack.n_undecryptable = nbad;
	fr.body_case = NATTER__FRAME__BODY_ACK;
	fr.ack = &ack;
	if (conn_request(in->p.cn, &fr, inbox_acked, in) != 0)
		log_warn("cannot send an ack");
	else
		in->acks_inflight++;
}

/*
 * Handle dl's items from *next on and ack them.  0 when all are handled,
 * 1 when item *next waits for its sender's account to be looked up.
 */
static int
inbox_items(struct inbox *in, const Natter__Deliver *dl, size_t *next)
{
	uint64_t	*seqs, *bad;
	size_t		 n = 0, nbad = 0;
	int		 wait = 0, rc;

	seqs = xcalloc(dl->n_items + 1, sizeof *seqs);
	bad = xcalloc(dl->n_items + 1, sizeof *bad);
	for (; *next < dl->n_items && !wait; (*next)++) {
		const Natter__Delivery *d = dl->items[*next];

		rc = INBOX_GO;
		if (!store_seq_seen(in->p.st, d->seq)) {
			if (d->receipt != NULL)
				inbox_receipt(in, d);
			else if (d->type == 3 || d->type == 4)
				grouprecv_deliver(in->p.gr, d);
			else if ((rc = inbox_message(in, d)) == INBOX_WAIT) {
				wait = 1;
				break;
			}
		}
		/* Ack only what is durably recorded. */
		if (store_seq_seen(in->p.st, d->seq) && rc == INBOX_BAD)
			bad[nbad++] = d->seq;
		else if (store_seq_seen(in->p.st, d->seq))
			seqs[n++] = d->seq;
		if (!conn_ready(in->p.cn))
			break;		/* a callback closed us */
	}
	inbox_ack(in, seqs, n, bad, nbad);
	free(seqs);
	free(bad);
	return (wait);
}

static void
inbox_held_free(struct inbox *in, struct inbox_held *h)
{
	TAILQ_REMOVE(&in->held, h, entry);
	natter__deliver__free_unpacked(h->dl, NULL);
	free(h);
}

/* Keep a copy of dl from item next on, behind what is held already. */
static void
inbox_hold(struct inbox *in, const Natter__Deliver *dl, size_t next)
{
	struct inbox_held	*h;
	uint8_t			*buf;
	size_t			 len = natter__deliver__get_packed_size(dl);

	buf = xmalloc(len);
	natter__deliver__pack(dl, buf);
	h = xcalloc(1, sizeof *h);
	h->dl = natter__deliver__unpack(NULL, len, buf);
	free(buf);
	if (h->dl == NULL)
		fatal("cannot copy a delivery");
	h->next = next;
	TAILQ_INSERT_TAIL(&in->held, h, entry);
}

static void	inbox_run(struct inbox *);

/* The sender's account was looked up (or not): go on where we stopped. */
static void
inbox_looked_up(void *arg, const struct core_error *err)
{
	struct inbox		*in = arg;
	struct inbox_held	*h;
	const char		*from;

	in->waiting = 0;
	if (err != NULL && err->code == CORE_ERR_UNREACHABLE) {
		/* Gone with the connection: the server delivers them again. */
		while ((h = TAILQ_FIRST(&in->held)) != NULL)
			inbox_held_free(in, h);
		return;
	}
	h = TAILQ_FIRST(&in->held);
	from = h->dl->items[h->next]->from;
	free(in->looked_up);
	in->looked_up = xstrdup(from);
	inbox_run(in);
}

/* Handle what is held, in order, until done or waiting for a lookup. */
static void
inbox_run(struct inbox *in)
{
	struct inbox_held	*h;
	char			*from;

	while (!in->waiting && (h = TAILQ_FIRST(&in->held)) != NULL) {
		if (!inbox_items(in, h->dl, &h->next)) {
			inbox_held_free(in, h);
			continue;
		}
		from = h->dl->items[h->next]->from;
		if (devices_fetch(in->p.devs, &from, 1, DEVICES_KEYS,
		    inbox_looked_up, in) != 0)
			return;		/* not ready: delivered again later */
		in->waiting = 1;
		return;
	}
	free(in->looked_up);
	in->looked_up = NULL;
	inbox_maybe_drained(in);
}

void
inbox_deliver(struct inbox *in, const Natter__Deliver *dl)
{
	size_t	next = 0;

	if (TAILQ_EMPTY(&in->held) && !inbox_items(in, dl, &next))
		return;
	inbox_hold(in, dl, next);
	inbox_run(in);
}

void
inbox_reset(struct inbox *in)
{
	struct inbox_held	*h;

	while ((h = TAILQ_FIRST(&in->held)) != NULL)
		inbox_held_free(in, h);
	free(in->looked_up);
	in->looked_up = NULL;
}

static void
inbox_list_fetched(void *arg, const struct core_error *err)
{
	(void)arg;
	if (err != NULL)
		log_info("%s", err->msg);
}

void
inbox_ready(struct inbox *in)
{
	struct keys_identity	id;

	/* Left-over uploads and a week-old signed prekey, at each sign-in. */
	if (account_identity(in->p.acct, &id) != 0)
		return;
	prekeys_topup(in->p.pk, in->p.cn, PREKEYS_TARGET, &id, inbox_settled,
	    in);
	keys_identity_wipe(&id);
}

void
inbox_event(struct inbox *in, const Natter__Event *e)
{
	char	*name;

	switch (e->kind_case) {
	case NATTER__EVENT__KIND_PREKEYS_LOW:
		prekeys_topup(in->p.pk, in->p.cn, e->prekeys_low->count, NULL,
		    inbox_settled, in);
		break;
	case NATTER__EVENT__KIND_BACKLOG_DRAINED:
		in->drained_waiting = 1;
		inbox_maybe_drained(in);
		break;
	case NATTER__EVENT__KIND_DEVICE_LIST_CHANGED:
		/* The new list now: nothing more to removed devices (new ones get
		 * sessions at the next send, when the server asks for them). */
		name = e->device_list_changed->name;
		if (name != NULL && wire_name_valid(name) &&
		    devices_fetch(in->p.devs, &name, 1, DEVICES_KEYS,
		    inbox_list_fetched, in) != 0)
			log_info("the device list of %s changed", name);
		break;
	default:
		break;
	}
}
