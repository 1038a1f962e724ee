/* link: linking a new device: pending offers, lookups and relays. */
#ifndef NATTER_SERVER_LINK_H
#define NATTER_SERVER_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "shared/proto/natter.pb-c.h"

struct directory;
struct prekeys_upload;
struct session;

#define LINK_FPBYTES		16	/* SHA-256(identity key)[0..16] */
#define LINK_KEYBYTES		32
#define LINK_TTL_MS		(10 * 60 * 1000) /* an offer waits, default */
#define LINK_MAXOFFERS		1024	/* pending on this node */
#define LINK_MAXPAYLOAD		1024	/* bytes in one LinkRelay */
#define LINK_MAXRELAYS		16	/* LinkRelays for one offer */
#define LINK_LOOKUP_RATE	(5.0 / 60)	/* per account, a second */
#define LINK_LOOKUP_BURST	5

/* What UNKNOWN_USER says about a fingerprint with no offer. */
extern const char	link_none[];

/* The handlers of LinkOffer (a connection not logged in), LinkLookup
 * (device 1) and LinkRelay (either side). Each returns a Code; on OK the
 * answer is queued; *why may be set to a sentence for the client. */
uint32_t	link_offer(struct session *, const Natter__Frame *,
		    const char **why);
uint32_t	link_lookup(struct session *, const Natter__Frame *,
		    const char **why);
uint32_t	link_relay(struct session *, const Natter__Frame *,
		    const char **why);

/* The pending offer under fp that device 1 of account looked up: its
 * prekeys, and its identity key in *ik. NULL if there is none (never
 * made, expired, used, its connection gone) or another account looked
 * it up last. Both stay valid until the next call into link.c. */
const struct prekeys_upload *link_pending(const uint8_t fp[LINK_FPBYTES],
		    int64_t account, const uint8_t **ik);
/* Link offers cross nodes through d when it is a Redis directory and
 * requests run on fibers (linkdir.c); else they stay on this node. */
void		link_start(struct directory *d);
/* The offer under fp, looked up by device 1 of account, is used: its
 * connection hears Event.linked {name, device} and is under the login
 * timeout again; the offer is gone. An offer on another node hears it
 * once the list that used it is committed (linkdir.c). */
void		link_used(const uint8_t fp[LINK_FPBYTES], int64_t account,
		    const char *name, uint32_t device);
/* The connection s is closing or logged in: its offer, if any, is gone. */
void		link_forget(struct session *);
/* Close the connections of the offers expired at now (ms). */
void		link_expire(int64_t now);

#endif
