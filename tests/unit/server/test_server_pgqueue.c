/* test_server_pgqueue: natterd's queue module on PostgreSQL, in the
 * scenarios test_server_db runs on SQLite: FIFO order, ack deletes, an
 * Ack's rows and its receipts in one statement each, TTL filtering and
 * purge, depth and a sender's share (messages, not receipts) through
 * push, ack, delete, purge, forget and a rolled back savepoint,
 * idempotent sends, a reopened store, a row refused after it was sent
 * without waiting. And across nodes: a send claimed on one node is a
 * resend on the other, and two nodes changing the same counters in
 * opposite orders both commit. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/bodies.h"
#include "server/db.h"
#include "server/queue.h"
#include "tests/unit/pgunit.h"
#include "tests/unit/server/pgstore.h"
#include "tests/unit/unit.h"

/* FIFO: seq grows, fetch comes in order and resumes after a seq. */
static void
fifo_push(void *arg)
{
	struct queue_item	it;
	char			text[32];
	uint64_t		seq, last = 0;
	size_t			i;

	for (i = 0; i < 5; i++) {
		snprintf(text, sizeof text, "m%zu", i);
		pgstore_item(&it, text, (uint8_t)i);
		seq = pgstore_push(2, 1, &it, 10000);
		ck_assert_uint_gt(seq, last);
		last = seq;
		/* Another device's rows interleave. */
		ck_assert_int_eq(queue_push(db, 2, 2, &it, 10000, NULL), 0);
	}
}

static void
fifo_fetch(void *arg)
{
	struct queue_item	got[8];
	char			text[32];
	uint64_t		seq, skip[2];
	size_t			n, i;

	ck_assert_uint_eq(pgstore_depth(2, 1), 5);
	ck_assert_int_eq(queue_fetch(db, 2, 1, 0, 5000, got, 3, &n), 0);
	ck_assert_uint_eq(n, 3);
	for (i = 0; i < n; i++) {
		snprintf(text, sizeof text, "m%zu", i);
		ck_assert_uint_eq(got[i].content_len, strlen(text));
		ck_assert_mem_eq(got[i].content, text, strlen(text));
		ck_assert_str_eq(got[i].from, "alice");
		ck_assert_uint_eq(got[i].status, 0);
		ck_assert_uint_eq(got[i].message_id[0], i);
		ck_assert_int_eq(got[i].server_ts, 1000);
	}
	seq = got[2].seq;
	skip[0] = got[0].seq;
	skip[1] = got[2].seq;
	queue_items_clear(got, n);
	ck_assert_int_eq(queue_fetch(db, 2, 1, seq, 5000, got, 8, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_mem_eq(got[0].content, "m3", 2);
	ck_assert_mem_eq(got[1].content, "m4", 2);
	queue_items_clear(got, n);
	/* From the head, leaving rows in flight out. */
	ck_assert_int_eq(queue_fetch_except(db, 2, 1, 5000, skip, 2, got, 2,
	    &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_mem_eq(got[0].content, "m1", 2);
	ck_assert_mem_eq(got[1].content, "m3", 2);
	queue_items_clear(got, n);
	ck_assert_int_eq(queue_fetch_except(db, 2, 1, 5000, skip, 0, got, 8,
	    &n), 0);
	ck_assert_uint_eq(n, 5);
	queue_items_clear(got, n);
}

START_TEST(test_fifo)
{
	TURN(fifo_push);
	TURN(fifo_fetch);
	ck_assert_int_eq(pgunit_number("SELECT n FROM queue_depths WHERE "
	    "account = 2 AND device = 2"), 5);
}
END_TEST

static void
ack_push(void *arg)
{
	struct queue_item	it, out;

	pgstore_item(&it, "hello", 7);
	seqs[0] = pgstore_push(2, 1, &it, 10000);
	/* Only the owning device can ack. */
	ck_assert_int_eq(queue_ack(db, 2, 2, seqs[0], &out), 1);
	ck_assert_int_eq(queue_ack(db, 3, 1, seqs[0], &out), 1);
	ck_assert_int_eq(queue_ack(db, 2, 1, seqs[0], &out), 0);
	ck_assert_int_eq(out.from_account, 1);
	ck_assert_str_eq(out.from, "alice");
	ck_assert_uint_eq(out.message_id[0], 7);
	ck_assert_uint_eq(out.seq, seqs[0]);
	ck_assert_int_eq(queue_ack(db, 2, 1, seqs[0], &out), 1);
}

static void
ack_check(void *arg)
{
	struct queue_item	got[4];
	uint64_t		total;
	size_t			n;

	ck_assert_int_eq(queue_fetch(db, 2, 1, 0, 5000, got, 4, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(pgstore_depth(2, 1), 0);
	ck_assert_int_eq(queue_total(db, &total), 0);
	ck_assert_uint_eq(total, 0);
}

START_TEST(test_ack)
{
	TURN(ack_push);
	TURN(ack_check);
}
END_TEST

/* An Ack's rows in one DELETE: each found once (a seq named twice, or
 * not queued, or another device's, is not), described as queue_ack
 * would, and off the depth. */
static void
ack_many_push(void *arg)
{
	struct queue_item	it;
	size_t			i;

	for (i = 0; i < 3; i++) {
		pgstore_item(&it, "m", (uint8_t)(10 + i));
		seqs[i] = pgstore_push(2, 1, &it, 10000);
	}
	seqs[3] = pgstore_push(2, 2, &it, 10000);
}

static void
ack_many_take(void *arg)
{
	struct queue_acked	a[6];

	memset(a, 0, sizeof a);
	a[0].seq = seqs[2];
	a[1].seq = seqs[2];		/* twice */
	a[2].seq = 999999;		/* not queued */
	a[3].seq = seqs[0];
	a[4].seq = seqs[3];		/* device 2's */
	a[5].seq = seqs[0];		/* twice, apart */
	ck_assert_int_eq(queue_ack_many(db, 2, 1, a, 6), 0);
	ck_assert(a[0].found && !a[1].found && !a[2].found && a[3].found &&
	    !a[4].found && !a[5].found);
	ck_assert_uint_eq(a[0].item.seq, seqs[2]);
	ck_assert_uint_eq(a[0].item.message_id[0], 12);
	ck_assert_str_eq(a[0].item.from, "alice");
	ck_assert_uint_eq(a[3].item.message_id[0], 10);
	ck_assert_int_eq(queue_ack_many(db, 2, 1, a, 0), 0);
}

static void
ack_many_check(void *arg)
{
	struct queue_item	got[4];
	size_t			n;

	ck_assert_uint_eq(pgstore_depth(2, 1), 1);
	ck_assert_uint_eq(pgstore_depth(2, 2), 1);
	ck_assert_int_eq(queue_fetch(db, 2, 1, 0, 5000, got, 4, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(got[0].seq, seqs[1]);
	queue_items_clear(got, n);
}

START_TEST(test_ack_many)
{
	TURN(ack_many_push);
	TURN(ack_many_take);
	TURN(ack_many_check);
}
END_TEST

/* Several rows in one INSERT: each device gets the item, with the
 * message id and status of its own where one is given, in order. */
static const uint8_t	each_id[2][QUEUE_IDBYTES] = { { 21 }, { 22 } };

static void
push_each_push(void *arg)
{
	struct queue_dest	d[3];
	struct queue_item	it;

	memset(d, 0, sizeof d);
	pgstore_item(&it, "r", 9);
	it.status = 1;
	d[0].account = 2;
	d[0].device = 1;
	d[0].message_id = each_id[0];
	d[0].status = 2;
	d[1].account = 2;
	d[1].device = 1;
	d[1].message_id = each_id[1];
	d[1].status = 1;
	d[2].account = 3;
	d[2].device = 4;		/* the item's id and status */
	ck_assert_int_eq(queue_push_each(db, &it, 10000, d, 3), 0);
	ck_assert_int_eq(queue_push_each(db, &it, 10000, d, 0), 0);
}

static void
push_each_check(void *arg)
{
	struct queue_item	got[4];
	size_t			n;

	ck_assert_uint_eq(pgstore_depth(2, 1), 2);
	ck_assert_uint_eq(pgstore_depth(3, 4), 1);
	ck_assert_int_eq(queue_fetch(db, 2, 1, 0, 5000, got, 4, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(got[0].message_id[0], 21);
	ck_assert_uint_eq(got[0].status, 2);
	ck_assert_uint_eq(got[1].message_id[0], 22);
	ck_assert_uint_eq(got[1].status, 1);
	ck_assert_str_eq(got[1].from, "alice");
	ck_assert_mem_eq(got[1].content, "r", 1);
	queue_items_clear(got, n);
	ck_assert_int_eq(queue_fetch(db, 3, 4, 0, 5000, got, 4, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(got[0].message_id[0], 9);
	ck_assert_uint_eq(got[0].status, 1);
	queue_items_clear(got, n);
}

START_TEST(test_push_each)
{
	TURN(push_each_push);
	TURN(push_each_check);
}
END_TEST

/* A row is sent without waiting for it; if PostgreSQL refuses it, the
 * turn fails as a whole, and what it asks next fails with it. */
static void
unwaited_push(void *arg)
{
	struct queue_item	it;
	uint64_t		depth;

	pgstore_item(&it, "before", 1);
	ck_assert_int_eq(queue_push(db, 2, 1, &it, 9000, NULL), 0);
	/* Device 2^32 - 1 is out of the integer column's range: only
	 * PostgreSQL finds out. */
	pgstore_item(&it, "refused", 2);
	ck_assert_int_eq(queue_push(db, 2, UINT32_MAX, &it, 9000, NULL), 0);
	ck_assert_int_eq(queue_depth(db, 2, 1, &depth), -1);
}

static void
unwaited_check(void *arg)
{
	struct queue_item	got[4];
	size_t			n;

	ck_assert_int_eq(queue_fetch(db, 2, 1, 0, 5000, got, 4, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(pgstore_depth(2, 1), 0);
}

START_TEST(test_unwaited_failure)
{
	ck_assert_int_eq(pgunit_turn(unwaited_push, NULL), 0);
	TURN(unwaited_check);
	ck_assert_int_eq(pgunit_number("SELECT count(*) FROM queue"), 0);
	ck_assert_int_eq(pgunit_number("SELECT count(*) FROM queue_depths "
	    "WHERE n <> 0"), 0);
}
END_TEST

static void
ttl_push(void *arg)
{
	struct queue_item	it;

	pgstore_item(&it, "old", 1);
	ck_assert_int_eq(queue_push(db, 2, 1, &it, 2000, NULL), 0);
	pgstore_item(&it, "new", 2);
	ck_assert_int_eq(queue_push(db, 2, 1, &it, 9000, NULL), 0);
}

static void
ttl_purge(void *arg)
{
	struct queue_item	got[4];
	uint64_t		purged, total;
	size_t			n;

	/* Before its expiry both are delivered... */
	ck_assert_int_eq(queue_fetch(db, 2, 1, 0, 1999, got, 4, &n), 0);
	ck_assert_uint_eq(n, 2);
	queue_items_clear(got, n);
	/* ...after it, the expired row is filtered before any purge. */
	ck_assert_int_eq(queue_fetch(db, 2, 1, 0, 2000, got, 4, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_mem_eq(got[0].content, "new", 3);
	queue_items_clear(got, n);
	ck_assert_int_eq(queue_purge(db, 2000, &purged), 0);
	ck_assert_uint_eq(purged, 1);
	ck_assert_uint_eq(pgstore_depth(2, 1), 1);
	ck_assert_int_eq(queue_total(db, &total), 0);
	ck_assert_uint_eq(total, 1);
	ck_assert_int_eq(queue_purge(db, 9000, &purged), 0);
	ck_assert_uint_eq(purged, 1);
}

static void
ttl_check(void *arg)
{
	ck_assert_uint_eq(pgstore_depth(2, 1), 0);
}

START_TEST(test_ttl)
{
	TURN(ttl_push);
	TURN(ttl_purge);
	TURN(ttl_check);
	ck_assert_int_eq(pgunit_number("SELECT count(*) FROM queue"), 0);
}
END_TEST

static const uint8_t	id_ab[QUEUE_IDBYTES] = {
	0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
	0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab
};
static const uint8_t	id_cd[QUEUE_IDBYTES] = {
	0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd,
	0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd
};

static void
sent_record(void *arg)
{
	int64_t	ts = 0;

	ck_assert_int_eq(queue_sent_lookup(db, 1, 1, id_ab, &ts), 1);
	ck_assert_int_eq(queue_sent_record(db, 1, 1, id_ab, 1234, 5000), 0);
	ck_assert_int_eq(queue_sent_record(db, 1, 1, id_ab, 9999, 5000), 0);
}

static void
sent_check(void *arg)
{
	int64_t	ts = 0;

	ck_assert_int_eq(queue_sent_lookup(db, 1, 1, id_ab, &ts), 0);
	ck_assert_int_eq(ts, 1234);
	/* Keyed on the sending device too. */
	ck_assert_int_eq(queue_sent_lookup(db, 1, 2, id_ab, &ts), 1);
	ck_assert_int_eq(queue_sent_lookup(db, 1, 1, id_cd, &ts), 1);
	/* Forgotten with the TTL. */
	ck_assert_int_eq(queue_purge(db, 5000, &(uint64_t){ 0 }), 0);
	ck_assert_int_eq(queue_sent_lookup(db, 1, 1, id_ab, &ts), 1);
	/* A claim of a refused send is forgotten: the retry stores. */
	ck_assert_int_eq(queue_sent_claim(db, 1, 1, id_cd, 77, 9000), 0);
	ck_assert_int_eq(queue_sent_claim(db, 1, 1, id_cd, 78, 9000), 1);
	ck_assert_int_eq(queue_sent_forget(db, 1, 1, id_cd), 0);
	ck_assert_int_eq(queue_sent_claim(db, 1, 1, id_cd, 79, 9000), 0);
	ck_assert_int_eq(queue_sent_lookup(db, 1, 1, id_cd, &ts), 0);
	ck_assert_int_eq(ts, 79);
}

/* Depths of several devices at once, with this turn's own rows; a device
 * out of the integer column's range reads as empty rather than failing
 * the turn. */
static void
depths_push(void *arg)
{
	struct queue_item	it;

	pgstore_item(&it, "d", 1);
	ck_assert_int_eq(queue_push(db, 2, 1, &it, 9000, NULL), 0);
	ck_assert_int_eq(queue_push(db, 2, 1, &it, 9000, NULL), 0);
	ck_assert_int_eq(queue_push(db, 3, 1, &it, 9000, NULL), 0);
}

static void
depths_read(void *arg)
{
	const int64_t		accts[] = { 2, 3, 4, 2 };
	const uint32_t		devs[] = { 1, 1, 1, UINT32_MAX };
	struct queue_item	it;
	uint64_t		depths[4] = { 9, 9, 9, 9 };

	pgstore_item(&it, "d", 2);
	ck_assert_int_eq(queue_push(db, 2, 1, &it, 9000, NULL), 0);
	ck_assert_int_eq(queue_depths_of(db, accts, devs, 4, depths), 0);
	ck_assert_uint_eq(depths[0], 3);
	ck_assert_uint_eq(depths[1], 1);
	ck_assert_uint_eq(depths[2], 0);
	ck_assert_uint_eq(depths[3], 0);
}

START_TEST(test_depths_of)
{
	TURN(depths_push);
	TURN(depths_read);
}
END_TEST

/* A claim with its depths, in one statement: this turn's rows count, a
 * second claim of the same id is a resend that reads no depth; one
 * device (the usual Send's numbers) or several (arrays, a device out
 * of integer's range reading as an empty queue). */
static void
claim_depths_read(void *arg)
{
	static const uint8_t	 one[QUEUE_IDBYTES] = { 0xc1 };
	static const uint8_t	 many[QUEUE_IDBYTES] = { 0xc2 };
	const int64_t		 accts[] = { 2, 3, 2 };
	const uint32_t		 devs[] = { 1, 1, UINT32_MAX };
	struct queue_claim	 c = { 1, 1, one, 77, 9000 };
	struct queue_item	 it;
	uint64_t		 depths[3] = { 9, 9, 9 };
	int64_t			 ts;

	pgstore_item(&it, "c", 3);
	ck_assert_int_eq(queue_push(db, 2, 1, &it, 9000, NULL), 0);
	ck_assert_int_eq(queue_sent_claim_depths(db, &c, accts, devs, 1,
	    depths), 0);
	ck_assert_uint_eq(depths[0], 3);
	depths[0] = 9;
	c.server_ts = 78;
	ck_assert_int_eq(queue_sent_claim_depths(db, &c, accts, devs, 1,
	    depths), 1);
	ck_assert_uint_eq(depths[0], 9);
	c.id = many;
	ck_assert_int_eq(queue_sent_claim_depths(db, &c, accts, devs, 3,
	    depths), 0);
	ck_assert_uint_eq(depths[0], 3);
	ck_assert_uint_eq(depths[1], 1);
	ck_assert_uint_eq(depths[2], 0);
	ck_assert_int_eq(queue_sent_claim_depths(db, &c, accts, devs, 3,
	    depths), 1);
	ck_assert_int_eq(queue_sent_lookup(db, 1, 1, one, &ts), 0);
	ck_assert_int_eq(ts, 77);
}

START_TEST(test_claim_depths)
{
	TURN(depths_push);
	TURN(claim_depths_read);
}
END_TEST

START_TEST(test_idempotent)
{
	TURN(sent_record);
	TURN(sent_check);
}
END_TEST

static void
savepoint_push(void *arg)
{
	struct queue_item	it;

	pgstore_item(&it, "kept", 1);
	ck_assert_int_eq(db_savepoint(db), 0);
	ck_assert_int_eq(queue_push(db, 2, 1, &it, 9000, NULL), 0);
	ck_assert_int_eq(db_release(db), 0);
	ck_assert_int_eq(db_savepoint(db), 0);
	pgstore_item(&it, "dropped", 2);
	ck_assert_int_eq(queue_push(db, 2, 1, &it, 9000, NULL), 0);
	ck_assert_uint_eq(pgstore_depth(2, 1), 2);
	db_rollback_savepoint(db);
	ck_assert_int_eq(db_in_txn(db), 1);
}

static void
savepoint_check(void *arg)
{
	struct queue_item	got[2];
	size_t			n;

	ck_assert_int_eq(queue_fetch(db, 2, 1, 0, 0, got, 2, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_mem_eq(got[0].content, "kept", 4);
	queue_items_clear(got, n);
	/* The depth went back with the row. */
	ck_assert_uint_eq(pgstore_depth(2, 1), 1);
}

START_TEST(test_savepoint)
{
	TURN(savepoint_push);
	ck_assert_int_eq(db_in_txn(db), 0);
	TURN(savepoint_check);
}
END_TEST

static uint64_t
share(int64_t from)
{
	uint64_t	n;

	ck_assert_int_eq(queue_share(db, 2, 1, from, &n), 0);
	return (n);
}

static void
share_push(void *arg)
{
	struct queue_item	it;
	size_t			i;

	pgstore_item(&it, "m", 1);
	it.from_account = 5;
	for (i = 0; i < 4; i++)
		seqs[i] = pgstore_push(2, 1, &it, 9000 + (int64_t)i);
	it.status = 1;		/* a receipt from 5 */
	ck_assert_int_eq(queue_push(db, 2, 1, &it, 9000, NULL), 0);
	it.status = 0;
	it.from_account = 6;
	ck_assert_int_eq(queue_push(db, 2, 1, &it, 20000, NULL), 0);
}

static void
share_change(void *arg)
{
	struct queue_item	it, got;

	ck_assert_uint_eq(share(5), 4);
	ck_assert_uint_eq(share(6), 1);
	ck_assert_uint_eq(share(7), 0);
	ck_assert_uint_eq(pgstore_depth(2, 1), 6);

	pgstore_item(&it, "m", 1);
	it.from_account = 6;
	ck_assert_int_eq(db_savepoint(db), 0);
	ck_assert_int_eq(queue_push(db, 2, 1, &it, 9000, NULL), 0);
	ck_assert_uint_eq(share(6), 2);
	db_rollback_savepoint(db);
	ck_assert_uint_eq(share(6), 1);

	ck_assert_int_eq(queue_ack(db, 2, 1, seqs[0], &got), 0);
	ck_assert_uint_eq(share(5), 3);
	got.seq = seqs[1];
	ck_assert_int_eq(queue_delete(db, 2, 1, &got), 0);
	ck_assert_int_eq(queue_delete(db, 2, 1, &got), 1);
	ck_assert_uint_eq(share(5), 2);
	ck_assert_uint_eq(pgstore_depth(2, 1), 4);
}

static void
share_purge(void *arg)
{
	uint64_t	purged;

	ck_assert_uint_eq(share(5), 2);
	ck_assert_uint_eq(share(6), 1);
	/* The purge takes 5's two messages left (and its receipt). */
	ck_assert_int_eq(queue_purge(db, 9500, &purged), 0);
	ck_assert_uint_eq(purged, 3);
	ck_assert_uint_eq(share(5), 0);
	ck_assert_uint_eq(share(6), 1);
	ck_assert_uint_eq(pgstore_depth(2, 1), 1);
	ck_assert_int_eq(queue_forget(db, 2, 1), 0);
	ck_assert_uint_eq(share(6), 0);
	ck_assert_uint_eq(pgstore_depth(2, 1), 0);
}

/* A sender's share of a device's queue: its messages, not its receipts;
 * less by ack, delete, purge and forget; a rollback undoes a change; a
 * reopened store counts it again. */
START_TEST(test_share)
{
	TURN(share_push);
	TURN(share_change);
	pgstore_reopen();
	TURN(share_purge);
}
END_TEST

static void
reopen_push(void *arg)
{
	struct queue_item	it;

	pgstore_item(&it, "durable", 1);
	ck_assert_int_eq(queue_push(db, 2, 1, &it, 9000, NULL), 0);
}

static void
reopen_fetch(void *arg)
{
	struct queue_item	got[2];
	size_t			n;

	ck_assert_int_eq(queue_fetch(db, 2, 1, 0, 0, got, 2, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_mem_eq(got[0].content, "durable", 7);
	queue_items_clear(got, n);
	ck_assert_uint_eq(pgstore_depth(2, 1), 1);
}

START_TEST(test_reopen)
{
	TURN(reopen_push);
	pgstore_reopen();
	TURN(reopen_fetch);
}
END_TEST

/* A send claimed on one node, then on another before the first node's
 * turn commits: the second waits for that commit and finds a resend. */
static void
claim_on(void *arg)
{
	struct pgstore_call	*c = arg;

	c->rc = queue_sent_claim(c->db, 1, 1, id_ab, 5, 9000);
}

START_TEST(test_sent_race)
{
	struct pgstore_call	a, b;
	struct pgstore_commit	done[2];

	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	a.db = db;
	b.db = db2 = pgstore_node();
	pgstore_start(&a, claim_on);
	pgunit_wait(&a.ended);
	ck_assert_int_eq(a.rc, 0);
	pgstore_start(&b, claim_on);
	pgstore_commit(db, &done[0]);
	pgunit_wait(&done[0].committed);
	ck_assert_int_eq(done[0].ok, 1);
	pgunit_wait(&b.ended);
	ck_assert_int_eq(b.rc, 1);
	pgstore_commit(db2, &done[1]);
	pgunit_wait(&done[1].committed);
	ck_assert_int_eq(done[1].ok, 1);
	ck_assert_int_eq(pgunit_number("SELECT count(*) FROM sent"), 1);
}
END_TEST

/*
 * Counters across nodes. Node 1's turn adds to bob's depth, then
 * carol's, and drops a reference to body x, then y; node 2's does the
 * same the other way round, both turns open at once. Had each write
 * taken its counter's row lock (the order of the writes), each node
 * would wait for the other and PostgreSQL would fail one turn as a
 * deadlock; pgcount.c takes the locks at commit in key order, so both
 * commit, and every count is right.
 */
struct cross {
	struct pgstore_call	c;	/* first: pgstore_start's argument */
	int64_t			account[2];
	int64_t			body[2];
	int			step;
};

static void
cross_step(void *arg)
{
	struct cross		*x = arg;
	struct queue_item	 it;

	pgstore_item(&it, "cross", (uint8_t)(10 + x->account[x->step]));
	it.from_account = x->account[!x->step];
	x->c.rc = queue_push(x->c.db, x->account[x->step], 1, &it, 9000,
	    NULL);
	if (x->c.rc == 0)
		x->c.rc = bodies_unref(x->c.db, x->body[x->step], 1);
}

static void
cross_put(void *arg)
{
	struct bodies_row	r;
	uint8_t			id[QUEUE_IDBYTES];
	int64_t			*body = arg;
	int			i;

	memset(id, 7, sizeof id);
	memset(&r, 0, sizeof r);
	r.group_id = r.message_id = id;
	r.from_name = "dave";
	r.content = (const uint8_t *)"shared";
	r.content_len = 6;
	r.expires = 9000;
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(bodies_put(db, &r, 2, &body[i]), 0);
}

START_TEST(test_counter_order)
{
	struct cross		x[2];
	struct pgstore_commit	done[2];
	int64_t			bodies[2];
	int			i, step;

	ck_assert_int_eq(pgunit_turn(cross_put, bodies), 1);
	db2 = pgstore_node();
	for (i = 0; i < 2; i++) {
		memset(&x[i], 0, sizeof x[i]);
		x[i].c.db = i == 0 ? db : db2;
		x[i].account[i] = 2;		/* bob */
		x[i].account[!i] = 3;		/* carol */
		x[i].body[i] = bodies[0];
		x[i].body[!i] = bodies[1];
	}
	for (step = 0; step < 2; step++) {
		for (i = 0; i < 2; i++) {
			x[i].step = step;
			pgstore_start(&x[i].c, cross_step);
		}
		for (i = 0; i < 2; i++) {
			pgunit_wait(&x[i].c.ended);
			ck_assert_int_eq(x[i].c.rc, 0);
		}
	}
	for (i = 0; i < 2; i++)
		pgstore_commit(x[i].c.db, &done[i]);
	for (i = 0; i < 2; i++) {
		pgunit_wait(&done[i].committed);
		ck_assert_msg(done[i].ok, "node %d's turn failed", i + 1);
	}
	ck_assert_int_eq(pgunit_number("SELECT n FROM queue_depths WHERE "
	    "account = 2 AND device = 1"), 2);
	ck_assert_int_eq(pgunit_number("SELECT n FROM queue_depths WHERE "
	    "account = 3 AND device = 1"), 2);
	ck_assert_int_eq(pgunit_number("SELECT count(*) FROM queue"), 4);
	/* Each body lost its two references: both are gone. */
	ck_assert_int_eq(pgunit_number("SELECT count(*) FROM group_bodies"),
	    0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("server_pgqueue");
	TCase	*tc = tcase_create("pgqueue");

	tcase_add_unchecked_fixture(tc, pgunit_cluster_up, pgunit_cluster_down);
	tcase_add_checked_fixture(tc, pgstore_setup, pgstore_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_fifo);
	tcase_add_test(tc, test_ack);
	tcase_add_test(tc, test_ack_many);
	tcase_add_test(tc, test_push_each);
	tcase_add_test(tc, test_unwaited_failure);
	tcase_add_test(tc, test_ttl);
	tcase_add_test(tc, test_idempotent);
	tcase_add_test(tc, test_depths_of);
	tcase_add_test(tc, test_claim_depths);
	tcase_add_test(tc, test_savepoint);
	tcase_add_test(tc, test_share);
	tcase_add_test(tc, test_reopen);
	tcase_add_test(tc, test_sent_race);
	tcase_add_test(tc, test_counter_order);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
