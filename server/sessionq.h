/* sessionq: a connection's requests in order, on a fiber, for a store that waits. */
#ifndef NATTER_SERVER_SESSIONQ_H
#define NATTER_SERVER_SESSIONQ_H

#include <stddef.h>
#include <stdint.h>

#define SESSIONQ_BESIDE	32	/* Sends of a connection running at once */

struct session;
struct sessionq;

/* The queue of session s (which owns it: sessionq_free). */
struct sessionq	*sessionq_create(struct session *);
/* NULL is a no-op. Only once sessionq_busy is 0. */
void		 sessionq_free(struct sessionq *);
/* Copy one received frame in and make sure the worker runs. */
void		 sessionq_push(struct sessionq *, const uint8_t *, size_t);
/* Ask the worker to read the session's queue (session_pump). */
void		 sessionq_pump(struct sessionq *);
/* 1 while the worker fiber exists (the session must outlive it). */
int		 sessionq_busy(const struct sessionq *);
/* On one of the queue's Sends (sessionq.c): wait until the Sends that
 * came before it have ended, so that what it writes and answers follows
 * what they did. Elsewhere (the worker, another fiber, the loop, a NULL
 * queue) a no-op. */
void		 sessionq_in_order(struct sessionq *);
/* 1 when the running fiber is this queue's worker. */
int		 sessionq_on_worker(const struct sessionq *);
/* Start the workers that found no free fiber (the turn's end). */
void		 sessionq_retry(void);

#endif
