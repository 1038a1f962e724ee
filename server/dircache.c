/* dircache: a bounded cache of directory answers, device -> node.
 *
 * One itab from itab_key_pair(account, device) to a small number: 1 for
 * offline, 2 + i for names[i]. A ring remembers the order of insertion;
 * once it is full, each insertion evicts the entry the oldest slot names
 * (if that key was dropped and cached again since, the newer entry goes
 * early: a cache may forget, and the count stays under cap).
 *
 * The tickets: one counter per bucket of keys, bumped by a drop of any
 * key of the bucket, plus one bumped by a clear. A ticket is their sum,
 * which only grows, so an unchanged sum means no drop and no clear. */
#include <stdlib.h>
#include <string.h>

#include "server/dircache.h"
#include "server/itab.h"
#include "shared/util/xmalloc.h"

#define DIRCACHE_BUCKETS	256	/* ticket counters */
#define DIRCACHE_OFFLINE_VALUE	1

struct dircache {
	struct itab	*table;
	uint64_t	*ring;		/* [cap] keys, in insertion order */
	size_t		 cap, head, filled;
	char		*names[DIRCACHE_NAMES];
	size_t		 nnames;
	uint64_t	 drops[DIRCACHE_BUCKETS];
	uint64_t	 clears;
};

struct dircache *
dircache_create(size_t cap)
{
	struct dircache	*c = xcalloc(1, sizeof *c);

	if (cap == 0)
		cap = 1;
	c->table = itab_create();
	c->ring = xreallocarray(NULL, cap, sizeof *c->ring);
	c->cap = cap;
	return (c);
}

/* Names are freed only with every entry that could point at them. */
static void
dircache_free_names(struct dircache *c)
{
	size_t	i;

	for (i = 0; i < c->nnames; i++)
		free(c->names[i]);
	c->nnames = 0;
}

void
dircache_free(struct dircache *c)
{
	if (c == NULL)
		return;
	dircache_free_names(c);
	itab_free(c->table);
	free(c->ring);
	free(c);
}

static size_t
dircache_bucket(uint64_t key)
{
	/* Fibonacci hashing: the top byte of key times 2^64 / phi. */
	return ((size_t)((key * 0x9e3779b97f4a7c15ULL) >> 56));
}

enum dircache_answer
dircache_get(const struct dircache *c, int64_t account, uint32_t device,
    const char **node)
{
	uint64_t	v;

	if (!itab_get(c->table, itab_key_pair(account, device), &v))
		return (DIRCACHE_MISS);
	if (v == DIRCACHE_OFFLINE_VALUE)
		return (DIRCACHE_OFFLINE);
	*node = c->names[v - 2];
	return (DIRCACHE_NODE);
}

uint64_t
dircache_ticket(const struct dircache *c, int64_t account, uint32_t device)
{
	return (c->clears +
	    c->drops[dircache_bucket(itab_key_pair(account, device))]);
}

/* The value that stands for node: 2 + its index, added if new. When
 * DIRCACHE_NAMES others are kept (nodes come and go under new names),
 * start over: clear, then add it. */
static uint64_t
dircache_name(struct dircache *c, const char *node)
{
	size_t	i;

	for (i = 0; i < c->nnames; i++) {
		if (strcmp(c->names[i], node) == 0)
			return (2 + i);
	}
	if (c->nnames == DIRCACHE_NAMES)
		dircache_clear(c);
	c->names[c->nnames] = xstrdup(node);
	return (2 + c->nnames++);
}

int
dircache_put(struct dircache *c, uint64_t ticket, int64_t account,
    uint32_t device, const char *node)
{
	uint64_t	key = itab_key_pair(account, device), v;

	if (dircache_ticket(c, account, device) != ticket)
		return (0);
	v = node != NULL ? dircache_name(c, node) : DIRCACHE_OFFLINE_VALUE;
	if (c->filled == c->cap)
		itab_del(c->table, c->ring[c->head]);
	else
		c->filled++;
	c->ring[c->head] = key;
	c->head = (c->head + 1) % c->cap;
	itab_put(c->table, key, v);
	return (1);
}

void
dircache_drop(struct dircache *c, int64_t account, uint32_t device)
{
	uint64_t	key = itab_key_pair(account, device);

	c->drops[dircache_bucket(key)]++;
	itab_del(c->table, key);
}

void
dircache_clear(struct dircache *c)
{
	c->clears++;
	itab_clear(c->table);
	c->head = c->filled = 0;
	dircache_free_names(c);
}

size_t
dircache_count(const struct dircache *c)
{
	return (itab_count(c->table));
}
