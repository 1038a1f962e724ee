/* sessionq: a connection's requests in order, on a fiber, for a store that waits.
 *
 * With PostgreSQL a request can wait for the store, and a connection's
 * requests must still be answered in the order they came (a Send before
 * the Ack that follows it). So each connection has one worker fiber at
 * most, which takes its frames one by one, and its queue reads (a pump)
 * between them: two fibers never work on one session at once. Frames
 * that arrive meanwhile are copied here; past SESSIONQ_MAX of them the
 * connection stops being read (TCP pushes back on the client) until the
 * worker has caught up to half.
 *
 * The worker keeps its session alive: a connection that closes while a
 * request waits is detached (session_free) and freed when the worker
 * ends. */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include "server/fiber.h"
#include "server/grouprcpt.h"
#include "server/handle.h"
#include "server/pgturn.h"
#include "server/session.h"
#include "server/sessionq.h"
#include "shared/proto/wire.h"
#include "shared/util/log.h"
#include "shared/util/xmalloc.h"

#define SESSIONQ_MAX	64	/* frames waiting before reads stop */

struct sessionq_frame {
	STAILQ_ENTRY(sessionq_frame)	 entry;
	size_t				 len;
	uint8_t				 data[];
};

struct sessionq {
	struct session				*s;
	STAILQ_HEAD(, sessionq_frame)		 frames;
	size_t					 nframes;
	int					 pump;	/* a pump is wanted */
	int					 running;
	struct fiber				*worker;
	int					 held;	/* reads stopped */
	TAILQ_ENTRY(sessionq)			 retry_entry;
	int					 retry;
};

/* Workers that could not start (FIBER_MAX fibers alive): started again
 * at the end of the turn. */
static TAILQ_HEAD(, sessionq) sessionq_retries =
    TAILQ_HEAD_INITIALIZER(sessionq_retries);

struct sessionq *
sessionq_create(struct session *s)
{
	struct sessionq	*q = xcalloc(1, sizeof *q);

	q->s = s;
	STAILQ_INIT(&q->frames);
	return (q);
}

void
sessionq_free(struct sessionq *q)
{
	struct sessionq_frame	*f;

	if (q == NULL)
		return;
	while ((f = STAILQ_FIRST(&q->frames)) != NULL) {
		STAILQ_REMOVE_HEAD(&q->frames, entry);
		free(f);
	}
	if (q->retry)
		TAILQ_REMOVE(&sessionq_retries, q, retry_entry);
	free(q);
}

int
sessionq_busy(const struct sessionq *q)
{
	return (q != NULL && q->running);
}

int
sessionq_on_worker(const struct sessionq *q)
{
	return (q != NULL && q->worker != NULL && q->worker == fiber_self());
}

/* One frame: decode, then handle it inside the store's transaction. */
static void
sessionq_frame(struct sessionq *q, struct sessionq_frame *qf)
{
	Natter__Frame	*f;

	f = session_decode(q->s, qf->data, qf->len);
	if (f == NULL)
		return;
	pgturn_enter(handle_alone(f) ? PGTURN_ALONE : PGTURN_SHARED);
	handle_frame(q->s, f);
	/* A group message's receipts go into the transaction of the acks
	 * that gathered them (with SQLite, the commit hook does this). */
	if (grouprcpt_flush(session_db(q->s)) != 0)
		log_warn("cannot queue a group receipt");
	pgturn_leave();
	wire_free(f);
}

static void
sessionq_work(void *arg)
{
	struct sessionq		*q = arg;
	struct sessionq_frame	*qf;

	q->worker = fiber_self();
	while (!session_gone(q->s)) {
		if ((qf = STAILQ_FIRST(&q->frames)) != NULL) {
			STAILQ_REMOVE_HEAD(&q->frames, entry);
			q->nframes--;
			if (q->held && q->nframes <= SESSIONQ_MAX / 2) {
				q->held = 0;
				session_hold_input(q->s, SESSION_HOLD_QUEUE, 0);
			}
			sessionq_frame(q, qf);
			free(qf);
		} else if (q->pump) {
			q->pump = 0;
			pgturn_enter(PGTURN_SHARED);
			session_pump(q->s);
			pgturn_leave();
		} else
			break;
	}
	q->worker = NULL;
}

static void
sessionq_done(void *arg)
{
	struct sessionq	*q = arg;

	q->running = 0;
	if (session_gone(q->s))
		session_free(q->s);	/* the connection closed meanwhile */
}

/* Start the worker unless it runs. */
static void
sessionq_kick(struct sessionq *q)
{
	if (q->running || q->retry)
		return;
	q->running = 1;
	if (fiber_run(sessionq_work, q, sessionq_done, q) != 0) {
		q->running = 0;
		q->retry = 1;
		TAILQ_INSERT_TAIL(&sessionq_retries, q, retry_entry);
	}
}

void
sessionq_push(struct sessionq *q, const uint8_t *data, size_t len)
{
	struct sessionq_frame	*f = xmalloc(sizeof *f + len);

	f->len = len;
	memcpy(f->data, data, len);
	STAILQ_INSERT_TAIL(&q->frames, f, entry);
	if (++q->nframes >= SESSIONQ_MAX && !q->held) {
		q->held = 1;
		session_hold_input(q->s, SESSION_HOLD_QUEUE, 1);
	}
	sessionq_kick(q);
}

void
sessionq_pump(struct sessionq *q)
{
	q->pump = 1;
	sessionq_kick(q);
}

void
sessionq_retry(void)
{
	struct sessionq	*q;

	while ((q = TAILQ_FIRST(&sessionq_retries)) != NULL &&
	    fiber_count() < FIBER_MAX) {
		TAILQ_REMOVE(&sessionq_retries, q, retry_entry);
		q->retry = 0;
		sessionq_kick(q);
	}
}
