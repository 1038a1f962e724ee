/* pgstore: what test_server_pgstore and test_server_pgqueue share: the
 * store modules' tests on PostgreSQL (tests/unit/pgunit.h), written as
 * steps that run as turns, on one node or on two sharing a database. */
#ifndef NATTER_TESTS_UNIT_SERVER_PGSTORE_H
#define NATTER_TESTS_UNIT_SERVER_PGSTORE_H

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "server/db.h"
#include "server/dbpg.h"
#include "server/fiber.h"
#include "server/pg.h"
#include "server/queue.h"
#include "tests/unit/pgunit.h"

/* Each test's steps are functions run as turns, in order; what a step
 * hands the next lives in these. */
static struct db	*db;		/* the node the steps run on */
static struct db	*db2;		/* a second node, when opened */
static uint64_t		 seqs[8];
static int64_t		 account;

#define TURN(fn)	ck_assert_int_eq(pgunit_turn((fn), NULL), 1)

static inline void
pgstore_setup(void)
{
	pgunit_setup();
	db = pgunit_db;
	db2 = NULL;
	memset(seqs, 0, sizeof seqs);
	account = 0;
}

static inline void
pgstore_teardown(void)
{
	db_close(db2);
	pgunit_teardown();
}

/* Another store on the same database: another node. */
static inline struct db *
pgstore_node(void)
{
	struct db	*d;
	char		*err = NULL;

	d = db_open_pg(&pgunit_loop, pgunit_url, &err);
	ck_assert_msg(d != NULL, "db_open_pg: %s", err != NULL ? err : "?");
	return (d);
}

/* Close the store and open it again, as a restarted natterd would. */
static inline void
pgstore_reopen(void)
{
	db_close(pgunit_db);
	uv_run(&pgunit_loop, UV_RUN_NOWAIT);
	pgunit_db = db = pgstore_node();
}

/* Run fn as a turn on node d: 1 if it committed. */
static inline int
pgstore_turn_on(struct db *d, void (*fn)(void *))
{
	struct db	*keep = pgunit_db;
	int		 ok;

	pgunit_db = db = d;
	ok = pgunit_turn(fn, NULL);
	pgunit_db = db = keep;
	return (ok);
}

static inline void
pgstore_item(struct queue_item *it, const char *text, uint8_t idbyte)
{
	memset(it, 0, sizeof *it);
	it->from_account = 1;
	snprintf(it->from, sizeof it->from, "alice");
	it->from_device = 1;
	memset(it->message_id, idbyte, QUEUE_IDBYTES);
	it->type = 1;
	it->content = (uint8_t *)text;
	it->content_len = strlen(text);
	it->server_ts = 1000;
}

/* Push it for (a, dev) and give the row's seq, read back in the turn:
 * queue_push on PostgreSQL does not wait for its row (*seq is 0). */
static inline uint64_t
pgstore_push(int64_t a, uint32_t dev, const struct queue_item *it,
    int64_t expires)
{
	struct dbpg_params	p;
	uint64_t		unknown = 1;
	int64_t			seq = 0;

	ck_assert_int_eq(queue_push(db, a, dev, it, expires, &unknown), 0);
	ck_assert_uint_eq(unknown, 0);
	dbpg_params_init(&p);
	dbpg_param_int64(&p, a);
	dbpg_param_int64(&p, dev);
	ck_assert_int_eq(dbpg_int64_of(db, "SELECT max(seq) FROM queue "
	    "WHERE account = $1 AND device = $2", &p, &seq), 0);
	return ((uint64_t)seq);
}

static inline uint64_t
pgstore_depth(int64_t a, uint32_t dev)
{
	uint64_t	d;

	ck_assert_int_eq(queue_depth(db, a, dev, &d), 0);
	return (d);
}

/*
 * Two nodes at once: a call on a fiber of its own, on node db, whose
 * turn the test commits when it chooses (pgstore_commit), so that both
 * nodes' transactions can be open together.
 */
struct pgstore_call {
	struct db	*db;
	int		 ended, rc, got;
	uint32_t	 id;
};

struct pgstore_commit {
	int	committed, ok;
};

static inline void
pgstore_ended(void *arg)
{
	((struct pgstore_call *)arg)->ended = 1;
}

/* Run fn(c) on a fiber; c->ended is set when it returns. */
static inline void
pgstore_start(struct pgstore_call *c, void (*fn)(void *))
{
	c->ended = 0;
	ck_assert_int_eq(fiber_run(fn, c, pgstore_ended, c), 0);
}

static inline void
pgstore_committed(void *arg, int ok)
{
	struct pgstore_commit	*c = arg;

	c->committed = 1;
	c->ok = ok;
}

/* End node d's turn; done->committed is set when its COMMIT answered. */
static inline void
pgstore_commit(struct db *d, struct pgstore_commit *done)
{
	memset(done, 0, sizeof *done);
	(void)db_commit(d);
	ck_assert_int_eq(pg_commit(db_pg(d), pgstore_committed, done), 1);
}

#endif
