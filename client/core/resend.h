/* resend: a message a contact's device could not decrypt goes to that device again, once, over a new session. */
#ifndef NATTER_CLIENT_CORE_RESEND_H
#define NATTER_CLIENT_CORE_RESEND_H

#include <stddef.h>
#include <stdint.h>

struct account;
struct devices;
struct outbox;
struct peers;
struct resend;
struct store;

/*
 * natterd turns a device's Ack.undecryptable into an UNDECRYPTABLE receipt
 * to the sender's devices (natter-protocol(7)).  The sender then drops
 * its session with that device and queues the text again for that device
 * alone, under a new Send id (the content keeps the message's id, so the
 * recipient replaces its "could not be decrypted" row and no other device
 * sees it twice); the outbox starts a new session first.  A resend is
 * never resent: at most one retry per message and device.
 */
struct resend	*resend_create(struct store *, struct account *,
		    struct outbox *, struct peers *, struct devices *);
void		 resend_free(struct resend *);

/*
 * Inside the caller's transaction: message id of ours could not be
 * decrypted by (by, device).  1 if a resend was queued (kick the outbox
 * after the commit), 0 if there is nothing to resend, -1 on error.
 */
int		 resend_request(struct resend *, const char *by,
		    uint32_t device, const uint8_t *id, size_t idlen);

/*
 * The message a Send id stands for: the original id for a resend's id
 * (0, written to orig), or 1 if id is no resend.
 */
int		 resend_original(struct resend *, const uint8_t *id,
		    size_t idlen, uint8_t *orig, size_t origlen);

#endif
