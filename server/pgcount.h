/* pgcount: the PostgreSQL store's shared counters, changed in key order at commit. */
#ifndef NATTER_SERVER_PGCOUNT_H
#define NATTER_SERVER_PGCOUNT_H

#include <stdint.h>

struct db;

/*
 * Nodes share two kinds of counter rows: a device's queue depth
 * (queue_depths) and a group body's references (group_bodies.refs).
 * Changing one takes its row lock until COMMIT, so two nodes changing
 * two counters in opposite orders (alice's depth then bob's, and bob's
 * then alice's) would deadlock, and PostgreSQL would fail one of the
 * turns. So a turn only notes its changes here, and db_commit applies
 * them, summed per row, in one statement per kind, in key order and
 * depths before bodies: every node takes counter locks in one order,
 * and no cycle can form through them. A change noted inside a request's
 * savepoint goes if the savepoint is rolled back; a turn that fails
 * takes all of them with it.
 *
 * Until the commit a turn's own changes are not in the rows: a depth
 * read in the turn is the committed one plus the turn's own changes
 * (pgcount_depth_pending), and other nodes' turns in flight are not
 * seen, so a queue may pass its bound by the rows of those turns (at
 * most one per node), as it could before.
 */

/* Change (account, device)'s depth by delta at the commit. */
void	pgcount_depth(struct db *, int64_t account, uint32_t device,
	    int64_t delta);
/* The sum of the turn's changes to (account, device)'s depth so far. */
int64_t	pgcount_depth_pending(struct db *, int64_t account, uint32_t device);
/* The sum of the turn's changes to every depth so far. */
int64_t	pgcount_depths_pending(struct db *);
/* Change body's references by delta at the commit; a body left with
 * none is deleted. */
void	pgcount_body(struct db *, int64_t body, int64_t delta);
/* Queue the turn's changes into its transaction, before COMMIT, and
 * forget them: 0, or -1 if a statement could not be queued (the
 * commit then fails). */
int	pgcount_flush(struct db *);

#endif
