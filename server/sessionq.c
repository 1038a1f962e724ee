/* sessionq: a connection's requests in order, on fibers, for a store that waits.
 *
 * With PostgreSQL a request can wait for the store, and a connection's
 * requests must still take effect in the order they came (a Send before
 * the Ack that follows it). So each connection has one worker fiber at
 * most, which takes its frames one by one, and its queue reads (a pump)
 * between them. Frames that arrive meanwhile are copied here; past
 * SESSIONQ_MAX of them the connection stops being read (TCP pushes back
 * on the client) until the worker has caught up to half.
 *
 * Sends are the exception. A Send waits for two round trips before it
 * writes anything (its claim and the recipient's depth), and a client
 * keeps many in flight, so run one after another they would take one
 * Send per connection into each transaction, and every commit would
 * write a packet to almost every connection. So up to SESSIONQ_BESIDE
 * Sends run beside each other, each on a fiber of its own: their reads
 * overlap, and each waits for the ones before it to end before it writes
 * or answers (sessionq_in_order), so rows and answers still leave in
 * the order the Sends came. Any other frame, and a pump, waits until the
 * Sends before it have ended: two of them never run at once.
 *
 * The worker keeps its session alive, and waits for the Sends beside it
 * to end: a connection that closes while a request waits is detached
 * (session_free) and freed when the worker ends. */
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

/* What the worker waits for (sessionq_idle): it is woken for that
 * alone, not at every Send's end. */
enum sessionq_until {
	SESSIONQ_BUSY,		/* it does not wait */
	SESSIONQ_FRAME,		/* a frame, or the last Send's end */
	SESSIONQ_SLOT,		/* a Send's end that frees a slot */
	SESSIONQ_ALL		/* the last Send's end */
};

/* A Send running beside the worker, on a fiber of its own. */
struct sessionq_send {
	struct sessionq				*q;
	struct sessionq_frame			*qf;
	Natter__Frame				*f;
	struct fiber				*fiber;
	int					 waiting; /* its turn */
	TAILQ_ENTRY(sessionq_send)		 entry;
};

struct sessionq {
	struct session				*s;
	STAILQ_HEAD(, sessionq_frame)		 frames;
	size_t					 nframes;
	int					 pump;	/* a pump is wanted */
	int					 running;
	struct fiber				*worker;
	enum sessionq_until			 idle;	/* worker waits */
	TAILQ_HEAD(, sessionq_send)		 sends;	/* arrival order */
	size_t					 nsends;
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
	TAILQ_INIT(&q->sends);
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

/* Handle one frame inside the store's transaction. */
static void
sessionq_handle(struct sessionq *q, const Natter__Frame *f)
{
	pgturn_enter(handle_alone(f) ? PGTURN_ALONE : PGTURN_SHARED);
	handle_frame(q->s, f);
	/* A group message's receipts go into the transaction of the acks
	 * that gathered them (with SQLite, the commit hook does this). */
	if (grouprcpt_flush(session_db(q->s)) != 0)
		log_warn("cannot queue a group receipt");
	pgturn_leave();
}

static void
sessionq_send_run(void *arg)
{
	struct sessionq_send	*sd = arg;

	sd->fiber = fiber_self();
	sessionq_handle(sd->q, sd->f);
}

/* A Send has ended: the next one may write, the worker may go on. */
static void
sessionq_send_done(void *arg)
{
	struct sessionq_send	*sd = arg, *next;
	struct sessionq		*q = sd->q;

	TAILQ_REMOVE(&q->sends, sd, entry);
	q->nsends--;
	wire_free(sd->f);
	free(sd->qf);
	free(sd);
	if ((next = TAILQ_FIRST(&q->sends)) != NULL && next->waiting)
		fiber_wake(next->fiber);
	if ((q->idle == SESSIONQ_SLOT && q->nsends < SESSIONQ_BESIDE) ||
	    (q->idle != SESSIONQ_BUSY && q->nsends == 0))
		fiber_wake(q->worker);
}

/* Run Send f beside the worker (a slot is free): 0, or -1 (no fiber for
 * it). */
static int
sessionq_send_start(struct sessionq *q, struct sessionq_frame *qf,
    Natter__Frame *f)
{
	struct sessionq_send	*sd;

	if (fiber_count() >= FIBER_MAX / 2)
		return (-1);
	sd = xcalloc(1, sizeof *sd);
	sd->q = q;
	sd->qf = qf;
	sd->f = f;
	TAILQ_INSERT_TAIL(&q->sends, sd, entry);
	q->nsends++;
	if (fiber_run(sessionq_send_run, sd, sessionq_send_done, sd) != 0) {
		TAILQ_REMOVE(&q->sends, sd, entry);
		q->nsends--;
		free(sd);
		return (-1);
	}
	return (0);
}

/* Wait until what until says. */
static void
sessionq_idle(struct sessionq *q, enum sessionq_until until)
{
	q->idle = until;
	fiber_wait();
	q->idle = SESSIONQ_BUSY;
}

void
sessionq_in_order(struct sessionq *q)
{
	struct sessionq_send	*sd;

	if (q == NULL || q->nsends == 0)
		return;
	TAILQ_FOREACH(sd, &q->sends, entry) {
		if (sd->fiber == fiber_self())
			break;
	}
	if (sd == NULL)
		return;	/* not one of q's Sends */
	while (TAILQ_FIRST(&q->sends) != sd) {
		sd->waiting = 1;
		fiber_wait();
		sd->waiting = 0;
	}
}

/* Start Send f beside the worker once the store's transaction takes
 * requests: 0, or -1 (the connection is gone, or no fiber is left).
 * The worker waits for the turn here, once, rather than each Send on
 * a fiber of its own: Sends that arrive while a transaction closes
 * would each wait there and be woken on a cold stack. The worker is in
 * the turn only while the Send starts, which enters it itself. */
static int
sessionq_send_begin(struct sessionq *q, struct sessionq_frame *qf,
    Natter__Frame *f)
{
	int	rc = -1;

	pgturn_enter(PGTURN_SHARED);
	if (!session_gone(q->s))
		rc = sessionq_send_start(q, qf, f);
	pgturn_leave();
	return (rc);
}

/* The next frame: a Send beside the worker once one of its
 * SESSIONQ_BESIDE slots is free, anything else (or a Send no fiber is
 * left for) on the worker once the Sends before it have ended. */
static void
sessionq_next(struct sessionq *q, struct sessionq_frame *qf)
{
	Natter__Frame	*f;

	f = session_decode(q->s, qf->data, qf->len);
	if (f == NULL) {
		free(qf);
		return;
	}
	if (f->body_case == NATTER__FRAME__BODY_SEND && !handle_alone(f)) {
		while (q->nsends >= SESSIONQ_BESIDE)
			sessionq_idle(q, SESSIONQ_SLOT);
		if (sessionq_send_begin(q, qf, f) == 0)
			return;
	}
	while (q->nsends > 0)
		sessionq_idle(q, SESSIONQ_ALL);
	if (!session_gone(q->s))
		sessionq_handle(q, f);
	wire_free(f);
	free(qf);
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
			sessionq_next(q, qf);
		} else if (q->nsends > 0)
			sessionq_idle(q, SESSIONQ_FRAME);
		else if (q->pump) {
			q->pump = 0;
			pgturn_enter(PGTURN_SHARED);
			session_pump(q->s);
			pgturn_leave();
		} else
			break;
	}
	while (q->nsends > 0)
		sessionq_idle(q, SESSIONQ_ALL);
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
	if (q->idle == SESSIONQ_FRAME && q->worker != fiber_self())
		fiber_wake(q->worker);	/* it may start the frame beside */
	else if (q->idle == SESSIONQ_BUSY)
		sessionq_kick(q);	/* unless it runs */
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
