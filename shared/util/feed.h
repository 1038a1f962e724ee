/* feed: bytes handed in order to a function on a libuv worker thread, at most a buffer or two ahead of it. */
#ifndef NATTER_SHARED_UTIL_FEED_H
#define NATTER_SHARED_UTIL_FEED_H

#include <stddef.h>
#include <stdint.h>

struct feed;
struct uv_loop_s;

/*
 * eat runs on a worker thread, one call at a time, with the bytes in the
 * order they were put; 0, or -1 to refuse them (the feed then fails and
 * eats nothing more).  ready runs on the loop when a full feed has room
 * again, and when a flushed feed has been eaten to the end.
 */
typedef int	feed_eat_fn(void *arg, const uint8_t *, size_t);
typedef void	feed_ready_cb(void *arg);

#define FEED_BUFBYTES	(2 * 1024 * 1024)

struct feed	*feed_new(struct uv_loop_s *, feed_eat_fn *, void *eat_arg,
		    feed_ready_cb *, void *ready_arg);
/*
 * eaten (NULL: none) runs on the loop after each buffer the worker ate,
 * before the next goes to it: what eat left in eat_arg is the loop's
 * to take until eaten returns.
 */
void		 feed_on_eaten(struct feed *, feed_ready_cb *eaten);
/* 1 if the feed should be given no bytes now: ready follows when it may. */
int		 feed_full(struct feed *);
/*
 * Take n bytes (copied): 0, or -1 if eat refused earlier bytes.  What is
 * in the buffer being filled goes to the worker whenever it is free.
 * Full is FEED_BUFBYTES waiting behind a busy worker; bytes put while
 * full are taken too (the buffer grows): the bound is the caller's, by
 * asking feed_full first.
 */
int		 feed_put(struct feed *, const uint8_t *, size_t);
/* Everything put goes to the worker; ready when it has eaten it all. */
void		 feed_flush(struct feed *);
/* 1 if every byte put has been eaten (or refused): eat_arg is the
 * caller's again until the next feed_put. */
int		 feed_idle(const struct feed *);
int		 feed_failed(const struct feed *);
/* Start again empty and not failed; the feed must be idle. */
void		 feed_reset(struct feed *);
/*
 * Free (the buffers wiped: they may hold plaintext) once every byte put
 * has been eaten (unless eat refused some): then release(eat_arg) (NULL:
 * nothing), now if nothing was left.  ready and eaten are not called
 * again.
 */
void		 feed_free(struct feed *, void (*release)(void *));

#endif
