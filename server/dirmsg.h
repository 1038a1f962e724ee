/* dirmsg: the Redis directory's text: its address and its messages. */
#ifndef NATTER_SERVER_DIRMSG_H
#define NATTER_SERVER_DIRMSG_H

#include <stddef.h>
#include <stdint.h>

/*
 * What travels on the Redis directory's channels (directory_redis.c):
 * on a node's channel "wake A D", "moved A D" and the node's own
 * heartbeat "ping"; on the shared one "A D" (dev:A:D changed); on the
 * lists' one "A" (account A's device list changed) or "all". A and D
 * are decimal, 0 to 2^32 - 1 (accounts are SQLite rowids, and
 * itab_key_pair wants them under 2^32), one space apart, nothing else:
 * anything else is DIRMSG_BAD, never a guess.
 */

#define DIRMSG_HOSTMAX	256	/* a host, with its NUL */

enum dirmsg_kind {
	DIRMSG_BAD,
	DIRMSG_WAKE,
	DIRMSG_MOVED,
	DIRMSG_PING
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
/* A message on a node's channel, s[0..len); the device is set for
 * DIRMSG_WAKE and DIRMSG_MOVED. */
enum dirmsg_kind dirmsg_order(const char *s, size_t len, int64_t *account,
		     uint32_t *device);

#endif
