/* receipts: read receipts: marking received messages read and queuing the encrypted receipt; applying the ones that arrive. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/core/coreint.h"
#include "client/store/msglog.h"
#include "shared/proto/wire.h"
#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"

/* The ids msglog_unseen found, in order. */
struct receipts_batch {
	uint8_t		 ids[CORE_READ_MAX][CORE_IDBYTES];
	int64_t		 seqs[CORE_READ_MAX];
	size_t		 n;
};

/* Read receipts that arrived in one delivery, emitted after its commit. */
struct receipts_seen {
	Natter__StoredMessage	 m;		/* the receipt row, id aside */
	const Natter__Content	*ct;
	int64_t			 seqs[CORE_READ_MAX];	/* 0: not new */
};

static int
receipts_unseen_cb(int64_t seq, int kind, int status,
    const Natter__StoredMessage *m, void *arg)
{
	struct receipts_batch	*b = arg;

	(void)kind;
	(void)status;
	if (m->message_id.len != CORE_IDBYTES || b->n == CORE_READ_MAX)
		return (0);
	memcpy(b->ids[b->n], m->message_id.data, CORE_IDBYTES);
	b->seqs[b->n++] = seq;
	return (0);
}

/* Mark one batch seen and put its receipt in the outbox; the caller commits. */
static int
receipts_queue(struct core *c, const char *peer, struct receipts_batch *b,
    Natter__OutboxItem *o, ProtobufCBinaryData *ids, int64_t *oid)
{
	size_t	i;

	for (i = 0; i < b->n; i++) {
		if (msglog_set_status_seq(c->st, b->seqs[i], STORE_ST_SEEN) != 0)
			return (-1);
		ids[i].data = b->ids[i];
		ids[i].len = CORE_IDBYTES;
	}
	o->to = (char *)peer;
	o->ts = time_now_ms();
	o->read_ids = ids;
	o->n_read_ids = b->n;
	return (store_outbox_add(c->st, o, oid));
}

/*
 * One batch of at most CORE_READ_MAX messages in one commit; the queued
 * receipt is added to *last.  The count, or -1.
 */
static int
receipts_batch(struct core *c, const char *peer, int64_t from, int64_t to,
    struct core_send **last)
{
	Natter__OutboxItem	 o = NATTER__OUTBOX_ITEM__INIT;
	ProtobufCBinaryData	 ids[CORE_READ_MAX];
	struct receipts_batch	*b;
	uint8_t			 id[CORE_IDBYTES];
	int64_t			 oid;
	int			 n;

	b = xcalloc(1, sizeof *b);
	randombytes_buf(id, sizeof id);
	o.message_id.data = id;
	o.message_id.len = sizeof id;
	if (store_begin(c->st) != 0) {
		free(b);
		return (-1);
	}
	if (msglog_unseen(c->st, peer, from, to, CORE_READ_MAX,
	    receipts_unseen_cb, b) != 0 || (b->n > 0 &&
	    (receipts_queue(c, peer, b, &o, ids, &oid) != 0 ||
	    store_commit(c->st) != 0))) {
		store_rollback(c->st);
		free(b);
		return (-1);
	}
	if (b->n == 0)
		store_rollback(c->st);	/* nothing was written */
	else
		*last = outbox_queue(c, oid, &o);
	n = (int)b->n;
	free(b);
	return (n);
}

int
core_mark_read(struct core *c, const char *peer, int64_t from, int64_t to,
    core_sent_cb *sent, void *arg, struct core_error *err)
{
	struct core_send	*last = NULL;
	int			 n, total = 0;

	if (c->name == NULL) {
		core_seterr(err, CORE_ERR_NO_PROFILE, "this profile has no "
		    "account yet: run natter register NAME first");
		return (-1);
	}
	if (peer == NULL || !wire_name_valid(peer)) {
		core_seterr(err, CORE_ERR_USAGE, "invalid user name \"%.40s\"",
		    peer != NULL ? peer : "");
		return (-1);
	}
	do {
		if ((n = receipts_batch(c, peer, from, to, &last)) < 0) {
			core_seterr(err, CORE_ERR_IO, "cannot write the profile "
			    "%s", store_dir(c->st));
			return (-1);
		}
		total += n;
	} while (n == CORE_READ_MAX);
	if (last != NULL) {
		last->cb = sent;
		last->arg = arg;
		core_outbox_go(c);
	}
	return (total);
}

/* Our other device read them: they are seen here too, without events. */
static int
receipts_mine(struct core *c, const Natter__Content *ct)
{
	const Natter__ReadReceipt	*rr = ct->read_receipt;
	size_t				 i;

	if (ct->to == NULL || !wire_name_valid(ct->to))
		return (0);
	for (i = 0; i < rr->n_message_ids; i++) {
		if (msglog_set_status(c->st, rr->message_ids[i].data,
		    CORE_IDBYTES, ct->to, STORE_ST_SEEN, NULL) == -1)
			return (-1);
	}
	return (0);
}

/* Check a receipt's shape: 1 to CORE_READ_MAX ids of CORE_IDBYTES. */
static int
receipts_valid(const Natter__ReadReceipt *rr)
{
	size_t	i;

	if (rr == NULL || rr->n_message_ids == 0 ||
	    rr->n_message_ids > CORE_READ_MAX)
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
receipts_apply(struct core *c, const Natter__Delivery *d,
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
	if (strcmp(d->from, c->name) == 0)
		return (receipts_mine(c, ct));
	rs = xcalloc(1, sizeof *rs);
	natter__stored_message__init(&rs->m);
	rs->ct = ct;
	rs->m.peer = rs->m.from = rs->m.by = d->from;
	rs->m.from_device = d->from_device;
	rs->m.ts = ct->ts;
	rs->m.status = STORE_ST_READ;
	for (i = 0; i < rr->n_message_ids && rc != -1; i++) {
		rc = msglog_set_status(c->st, rr->message_ids[i].data,
		    CORE_IDBYTES, d->from, STORE_ST_READ, &mseq);
		if (rc != 0)
			continue;	/* unknown, not ours, or already read */
		rs->m.message_id = rr->message_ids[i];
		rc = msglog_add(c->st, STORE_RECEIPT, STORE_ST_READ, &rs->m,
		    &rs->seqs[i]);
	}
	*seen = rs;
	return (rc == -1 ? -1 : 0);
}

/* After the delivery's commit (committed) or rollback: emit, free. */
void
receipts_done(struct core *c, struct receipts_seen *rs, int committed)
{
	const Natter__ReadReceipt	*rr;
	size_t				 i;

	if (rs == NULL)
		return;
	rr = rs->ct->read_receipt;
	for (i = 0; committed && i < rr->n_message_ids; i++) {
		if (rs->seqs[i] <= 0)
			continue;
		rs->m.message_id = rr->message_ids[i];
		core_emit_row(c, rs->seqs[i], STORE_RECEIPT, STORE_ST_READ,
		    &rs->m);
	}
	free(rs);
}
