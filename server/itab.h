/* itab: an open-addressing hash table from 64-bit keys to 64-bit values. */
#ifndef NATTER_ITAB_H
#define NATTER_ITAB_H

#include <stddef.h>
#include <stdint.h>

struct itab;

struct itab	*itab_create(void);
/* Free the table (values are not freed). NULL is a no-op. */
void		 itab_free(struct itab *);
/* 1 and *value if key is present, else 0. */
int		 itab_get(const struct itab *, uint64_t key, uint64_t *value);
/* Insert or replace. */
void		 itab_put(struct itab *, uint64_t key, uint64_t value);
void		 itab_del(struct itab *, uint64_t key);
/* Call fn for each entry (the table must not change meanwhile). */
void		 itab_foreach(const struct itab *,
		     void (*fn)(uint64_t key, uint64_t value, void *), void *);
/* Remove every entry. */
void		 itab_clear(struct itab *);
size_t		 itab_count(const struct itab *);

#endif
