/* inbox: receiving: decrypt, dedup, commit message (or receipt) + session + ack bookkeeping together, then ack. */
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
#include "client/core/inbox.h"
#include "client/core/peers.h"
#include "client/core/prekeys.h"
#include "client/core/receipts.h"
#include "client/store/msglog.h"
#include "client/store/store.h"
#include "shared/proto/wire.h"
#include "shared/util/log.h"
#include "shared/util/xmalloc.h"

#define INBOX_RECEIPT_DELIVERED	1

struct inbox {
	struct store		*st;
	struct account		*acct;
	struct conn		*cn;
	struct devices		*devs;
	struct peers		*peers;
	struct prekeys		*pk;
	struct receipts		*rcpt;
	struct event_sink	*ev;
	/* Acks sent and not answered yet; a backlog-drained event waits. */
	int			 acks_inflight;
	int			 drained_waiting;
};

struct inbox *
inbox_create(struct store *st, struct account *acct, struct conn *cn,
    struct devices *devs, struct peers *peers, struct prekeys *pk,
    struct receipts *rcpt, struct event_sink *ev)
{
	struct inbox	*in;

	in = xcalloc(1, sizeof *in);
	in->st = st;
	in->acct = acct;
	in->cn = cn;
	in->devs = devs;
	in->peers = peers;
	in->pk = pk;
	in->rcpt = rcpt;
	in->ev = ev;
	return (in);
}

void
inbox_free(struct inbox *in)
{
	free(in);
}

/* Record seq as handled (in its own transaction) after a failure. */
static void
inbox_skip(struct inbox *in, uint64_t seq)
{
	if (store_begin(in->st) != 0)
		return;
	if (store_seq_add(in->st, seq) != 0 || store_commit(in->st) != 0)
		store_rollback(in->st);
}

static void
inbox_error(struct inbox *in, const Natter__Delivery *d, const char *what)
{
	struct core_error	err;
	struct core_event	ev;

	err_set(&err, CORE_ERR_CRYPTO, "dropped a message from %s (device "
	    "%u): %s", d->from != NULL ? d->from : "?", d->from_device, what);
	log_warn("%s", err.msg);
	memset(&ev, 0, sizeof ev);
	ev.type = CORE_EV_ERROR;
	ev.from = d->from;
	ev.from_device = d->from_device;
	event_id_hex(ev.id, d->message_id.data, d->message_id.len);
	ev.error = &err;
	event_emit(in->ev, &ev);
}

static void
inbox_receipt(struct inbox *in, const Natter__Delivery *d)
{
	Natter__StoredMessage	 m = NATTER__STORED_MESSAGE__INIT;
	const Natter__Receipt	*r = d->receipt;
	int64_t			 seq = 0, mseq;
	int			 rc;

	if (r->message_id.len != CORE_IDBYTES || r->by == NULL ||
	    r->status != INBOX_RECEIPT_DELIVERED) {
		inbox_skip(in, d->seq);
		return;
	}
	m.message_id = r->message_id;
	m.peer = r->by;
	m.from = r->by;
	m.from_device = r->by_device;
	m.by = r->by;
	m.ts = r->ts;
	m.status = STORE_ST_DELIVERED;
	if (store_begin(in->st) != 0)
		return;
	rc = msglog_set_status(in->st, r->message_id.data, r->message_id.len,
	    NULL, STORE_ST_DELIVERED, &mseq);
	if (rc == 0 || rc == 1)
		rc = msglog_add(in->st, STORE_RECEIPT, STORE_ST_DELIVERED, &m,
		    &seq);
	if (rc == -1 || store_seq_add(in->st, d->seq) != 0 ||
	    store_commit(in->st) != 0) {
		store_rollback(in->st);
		return;
	}
	if (seq > 0)
		event_emit_row(in->ev, seq, STORE_RECEIPT, STORE_ST_DELIVERED, &m);
}

/* Store a decrypted text; the caller's transaction is open. */
static int
inbox_store_text(struct inbox *in, const Natter__Delivery *d,
    const Natter__Content *ct, Natter__StoredMessage *m, int64_t *seq)
{
	const char	*self = account_name(in->acct);
	int		 mine = strcmp(d->from, self) == 0;

	m->message_id = ct->message_id;
	m->peer = mine ? ct->to : d->from;
	m->from = d->from;
	m->from_device = d->from_device;
	m->to = mine ? ct->to : (char *)self;
	m->ts = ct->ts;
	m->text = ct->text;
	m->outgoing = mine;
	if (m->peer == NULL || !wire_name_valid(m->peer))
		return (1);
	return (msglog_add(in->st, STORE_MESSAGE, mine ? STORE_ST_SENT :
	    STORE_ST_RECEIVED, m, seq));
}

static void
inbox_message(struct inbox *in, const Natter__Delivery *d)
{
	Natter__StoredMessage	 m = NATTER__STORED_MESSAGE__INIT;
	struct receipts_seen	*seen = NULL;
	Natter__Content		*ct = NULL;
	uint8_t			*pt = NULL, ik[32];
	size_t			 ptlen = 0;
	int64_t			 seq = 0;
	int			 rc = 0;

	if (d->from == NULL || !wire_name_valid(d->from)) {
		inbox_skip(in, d->seq);
		return;
	}
	if (store_begin(in->st) != 0)
		return;
	if (peers_decrypt(in->peers, d->from, d->from_device, d->type,
	    d->content.data, d->content.len, &pt, &ptlen, ik) != 0) {
		store_rollback(in->st);
		inbox_skip(in, d->seq);
		inbox_error(in, d, "cannot decrypt it (no session, or damaged)");
		return;
	}
	devices_seen(in->devs, d->from, d->from_device, ik);
	if ((ct = content_decode(pt, ptlen)) == NULL)
		rc = 2;
	else if (ct->body_case == NATTER__CONTENT__BODY_TEXT)
		rc = inbox_store_text(in, d, ct, &m, &seq);
	else if (ct->body_case == NATTER__CONTENT__BODY_READ_RECEIPT &&
	    (rc = receipts_apply(in->rcpt, d, ct, &seen)) == 1)
		rc = 2;
	if (rc == -1 || store_seq_add(in->st, d->seq) != 0 ||
	    store_commit(in->st) != 0) {
		store_rollback(in->st);
		receipts_done(in->rcpt, seen, 0);
		log_warn("cannot save a message from %s", d->from);
		goto out;
	}
	receipts_done(in->rcpt, seen, 1);
	if (rc == 2)
		inbox_error(in, d, "malformed content");
	else if (rc == 0 && seq > 0)
		event_emit_row(in->ev, seq, STORE_MESSAGE, m.outgoing ? STORE_ST_SENT :
		    STORE_ST_RECEIVED, &m);
out:
	content_free(ct);
	if (pt != NULL) {
		sodium_memzero(pt, ptlen);
		free(pt);
	}
}

static void
inbox_emit_drained(struct inbox *in)
{
	struct core_event	ev;

	in->drained_waiting = 0;
	memset(&ev, 0, sizeof ev);
	ev.type = CORE_EV_BACKLOG_DRAINED;
	event_emit(in->ev, &ev);
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
	if (in->acks_inflight == 0 && in->drained_waiting)
		inbox_emit_drained(in);
}

void
inbox_deliver(struct inbox *in, const Natter__Deliver *dl)
{
	Natter__Frame	fr = NATTER__FRAME__INIT;
	Natter__Ack	ack = NATTER__ACK__INIT;
	uint64_t	*seqs;
	size_t		 i;

	seqs = xcalloc(dl->n_items + 1, sizeof *seqs);
	for (i = 0; i < dl->n_items; i++) {
		const Natter__Delivery *d = dl->items[i];

		if (!store_seq_seen(in->st, d->seq)) {
			if (d->receipt != NULL)
				inbox_receipt(in, d);
			else
				inbox_message(in, d);
		}
		/* Ack only what is durably recorded. */
		if (store_seq_seen(in->st, d->seq))
			seqs[ack.n_seqs++] = d->seq;
		if (!conn_ready(in->cn))
			break;		/* a callback closed us */
	}
	if (ack.n_seqs > 0 && conn_ready(in->cn)) {
		ack.seqs = seqs;
		fr.body_case = NATTER__FRAME__BODY_ACK;
		fr.ack = &ack;
		if (conn_request(in->cn, &fr, inbox_acked, in) != 0)
			log_warn("cannot send an ack");
		else
			in->acks_inflight++;
	}
	free(seqs);
}

void
inbox_event(struct inbox *in, const Natter__Event *e)
{

	switch (e->kind_case) {
	case NATTER__EVENT__KIND_PREKEYS_LOW:
		prekeys_topup(in->pk, in->cn, e->prekeys_low->count);
		break;
	case NATTER__EVENT__KIND_BACKLOG_DRAINED:
		if (in->acks_inflight > 0)
			in->drained_waiting = 1;
		else
			inbox_emit_drained(in);
		break;
	case NATTER__EVENT__KIND_DEVICE_LIST_CHANGED:
		log_info("the device list of %s changed",
		    e->device_list_changed->name != NULL ?
		    e->device_list_changed->name : "?");
		break;
	default:
		break;
	}
}
