/* test_server_pgstore: natterd's accounts, prekeys and roster modules
 * on PostgreSQL, in the scenarios test_server_db runs on SQLite:
 * accounts (a name taken, lookups, device keys), removed devices with
 * their prekeys and queue, and a rolled back removal; one-time prekeys
 * handed out once, lowest first, bounded, dropped below a floor; stored
 * device lists, which never go back to an older version. Then what only
 * nodes sharing one database show: what one node writes the other reads
 * (no cache per node), and two nodes claiming one device's one-time
 * prekeys at once never get the same key. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/accounts.h"
#include "server/db.h"
#include "server/prekeys.h"
#include "server/queue.h"
#include "server/roster.h"
#include "tests/unit/pgunit.h"
#include "tests/unit/server/pgstore.h"
#include "tests/unit/unit.h"

static const uint8_t	ik11[ACCOUNTS_KEYBYTES] = {
	0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
	0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
	0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
	0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11
};

static void
accounts_make(void *arg)
{
	int64_t	b;

	ck_assert_int_eq(accounts_create(db, "alice", ik11, &account), 0);
	ck_assert_int_eq(accounts_create(db, "alice", ik11, &b), 1);
	ck_assert_int_eq(accounts_create(db, "bob", ik11, &b), 0);
	ck_assert_int_ne(account, b);
	/* A device in use is refused without failing the turn. */
	ck_assert_int_eq(accounts_add_device(db, account, 1, ik11), -1);
}

static void
accounts_check(void *arg)
{
	uint8_t		got[ACCOUNTS_KEYBYTES];
	uint32_t	devs[4];
	int64_t		found;
	size_t		n;

	ck_assert_int_eq(accounts_lookup(db, "alice", &found), 0);
	ck_assert_int_eq(found, account);
	ck_assert_int_eq(accounts_lookup(db, "carol", &found), 1);
	ck_assert_int_eq(accounts_device_key(db, account, 1, got), 0);
	ck_assert_mem_eq(got, ik11, sizeof ik11);
	ck_assert_int_eq(accounts_device_key(db, account, 2, got), 1);
	ck_assert_int_eq(accounts_devices(db, account, devs, 4, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(devs[0], 1);
	/* Nothing cached: a device list is never found current. */
	ck_assert_uint_ne(accounts_devices_gen(db), accounts_devices_gen(db));
}

START_TEST(test_accounts)
{
	TURN(accounts_make);
	TURN(accounts_check);
	ck_assert_int_eq(pgunit_number("SELECT count(*) FROM accounts"), 2);
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
	uint32_t	c;

	ck_assert_int_eq(accounts_device_key(db, a, dev, got), key);
	ck_assert_uint_eq(pgstore_depth(a, dev), depth);
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

static struct prekeys_onetime	two_opks[2] = {
	{ 1, { 1 } }, { 2, { 2 } }
};

static void
forget_fill(void *arg)
{
	struct queue_item	it;
	uint8_t			ik[ACCOUNTS_KEYBYTES] = { 5 };
	size_t			i;

	ck_assert_int_eq(accounts_create(db, "frank", ik, &account), 0);
	ck_assert_int_eq(prekeys_add_onetime(db, account, 1, two_opks, 2), 0);
	pgstore_item(&it, "gone", 1);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(queue_push(db, account, 1, &it, 9000,
		    NULL), 0);
	ck_assert_int_eq(queue_push(db, account, 2, &it, 9000, NULL), 0);
}

static void
forget_rollback(void *arg)
{
	check_device(account, 1, 0, 3, 2);
	ck_assert_int_eq(db_savepoint(db), 0);
	forget(account, 1);
	check_device(account, 1, 2, 0, 0);
	db_rollback_savepoint(db);
	check_device(account, 1, 0, 3, 2);
	ck_assert_int_eq(db_savepoint(db), 0);
	forget(account, 1);
	ck_assert_int_eq(db_release(db), 0);
}

static void
forget_check(void *arg)
{
	struct prekeys_upload	u;
	struct prekeys_bundle	b;
	struct queue_item	got[4];
	uint8_t			ik[ACCOUNTS_KEYBYTES] = { 5 };
	uint32_t		devs[4];
	size_t			n;

	check_device(account, 1, 2, 0, 0);
	ck_assert_int_eq(queue_fetch(db, account, 1, 0, 0, got, 4, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(accounts_devices(db, account, devs, 4, &n), 0);
	ck_assert_uint_eq(n, 0);
	/* Another device's queue stays. */
	check_device(account, 2, 1, 1, 0);
	/* A device added (linked) with an offer's keys. */
	memset(&u, 0, sizeof u);
	u.has_signed = 1;
	u.spk_id = 9;
	u.opks = two_opks;
	u.n = 2;
	ck_assert_int_eq(accounts_add_device(db, account, 3, ik), 0);
	ck_assert_int_eq(prekeys_store(db, account, 3, &u), 0);
	check_device(account, 3, 0, 0, 2);
	ck_assert_int_eq(prekeys_bundle(db, account, 3, 1, &b), 0);
	ck_assert_int_eq(b.has_signed, 1);
	ck_assert_uint_eq(b.spk_id, 9);
	ck_assert_int_eq(accounts_devices(db, account, devs, 4, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(devs[0], 3);
}

START_TEST(test_forget)
{
	TURN(forget_fill);
	TURN(forget_rollback);
	TURN(forget_check);
}
END_TEST

static void
once_fill(void *arg)
{
	struct prekeys_onetime	opk[3];
	uint8_t			ik[32], spk[32], sig[64];
	int			i;

	memset(ik, 1, sizeof ik);
	memset(spk, 2, sizeof spk);
	memset(sig, 3, sizeof sig);
	ck_assert_int_eq(accounts_create(db, "bob", ik, &account), 0);
	ck_assert_int_eq(prekeys_set_signed(db, account, 1, 7, spk, sig), 0);
	for (i = 0; i < 3; i++) {
		opk[i].id = (uint32_t)(10 + i);
		memset(opk[i].key, 0x40 + i, 32);
	}
	ck_assert_int_eq(prekeys_add_onetime(db, account, 1, opk, 3), 0);
}

static void
once_take(void *arg)
{
	struct prekeys_bundle	b;
	uint8_t			sig[64];
	uint32_t		count, seen[3];
	int			i;

	memset(sig, 3, sizeof sig);
	ck_assert_int_eq(prekeys_count(db, account, 1, &count), 0);
	ck_assert_uint_eq(count, 3);
	/* Keys only: the identity and signed prekey, nothing taken. */
	ck_assert_int_eq(prekeys_bundle(db, account, 1, 0, &b), 0);
	ck_assert_int_eq(b.has_signed, 1);
	ck_assert_int_eq(b.has_onetime, 0);
	ck_assert_uint_eq(b.identity_key[0], 1);
	ck_assert_int_eq(prekeys_count(db, account, 1, &count), 0);
	ck_assert_uint_eq(count, 3);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(prekeys_bundle(db, account, 1, 1, &b), 0);
		ck_assert_int_eq(b.has_signed, 1);
		ck_assert_uint_eq(b.spk_id, 7);
		ck_assert_mem_eq(b.spk_sig, sig, 64);
		ck_assert_int_eq(b.has_onetime, 1);
		seen[i] = b.opk.id;
		ck_assert_uint_eq(b.opk.key[0], 0x40 + (b.opk.id - 10));
	}
	/* Lowest first, each once. */
	ck_assert_uint_eq(seen[0], 10);
	ck_assert_uint_eq(seen[1], 11);
	ck_assert_uint_eq(seen[2], 12);
	ck_assert_int_eq(prekeys_bundle(db, account, 1, 1, &b), 0);
	ck_assert_int_eq(b.has_onetime, 0);
	ck_assert_int_eq(prekeys_bundle(db, account, 9, 1, &b), 1);
}

static void
once_check(void *arg)
{
	uint32_t	count;

	ck_assert_int_eq(prekeys_count(db, account, 1, &count), 0);
	ck_assert_uint_eq(count, 0);
}

START_TEST(test_prekeys_once)
{
	TURN(once_fill);
	TURN(once_take);
	TURN(once_check);
}
END_TEST

static void
floor_fill(void *arg)
{
	struct prekeys_onetime	opk[5];
	uint8_t			ik[32];
	int			i;

	memset(ik, 1, sizeof ik);
	ck_assert_int_eq(accounts_create(db, "bob", ik, &account), 0);
	for (i = 0; i < 4; i++) {
		opk[i].id = (uint32_t)(10 + i);
		memset(opk[i].key, 0x40 + i, 32);
	}
	ck_assert_int_eq(prekeys_add_onetime(db, account, 1, opk, 4), 0);
	ck_assert_int_eq(prekeys_add_onetime(db, account, 2, opk, 4), 0);
	/* An id stored already, and one given twice: the last key wins. */
	opk[0].id = 12;
	memset(opk[0].key, 0x77, 32);
	opk[1].id = 12;
	memset(opk[1].key, 0x78, 32);
	ck_assert_int_eq(prekeys_add_onetime(db, account, 1, opk, 2), 0);
	ck_assert_int_eq(prekeys_drop_below(db, account, 1, 12), 0);
}

static void
floor_check(void *arg)
{
	struct prekeys_bundle	b;
	uint32_t		count;

	ck_assert_int_eq(prekeys_count(db, account, 1, &count), 0);
	ck_assert_uint_eq(count, 2);
	ck_assert_int_eq(prekeys_count(db, account, 2, &count), 0);
	ck_assert_uint_eq(count, 4);
	ck_assert_int_eq(prekeys_bundle(db, account, 1, 1, &b), 0);
	ck_assert_int_eq(b.has_onetime, 1);
	ck_assert_uint_eq(b.opk.id, 12);
	ck_assert_uint_eq(b.opk.key[0], 0x78);
	ck_assert_int_eq(b.has_signed, 0);
	ck_assert_int_eq(prekeys_drop_below(db, account, 1, 1000), 0);
	ck_assert_int_eq(prekeys_count(db, account, 1, &count), 0);
	ck_assert_uint_eq(count, 0);
}

/* A device's floor drops its lower one-time prekeys, its own only. */
START_TEST(test_prekeys_floor)
{
	TURN(floor_fill);
	TURN(floor_check);
}
END_TEST

static void
bound_fill(void *arg)
{
	struct prekeys_onetime	*opk;
	uint8_t			 ik[32] = { 0 };
	uint32_t		 count;
	size_t			 i;

	opk = xcalloc(PREKEYS_MAXSTORED, sizeof *opk);
	for (i = 0; i < PREKEYS_MAXSTORED; i++) {
		opk[i].id = (uint32_t)i;
		opk[i].key[0] = (uint8_t)i;
	}
	/* The largest id there is goes through the packing whole. */
	opk[0].id = UINT32_MAX;
	ck_assert_int_eq(accounts_create(db, "dave", ik, &account), 0);
	ck_assert_int_eq(prekeys_add_onetime(db, account, 1, opk,
	    PREKEYS_MAXSTORED), 0);
	ck_assert_int_eq(prekeys_add_onetime(db, account, 1, opk, 1), 1);
	ck_assert_int_eq(prekeys_count(db, account, 1, &count), 0);
	ck_assert_uint_eq(count, PREKEYS_MAXSTORED);
	free(opk);
}

START_TEST(test_prekeys_bound)
{
	TURN(bound_fill);
	ck_assert_int_eq(pgunit_number("SELECT max(id) FROM opks"),
	    (long)UINT32_MAX);
	ck_assert_int_eq(pgunit_number("SELECT get_byte(key, 0) FROM opks "
	    "WHERE id = 999"), 999 % 256);
}
END_TEST

static void
roster_steps(void *arg)
{
	uint8_t		ik[ACCOUNTS_KEYBYTES] = { 7 };
	uint8_t		out[ROSTER_MAXBYTES];
	uint64_t	version = 99;
	size_t		len;

	ck_assert_int_eq(accounts_create(db, "erin", ik, &account), 0);
	ck_assert_int_eq(roster_get(db, account, &version, out, &len), 1);
	ck_assert_int_eq(roster_put(db, account, 1, (const uint8_t *)"one", 3),
	    0);
	ck_assert_int_eq(roster_put(db, account, 2, (const uint8_t *)"two!", 4),
	    0);
	ck_assert_int_eq(roster_get(db, account, &version, out, &len), 0);
	ck_assert_uint_eq(version, 2);
	ck_assert_uint_eq(len, 4);
	ck_assert_mem_eq(out, "two!", 4);
	ck_assert_int_eq(roster_get(db, account, &version, NULL, NULL), 0);
}

static void
roster_back(void *arg)
{
	uint8_t		out[ROSTER_MAXBYTES];
	uint64_t	version;
	size_t		len;

	/* A list no newer than the stored one (another node's came
	 * first) is refused, and the turn still commits. */
	ck_assert_int_eq(roster_put(db, account, 2, (const uint8_t *)"late", 4),
	    -1);
	ck_assert_int_eq(roster_put(db, account, 1, (const uint8_t *)"old", 3),
	    -1);
	ck_assert_int_eq(roster_get(db, account, &version, out, &len), 0);
	ck_assert_uint_eq(version, 2);
	ck_assert_mem_eq(out, "two!", 4);
	ck_assert_int_eq(roster_put(db, account, 3,
	    (const uint8_t *)"three", 5), 0);
}

START_TEST(test_roster)
{
	TURN(roster_steps);
	TURN(roster_back);
	ck_assert_int_eq(pgunit_number("SELECT version FROM device_lists"), 3);
}
END_TEST

/* Node 1 creates an account and queues to it; node 2 reads it all,
 * acks and removes a device; node 1 sees that, with no cache between. */
static void
nodes_write(void *arg)
{
	struct queue_item	it;
	uint8_t			ik[ACCOUNTS_KEYBYTES] = { 9 };

	ck_assert_int_eq(accounts_create(db, "gina", ik, &account), 0);
	ck_assert_int_eq(accounts_add_device(db, account, 2, ik), 0);
	pgstore_item(&it, "hi", 1);
	seqs[0] = pgstore_push(account, 1, &it, 9000);
	seqs[1] = pgstore_push(account, 1, &it, 9000);
}

/* What a node that cached would now hold. */
static void
nodes_warm(void *arg)
{
	uint8_t		got[ACCOUNTS_KEYBYTES];
	uint32_t	devs[4];
	int64_t		found;
	size_t		nd;

	ck_assert_int_eq(accounts_lookup(db, "gina", &found), 0);
	ck_assert_int_eq(accounts_device_key(db, account, 2, got), 0);
	ck_assert_int_eq(accounts_devices(db, account, devs, 4, &nd), 0);
	ck_assert_uint_eq(nd, 2);
	ck_assert_uint_eq(pgstore_depth(account, 1), 2);
}

static void
nodes_read(void *arg)
{
	struct queue_item	out;
	uint32_t		devs[4];
	int64_t			found;
	uint64_t		n;
	size_t			nd;

	ck_assert_int_eq(accounts_lookup(db, "gina", &found), 0);
	ck_assert_int_eq(found, account);
	ck_assert_int_eq(accounts_devices(db, account, devs, 4, &nd), 0);
	ck_assert_uint_eq(nd, 2);
	ck_assert_uint_eq(pgstore_depth(account, 1), 2);
	ck_assert_int_eq(queue_share(db, account, 1, 1, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(queue_ack(db, account, 1, seqs[0], &out), 0);
	ck_assert_int_eq(accounts_remove_device(db, account, 2), 0);
}

static void
nodes_again(void *arg)
{
	uint8_t		got[ACCOUNTS_KEYBYTES];
	uint32_t	devs[4];
	uint64_t	total;
	size_t		nd;

	ck_assert_uint_eq(pgstore_depth(account, 1), 1);
	ck_assert_int_eq(queue_total(db, &total), 0);
	ck_assert_uint_eq(total, 1);
	ck_assert_int_eq(accounts_device_key(db, account, 2, got), 2);
	ck_assert_int_eq(accounts_devices(db, account, devs, 4, &nd), 0);
	ck_assert_uint_eq(nd, 1);
	ck_assert_uint_eq(devs[0], 1);
}

START_TEST(test_nodes_share)
{
	db2 = pgstore_node();
	TURN(nodes_write);
	/* Node 1 read everything once, as a cache would have. */
	TURN(nodes_warm);
	ck_assert_int_eq(pgstore_turn_on(db2, nodes_read), 1);
	TURN(nodes_again);
}
END_TEST

/*
 * The prekey race: two nodes (two stores, two connections) claim one
 * device's one-time prekeys at once, two claims per node per turn. Both
 * nodes' turns stay open until all four claims have answered, so each
 * node's claims run while the other's transaction holds the keys it
 * took: a claim must neither wait for the other node's commit (the test
 * would time out) nor come back empty while keys are left, and no key
 * may go out twice.
 */
#define RACE_KEYS	20
#define RACE_CLAIMS	4	/* per round: two per node */

static void
race_claim(void *arg)
{
	struct pgstore_call	*c = arg;
	struct prekeys_bundle	 b;

	c->rc = prekeys_bundle(c->db, account, 1, 1, &b);
	c->got = b.has_onetime;
	c->id = b.opk.id;
}

static void
race_fill(void *arg)
{
	struct prekeys_onetime	opk[RACE_KEYS];
	uint8_t			ik[ACCOUNTS_KEYBYTES] = { 3 };
	int			i;

	ck_assert_int_eq(accounts_create(db, "hana", ik, &account), 0);
	for (i = 0; i < RACE_KEYS; i++) {
		opk[i].id = (uint32_t)(100 + i);
		memset(opk[i].key, i, sizeof opk[i].key);
	}
	ck_assert_int_eq(prekeys_add_onetime(db, account, 1, opk,
	    RACE_KEYS), 0);
}

/* One round: every claim answered, then both turns committed. */
static void
race_round(struct db *nodes[2], struct pgstore_call c[RACE_CLAIMS])
{
	struct pgstore_commit	done[2];
	int			i;

	for (i = 0; i < RACE_CLAIMS; i++) {
		memset(&c[i], 0, sizeof c[i]);
		c[i].db = nodes[i % 2];
		pgstore_start(&c[i], race_claim);
	}
	for (i = 0; i < RACE_CLAIMS; i++)
		pgunit_wait(&c[i].ended);
	for (i = 0; i < 2; i++)
		pgstore_commit(nodes[i], &done[i]);
	for (i = 0; i < 2; i++) {
		pgunit_wait(&done[i].committed);
		ck_assert_int_eq(done[i].ok, 1);
	}
}

START_TEST(test_prekey_race)
{
	struct pgstore_call	 c[RACE_CLAIMS];
	struct db		*nodes[2];
	int			 seen[RACE_KEYS], round, i;

	memset(seen, 0, sizeof seen);
	TURN(race_fill);
	nodes[0] = db;
	nodes[1] = db2 = pgstore_node();
	for (round = 0; round < RACE_KEYS / RACE_CLAIMS; round++) {
		race_round(nodes, c);
		for (i = 0; i < RACE_CLAIMS; i++) {
			ck_assert_int_eq(c[i].rc, 0);
			ck_assert_msg(c[i].got, "round %d claim %d: none",
			    round, i);
			ck_assert_uint_ge(c[i].id, 100);
			ck_assert_uint_lt(c[i].id, 100 + RACE_KEYS);
			ck_assert_msg(seen[c[i].id - 100]++ == 0,
			    "prekey %u handed out twice", c[i].id);
		}
	}
	/* All handed out, once each: none left for anyone. */
	race_round(nodes, c);
	for (i = 0; i < RACE_CLAIMS; i++)
		ck_assert_int_eq(c[i].got, 0);
	ck_assert_int_eq(pgunit_number("SELECT count(*) FROM opks"), 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("server_pgstore");
	TCase	*tc = tcase_create("pgstore");

	tcase_add_unchecked_fixture(tc, pgunit_cluster_up, pgunit_cluster_down);
	tcase_add_checked_fixture(tc, pgstore_setup, pgstore_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_accounts);
	tcase_add_test(tc, test_forget);
	tcase_add_test(tc, test_prekeys_once);
	tcase_add_test(tc, test_prekeys_floor);
	tcase_add_test(tc, test_prekeys_bound);
	tcase_add_test(tc, test_roster);
	tcase_add_test(tc, test_nodes_share);
	tcase_add_test(tc, test_prekey_race);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
