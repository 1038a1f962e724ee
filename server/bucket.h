/* bucket: token buckets, one at a time or a table of them by 64-bit key. */
#ifndef NATTER_SERVER_BUCKET_H
#define NATTER_SERVER_BUCKET_H

#include <stddef.h>
#include <stdint.h>

/* One bucket; all zeroes is a full one. */
struct bucket {
	double		tokens;
	int64_t		ms;		/* last refill; 0: never */
};

/* Refill b up to burst at rate tokens a second, as of now (ms); then, if
 * it holds a token, take it and return 1, else return 0. */
int	bucket_take(struct bucket *, double rate, double burst, int64_t now);

/* A table of buckets of one rate and burst, by key, made on first use
 * and dropped again once full (so idle keys cost nothing). */
struct bucket_table;

struct bucket_table	*bucket_table_create(double rate, double burst);
/* NULL is a no-op. */
void			 bucket_table_free(struct bucket_table *);
/* 1 if key's bucket holds a token as of now, without taking it. */
int			 bucket_table_peek(struct bucket_table *, uint64_t key,
			     int64_t now);
/* bucket_take on key's bucket. */
int			 bucket_table_take(struct bucket_table *, uint64_t key,
			     int64_t now);
/* Buckets held: the keys not full at the last sweep, and since. */
size_t			 bucket_table_count(const struct bucket_table *);

#endif
