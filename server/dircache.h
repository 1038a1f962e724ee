/* dircache: a bounded cache of directory answers, device -> node. */
#ifndef NATTER_SERVER_DIRCACHE_H
#define NATTER_SERVER_DIRCACHE_H

#include <stddef.h>
#include <stdint.h>

/*
 * A node that asks a shared directory where a device is keeps the answer
 * until it is told the entry changed (dircache_drop), never for a time.
 * Answers are "offline" or a node's name; names are few (one per node),
 * so each is kept once and an entry is a small number.
 *
 * An answer read over one connection and a change announced over another
 * can cross: the change (drop) arrives first, then the older answer.
 * So a lookup takes a ticket before it asks, and dircache_put keeps the
 * answer only if nothing dropped that device (or cleared the cache)
 * since the ticket was taken.
 *
 * Accounts are 0 to 2^32 - 1 (itab_key_pair).
 */

#define DIRCACHE_NAMES	64	/* distinct node names kept */

enum dircache_answer {
	DIRCACHE_MISS,		/* not cached */
	DIRCACHE_OFFLINE,	/* no node serves it */
	DIRCACHE_NODE		/* *node serves it */
};

struct dircache;

/* A cache of at most cap entries (cap >= 1); past it, the oldest
 * insertions are evicted first. Never NULL. */
struct dircache		*dircache_create(size_t cap);
/* NULL is a no-op. */
void			 dircache_free(struct dircache *);
/* What the cache says about (account, device); for DIRCACHE_NODE, *node
 * is the name, valid until the next call that changes the cache. */
enum dircache_answer	 dircache_get(const struct dircache *,
			     int64_t account, uint32_t device,
			     const char **node);
/* A ticket for a lookup of (account, device) about to be asked. */
uint64_t		 dircache_ticket(const struct dircache *,
			     int64_t account, uint32_t device);
/* Keep the answer (node, or NULL for offline) unless (account, device)
 * was dropped or the cache cleared since ticket: 1 kept, 0 not. A name
 * past DIRCACHE_NAMES others clears the cache first. */
int			 dircache_put(struct dircache *, uint64_t ticket,
			     int64_t account, uint32_t device,
			     const char *node);
/* (account, device) changed: forget what was cached about it. */
void			 dircache_drop(struct dircache *, int64_t account,
			     uint32_t device);
/* Forget everything (changes may have been missed). */
void			 dircache_clear(struct dircache *);
size_t			 dircache_count(const struct dircache *);

#endif
