/* inbox: receiving: decrypt, dedup, commit message (or receipt) + session + ack bookkeeping together, then ack. */
#ifndef NATTER_CLIENT_CORE_INBOX_H
#define NATTER_CLIENT_CORE_INBOX_H

#include "shared/proto/natter.pb-c.h"

struct account;
struct conn;
struct devices;
struct grouprecv;
struct event_sink;
struct inbox;
struct leave;
struct outbox;
struct peers;
struct prekeys;
struct receipts;
struct resend;
struct store;
struct transfer;

/* What the inbox works with (the core's modules). */
struct inbox_parts {
	struct store		*st;
	struct account		*acct;
	struct conn		*cn;
	struct devices		*devs;
	struct peers		*peers;
	struct prekeys		*pk;
	struct receipts		*rcpt;
	struct transfer		*tr;
	struct leave		*leave;
	struct resend		*rs;
	struct outbox		*ob;
	struct files		*files;
	struct grouprecv	*gr;
	struct event_sink	*ev;
};

struct inbox	*inbox_create(const struct inbox_parts *);
void		 inbox_free(struct inbox *);
/* Something the drained event waits for is over (a leave published). */
void		 inbox_recheck(struct inbox *);

/*
 * A Deliver frame: each item not seen before is decrypted and committed
 * (message or receipt, new session state, its sequence number) in one
 * transaction, then everything durably recorded is acked in one Ack.
 * A message from a device its account's signed list does not (yet) show
 * waits, with everything after it, until that account is looked up; if
 * the device is still not listed then, the message is dropped and told.
 */
void	inbox_deliver(struct inbox *, const Natter__Deliver *);
/*
 * The connection is gone: forget what waits (the server delivers what was
 * not acked again).
 */
void	inbox_reset(struct inbox *);
/* Signed in: prekeys made earlier and not uploaded go up (SPK rotation). */
void	inbox_ready(struct inbox *);
/* A server event: prekeys low, backlog drained, device list changed. */
void	inbox_event(struct inbox *, const Natter__Event *);

#endif
