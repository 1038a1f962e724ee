/* test_server_db: natterd's SQLite modules on a real database: queue FIFO
 * order, idempotent sends, ack deletes, TTL filtering and purge, depth,
 * a sender's share, accounts, removed devices, one-time prekeys handed
 * out once, stored device lists and the schema migration, and the
 * generations of durable.c (a commit counts as on disk only after its
 * WAL sync). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/accounts.h"
#include "server/db.h"
#include "server/durable.h"
#include "server/prekeys.h"
#include "server/queue.h"
#include "server/roster.h"
#include "shared/util/xmalloc.h"
#include "tests/unit/unit.h"

static char		 tmpdir[64];
static struct db	*db;

static void
setup(void)
{
	char	*path, *err = NULL;

	snprintf(tmpdir, sizeof tmpdir, "/tmp/natter-unit.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	xasprintf(&path, "%s/natterd.db", tmpdir);
	db = db_open(path, 0, &err);
	ck_assert_msg(db != NULL, "db_open: %s", err != NULL ? err : "?");
	free(path);
}

static void
teardown(void)
{
	char	*cmd;

	db_close(db);
	xasprintf(&cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

static void
item(struct queue_item *it, const char *text, uint8_t idbyte)
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

START_TEST(test_fifo)
{
	struct queue_item	it, got[8];
	char			text[32];
	uint64_t		seq, last = 0, depth, skip[2];
	size_t			n, i;

	for (i = 0; i < 5; i++) {
		snprintf(text, sizeof text, "m%zu", i);
		item(&it, text, (uint8_t)i);
		ck_assert_int_eq(queue_push(db, 2, 1, &it, 10000, &seq), 0);
		ck_assert_uint_gt(seq, last);
		last = seq;
		/* Another device's rows interleave. */
		ck_assert_int_eq(queue_push(db, 2, 2, &it, 10000, NULL), 0);
	}
	ck_assert_int_eq(db_commit(db), 0);
	ck_assert_int_eq(queue_depth(db, 2, 1, &depth), 0);
	ck_assert_uint_eq(depth, 5);
	ck_assert_int_eq(queue_fetch(db, 2, 1, 0, 5000, got, 3, &n), 0);
	ck_assert_uint_eq(n, 3);
	for (i = 0; i < n; i++) {
		snprintf(text, sizeof text, "m%zu", i);
		ck_assert_uint_eq(got[i].content_len, strlen(text));
		ck_assert_mem_eq(got[i].content, text, strlen(text));
		ck_assert_str_eq(got[i].from, "alice");
		ck_assert_uint_eq(got[i].status, 0);
	}
	/* Fetch resumes after the last seq handed out. */
	seq = got[2].seq;
	skip[0] = got[0].seq;
	skip[1] = got[2].seq;
	queue_items_clear(got, n);
	ck_assert_int_eq(queue_fetch(db, 2, 1, seq, 5000, got, 8, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_mem_eq(got[0].content, "m3", 2);
	ck_assert_mem_eq(got[1].content, "m4", 2);
	queue_items_clear(got, n);
	/* Or from the head, leaving rows in flight out. */
	ck_assert_int_eq(queue_fetch_except(db, 2, 1, 5000, skip, 2, got, 2,
	    &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_mem_eq(got[0].content, "m1", 2);
	ck_assert_mem_eq(got[1].content, "m3", 2);
	queue_items_clear(got, n);
}
END_TEST

START_TEST(test_ack)
{
	struct queue_item	it, out, got[4];
	uint64_t		seq, depth, total;
	size_t			n;

	item(&it, "hello", 7);
	ck_assert_int_eq(queue_push(db, 2, 1, &it, 10000, &seq), 0);
	/* Only the owning device can ack. */
	ck_assert_int_eq(queue_ack(db, 2, 2, seq, &out), 1);
	ck_assert_int_eq(queue_ack(db, 3, 1, seq, &out), 1);
	ck_assert_int_eq(queue_ack(db, 2, 1, seq, &out), 0);
	ck_assert_int_eq(out.from_account, 1);
	ck_assert_uint_eq(out.message_id[0], 7);
	ck_assert_int_eq(queue_ack(db, 2, 1, seq, &out), 1);
	ck_assert_int_eq(db_commit(db), 0);
	ck_assert_int_eq(queue_fetch(db, 2, 1, 0, 5000, got, 4, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(queue_depth(db, 2, 1, &depth), 0);
	ck_assert_uint_eq(depth, 0);
	ck_assert_int_eq(queue_total(db, &total), 0);
	ck_assert_uint_eq(total, 0);
}
END_TEST

/* queue_ack_many on SQLite: row by row, recalled rows by queue_delete;
 * each found once. */
START_TEST(test_ack_many)
{
	struct queue_acked	a[5];
	struct queue_item	it, got[4];
	uint64_t		seq[3], depth;
	size_t			n, i;

	for (i = 0; i < 3; i++) {
		item(&it, "m", (uint8_t)(10 + i));
		ck_assert_int_eq(queue_push(db, 2, 1, &it, 10000, &seq[i]), 0);
	}
	memset(a, 0, sizeof a);
	a[0].seq = seq[2];
	a[1].seq = seq[2];
	a[2].seq = 999999;
	a[3].seq = seq[0];
	a[3].recalled = 1;		/* described by the caller */
	a[3].item.seq = seq[0];
	a[3].item.from_account = 1;
	a[4].seq = seq[0];
	ck_assert_int_eq(queue_ack_many(db, 2, 1, a, 5), 0);
	ck_assert(a[0].found && !a[1].found && !a[2].found && a[3].found &&
	    !a[4].found);
	ck_assert_uint_eq(a[0].item.message_id[0], 12);
	ck_assert_int_eq(db_commit(db), 0);
	ck_assert_int_eq(queue_depth(db, 2, 1, &depth), 0);
	ck_assert_uint_eq(depth, 1);
	ck_assert_int_eq(queue_fetch(db, 2, 1, 0, 5000, got, 4, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(got[0].seq, seq[1]);
	queue_items_clear(got, n);
}
END_TEST

/* queue_push_each on SQLite: row by row, each with its seq. */
START_TEST(test_push_each)
{
	static const uint8_t	id[QUEUE_IDBYTES] = { 21 };
	struct queue_dest	d[2];
	struct queue_item	it, got[4];
	size_t			n;

	memset(d, 0, sizeof d);
	item(&it, "r", 9);
	d[0].account = 2;
	d[0].device = 1;
	d[0].message_id = id;
	d[0].status = 2;
	d[1].account = 2;
	d[1].device = 1;
	ck_assert_int_eq(queue_push_each(db, &it, 10000, d, 2), 0);
	ck_assert_uint_gt(d[0].seq, 0);
	ck_assert_uint_gt(d[1].seq, d[0].seq);
	ck_assert_int_eq(db_commit(db), 0);
	ck_assert_int_eq(queue_fetch(db, 2, 1, 0, 5000, got, 4, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(got[0].message_id[0], 21);
	ck_assert_uint_eq(got[0].status, 2);
	ck_assert_uint_eq(got[1].message_id[0], 9);
	ck_assert_uint_eq(got[1].status, 0);
	queue_items_clear(got, n);
}
END_TEST

START_TEST(test_ttl)
{
	struct queue_item	it, got[4];
	uint64_t		purged, depth;
	size_t			n;

	item(&it, "old", 1);
	ck_assert_int_eq(queue_push(db, 2, 1, &it, 2000, NULL), 0);
	item(&it, "new", 2);
	ck_assert_int_eq(queue_push(db, 2, 1, &it, 9000, NULL), 0);
	ck_assert_int_eq(db_commit(db), 0);
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
	ck_assert_int_eq(queue_depth(db, 2, 1, &depth), 0);
	ck_assert_uint_eq(depth, 1);
	ck_assert_int_eq(queue_purge(db, 9000, &purged), 0);
	ck_assert_uint_eq(purged, 1);
	ck_assert_int_eq(db_commit(db), 0);
	ck_assert_int_eq(queue_depth(db, 2, 1, &depth), 0);
	ck_assert_uint_eq(depth, 0);
}
END_TEST

START_TEST(test_idempotent)
{
	uint8_t	id[QUEUE_IDBYTES], other[QUEUE_IDBYTES];
	int64_t	ts = 0;

	memset(id, 0xab, sizeof id);
	memset(other, 0xcd, sizeof other);
	ck_assert_int_eq(queue_sent_lookup(db, 1, 1, id, &ts), 1);
	ck_assert_int_eq(queue_sent_record(db, 1, 1, id, 1234, 5000), 0);
	ck_assert_int_eq(queue_sent_record(db, 1, 1, id, 9999, 5000), 0);
	ck_assert_int_eq(db_commit(db), 0);
	ck_assert_int_eq(queue_sent_lookup(db, 1, 1, id, &ts), 0);
	ck_assert_int_eq(ts, 1234);
	/* Keyed on the sending device too. */
	ck_assert_int_eq(queue_sent_lookup(db, 1, 2, id, &ts), 1);
	ck_assert_int_eq(queue_sent_lookup(db, 1, 1, other, &ts), 1);
	/* Forgotten with the TTL. */
	ck_assert_int_eq(queue_purge(db, 5000, &(uint64_t){ 0 }), 0);
	ck_assert_int_eq(queue_sent_lookup(db, 1, 1, id, &ts), 1);
	/* A claim of a refused send is forgotten: the retry stores. */
	ck_assert_int_eq(queue_sent_claim(db, 1, 1, other, 77, 9000), 0);
	ck_assert_int_eq(queue_sent_claim(db, 1, 1, other, 78, 9000), 1);
	ck_assert_int_eq(queue_sent_forget(db, 1, 1, other), 0);
	ck_assert_int_eq(queue_sent_claim(db, 1, 1, other, 79, 9000), 0);
	ck_assert_int_eq(queue_sent_lookup(db, 1, 1, other, &ts), 0);
	ck_assert_int_eq(ts, 79);
}
END_TEST

/* Depths of several devices at once. */
START_TEST(test_depths_of)
{
	const int64_t		accts[] = { 2, 3, 4 };
	const uint32_t		devs[] = { 1, 1, 1 };
	struct queue_item	it;
	uint64_t		depths[3] = { 9, 9, 9 };

	memset(&it, 0, sizeof it);
	it.from_account = 1;
	it.from_device = 1;
	ck_assert_int_eq(queue_push(db, 2, 1, &it, 9000, NULL), 0);
	ck_assert_int_eq(queue_push(db, 2, 1, &it, 9000, NULL), 0);
	ck_assert_int_eq(queue_push(db, 3, 1, &it, 9000, NULL), 0);
	ck_assert_int_eq(queue_depths_of(db, accts, devs, 3, depths), 0);
	ck_assert_uint_eq(depths[0], 2);
	ck_assert_uint_eq(depths[1], 1);
	ck_assert_uint_eq(depths[2], 0);
}
END_TEST

/* A claim with its depths: read only when the id is claimed now. */
START_TEST(test_claim_depths)
{
	static const uint8_t	 id[QUEUE_IDBYTES] = { 0xc1 };
	const int64_t		 accts[] = { 2, 3 };
	const uint32_t		 devs[] = { 1, 1 };
	struct queue_claim	 c = { 1, 1, id, 77, 9000 };
	struct queue_item	 it;
	uint64_t		 depths[2] = { 9, 9 };

	memset(&it, 0, sizeof it);
	it.from_account = 1;
	it.from_device = 1;
	ck_assert_int_eq(queue_push(db, 2, 1, &it, 9000, NULL), 0);
	ck_assert_int_eq(queue_sent_claim_depths(db, &c, accts, devs, 2,
	    depths), 0);
	ck_assert_uint_eq(depths[0], 1);
	ck_assert_uint_eq(depths[1], 0);
	depths[0] = depths[1] = 9;
	ck_assert_int_eq(queue_sent_claim_depths(db, &c, accts, devs, 2,
	    depths), 1);
	ck_assert_uint_eq(depths[0], 9);
}
END_TEST

START_TEST(test_savepoint)
{
	struct queue_item	it, got[2];
	size_t			n;

	item(&it, "kept", 1);
	ck_assert_int_eq(db_savepoint(db), 0);
	ck_assert_int_eq(queue_push(db, 2, 1, &it, 9000, NULL), 0);
	ck_assert_int_eq(db_release(db), 0);
	ck_assert_int_eq(db_savepoint(db), 0);
	item(&it, "dropped", 2);
	ck_assert_int_eq(queue_push(db, 2, 1, &it, 9000, NULL), 0);
	db_rollback_savepoint(db);
	ck_assert_int_eq(db_in_txn(db), 1);
	ck_assert_int_eq(db_commit(db), 0);
	ck_assert_int_eq(db_in_txn(db), 0);
	ck_assert_int_eq(queue_fetch(db, 2, 1, 0, 0, got, 2, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_mem_eq(got[0].content, "kept", 4);
	queue_items_clear(got, n);
}
END_TEST

START_TEST(test_accounts)
{
	uint8_t		ik[ACCOUNTS_KEYBYTES], got[ACCOUNTS_KEYBYTES];
	int64_t		a, b, found;
	uint32_t	devs[4];
	size_t		n;

	memset(ik, 0x11, sizeof ik);
	ck_assert_int_eq(accounts_create(db, "alice", ik, &a), 0);
	ck_assert_int_eq(accounts_create(db, "alice", ik, &b), 1);
	ck_assert_int_eq(accounts_create(db, "bob", ik, &b), 0);
	ck_assert_int_ne(a, b);
	ck_assert_int_eq(db_commit(db), 0);
	ck_assert_int_eq(accounts_lookup(db, "alice", &found), 0);
	ck_assert_int_eq(found, a);
	ck_assert_int_eq(accounts_lookup(db, "carol", &found), 1);
	ck_assert_int_eq(accounts_device_key(db, a, 1, got), 0);
	ck_assert_mem_eq(got, ik, sizeof ik);
	ck_assert_int_eq(accounts_device_key(db, a, 2, got), 1);
	ck_assert_int_eq(accounts_devices(db, a, devs, 4, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(devs[0], 1);
}
END_TEST

/* A removed device: its row, one-time prekeys and queue go, its queue
 * depth with them, and a rolled back removal restores all of it. An
 * added device takes its keys. */
static void
check_device(int64_t a, uint32_t dev, int key, uint64_t depth,
    uint32_t count)
{
	uint8_t		got[ACCOUNTS_KEYBYTES];
	uint64_t	d;
	uint32_t	c;

	ck_assert_int_eq(accounts_device_key(db, a, dev, got), key);
	ck_assert_int_eq(queue_depth(db, a, dev, &d), 0);
	ck_assert_uint_eq(d, depth);
	ck_assert_int_eq(prekeys_count(db, a, dev, &c), 0);
	ck_assert_uint_eq(c, count);
}

static void
forget(int64_t a, uint32_t dev)
{
	ck_assert_int_eq(accounts_remove_device(db, a, dev), 0);
	ck_assert_int_eq(prekeys_forget(db, a, dev), 0);
	ck_assert_int_eq(queue_forget(db, a, dev), 0);
}

START_TEST(test_forget)
{
	struct prekeys_onetime	opk[2] = { { 1, { 1 } }, { 2, { 2 } } };
	struct queue_item	it, got[4];
	struct prekeys_upload	u;
	struct prekeys_bundle	b;
	uint8_t			ik[ACCOUNTS_KEYBYTES] = { 5 };
	uint32_t		devs[4];
	size_t			n, i;
	int64_t			a;

	ck_assert_int_eq(accounts_create(db, "frank", ik, &a), 0);
	ck_assert_int_eq(prekeys_add_onetime(db, a, 1, opk, 2), 0);
	item(&it, "gone", 1);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(queue_push(db, a, 1, &it, 9000, NULL), 0);
	ck_assert_int_eq(queue_push(db, a, 2, &it, 9000, NULL), 0);
	ck_assert_int_eq(db_commit(db), 0);
	check_device(a, 1, 0, 3, 2);

	ck_assert_int_eq(db_savepoint(db), 0);
	forget(a, 1);
	check_device(a, 1, 2, 0, 0);
	db_rollback_savepoint(db);
	check_device(a, 1, 0, 3, 2);

	ck_assert_int_eq(db_savepoint(db), 0);
	forget(a, 1);
	ck_assert_int_eq(db_release(db), 0);
	ck_assert_int_eq(db_commit(db), 0);
	check_device(a, 1, 2, 0, 0);
	ck_assert_int_eq(queue_fetch(db, a, 1, 0, 0, got, 4, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(accounts_devices(db, a, devs, 4, &n), 0);
	ck_assert_uint_eq(n, 0);
	/* Another device's queue stays. */
	check_device(a, 2, 1, 1, 0);
	/* A device added (linked) with an offer's keys. */
	memset(&u, 0, sizeof u);
	u.has_signed = 1;
	u.spk_id = 9;
	u.opks = opk;
	u.n = 2;
	ck_assert_int_eq(accounts_add_device(db, a, 3, ik), 0);
	ck_assert_int_eq(prekeys_store(db, a, 3, &u), 0);
	check_device(a, 3, 0, 0, 2);
	ck_assert_int_eq(prekeys_bundle(db, a, 3, 1, &b), 0);
	ck_assert_int_eq(b.has_signed, 1);
	ck_assert_uint_eq(b.spk_id, 9);
	ck_assert_int_eq(accounts_devices(db, a, devs, 4, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(devs[0], 3);
}
END_TEST

static uint64_t
share(int64_t from)
{
	uint64_t	n;

	ck_assert_int_eq(queue_share(db, 2, 1, from, &n), 0);
	return (n);
}

/* A sender's share of a device's queue: its messages, not its receipts;
 * less by ack, delete, purge and forget; a rollback undoes a change; a
 * reopened database counts it again. */
START_TEST(test_share)
{
	struct queue_item	it, got;
	uint64_t		seqs[4], purged;
	char			*path, *err = NULL;
	size_t			i;

	item(&it, "m", 1);
	it.from_account = 5;
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(queue_push(db, 2, 1, &it, 9000 + (int64_t)i,
		    &seqs[i]), 0);
	it.status = 1;		/* a receipt from 5 */
	ck_assert_int_eq(queue_push(db, 2, 1, &it, 9000, NULL), 0);
	it.status = 0;
	it.from_account = 6;
	ck_assert_int_eq(queue_push(db, 2, 1, &it, 20000, NULL), 0);
	ck_assert_int_eq(db_commit(db), 0);
	ck_assert_uint_eq(share(5), 4);
	ck_assert_uint_eq(share(6), 1);
	ck_assert_uint_eq(share(7), 0);

	ck_assert_int_eq(db_savepoint(db), 0);
	ck_assert_int_eq(queue_push(db, 2, 1, &it, 9000, NULL), 0);
	ck_assert_uint_eq(share(6), 2);
	db_rollback_savepoint(db);
	ck_assert_uint_eq(share(6), 1);

	ck_assert_int_eq(queue_ack(db, 2, 1, seqs[0], &got), 0);
	ck_assert_uint_eq(share(5), 3);
	got.seq = seqs[1];
	ck_assert_int_eq(queue_delete(db, 2, 1, &got), 0);
	ck_assert_uint_eq(share(5), 2);
	ck_assert_int_eq(db_commit(db), 0);

	db_close(db);
	xasprintf(&path, "%s/natterd.db", tmpdir);
	db = db_open(path, 0, &err);
	free(path);
	ck_assert_ptr_nonnull(db);
	ck_assert_uint_eq(share(5), 2);
	ck_assert_uint_eq(share(6), 1);

	/* The purge takes 5's two messages left (and its receipt). */
	ck_assert_int_eq(queue_purge(db, 9500, &purged), 0);
	ck_assert_uint_eq(purged, 3);
	ck_assert_uint_eq(share(5), 0);
	ck_assert_uint_eq(share(6), 1);
	ck_assert_int_eq(queue_forget(db, 2, 1), 0);
	ck_assert_uint_eq(share(6), 0);
}
END_TEST

START_TEST(test_prekeys_once)
{
	struct prekeys_onetime	opk[3];
	struct prekeys_bundle	b;
	uint8_t			ik[32], spk[32], sig[64];
	uint32_t		count, seen[3];
	int64_t			a;
	int			i;

	memset(ik, 1, sizeof ik);
	memset(spk, 2, sizeof spk);
	memset(sig, 3, sizeof sig);
	ck_assert_int_eq(accounts_create(db, "bob", ik, &a), 0);
	ck_assert_int_eq(prekeys_set_signed(db, a, 1, 7, spk, sig), 0);
	for (i = 0; i < 3; i++) {
		opk[i].id = (uint32_t)(10 + i);
		memset(opk[i].key, 0x40 + i, 32);
	}
	ck_assert_int_eq(prekeys_add_onetime(db, a, 1, opk, 3), 0);
	ck_assert_int_eq(db_commit(db), 0);
	ck_assert_int_eq(prekeys_count(db, a, 1, &count), 0);
	ck_assert_uint_eq(count, 3);
	/* Keys only: the identity and signed prekey, nothing taken. */
	ck_assert_int_eq(prekeys_bundle(db, a, 1, 0, &b), 0);
	ck_assert_int_eq(b.has_signed, 1);
	ck_assert_int_eq(b.has_onetime, 0);
	ck_assert_int_eq(prekeys_count(db, a, 1, &count), 0);
	ck_assert_uint_eq(count, 3);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(prekeys_bundle(db, a, 1, 1, &b), 0);
		ck_assert_int_eq(b.has_signed, 1);
		ck_assert_uint_eq(b.spk_id, 7);
		ck_assert_mem_eq(b.spk_sig, sig, 64);
		ck_assert_int_eq(b.has_onetime, 1);
		seen[i] = b.opk.id;
		ck_assert_uint_eq(b.opk.key[0], 0x40 + (b.opk.id - 10));
	}
	ck_assert_uint_ne(seen[0], seen[1]);
	ck_assert_uint_ne(seen[1], seen[2]);
	ck_assert_uint_ne(seen[0], seen[2]);
	ck_assert_int_eq(prekeys_bundle(db, a, 1, 1, &b), 0);
	ck_assert_int_eq(b.has_onetime, 0);
	ck_assert_int_eq(prekeys_bundle(db, a, 9, 1, &b), 1);
	ck_assert_int_eq(db_commit(db), 0);
	ck_assert_int_eq(prekeys_count(db, a, 1, &count), 0);
	ck_assert_uint_eq(count, 0);
}
END_TEST

/* A device's floor drops its lower one-time prekeys, its own only. */
START_TEST(test_prekeys_floor)
{
	struct prekeys_onetime	opk[4];
	struct prekeys_bundle	b;
	uint8_t			ik[32];
	uint32_t		count;
	int64_t			a;
	int			i;

	memset(ik, 1, sizeof ik);
	ck_assert_int_eq(accounts_create(db, "bob", ik, &a), 0);
	for (i = 0; i < 4; i++) {
		opk[i].id = (uint32_t)(10 + i);
		memset(opk[i].key, 0x40 + i, 32);
	}
	ck_assert_int_eq(prekeys_add_onetime(db, a, 1, opk, 4), 0);
	ck_assert_int_eq(prekeys_add_onetime(db, a, 2, opk, 4), 0);
	ck_assert_int_eq(prekeys_drop_below(db, a, 1, 12), 0);
	ck_assert_int_eq(db_commit(db), 0);
	ck_assert_int_eq(prekeys_count(db, a, 1, &count), 0);
	ck_assert_uint_eq(count, 2);
	ck_assert_int_eq(prekeys_count(db, a, 2, &count), 0);
	ck_assert_uint_eq(count, 4);
	ck_assert_int_eq(prekeys_bundle(db, a, 1, 1, &b), 0);
	ck_assert_int_eq(b.has_onetime, 1);
	ck_assert_uint_eq(b.opk.id, 12);
	ck_assert_int_eq(prekeys_drop_below(db, a, 1, 1000), 0);
	ck_assert_int_eq(prekeys_count(db, a, 1, &count), 0);
	ck_assert_uint_eq(count, 0);
}
END_TEST

START_TEST(test_prekeys_bound)
{
	struct prekeys_onetime	*opk;
	uint8_t			 ik[32] = { 0 };
	uint32_t		 count;
	int64_t			 a;
	size_t			 i;

	opk = xcalloc(PREKEYS_MAXSTORED, sizeof *opk);
	for (i = 0; i < PREKEYS_MAXSTORED; i++)
		opk[i].id = (uint32_t)i;
	ck_assert_int_eq(accounts_create(db, "dave", ik, &a), 0);
	ck_assert_int_eq(prekeys_add_onetime(db, a, 1, opk,
	    PREKEYS_MAXSTORED), 0);
	ck_assert_int_eq(prekeys_add_onetime(db, a, 1, opk, 1), 1);
	ck_assert_int_eq(prekeys_count(db, a, 1, &count), 0);
	ck_assert_uint_eq(count, PREKEYS_MAXSTORED);
	free(opk);
}
END_TEST

START_TEST(test_reopen)
{
	struct queue_item	 it, got[2];
	char			*path, *err = NULL;
	size_t			 n;

	item(&it, "durable", 1);
	ck_assert_int_eq(queue_push(db, 2, 1, &it, 9000, NULL), 0);
	ck_assert_int_eq(db_commit(db), 0);
	db_close(db);
	xasprintf(&path, "%s/natterd.db", tmpdir);
	db = db_open(path, 1, &err);
	free(path);
	ck_assert_ptr_nonnull(db);
	ck_assert_int_eq(queue_fetch(db, 2, 1, 0, 0, got, 2, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_mem_eq(got[0].content, "durable", 7);
	queue_items_clear(got, n);
}
END_TEST

/* Device lists: none for a legacy account, stored and replaced; an
 * older database (schema version 2) migrates, its accounts kept. */
START_TEST(test_roster)
{
	uint8_t		 ik[ACCOUNTS_KEYBYTES] = { 7 }, out[ROSTER_MAXBYTES];
	sqlite3		*h;
	char		*path, *err = NULL;
	uint64_t	 version = 99;
	size_t		 len;
	int64_t		 a, b;

	ck_assert_int_eq(accounts_create(db, "erin", ik, &a), 0);
	ck_assert_int_eq(roster_get(db, a, &version, out, &len), 1);
	ck_assert_int_eq(roster_put(db, a, 1, (const uint8_t *)"one", 3), 0);
	ck_assert_int_eq(roster_put(db, a, 2, (const uint8_t *)"two!", 4), 0);
	ck_assert_int_eq(roster_get(db, a, &version, out, &len), 0);
	ck_assert_uint_eq(version, 2);
	ck_assert_uint_eq(len, 4);
	ck_assert_mem_eq(out, "two!", 4);
	ck_assert_int_eq(roster_get(db, a, &version, NULL, NULL), 0);
	ck_assert_int_eq(db_commit(db), 0);
	db_close(db);

	/* Back to schema 2, as a natterd before lists left it. */
	xasprintf(&path, "%s/natterd.db", tmpdir);
	ck_assert_int_eq(sqlite3_open(path, &h), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(h, "DROP TABLE device_lists; "
	    "DROP TABLE removed_devices; DROP TABLE assets; "
	    "DROP TABLE groups; DROP TABLE group_members; "
	    "DROP TABLE group_bodies; DROP TABLE group_refs; "
	    "DROP INDEX queue_by_expiry; "
	    "CREATE INDEX queue_by_expiry ON queue (expires); "
	    "ALTER TABLE queue DROP COLUMN body; "
	    "PRAGMA user_version = 2;", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(h);
	db = db_open(path, 0, &err);
	free(path);
	ck_assert_msg(db != NULL, "db_open: %s", err != NULL ? err : "?");
	ck_assert_int_eq(accounts_lookup(db, "erin", &b), 0);
	ck_assert_int_eq(b, a);
	ck_assert_int_eq(roster_get(db, a, &version, out, &len), 1);
	ck_assert_int_eq(roster_put(db, a, 1, (const uint8_t *)"one", 3), 0);
	ck_assert_int_eq(roster_get(db, a, &version, out, &len), 0);
	ck_assert_uint_eq(version, 1);
}
END_TEST

static int	released;

static void
count_release(void)
{
	released++;
}

START_TEST(test_durable)
{
	struct queue_item	it;
	uv_loop_t		loop;
	uint64_t		gen;

	ck_assert_int_eq(uv_loop_init(&loop), 0);
	released = 0;
	durable_start(&loop, db_wal_path(db), 1, count_release);
	gen = durable_gen();
	ck_assert_uint_gt(gen, durable_synced());
	/* A generation that wrote nothing is durable at once. */
	durable_sync(0);
	ck_assert_uint_eq(durable_synced(), gen);
	ck_assert_int_eq(released, 1);
	/* One that committed waits for the worker's fdatasync. */
	item(&it, "synced", 1);
	ck_assert_int_eq(queue_push(db, 2, 1, &it, 9000, NULL), 0);
	ck_assert_int_eq(db_commit(db), 0);
	gen = durable_gen();
	durable_sync(1);
	ck_assert_int_eq(durable_busy(), 1);
	ck_assert_uint_lt(durable_synced(), gen);
	ck_assert_uint_gt(durable_gen(), gen);
	ck_assert_int_eq(uv_run(&loop, UV_RUN_DEFAULT), 0);
	ck_assert_int_eq(durable_busy(), 0);
	ck_assert_uint_eq(durable_synced(), gen);
	ck_assert_int_eq(released, 2);
	/* Shutdown: everything up to the current generation, now. */
	gen = durable_gen();
	durable_sync_now();
	ck_assert_uint_eq(durable_synced(), gen);
	durable_close();
	ck_assert_int_eq(uv_loop_close(&loop), 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("server_db");
	TCase	*tc = tcase_create("sqlite");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_fifo);
	tcase_add_test(tc, test_ack);
	tcase_add_test(tc, test_ack_many);
	tcase_add_test(tc, test_push_each);
	tcase_add_test(tc, test_ttl);
	tcase_add_test(tc, test_idempotent);
	tcase_add_test(tc, test_depths_of);
	tcase_add_test(tc, test_claim_depths);
	tcase_add_test(tc, test_savepoint);
	tcase_add_test(tc, test_accounts);
	tcase_add_test(tc, test_forget);
	tcase_add_test(tc, test_share);
	tcase_add_test(tc, test_prekeys_once);
	tcase_add_test(tc, test_prekeys_floor);
	tcase_add_test(tc, test_prekeys_bound);
	tcase_add_test(tc, test_reopen);
	tcase_add_test(tc, test_roster);
	tcase_add_test(tc, test_durable);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
