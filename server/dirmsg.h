/* dirmsg: the Redis directory's text: its address and its messages. */
#ifndef NATTER_SERVER_DIRMSG_H
#define NATTER_SERVER_DIRMSG_H

#include <stddef.h>
#include <stdint.h>

#include "server/prekeys.h"

/*
 * What travels on the Redis directory's channels (directory_redis.c):
 * on a node's channel "wake A D [A D]..." (the devices of one commit
 * there: dirwake.h), "moved A D" and the node's own
 * heartbeat "ping"; on the shared one "A D" (dev:A:D changed); on the
 * lists' one "A" (account A's device list changed) or "all". A and D
 * are decimal, 0 to 2^32 - 1 (accounts are SQLite rowids, and
 * itab_key_pair wants them under 2^32), one space apart, nothing else:
 * anything else is DIRMSG_BAD, never a guess.
 *
 * Linking a device across nodes (linkdir.c) adds messages on a node's
 * channel, each starting with "link" (DIRMSG_LINK), FP being a link
 * offer's fingerprint in 32 lower-case hex digits and PAYLOAD a
 * LinkRelay's payload in hex (0 to 2048 digits):
 *   link FP PAYLOAD      to the node holding the offer: for its connection
 *   linkp A FP PAYLOAD   to the node of device 1 of account A: for it
 *   linked FP D NAME     to the node holding the offer: it is used, the
 *                        device is NAME/D
 *   linkgone FP          to the node holding the offer: it was made again
 *                        on another node; close this one
 *   linkdrop FP          to the node that looked the offer up: forget the
 *                        keys it copied, the offer is gone or looked up
 *                        elsewhere
 * A link offer's public keys travel in Redis as one binary string
 * (dirmsg_keys_encode): the identity key, the signed prekey's id (4
 * bytes, big-endian), key and signature, then each one-time prekey's id
 * and key. Decoders check every length and digit and refuse the rest.
 */

#define DIRMSG_HOSTMAX	256	/* a host, with its NUL */
#define DIRMSG_NODECHAN	"natter:node:"	/* then the node's name */
#define DIRMSG_FPBYTES	16	/* link.h's LINK_FPBYTES */
#define DIRMSG_PAYLOADMAX 1024	/* link.h's LINK_MAXPAYLOAD */
#define DIRMSG_NAMEMAX	64	/* an account's name, with its NUL */
/* The longest link message: "linkp A FP PAYLOAD". */
#define DIRMSG_LINKMAX	(16 + 2 * DIRMSG_FPBYTES + 2 * DIRMSG_PAYLOADMAX + \
			    DIRMSG_NAMEMAX)
#define DIRMSG_KEYBYTES	32	/* an identity key */
#define DIRMSG_KEYSHEAD	(DIRMSG_KEYBYTES + 4 + PREKEYS_KEYBYTES + \
			    PREKEYS_SIGBYTES)
#define DIRMSG_KEYSONE	(4 + PREKEYS_KEYBYTES)
#define DIRMSG_KEYSMAX	(DIRMSG_KEYSHEAD + PREKEYS_MAXUPLOAD * DIRMSG_KEYSONE)

enum dirmsg_kind {
	DIRMSG_BAD,
	DIRMSG_WAKE,
	DIRMSG_MOVED,
	DIRMSG_PING,
	DIRMSG_LINK		/* starts with "link": dirmsg_link_parse */
};

enum dirmsg_link_kind {
	DIRMSG_LINK_BAD,
	DIRMSG_LINK_RELAY,	/* link FP PAYLOAD */
	DIRMSG_LINK_PRIMARY,	/* linkp A FP PAYLOAD */
	DIRMSG_LINK_USED,	/* linked FP D NAME */
	DIRMSG_LINK_GONE,	/* linkgone FP */
	DIRMSG_LINK_DROP	/* linkdrop FP */
};

/* One link message, decoded. */
struct dirmsg_link {
	enum dirmsg_link_kind	 kind;
	uint8_t			 fp[DIRMSG_FPBYTES];
	int64_t			 account;		/* PRIMARY */
	uint32_t		 device;		/* USED */
	char			 name[DIRMSG_NAMEMAX];	/* USED */
	uint8_t			 payload[DIRMSG_PAYLOADMAX];
	size_t			 payloadlen;		/* RELAY, PRIMARY */
};

/* HOST (a name, or an IPv6 address in brackets, stored without them)
 * and PORT of redis://HOST:PORT into host[DIRMSG_HOSTMAX]: 0, or -1 if
 * where is anything else. */
int		 dirmsg_address(const char *where, char *host, int *port);
/* "A D" in s[0..len): 0 and the device, or -1. */
int		 dirmsg_device(const char *s, size_t len, int64_t *account,
		     uint32_t *device);
/* A message on the lists' channel, s[0..len): 0 and the account (-1 for
 * "all"), or -1. */
int		 dirmsg_list(const char *s, size_t len, int64_t *account);
/* "low A D N" on the lists' channel, s[0..len): device D of account A
 * has N one-time prekeys left (handle.c): 0 and the three, or -1. */
int		 dirmsg_low(const char *s, size_t len, int64_t *account,
		     uint32_t *device, uint32_t *count);
/* A message on a node's channel, s[0..len); the device is set for
 * DIRMSG_WAKE (its first one) and DIRMSG_MOVED. */
enum dirmsg_kind dirmsg_order(const char *s, size_t len, int64_t *account,
		     uint32_t *device);
/* The devices of a wake message (DIRMSG_WAKE), *p starting just past
 * "wake ": 1 with the next one and *p past it, 0 at end, -1 if the rest
 * is malformed (dirmsg_order has checked the whole list). */
int		 dirmsg_wake_next(const char **p, const char *end,
		     int64_t *account, uint32_t *device);

/* A link message s[0..len) into *m; its kind (also in m->kind), which is
 * DIRMSG_LINK_BAD for anything but the forms above. */
enum dirmsg_link_kind dirmsg_link_parse(const char *s, size_t len,
		     struct dirmsg_link *m);
/* "FP PAYLOAD" into buf[size]: its length, or 0 if it does not fit or
 * len > DIRMSG_PAYLOADMAX. The relay messages are this after "link " or
 * "linkp A " (which linkdir.c's scripts put in front). */
size_t		 dirmsg_link_tail(char *buf, size_t size,
		     const uint8_t fp[DIRMSG_FPBYTES], const uint8_t *payload,
		     size_t len);
/* "linked FP D NAME" into buf[size]: its length, or 0 if it does not
 * fit or NAME is not one word of 1 to DIRMSG_NAMEMAX - 1 characters. */
size_t		 dirmsg_link_used(char *buf, size_t size,
		     const uint8_t fp[DIRMSG_FPBYTES], uint32_t device,
		     const char *name);
/* "WORD FP" (WORD "linkgone" or "linkdrop") into buf[size]: its length,
 * or 0 if it does not fit. */
size_t		 dirmsg_link_fp(char *buf, size_t size, const char *word,
		     const uint8_t fp[DIRMSG_FPBYTES]);

/* An offer's public keys into buf[size] (DIRMSG_KEYSMAX is enough): the
 * length, or 0 if u has no signed prekey or too many one-time ones. */
size_t		 dirmsg_keys_encode(uint8_t *buf, size_t size,
		     const uint8_t ik[DIRMSG_KEYBYTES],
		     const struct prekeys_upload *u);
/* The reverse: 0 with ik and *u filled (u->opks is the caller's to
 * free), or -1 if buf[0..len) is not such a string. */
int		 dirmsg_keys_decode(const uint8_t *buf, size_t len,
		     uint8_t ik[DIRMSG_KEYBYTES], struct prekeys_upload *u);
/* "MS KEYS", a lookup's answer (linkdir.c): 0 with *ms (1 to 2^32 - 1)
 * and the keys' place in s, or -1. */
int		 dirmsg_link_found(const char *s, size_t len, int64_t *ms,
		     const char **keys, size_t *keyslen);

#endif
