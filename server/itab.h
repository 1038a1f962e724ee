/* itab: an open-addressing hash table from 64-bit keys to 64-bit values.
 *
 * natterd's one hash table: the queue depths, the account caches, the
 * connections per peer address and the sessions connected to this node
 * all keep it. Values are numbers or pointers (uintptr_t); the table owns
 * neither. */
#ifndef NATTER_SERVER_ITAB_H
#define NATTER_SERVER_ITAB_H

#include <stddef.h>
#include <stdint.h>

struct itab;

/* An empty table; never NULL (x-allocators). */
struct itab	*itab_create(void);
/* Free the table (values are not freed). NULL is a no-op. */
void		 itab_free(struct itab *);
/* 1 and *value if key is present, else 0. */
int		 itab_get(const struct itab *, uint64_t key, uint64_t *value);
/* Insert or replace. */
void		 itab_put(struct itab *, uint64_t key, uint64_t value);
/* Remove key if present. */
void		 itab_del(struct itab *, uint64_t key);
/* Call fn for each entry (the table must not change meanwhile). */
void		 itab_foreach(const struct itab *,
		     void (*fn)(uint64_t key, uint64_t value, void *), void *);
/* Remove every entry. */
void		 itab_clear(struct itab *);
/* Entries in the table. */
size_t		 itab_count(const struct itab *);

/* The key of len bytes at p (FNV-1a). Different bytes may share a key: a
 * caller that must tell them apart keeps them in the value and compares. */
uint64_t	 itab_key_bytes(const void *p, size_t len);
/* The key of n 64-bit words: itab_key_bytes's contract, for keys made of
 * numbers, mixed a word (not a byte) at a time. */
uint64_t	 itab_key_words(const uint64_t *w, size_t n);
/* The key of the pair (a, b), one for each pair while 0 <= a < 2^32
 * (account ids, SQLite rowids counted from 1, stay far below that). */
uint64_t	 itab_key_pair(int64_t a, uint32_t b);

#endif
