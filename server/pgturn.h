/* pgturn: the PostgreSQL store's transactions: who is in one, when it commits. */
#ifndef NATTER_SERVER_PGTURN_H
#define NATTER_SERVER_PGTURN_H

#include <stdint.h>

struct db;

/*
 * With SQLite, everything the loop does in one turn goes into one
 * transaction and the turn's end commits it. With PostgreSQL a request
 * waits for its statements (on a fiber), so a request can outlive the
 * turn it started in: the transaction is shared by the requests that
 * entered it and commits once the last of them has left. Then its
 * generation (durable.h) is closed; the answers and deliveries held for
 * it go out when COMMIT has answered COMMIT.
 *
 * Requests enter as SHARED (they check before they write and need no
 * savepoint: Send, Ack, reading the queue) or ALONE (a handler that
 * rolls back to a savepoint: nobody else may write in the transaction
 * meanwhile, since a rollback to a savepoint undoes every write after
 * it). A transaction takes new requests until its turn ends; then the
 * ones that arrive wait for the next.
 *
 * When a commit fails (PostgreSQL restarted, a deadlock with another
 * node), nothing the transaction's requests answered or delivered may
 * go out: failed() is called, which closes every connection; clients
 * reconnect and resend, and idempotent sends make that safe.
 */

enum pgturn_kind {
	PGTURN_SHARED,
	PGTURN_ALONE
};

/* Commit db's transactions from now on; failed() when one fails. */
void	pgturn_start(struct db *, void (*failed)(void));
/* On a fiber: wait until this request may use the open transaction. */
void	pgturn_enter(enum pgturn_kind);
/* The request is done with the transaction. */
void	pgturn_leave(void);
/* The loop's turn ends (before it sleeps): commit the transaction once
 * its requests have left, unless a commit is still waiting for its
 * answer (it then commits on a later turn). */
void	pgturn_end(void);
/* A write of the open transaction failed: its commit counts as failed,
 * whatever PostgreSQL answers. */
void	pgturn_fail(void);
/* 1 while a commit waits for its answer or requests are inside. */
int	pgturn_busy(void);

#endif
