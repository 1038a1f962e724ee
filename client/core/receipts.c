/* receipts: read receipts: marking received messages read and queuing the encrypted receipt; applying the ones that arrive. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/core/account.h"
#include "client/core/err.h"
#include "client/core/groups.h"
#include "client/core/event.h"
#include "client/core/outbox.h"
#include "client/core/receipts.h"
#include "client/store/msglog.h"
#include "client/store/store.h"
#include "shared/proto/wire.h"
#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"

struct receipts {
	struct store		*st;
	struct account		*acct;
	struct outbox		*ob;
	struct event_sink	*ev;
};

/* The ids msglog_unseen found, in order. */
struct receipts_batch {
	uint8_t		 ids[OUTBOX_READ_MAX][CORE_IDBYTES];
	int64_t		 seqs[OUTBOX_READ_MAX];
	size_t		 n;
};

/* Read receipts that arrived in one delivery, emitted after its commit. */
struct receipts_seen {
	Natter__StoredMessage	 m;		/* the receipt row, id aside */
	const Natter__Content	*ct;
	int64_t			 seqs[OUTBOX_READ_MAX];	/* 0: not new */
	int			 elsewhere;	/* read on our other device */
};

struct receipts *
receipts_create(struct store *st, struct account *acct, struct outbox *ob,
    struct event_sink *ev)
{
	struct receipts	*r;

	r = xcalloc(1, sizeof *r);
	r->st = st;
	r->acct = acct;
	r->ob = ob;
	r->ev = ev;
	return (r);
}

void
receipts_free(struct receipts *r)
{
	free(r);
}

static int
receipts_unseen_cb(int64_t seq, int kind, int status,
    const Natter__StoredMessage *m, void *arg)
{
	struct receipts_batch	*b = arg;

	(void)kind;
	(void)status;
	if (m->message_id.len != CORE_IDBYTES || b->n == OUTBOX_READ_MAX)
		return (0);
	memcpy(b->ids[b->n], m->message_id.data, CORE_IDBYTES);
	b->seqs[b->n++] = seq;
	return (0);
}

/* Mark one batch seen and put its receipt in the outbox; the caller commits. */
static int
receipts_queue(struct receipts *r, const char *peer, struct receipts_batch *b,
    Natter__OutboxItem *o, ProtobufCBinaryData *ids, int64_t *oid)
{
	size_t	i;

	for (i = 0; i < b->n; i++) {
		if (msglog_set_status_seq(r->st, b->seqs[i], STORE_ST_SEEN) != 0)
			return (-1);
		ids[i].data = b->ids[i];
		ids[i].len = CORE_IDBYTES;
	}
	o->to = (char *)peer;
	o->ts = time_now_ms();
	o->read_ids = ids;
	o->n_read_ids = b->n;
	return (store_outbox_add(r->st, o, oid));
}

/*
 * One batch of at most OUTBOX_READ_MAX messages in one commit; the queued
 * receipt is added to *last.  The count, or -1.
 */
static int
receipts_batch(struct receipts *r, const char *peer, int64_t from, int64_t to,
    struct outbox_msg **last)
{
	Natter__OutboxItem	 o = NATTER__OUTBOX_ITEM__INIT;
	ProtobufCBinaryData	 ids[OUTBOX_READ_MAX];
	struct receipts_batch	*b;
	uint8_t			 id[CORE_IDBYTES];
	int64_t			 oid;
	int			 n;

	b = xcalloc(1, sizeof *b);
	randombytes_buf(id, sizeof id);
	o.message_id.data = id;
	o.message_id.len = sizeof id;
	if (store_begin(r->st) != 0) {
		free(b);
		return (-1);
	}
	if (msglog_unseen(r->st, peer, from, to, OUTBOX_READ_MAX,
	    receipts_unseen_cb, b) != 0 || (b->n > 0 &&
	    (receipts_queue(r, peer, b, &o, ids, &oid) != 0 ||
	    store_commit(r->st) != 0))) {
		store_rollback(r->st);
		free(b);
		return (-1);
	}
	if (b->n == 0)
		store_rollback(r->st);	/* nothing was written */
	else
		*last = outbox_queue(r->ob, oid, &o, NULL, NULL);
	n = (int)b->n;
	free(b);
	return (n);
}

/*
 * A group's conversation ("#" and its id): its messages become seen here,
 * in one commit per batch; no read receipt goes out (not in groups yet).
 */
static int
receipts_group_seen(struct receipts *r, const char *peer, int64_t from,
    int64_t to, struct core_error *err)
{
	struct receipts_batch	*b;
	size_t			 i;
	int			 total = 0, rc = 0;

	b = xcalloc(1, sizeof *b);
	do {
		b->n = 0;
		if (store_begin(r->st) != 0 || msglog_unseen(r->st, peer, from,
		    to, OUTBOX_READ_MAX, receipts_unseen_cb, b) != 0)
			rc = -1;
		for (i = 0; rc == 0 && i < b->n; i++)
			if (msglog_set_status_seq(r->st, b->seqs[i],
			    STORE_ST_SEEN) != 0)
				rc = -1;
		if (rc != 0 || store_commit(r->st) != 0) {
			store_rollback(r->st);
			err_set(err, CORE_ERR_IO, "cannot mark messages read in "
			    "the profile %s", store_dir(r->st));
			free(b);
			return (-1);
		}
		total += (int)b->n;
	} while (b->n == OUTBOX_READ_MAX);
	free(b);
	return (total);
}

int
receipts_mark_read(struct receipts *r, const char *peer, int64_t from,
    int64_t to, core_sent_cb *sent, void *arg, struct core_error *err)
{
	struct outbox_msg	*last = NULL;
	uint8_t			 gid[GROUPS_IDBYTES];
	int			 n, total = 0;

	if (groups_peer_id(peer, gid) == 0)
		return (receipts_group_seen(r, peer, from, to, err));
	if (peer == NULL || !wire_name_valid(peer)) {
		err_set(err, CORE_ERR_USAGE, "invalid user name \"%.40s\"",
		    peer != NULL ? peer : "");
		return (-1);
	}
	do {
		if ((n = receipts_batch(r, peer, from, to, &last)) < 0) {
			err_set(err, CORE_ERR_IO, "cannot write the profile "
			    "%s", store_dir(r->st));
			return (-1);
		}
		total += n;
	} while (n == OUTBOX_READ_MAX);
	if (last != NULL)
		outbox_notify(last, sent, arg);
	return (total);
}

/*
 * Our other device read them: they are seen here too (no receipt rows);
 * after the commit one CORE_EV_SEEN says so, for front ends' unread counts.
 */
static int
receipts_mine(struct receipts *r, const Natter__Content *ct,
    struct receipts_seen **seen)
{
	const Natter__ReadReceipt	*rr = ct->read_receipt;
	size_t				 i;

	if (ct->to == NULL || !wire_name_valid(ct->to))
		return (0);
	*seen = xcalloc(1, sizeof **seen);
	(*seen)->ct = ct;
	(*seen)->elsewhere = 1;
	for (i = 0; i < rr->n_message_ids; i++) {
		if (msglog_set_status(r->st, rr->message_ids[i].data,
		    CORE_IDBYTES, ct->to, STORE_ST_SEEN, NULL) == -1)
			return (-1);
	}
	return (0);
}

/* Check a receipt's shape: 1 to OUTBOX_READ_MAX ids of CORE_IDBYTES. */
static int
receipts_valid(const Natter__ReadReceipt *rr)
{
	size_t	i;

	if (rr == NULL || rr->n_message_ids == 0 ||
	    rr->n_message_ids > OUTBOX_READ_MAX)
		return (0);
	for (i = 0; i < rr->n_message_ids; i++) {
		if (rr->message_ids[i].len != CORE_IDBYTES)
			return (0);
	}
	return (1);
}

/*
 * A read receipt from d's sender, inside the caller's transaction: each of
 * our messages to that sender it names rises to read and gets a receipt
 * row.  0 with *seen set (pass it to receipts_done), 1 if malformed, -1.
 */
int
receipts_apply(struct receipts *r, const Natter__Delivery *d,
    const Natter__Content *ct, struct receipts_seen **seen)
{
	const Natter__ReadReceipt	*rr = ct->read_receipt;
	struct receipts_seen		*rs;
	int64_t				 mseq;
	size_t				 i;
	int				 rc = 0;

	*seen = NULL;
	if (!receipts_valid(rr))
		return (1);
	if (strcmp(d->from, account_name(r->acct)) == 0)
		return (receipts_mine(r, ct, seen));
	rs = xcalloc(1, sizeof *rs);
	natter__stored_message__init(&rs->m);
	rs->ct = ct;
	rs->m.peer = rs->m.from = rs->m.by = d->from;
	rs->m.from_device = d->from_device;
	rs->m.ts = ct->ts;
	rs->m.status = STORE_ST_READ;
	for (i = 0; i < rr->n_message_ids && rc != -1; i++) {
		rc = msglog_set_status(r->st, rr->message_ids[i].data,
		    CORE_IDBYTES, d->from, STORE_ST_READ, &mseq);
		if (rc != 0)
			continue;	/* unknown, not ours, or already read */
		rs->m.message_id = rr->message_ids[i];
		rc = msglog_add(r->st, STORE_RECEIPT, STORE_ST_READ, &rs->m,
		    &rs->seqs[i]);
	}
	*seen = rs;
	return (rc == -1 ? -1 : 0);
}

/* After the delivery's commit (committed) or rollback: emit, free. */
void
receipts_done(struct receipts *r, struct receipts_seen *rs, int committed)
{
	const Natter__ReadReceipt	*rr;
	size_t				 i;

	if (rs == NULL)
		return;
	if (rs->elsewhere) {
		if (committed) {
			struct core_event	ev;

			memset(&ev, 0, sizeof ev);
			ev.type = CORE_EV_SEEN;
			ev.to = rs->ct->to;
			event_emit(r->ev, &ev);
		}
		free(rs);
		return;
	}
	rr = rs->ct->read_receipt;
	for (i = 0; committed && i < rr->n_message_ids; i++) {
		if (rs->seqs[i] <= 0)
			continue;
		rs->m.message_id = rr->message_ids[i];
		event_emit_row(r->ev, rs->seqs[i], STORE_RECEIPT, STORE_ST_READ,
		    &rs->m);
	}
	free(rs);
}
