/* relayack: Ack: delete the acked rows, queue their receipts.
 *
 * An Ack names the rows a device has read. They are deleted together
 * (queue_ack_many), and each message among them gets a receipt for every
 * device of its sender, queued together (queue_push_each): with
 * PostgreSQL that is two statements for the whole Ack, however many rows
 * it names, where it was two per row. A group message's receipts are
 * gathered per commit instead (grouprcpt.c). Like Send (relay.c), an Ack
 * runs without a savepoint: a write that fails stops natterd, or with
 * PostgreSQL fails the turn (server_write_failed). */
#include <stdlib.h>
#include <string.h>

#include "server/accounts.h"
#include "server/grouprcpt.h"
#include "server/metrics.h"
#include "server/queue.h"
#include "server/relay.h"
#include "server/server.h"
#include "server/session.h"
#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"

#define C(x)	NATTER__CODE__##x
#define RELAYACK_DELIVERED	1	/* Receipt.status */
#define RELAYACK_UNDECRYPTABLE	2
#define RELAYACK_GROUP_CHANGE	4	/* Delivery.type */

/* The receipts of one Ack: a row for each device of each sender. */
struct relayack_receipts {
	struct queue_dest	*d;
	size_t			 n, cap;
};

/* Receipts (status) about acked for every device of its sender. */
static int
relayack_receipt(struct session *s, struct relayack_receipts *r,
    const struct queue_item *acked, uint32_t status)
{
	uint32_t	devs[ACCOUNTS_MAXDEVICES];
	size_t		n, i;

	if (accounts_devices(session_db(s), acked->from_account, devs,
	    ACCOUNTS_MAXDEVICES, &n) != 0)
		return (-1);
	for (i = 0; i < n; i++) {
		if (r->n == r->cap) {
			r->cap = r->cap == 0 ? 16 : 2 * r->cap;
			r->d = xreallocarray(r->d, r->cap, sizeof *r->d);
		}
		r->d[r->n].account = acked->from_account;
		r->d[r->n].device = devs[i];
		r->d[r->n].message_id = acked->message_id;
		r->d[r->n].status = status;
		r->d[r->n++].seq = 0;
	}
	return (0);
}

/* Queue the receipts, then hand each to its device. */
static void
relayack_send_receipts(struct session *s, struct relayack_receipts *r)
{
	static const uint8_t	no_id[QUEUE_IDBYTES];	/* each has its own */
	struct queue_item	by, it;
	int64_t			now = time_now_ms();
	size_t			i;

	if (r->n == 0)
		return;
	relay_item(s, no_id, 0, now, &by);
	if (queue_push_each(session_db(s), &by, now + session_ttl_ms(s), r->d,
	    r->n) != 0)
		server_write_failed("a receipt");
	metrics_add(METRICS_RECEIPTS_STORED, r->n);
	for (i = 0; i < r->n; i++) {
		it = by;
		memcpy(it.message_id, r->d[i].message_id, QUEUE_IDBYTES);
		it.status = r->d[i].status;
		it.seq = r->d[i].seq;
		relay_deliver(s, r->d[i].account, r->d[i].device, &it);
	}
}

/* A group message's receipt: gathered with the other acks of this
 * commit into one row per sender device (grouprcpt.c). */
static void
relayack_group_receipt(struct session *s, const struct queue_item *acked,
    uint32_t status)
{
	struct queue_item	by;
	int64_t			now = time_now_ms();

	relay_item(s, acked->message_id, status, now, &by);
	grouprcpt_add(acked, status, &by, session_directory(s),
	    now + session_ttl_ms(s));
}

/* Row it, acked and deleted: a message gets its receipts (status). */
static void
relayack_acked(struct session *s, struct relayack_receipts *r,
    const struct queue_item *it, uint32_t status)
{
	session_acked(s, it->seq);
	/* A receipt, or a group change (from natterd): no receipt. */
	if (it->status != 0 ||
	    (it->body != 0 && it->type == RELAYACK_GROUP_CHANGE))
		return;
	metrics_add(METRICS_MESSAGES_DELIVERED, 1);
	if (it->from_account == session_account(s))
		return;	/* a copy from our own device */
	if (it->body != 0)
		relayack_group_receipt(s, it, status);
	else if (relayack_receipt(s, r, it, status) != 0)
		server_write_failed("a receipt");
}

uint32_t
relay_ack(struct session *s, const Natter__Frame *f, const char **why)
{
	const Natter__Ack		*a = f->ack;
	struct relayack_receipts	 r = { NULL, 0, 0 };
	struct queue_acked		*acks;
	size_t				 n = a->n_seqs + a->n_undecryptable, i;

	if (n > RELAY_MAXACKS)
		return (C(TOO_LARGE));
	acks = xcalloc(n + 1, sizeof *acks);
	for (i = 0; i < n; i++) {
		acks[i].seq = i < a->n_seqs ? a->seqs[i] :
		    a->undecryptable[i - a->n_seqs];
		acks[i].recalled = session_recall(s, acks[i].seq,
		    &acks[i].item);
	}
	if (queue_ack_many(session_db(s), session_account(s),
	    session_device(s), acks, n) != 0)
		server_write_failed("an ack");
	for (i = 0; i < n; i++) {
		if (acks[i].found)
			relayack_acked(s, &r, &acks[i].item, i < a->n_seqs ?
			    RELAYACK_DELIVERED : RELAYACK_UNDECRYPTABLE);
	}
	relayack_send_receipts(s, &r);
	free(r.d);
	free(acks);
	if (f->id != 0)
		relay_stored(s, f->id, time_now_ms());
	session_pump(s);
	return (C(OK));
}
