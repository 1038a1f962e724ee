/* itab: an open-addressing hash table from 64-bit keys to 64-bit values.
 *
 * Linear probing over a power-of-two array kept at most half full;
 * deletion shifts the following cluster back, so there are no tombstones. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "server/itab.h"
#include "shared/util/xmalloc.h"

struct itab_slot {
	uint64_t	key;
	uint64_t	value;
	int		used;
};

struct itab {
	struct itab_slot	*slots;
	size_t			 cap;	/* power of two */
	size_t			 n;
};

static size_t
itab_hash(uint64_t key, size_t cap)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	return ((size_t)key & (cap - 1));
}

struct itab *
itab_create(void)
{
	struct itab	*t = xcalloc(1, sizeof *t);

	t->cap = 64;
	t->slots = xcalloc(t->cap, sizeof *t->slots);
	return (t);
}

void
itab_free(struct itab *t)
{
	if (t == NULL)
		return;
	free(t->slots);
	free(t);
}

static struct itab_slot *
itab_find(const struct itab *t, uint64_t key)
{
	size_t	i = itab_hash(key, t->cap);

	while (t->slots[i].used) {
		if (t->slots[i].key == key)
			return (&t->slots[i]);
		i = (i + 1) & (t->cap - 1);
	}
	return (&t->slots[i]);
}

int
itab_get(const struct itab *t, uint64_t key, uint64_t *value)
{
	struct itab_slot	*s = itab_find(t, key);

	if (!s->used)
		return (0);
	*value = s->value;
	return (1);
}

static void
itab_grow(struct itab *t)
{
	struct itab_slot	*old = t->slots, *s;
	size_t			 oldcap = t->cap, i;

	t->cap *= 2;
	t->slots = xcalloc(t->cap, sizeof *t->slots);
	for (i = 0; i < oldcap; i++) {
		if (!old[i].used)
			continue;
		s = itab_find(t, old[i].key);
		*s = old[i];
	}
	free(old);
}

void
itab_put(struct itab *t, uint64_t key, uint64_t value)
{
	struct itab_slot	*s;

	if ((t->n + 1) * 2 > t->cap)
		itab_grow(t);
	s = itab_find(t, key);
	if (!s->used) {
		s->used = 1;
		s->key = key;
		t->n++;
	}
	s->value = value;
}

void
itab_del(struct itab *t, uint64_t key)
{
	struct itab_slot	*s = itab_find(t, key);
	size_t			 i, j, h;

	if (!s->used)
		return;
	i = (size_t)(s - t->slots);
	t->slots[i].used = 0;
	t->n--;
	/* Move back any entry of the cluster that can no longer be found. */
	for (j = (i + 1) & (t->cap - 1); t->slots[j].used;
	    j = (j + 1) & (t->cap - 1)) {
		h = itab_hash(t->slots[j].key, t->cap);
		if ((j > i && (h <= i || h > j)) ||
		    (j < i && (h <= i && h > j))) {
			t->slots[i] = t->slots[j];
			t->slots[j].used = 0;
			i = j;
		}
	}
}

void
itab_foreach(const struct itab *t, void (*fn)(uint64_t, uint64_t, void *),
    void *arg)
{
	size_t	i;

	for (i = 0; i < t->cap; i++) {
		if (t->slots[i].used)
			fn(t->slots[i].key, t->slots[i].value, arg);
	}
}

void
itab_clear(struct itab *t)
{
	memset(t->slots, 0, t->cap * sizeof *t->slots);
	t->n = 0;
}

size_t
itab_count(const struct itab *t)
{
	return (t->n);
}

uint64_t
itab_key_bytes(const void *p, size_t len)
{
	const uint8_t	*b = p;
	uint64_t	 h = 0xcbf29ce484222325ULL;
	size_t		 i;

	for (i = 0; i < len; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return (h);
}

uint64_t
itab_key_words(const uint64_t *w, size_t n)
{
	uint64_t	h = 0xcbf29ce484222325ULL;
	size_t		i;

	/* A multiply and a shift per word, then murmur3's finalizer:
	 * three ids cost a few cycles, not FNV's 24 dependent multiplies,
	 * and these keys are made on every delivery and ack. */
	for (i = 0; i < n; i++) {
		h = (h ^ w[i]) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 32;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return (h);
}

uint64_t
itab_key_pair(int64_t a, uint32_t b)
{
	assert(a >= 0 && a <= (int64_t)UINT32_MAX);
	return ((uint64_t)a << 32 | b);
}
