/* bucket: token buckets, one at a time or a table of them by 64-bit key.
 *
 * A table keeps a bucket only while it is not full: a full bucket is the
 * same as none. It drops the full ones whenever it has grown to twice
 * what it held after the last sweep (at least BUCKET_SWEEP), so its size
 * follows the keys that were busy lately and a sweep costs O(1) per
 * insertion over time. */
#include <stdlib.h>

#include "server/bucket.h"
#include "server/itab.h"
#include "shared/util/xmalloc.h"

#define BUCKET_SWEEP	1024

struct bucket_table {
	struct itab	*t;		/* key -> struct bucket * */
	double		 rate, burst;
	size_t		 sweep_at;
};

/* Refill b to now; its tokens. */
static double
bucket_refill(struct bucket *b, double rate, double burst, int64_t now)
{
	if (b->ms == 0) {
		b->tokens = burst;
		b->ms = now;
	} else if (now > b->ms) {	/* a clock stepped back adds none */
		b->tokens += (double)(now - b->ms) * rate / 1000.0;
		b->ms = now;
	}
	if (b->tokens > burst)
		b->tokens = burst;
	return (b->tokens);
}

int
bucket_take(struct bucket *b, double rate, double burst, int64_t now)
{
	if (bucket_refill(b, rate, burst, now) < 1.0)
		return (0);
	b->tokens -= 1.0;
	return (1);
}

struct bucket_table *
bucket_table_create(double rate, double burst)
{
	struct bucket_table	*bt = xcalloc(1, sizeof *bt);

	bt->t = itab_create();
	bt->rate = rate;
	bt->burst = burst;
	bt->sweep_at = BUCKET_SWEEP;
	return (bt);
}

static void
bucket_free_value(uint64_t key, uint64_t value, void *arg)
{
	free((void *)(uintptr_t)value);
}

void
bucket_table_free(struct bucket_table *bt)
{
	if (bt == NULL)
		return;
	itab_foreach(bt->t, bucket_free_value, NULL);
	itab_free(bt->t);
	free(bt);
}

struct bucket_sweep {
	struct bucket_table	*bt;
	int64_t			 now;
	uint64_t		*full;
	size_t			 nfull;
};

static void
bucket_find_full(uint64_t key, uint64_t value, void *arg)
{
	struct bucket_sweep	*sw = arg;
	struct bucket		*b = (struct bucket *)(uintptr_t)value;

	if (bucket_refill(b, sw->bt->rate, sw->bt->burst, sw->now) >=
	    sw->bt->burst)
		sw->full[sw->nfull++] = key;
}

/* Drop the buckets that are full by now. */
static void
bucket_sweep(struct bucket_table *bt, int64_t now)
{
	struct bucket_sweep	sw;
	uint64_t		v;
	size_t			i;

	sw.bt = bt;
	sw.now = now;
	sw.full = xcalloc(itab_count(bt->t) + 1, sizeof *sw.full);
	sw.nfull = 0;
	itab_foreach(bt->t, bucket_find_full, &sw);
	for (i = 0; i < sw.nfull; i++) {
		if (itab_get(bt->t, sw.full[i], &v))
			free((void *)(uintptr_t)v);
		itab_del(bt->t, sw.full[i]);
	}
	free(sw.full);
	bt->sweep_at = 2 * itab_count(bt->t);
	if (bt->sweep_at < BUCKET_SWEEP)
		bt->sweep_at = BUCKET_SWEEP;
}

/* key's bucket, made full if there is none. */
static struct bucket *
bucket_get(struct bucket_table *bt, uint64_t key, int64_t now)
{
	struct bucket	*b;
	uint64_t	 v;

	if (itab_get(bt->t, key, &v))
		return ((struct bucket *)(uintptr_t)v);
	if (itab_count(bt->t) >= bt->sweep_at)
		bucket_sweep(bt, now);
	b = xcalloc(1, sizeof *b);
	itab_put(bt->t, key, (uint64_t)(uintptr_t)b);
	return (b);
}

int
bucket_table_peek(struct bucket_table *bt, uint64_t key, int64_t now)
{
	struct bucket	*b;
	uint64_t	 v;

	if (!itab_get(bt->t, key, &v))
		return (1);
	b = (struct bucket *)(uintptr_t)v;
	return (bucket_refill(b, bt->rate, bt->burst, now) >= 1.0);
}

int
bucket_table_take(struct bucket_table *bt, uint64_t key, int64_t now)
{
	return (bucket_take(bucket_get(bt, key, now), bt->rate, bt->burst,
	    now));
}

size_t
bucket_table_count(const struct bucket_table *bt)
{
	return (itab_count(bt->t));
}
