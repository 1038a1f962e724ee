/* queue: per-device FIFO of messages and receipts, idempotent sends, TTL. */
#ifndef NATTER_SERVER_QUEUE_H
#define NATTER_SERVER_QUEUE_H

#include <stddef.h>
#include <stdint.h>

struct db;

#define QUEUE_IDBYTES	16
#define QUEUE_MAXDEPTH	100000	/* rows per device before QUEUE_FULL */
#define QUEUE_MAXSHARE	25000	/* messages from one sender account */

/* One queued row. For a receipt, from/from_device is the device that
 * acknowledged the message, message_id the message's, and status the
 * receipt status (1 delivered); for a message status is 0. A row of a
 * group (body not 0) is a reference to its body (bodies.h), stored
 * once: the reference (table group_refs) holds only its device, seq and
 * body, and fetch fills in the rest from the body, with the group's
 * id. One device's rows and references share one sequence of seqs. */
struct queue_item {
	uint64_t	 seq;
	int64_t		 from_account;
	char		 from[33];
	uint32_t	 from_device;
	uint8_t		 message_id[QUEUE_IDBYTES];
	uint32_t	 type;
	uint8_t		*content;	/* push: borrowed; fetch: owned */
	size_t		 content_len;
	int64_t		 server_ts;
	uint32_t	 status;
	int64_t		 body;		/* 0: none */
	uint8_t		 group[QUEUE_IDBYTES];	/* with a body */
};

/* Append item (not a reference: body 0) for (account, device), expiring
 * at expires (ms). Sets *seq when seq is not NULL: with PostgreSQL to 0,
 * since the row is not waited for (queue_pg.c). 0 or -1. */
int	queue_push(struct db *, int64_t account, uint32_t device,
	    const struct queue_item *, int64_t expires, uint64_t *seq);

/* One of several rows that differ only in where they go, and, for
 * receipts, what they are about (queue_push_each). */
struct queue_dest {
	int64_t		 account;
	uint32_t	 device;
	const uint8_t	*message_id;	/* QUEUE_IDBYTES; NULL: the item's */
	uint32_t	 status;	/* with message_id: the row's status */
	uint64_t	 seq;		/* set as by queue_push */
};
/* Append item to each device of d[0..n) as queue_push would one by one,
 * but for d[i]'s message_id and status; with PostgreSQL, in one
 * statement. 0 or -1. */
int	queue_push_each(struct db *, const struct queue_item *,
	    int64_t expires, struct queue_dest *d, size_t n);

/* A device that a body goes to, and the seq its reference got. */
struct queue_ref {
	int64_t		account;
	uint32_t	device;
	uint64_t	seq;		/* set by queue_push_refs (0 with
					 * PostgreSQL: queue_push) */
};
/* Append a reference to it->body (bodies_put; it describes the body:
 * it->from_account is its sender's), expiring with it at expires, for
 * each of refs[0..n), setting their seqs, which follow each other. 0 or
 * -1. */
int	queue_push_refs(struct db *, const struct queue_item *it,
	    int64_t expires, struct queue_ref *refs, size_t n);
/* Rows queued for the device: 0 or -1. */
int	queue_depth(struct db *, int64_t account, uint32_t device,
	    uint64_t *depth);
/* The depths of n devices (accts[i], devs[i]) as queue_depth gives
 * them, read at once (one statement with PostgreSQL): 0 or -1. */
int	queue_depths_of(struct db *, const int64_t *accts,
	    const uint32_t *devs, size_t n, uint64_t *depths);
/* The messages (not receipts) from sender account from queued for the
 * device: 0 or -1. */
int	queue_share(struct db *, int64_t account, uint32_t device,
	    int64_t from, uint64_t *n);
/* All rows queued: 0 or -1. */
int	queue_total(struct db *, uint64_t *total);
/* Up to max unexpired rows with seq > after, in order, into items; *n is
 * set. Free the contents with queue_items_clear. 0 or -1. */
int	queue_fetch(struct db *, int64_t account, uint32_t device,
	    uint64_t after, int64_t now, struct queue_item *items, size_t max,
	    size_t *n);
/* Up to max unexpired rows from the queue's head, in order, but none of
 * skip[0..nskip) (rows in flight): how a shared store is read, where a
 * row may commit after a higher seq was handed out. 0 or -1. */
int	queue_fetch_except(struct db *, int64_t account, uint32_t device,
	    int64_t now, const uint64_t *skip, size_t nskip,
	    struct queue_item *items, size_t max, size_t *n);
void	queue_items_clear(struct queue_item *, size_t n);
/* Delete the device's row seq, describing it in *out (content not
 * loaded); a body loses the reference. 0 deleted, 1 no such row, -1
 * error. */
int	queue_ack(struct db *, int64_t account, uint32_t device, uint64_t seq,
	    struct queue_item *out);
/* Delete the device's row it->seq when the caller knows what it held
 * (it->from_account, it->status, it->body): 0 deleted, 1 no such row,
 * -1 error. */
int	queue_delete(struct db *, int64_t account, uint32_t device,
	    const struct queue_item *it);
/* One row an Ack names, for queue_ack_many. */
struct queue_acked {
	uint64_t		seq;
	int			recalled;	/* item describes it already */
	int			found;		/* set: it was queued; gone now */
	struct queue_item	item;		/* the row (content not loaded) */
};
/* Delete the device's rows acks[0..n) name, as queue_delete (recalled)
 * or queue_ack would one by one, in one statement where the store takes
 * a list: 0 with each found set (and its item, when found), or -1. A
 * seq named twice is found once. */
int	queue_ack_many(struct db *, int64_t account, uint32_t device,
	    struct queue_acked *acks, size_t n);
/* Delete every row queued for the device (it was removed), and its
 * references to bodies: 0 or -1. */
int	queue_forget(struct db *, int64_t account, uint32_t device);
/* Delete rows, bodies and send records expired at now (ms); *purged
 * rows. */
int	queue_purge(struct db *, int64_t now, uint64_t *purged);

/* Idempotency: was (account, device, message_id) stored already? 0 yes
 * (*server_ts set), 1 no, -1 error. */
int	queue_sent_lookup(struct db *, int64_t account, uint32_t device,
	    const uint8_t id[QUEUE_IDBYTES], int64_t *server_ts);
/* Remember a stored send until expires. 0 or -1. */
int	queue_sent_record(struct db *, int64_t account, uint32_t device,
	    const uint8_t id[QUEUE_IDBYTES], int64_t server_ts, int64_t expires);

/* Record like queue_sent_record in one statement: 0 recorded now, 1 it
 * was recorded before (a resend), -1 error. */
int	queue_sent_claim(struct db *, int64_t account, uint32_t device,
	    const uint8_t id[QUEUE_IDBYTES], int64_t server_ts, int64_t expires);
/* A claim of (account, device, id), stored at server_ts, kept until
 * expires. */
struct queue_claim {
	int64_t		 account;
	uint32_t	 device;
	const uint8_t	*id;
	int64_t		 server_ts, expires;
};
/* queue_sent_claim, and when it claims, the depths of n devices as
 * queue_depths_of gives them: on PostgreSQL one round trip. 0 claimed
 * (depths set), 1 claimed before (depths not read), -1 error. */
int	queue_sent_claim_depths(struct db *, const struct queue_claim *,
	    const int64_t *accts, const uint32_t *devs, size_t n,
	    uint64_t *depths);
/* Undo a claim whose send was refused. 0 or -1. */
int	queue_sent_forget(struct db *, int64_t account, uint32_t device,
	    const uint8_t id[QUEUE_IDBYTES]);

#endif
