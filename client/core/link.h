/* link: linked devices: offering this device to an account, approving one on the primary, removing one, publishing the signed list. */
#ifndef NATTER_CLIENT_CORE_LINK_H
#define NATTER_CLIENT_CORE_LINK_H

#include <stdint.h>

#include "client/core/core.h"
#include "shared/proto/natter.pb-c.h"

struct account;
struct conn;
struct devices;
struct link;
struct store;
struct uv_loop_s;

/*
 * The handshake (CRYPTO.md "Linked devices", natter-protocol(7)):
 *   new device: LinkOffer (its keys); shows the code (fingerprint of its
 *     identity key and a 32-byte secret), waits;
 *   primary: LinkLookup by the code's fingerprint, checks the key against
 *     the code, sends the approval (signed, MACed with the secret) through
 *     LinkRelay;
 *   new device: opens it (MAC, signature), countersigns, relays back (with
 *     its label);
 *   primary: checks the countersignature, publishes the list with the new
 *     device; the server makes the device and tells it (Linked).
 */
#define LINK_MAX_DEVICES	5	/* the primary and four more */
#define LINK_LABEL_MAX		64
#define LINK_TIMEOUT_S		600	/* a code is good for 10 minutes */

struct transfer;
struct link	*link_create(struct uv_loop_s *, struct core *, struct store *,
		    struct account *, struct conn *, struct devices *,
		    struct transfer *);
void		 link_free(struct link *);

/* New device: offer; code_cb gets the code once the server holds it. */
void		 link_offer(struct link *, const char *label, int timeout_s,
		    core_link_code_cb *, core_linked_cb *, void *arg);
/* Primary: approve the device showing code; progress: the history. */
void		 link_approve(struct link *, const char *code,
		    core_event_cb *progress, core_approved_cb *, void *arg);
/* Primary: remove device. */
void		 link_remove(struct link *, uint32_t device, core_done_cb *,
		    void *arg);

/* 1 if no link or removal is in progress. */
int		 link_idle(struct link *);

/* The label kept for device of our account (NULL if none); freed by caller. */
char		*link_label(struct link *, uint32_t device, int64_t *added);

/* Connection ready / server events for linking / connection gone. */
void		 link_kick(struct link *);
void		 link_relay(struct link *, const Natter__LinkRelay *);
void		 link_linked(struct link *, const Natter__Linked *);
void		 link_fail_all(struct link *, const struct core_error *);

#endif
