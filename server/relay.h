/* relay: Send and Ack (relay.c, relayack.c): store, answer, deliver. */
#ifndef NATTER_SERVER_RELAY_H
#define NATTER_SERVER_RELAY_H

#include <stdint.h>

#include "shared/proto/natter.pb-c.h"

struct session;

#define RELAY_MAXENVELOPES	256	/* envelopes (and skipped) per Send */
#define RELAY_MAXACKS		1024	/* seqs per Ack */

/* Handle a Send / an Ack on an authenticated session. Return a Code; on OK
 * the answer has been queued. *why may be set to a detail. */
uint32_t	relay_send(struct session *, const Natter__Frame *,
		    const char **why);
uint32_t	relay_ack(struct session *, const Natter__Frame *,
		    const char **why);
/* Claim (s's device, message_id) for a send at now, before checking it
 * (Send, GroupSend): 0 claimed, 1 a resend, answered "stored" (with the
 * first one's time) to request id already, -1 a database error. */
int		relay_claim(struct session *, uint64_t id,
		    const uint8_t *message_id, int64_t now);
/* Forget the claim of a send that was refused; a failure stops
 * natterd (server_write_failed). */
void		relay_unclaim(struct session *, const uint8_t *message_id);
/* The row that a message (status 0) or receipt from s becomes, stored at
 * now; a message's envelope adds its type and content. */
struct queue_item;
void		relay_item(struct session *, const uint8_t *message_id,
		    uint32_t status, int64_t now, struct queue_item *);
/* Answer request id: OK, stored at ts. */
void		relay_stored(struct session *, uint64_t id, int64_t ts);
/* Hand row it, just queued by s for (account, device), to the device:
 * to its session if it is connected to this node, else through the
 * directory to the node that serves it, if any (directory.h). */
void		relay_deliver(struct session *, int64_t account,
		    uint32_t device, const struct queue_item *);

#endif
