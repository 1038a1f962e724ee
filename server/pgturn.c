/* pgturn: the PostgreSQL store's transactions: who is in one, when it commits.
 *
 * The rules are in pgturn.h. Requests wait in arrival order: one that
 * cannot enter yet (an ALONE behind SHARED ones, anything while the
 * transaction is closing) holds up those behind it, so a request that
 * needs the transaction to itself is not starved by a stream of others.
 * pg.c keeps one COMMIT in flight at most from here: the next
 * transaction's statements are pipelined behind it, and it commits on
 * the first turn after the answer, so generations become durable in
 * order. */
#include <sys/queue.h>

#include <stdlib.h>

#include "server/db.h"
#include "server/durable.h"
#include "server/fiber.h"
#include "server/metrics.h"
#include "server/pg.h"
#include "server/pgcache.h"
#include "server/pgturn.h"
#include "shared/util/log.h"

struct pgturn_waiter {
	struct fiber			*fiber;
	enum pgturn_kind		 kind;
	int				 in;
	TAILQ_ENTRY(pgturn_waiter)	 entry;
};

static struct db	*pgturn_db;
static void		(*pgturn_failed)(void);
static int		 pgturn_active;		/* requests inside */
static int		 pgturn_alone;		/* one of them ALONE */
static int		 pgturn_closing;	/* no more may enter */
static int		 pgturn_committing;	/* COMMIT awaits its answer */
static uint64_t		 pgturn_gen;		/* the generation it closes */
static int		 pgturn_failed_now;	/* pgturn_fail was called */
static TAILQ_HEAD(, pgturn_waiter) pgturn_waiters =
    TAILQ_HEAD_INITIALIZER(pgturn_waiters);

void
pgturn_start(struct db *db, void (*failed)(void))
{
	pgturn_db = db;
	pgturn_failed = failed;
	pgcache_enable();
}

static int
pgturn_may_enter(enum pgturn_kind kind)
{
	if (pgturn_closing || pgturn_alone)
		return (0);
	return (kind == PGTURN_SHARED || pgturn_active == 0);
}

static void
pgturn_admit(enum pgturn_kind kind)
{
	pgturn_active++;
	if (kind == PGTURN_ALONE)
		pgturn_alone = 1;
}

/* Let in the waiters at the head that may enter now. */
static void
pgturn_admit_waiters(void)
{
	struct pgturn_waiter	*w;

	while ((w = TAILQ_FIRST(&pgturn_waiters)) != NULL &&
	    pgturn_may_enter(w->kind)) {
		TAILQ_REMOVE(&pgturn_waiters, w, entry);
		pgturn_admit(w->kind);
		w->in = 1;
		fiber_wake(w->fiber);
	}
}

void
pgturn_enter(enum pgturn_kind kind)
{
	struct pgturn_waiter	w;

	if (TAILQ_EMPTY(&pgturn_waiters) && pgturn_may_enter(kind)) {
		pgturn_admit(kind);
		return;
	}
	w.fiber = fiber_self();
	w.kind = kind;
	w.in = 0;
	TAILQ_INSERT_TAIL(&pgturn_waiters, &w, entry);
	while (!w.in)
		fiber_wait();
}

void
pgturn_fail(void)
{
	pgturn_failed_now = 1;
}

static void
pgturn_committed(void *arg, int ok)
{
	uint64_t	gen = pgturn_gen;

	pgturn_committing = 0;
	pgcache_turn_committed(ok);
	if (!ok) {
		/* What the transaction's requests answered is not stored:
		 * none of it may leave. */
		log_warn("postgresql: a transaction failed; closing every "
		    "connection so that clients resend");
		metrics_add(METRICS_STORE_FAILURES, 1);
		pgturn_failed();
	}
	durable_confirm(gen);
}

/* The commit of a transaction pgturn_fail condemned: whatever COMMIT
 * answered, it failed. */
static void
pgturn_refuse(void *arg, int ok)
{
	pgturn_committed(arg, 0);
}

/* Commit the open transaction (its requests have all left). */
static void
pgturn_commit(void)
{
	int	failed;

	pgturn_closing = 0;
	(void)db_commit(pgturn_db);
	pgcache_turn_closed();
	/* Set before pg_commit, which may call back at once. */
	pgturn_gen = durable_close_gen();
	pgturn_committing = 1;
	failed = pgturn_failed_now;
	pgturn_failed_now = 0;
	if (pg_commit(db_pg(pgturn_db), failed ? pgturn_refuse : pgturn_committed,
	    NULL))
		metrics_add(METRICS_COMMITS, 1);
	else if (failed)
		pgturn_committed(NULL, 0);	/* a write failed early */
	else {
		/* No statement ran: nothing to wait for. */
		pgturn_committing = 0;
		pgcache_turn_committed(1);
		durable_confirm(pgturn_gen);
	}
	pgturn_admit_waiters();
}

void
pgturn_leave(void)
{
	pgturn_active--;
	pgturn_alone = 0;	/* an ALONE request was the only one */
	if (pgturn_closing && pgturn_active == 0)
		pgturn_commit();
	else
		pgturn_admit_waiters();
}

void
pgturn_end(void)
{
	if (pgturn_db == NULL || pgturn_committing || pgturn_closing)
		return;
	if (pgturn_active > 0) {
		pgturn_closing = 1;
		return;
	}
	pgturn_commit();
}

int
pgturn_busy(void)
{
	return (pgturn_committing || pgturn_active > 0 ||
	    !TAILQ_EMPTY(&pgturn_waiters));
}
