/* receipts: read receipts: marking received messages read and queuing the encrypted receipt; applying the ones that arrive. */
#ifndef NATTER_CLIENT_CORE_RECEIPTS_H
#define NATTER_CLIENT_CORE_RECEIPTS_H

#include <stdint.h>

#include "client/core/core.h"
#include "shared/proto/content.pb-c.h"
#include "shared/proto/natter.pb-c.h"

struct account;
struct event_sink;
struct outbox;
struct receipts;
struct receipts_seen;
struct store;

struct receipts	*receipts_create(struct store *, struct account *,
		    struct outbox *, struct event_sink *);
void		 receipts_free(struct receipts *);

/*
 * Mark peer's received messages with seq in [from, to] (0: open) read,
 * and queue a read receipt per CORE_READ_MAX of them in the outbox (each
 * batch one commit); sent is called for the last one.  The count (0:
 * nothing to send; sent is never called), or -1 with err.  The caller
 * gets the outbox going.
 */
int	receipts_mark_read(struct receipts *, const char *peer, int64_t from,
	    int64_t to, core_sent_cb *sent, void *arg, struct core_error *err)
	    __attribute__((warn_unused_result));

/*
 * A read receipt from d's sender, inside the caller's transaction: each of
 * our messages to that sender it names rises to read and gets a receipt
 * row.  0 with *seen set (pass it to receipts_done), 1 if malformed, -1.
 */
int	receipts_apply(struct receipts *, const Natter__Delivery *,
	    const Natter__Content *, struct receipts_seen **);
/* After the delivery's commit (committed) or rollback: emit, free. */
void	receipts_done(struct receipts *, struct receipts_seen *, int committed);

#endif
