/* feed: bytes handed in order to a function on a libuv worker thread, at most a buffer or two ahead of it.
 *
 * Two buffers: the loop fills one while the worker eats the other, and
 * they swap as soon as the worker is free: a busy worker gets bigger
 * buffers, an idle one gets bytes at once (a slow upload is on disk as
 * it comes).
 * Only one job is ever queued, so the bytes are eaten in order, and the
 * worker touches nothing but its buffer and eat's argument; the loop
 * reads the verdict in the job's after-work callback. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <uv.h>

#include "shared/util/feed.h"
#include "shared/util/xmalloc.h"

struct feed {
	uv_loop_t	*loop;
	feed_eat_fn	*eat;
	void		*eat_arg;
	feed_ready_cb	*ready;
	feed_ready_cb	*eaten;
	void		*ready_arg;
	uint8_t		*fill;		/* the loop's */
	size_t		 fill_len, fill_size;
	uint8_t		*work;		/* the worker's, while busy */
	size_t		 work_len, work_size;
	uv_work_t	 job;
	int		 busy;
	int		 refused;	/* set by the worker, read after it */
	int		 failed;
	int		 flushing;
	int		 waiting;	/* the caller saw it full */
	void		(*release)(void *);
	int		 freed;
};

struct feed *
feed_new(uv_loop_t *loop, feed_eat_fn *eat, void *eat_arg,
    feed_ready_cb *ready, void *ready_arg)
{
	struct feed	*f;

	f = xcalloc(1, sizeof *f);
	f->loop = loop;
	f->eat = eat;
	f->eat_arg = eat_arg;
	f->ready = ready;
	f->ready_arg = ready_arg;
	f->job.data = f;
	return (f);
}

static int
feed_is_full(const struct feed *f)
{
	return (!f->failed && f->busy && f->fill_len >= FEED_BUFBYTES);
}

void
feed_on_eaten(struct feed *f, feed_ready_cb *eaten)
{
	f->eaten = eaten;
}

int
feed_full(struct feed *f)
{
	if (!feed_is_full(f))
		return (0);
	f->waiting = 1;
	return (1);
}

static void
feed_job(uv_work_t *w)
{
	struct feed	*f = w->data;

	f->refused = f->eat(f->eat_arg, f->work, f->work_len) != 0;
}

static void	feed_done(uv_work_t *, int);

/* The filled buffer to the worker, if it is free and there is one. */
static void
feed_go(struct feed *f)
{
	uint8_t	*b;
	size_t	 size;

	if (f->busy || f->failed || f->fill_len == 0)
		return;
	b = f->work;
	size = f->work_size;
	f->work = f->fill;
	f->work_len = f->fill_len;
	f->work_size = f->fill_size;
	f->fill = b;
	f->fill_size = size;
	f->fill_len = 0;
	f->busy = 1;
	if (uv_queue_work(f->loop, &f->job, feed_job, feed_done) != 0) {
		f->busy = 0;
		f->failed = 1;
	}
}

static void
feed_release(struct feed *f)
{
	if (f->release != NULL)
		f->release(f->eat_arg);
	if (f->fill != NULL)
		sodium_memzero(f->fill, f->fill_size);
	if (f->work != NULL)
		sodium_memzero(f->work, f->work_size);
	free(f->fill);
	free(f->work);
	free(f);
}

static void
feed_done(uv_work_t *w, int status)
{
	struct feed	*f = w->data;
	int		 ready = 0;

	f->busy = 0;
	if (f->freed) {
		if (status != 0 || f->refused)
			f->failed = 1;
		feed_go(f);		/* what was put is eaten, then gone */
		if (!f->busy)
			feed_release(f);
		return;
	}
	if (status != 0 || f->refused)
		f->failed = 1;
	if (f->eaten != NULL && !f->failed)
		f->eaten(f->ready_arg);
	feed_go(f);
	if (f->waiting && !feed_is_full(f)) {
		f->waiting = 0;
		ready = 1;
	}
	if (f->flushing && feed_idle(f)) {
		f->flushing = 0;
		ready = 1;
	}
	if (ready)
		f->ready(f->ready_arg);
}

int
feed_put(struct feed *f, const uint8_t *p, size_t n)
{
	if (f->failed)
		return (-1);
	if (f->fill_len + n > f->fill_size) {
		f->fill_size = f->fill_len + n > FEED_BUFBYTES ?
		    f->fill_len + n : FEED_BUFBYTES;
		f->fill = xrealloc(f->fill, f->fill_size);
	}
	memcpy(f->fill + f->fill_len, p, n);
	f->fill_len += n;
	feed_go(f);
	return (0);
}

void
feed_flush(struct feed *f)
{
	f->flushing = 1;
	feed_go(f);
}

int
feed_idle(const struct feed *f)
{
	return (!f->busy && (f->fill_len == 0 || f->failed));
}

int
feed_failed(const struct feed *f)
{
	return (f->failed);
}

void
feed_reset(struct feed *f)
{
	f->fill_len = 0;
	f->failed = 0;
	f->flushing = 0;
	f->waiting = 0;
}

void
feed_free(struct feed *f, void (*release)(void *))
{
	if (f == NULL)
		return;
	f->release = release;
	f->freed = 1;
	feed_go(f);
	if (f->busy)
		return;		/* feed_done finishes the job */
	feed_release(f);
}
