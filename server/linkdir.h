/* linkdir: link offers across nodes, through the Redis directory. */
#ifndef NATTER_SERVER_LINKDIR_H
#define NATTER_SERVER_LINKDIR_H

#include <stddef.h>
#include <stdint.h>

#include "server/dirmsg.h"

struct directory;
struct prekeys_upload;

/* What the other nodes ask of link.c here; called on the loop thread. */
struct linkdir_hooks {
	/* A relay for the connection that made the offer fp. */
	void	(*relay)(const uint8_t fp[DIRMSG_FPBYTES],
		    const uint8_t *payload, size_t len);
	/* A relay for device 1 of account, from the offer fp's device. */
	void	(*primary)(int64_t account, const uint8_t fp[DIRMSG_FPBYTES],
		    const uint8_t *payload, size_t len);
	/* The offer fp was used: its device is name/device. */
	void	(*used)(const uint8_t fp[DIRMSG_FPBYTES], const char *name,
		    uint32_t device);
	/* The offer fp was made again on another node. */
	void	(*gone)(const uint8_t fp[DIRMSG_FPBYTES]);
};

/* The bounds link.c keeps, kept across nodes too. */
struct linkdir_limits {
	size_t		maxoffers;	/* copies of offers kept here */
	unsigned	maxrelays;	/* relays per offer */
};

/* Start with d, or stop and let go of everything (d NULL). On only when
 * d can run scripts and requests run on fibers (a shared store): a
 * lookup or relay waits for Redis' answer. */
void		 linkdir_start(struct directory *d,
		     const struct linkdir_hooks *, const struct linkdir_limits *);
/* 1 when linking crosses nodes. */
int		 linkdir_on(void);
/* directory_hooks.link: a link message s[0..len) on this node's channel. */
void		 linkdir_message(const char *s, size_t len);

/* This node took the offer fp (ik and keys, expiring in ttl_ms): say
 * so in Redis. 0, or -1 if the directory is down (the offer then stays
 * on this node). */
int		 linkdir_offer(const uint8_t fp[DIRMSG_FPBYTES],
		     const uint8_t ik[DIRMSG_KEYBYTES],
		     const struct prekeys_upload *keys, int64_t ttl_ms);
/* The offer fp this node took ended (used, closed, expired). */
void		 linkdir_ended(const uint8_t fp[DIRMSG_FPBYTES]);

/*
 * On a request's fiber; each waits for Redis and returns a Code, with
 * *why set to a sentence on failure.
 *
 * linkdir_lookup: device 1 of account looks the offer fp up; on OK its
 * identity key is in ik, and its keys stay here for linkdir_pending.
 * linkdir_relay_primary: that device 1 relays payload to the offer's
 * connection. linkdir_relay_new: the offer's own connection (on this
 * node) relays payload to the device 1 that looked it up.
 */
uint32_t	 linkdir_lookup(const uint8_t fp[DIRMSG_FPBYTES],
		     int64_t account, uint8_t ik[DIRMSG_KEYBYTES],
		     const char **why);
uint32_t	 linkdir_relay_primary(const uint8_t fp[DIRMSG_FPBYTES],
		     int64_t account, const uint8_t *payload, size_t len,
		     const char **why);
uint32_t	 linkdir_relay_new(const uint8_t fp[DIRMSG_FPBYTES],
		     const uint8_t *payload, size_t len, const char **why);

/* The keys of the offer fp that device 1 of account looked up through
 * linkdir_lookup, and its identity key in *ik; NULL if none. Valid until
 * the next call into linkdir.c. */
const struct prekeys_upload *linkdir_pending(const uint8_t fp[DIRMSG_FPBYTES],
		     int64_t account, const uint8_t **ik);
/* Device 1 of account published a list that uses the offer fp, with
 * the keys linkdir_pending gave: they are forgotten and, unless here
 * (the offer is on this node, whose link.c tells its connection), once
 * the list is committed the offer's node tells its connection it is
 * name/device, if Redis still says account looked it up. 0 when off. */
int		 linkdir_used(const uint8_t fp[DIRMSG_FPBYTES], int64_t account,
		     const char *name, uint32_t device, int here);
/* More is durable (durable.h): send what waited for it. */
void		 linkdir_release(void);
/* Drop the copies of offers expired at now (ms). */
void		 linkdir_expire(int64_t now);

#endif
