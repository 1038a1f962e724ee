/* fiber: run a request on a stack of its own so it can wait for the store. */
#ifndef NATTER_SERVER_FIBER_H
#define NATTER_SERVER_FIBER_H

#include <stddef.h>

/*
 * With SQLite every store call returns at once, and request handlers are
 * written as straight-line code: check, then write, then answer. With
 * PostgreSQL a store call is a round trip, and natterd's loop must not
 * wait for it. Rather than write every handler twice (once straight,
 * once as a chain of callbacks), a handler that may reach the store runs
 * on a fiber: a stack of its own, switched to and from on the loop
 * thread (ucontext). A store call queues its statement, then
 * fiber_wait()s; the loop carries on with other work and the statement's
 * callback fiber_wake()s the fiber, which continues where it stopped.
 * Only one fiber runs at a time and only between loop callbacks, so a
 * fiber needs no locks; what it must not assume is that nothing changed
 * in memory while it waited.
 *
 * With SQLite, fiber_run just calls the function: no stack, no switch.
 */

#define FIBER_STACK	(256 * 1024)	/* bytes of stack per fiber */
#define FIBER_MAX	4096		/* fibers alive at once */

struct fiber;

/* Call fn(arg) on a new fiber when fibers are on (fiber_enable), else
 * directly. Returns once fn returned or first waited: 0, or -1 when
 * FIBER_MAX fibers are alive (fn is not called). done, if not NULL, is
 * called (on the loop, off the fiber) after fn returned. */
int		 fiber_run(void (*fn)(void *), void *arg,
		     void (*done)(void *), void *donearg);
/* Turn fibers on (natterd with a store that waits). */
void		 fiber_enable(int on);
/* 1 when fibers are on. */
int		 fiber_enabled(void);
/* The running fiber, or NULL on the loop's own stack. */
struct fiber	*fiber_self(void);
/* Call fn(arg) when the running fiber's function has returned (last
 * registered first), still on the fiber: how memory handed out for one
 * request (groupdb_pg.c's groups) lives exactly as long as it. 0, or -1
 * off a fiber (fn is not called). */
int		 fiber_defer(void (*fn)(void *), void *arg);
/* Suspend the running fiber until fiber_wake(f). Must be on a fiber. */
void		 fiber_wait(void);
/* Resume f, which waits, now: returns when it waits again or ends. */
void		 fiber_wake(struct fiber *);
/* Fibers alive (running or waiting). */
size_t		 fiber_count(void);
/* The most fibers alive at once since the last call (or the start). */
size_t		 fiber_peak_take(void);
/* Unmap the stacks kept for reuse beyond keep (each holds the pages its
 * requests touched): for when few fibers are alive again. */
void		 fiber_trim(size_t keep);
/* Free the stacks kept for reuse (at exit). */
void		 fiber_shutdown(void);

#endif
