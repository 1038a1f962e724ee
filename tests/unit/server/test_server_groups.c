/* test_server_groups: the group modules of natterd: the devices_hash
 * (sort order, encoding, the digest around the sending device), groupdb
 * on a real database (create, names, members sorted, writes, the device
 * set following device lists), and bodies stored once behind queue
 * references (fetch fills them in, the last ack, forget or purge frees
 * them, a rolled back savepoint restores the counts; references and
 * rows are one FIFO; migration 8 moves a version 7 queue's references). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "server/accounts.h"
#include "server/bodies.h"
#include "server/db.h"
#include "server/groupdb.h"
#include "server/grouprcpt.h"
#include "server/grouphash.h"
#include "server/queue.h"
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
	xasprintf(&cmd, "rm -rf %s", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

START_TEST(test_hash_order)
{
	struct fanout_ref	r[] = {
		{ "bob", 2 }, { "alice", 10 }, { "bo", 1 }, { "bob", 1 },
		{ "alice", 9 }, { "a.b", 1 }, { "a-b", 1 }, { "b", 7 },
	};
	const char		*want[] = {
		"a-b/1", "a.b/1", "alice/9", "alice/10", "b/7", "bo/1",
		"bob/1", "bob/2"
	};
	char			 got[16];
	size_t			 i;

	grouphash_sort(r, sizeof r / sizeof r[0]);
	for (i = 0; i < sizeof r / sizeof r[0]; i++) {
		snprintf(got, sizeof got, "%s/%u", r[i].name, r[i].device);
		ck_assert_str_eq(got, want[i]);
	}
}
END_TEST

START_TEST(test_hash_encoding)
{
	struct fanout_ref	 r[] = { { "al", 1 }, { "bob", 0x01020304 } };
	const uint8_t		 want[] = { 2, 'a', 'l', 0, 0, 0, 1,
				    3, 'b', 'o', 'b', 1, 2, 3, 4 };
	uint8_t			*enc, h[32], w[32], none[32];
	size_t			*off;

	grouphash_encode(r, 2, &enc, &off);
	ck_assert_uint_eq(off[0], 0);
	ck_assert_uint_eq(off[1], 7);
	ck_assert_uint_eq(off[2], sizeof want);
	ck_assert_mem_eq(enc, want, sizeof want);
	/* All of it; less the first; less the second; an empty set. */
	grouphash_digest(enc, off, 2, 2, h);
	crypto_hash_sha256(w, want, sizeof want);
	ck_assert_mem_eq(h, w, 32);
	grouphash_digest(enc, off, 2, 0, h);
	crypto_hash_sha256(w, want + 7, sizeof want - 7);
	ck_assert_mem_eq(h, w, 32);
	grouphash_digest(enc, off, 2, 1, h);
	crypto_hash_sha256(w, want, 7);
	ck_assert_mem_eq(h, w, 32);
	free(enc);
	free(off);
	grouphash_encode(r, 0, &enc, &off);
	grouphash_digest(enc, off, 0, 0, h);
	crypto_hash_sha256(none, (const uint8_t *)"", 0);
	ck_assert_mem_eq(h, none, 32);
	free(enc);
	free(off);
}
END_TEST

static int64_t
account(const char *name)
{
	uint8_t	ik[ACCOUNTS_KEYBYTES];
	int64_t	a;

	memset(ik, name[0], sizeof ik);
	ck_assert_int_eq(accounts_create(db, name, ik, &a), 0);
	return (a);
}

START_TEST(test_groupdb)
{
	struct groupdb_group	*g;
	uint8_t			 id[16], id2[16], ik[32];
	int64_t			 a = account("carol"), b = account("al"),
				 c = account("bo"), gid, gid2, gids[4];
	uint64_t		 n;
	size_t			 ng;

	memset(id, 1, sizeof id);
	memset(id2, 2, sizeof id2);
	memset(ik, 9, sizeof ik);
	ck_assert_int_eq(groupdb_create(db, "team", id, 1000, &gid), 0);
	ck_assert_int_eq(groupdb_create(db, "team", id2, 1000, &gid2), 1);
	ck_assert_int_eq(groupdb_add(db, gid, a, 1, 1000), 0);
	ck_assert_int_eq(groupdb_add(db, gid, b, 0, 1001), 0);
	ck_assert_int_eq(groupdb_add(db, gid, c, 0, 1002), 0);
	ck_assert_int_eq(groupdb_find_id(db, id, &g), 0);
	ck_assert_str_eq(g->name, "team");
	ck_assert_uint_eq(g->epoch, 1);
	ck_assert_uint_eq(g->nmembers, 3);
	ck_assert_str_eq(g->members[0].name, "al");
	ck_assert_str_eq(g->members[1].name, "bo");
	ck_assert_str_eq(g->members[2].name, "carol");
	ck_assert_int_eq(g->members[2].admin, 1);
	ck_assert_int_eq(groupdb_member(g, c), 1);
	ck_assert_int_eq(groupdb_find_id(db, id2, &g), 1);
	ck_assert_int_eq(groupdb_find_name(db, "nope", &g), 1);

	/* The device set: every member's devices, in the hash's order;
	 * a new device is in it at the next look. */
	ck_assert_int_eq(groupdb_find_name(db, "team", &g), 0);
	ck_assert_int_eq(groupdb_devices(db, g), 0);
	ck_assert_uint_eq(g->ndevs, 3);
	ck_assert_int_eq(accounts_add_device(db, c, 2, ik), 0);
	ck_assert_int_eq(groupdb_devices(db, g), 0);
	ck_assert_uint_eq(g->ndevs, 4);
	ck_assert_str_eq(g->devs[2].name, "bo");
	ck_assert_uint_eq(g->devs[2].device, 2);
	ck_assert_int_eq(g->devaccts[2], c);

	ck_assert_int_eq(groupdb_remove(db, gid, b), 0);
	ck_assert_int_eq(groupdb_set_admin(db, gid, c), 0);
	ck_assert_int_eq(groupdb_bump(db, gid), 0);
	ck_assert_int_eq(groupdb_create(db, "other", id2, 1000, &gid2), 0);
	ck_assert_int_eq(groupdb_rename(db, gid, "other"), 1);
	ck_assert_int_eq(groupdb_rename(db, gid, "crew"), 0);
	ck_assert_int_eq(groupdb_find_name(db, "team", &g), 1);
	ck_assert_int_eq(groupdb_find_name(db, "crew", &g), 0);
	ck_assert_uint_eq(g->epoch, 2);
	ck_assert_uint_eq(g->nmembers, 2);
	ck_assert_int_eq(g->members[0].admin, 1);
	ck_assert_int_eq(groupdb_of_account(db, c, gids, 4, &ng), 0);
	ck_assert_uint_eq(ng, 1);
	ck_assert_int_eq(gids[0], gid);
	ck_assert_int_eq(groupdb_count(db, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(groupdb_delete(db, gid), 0);
	ck_assert_int_eq(groupdb_find_id(db, id, &g), 1);
	ck_assert_int_eq(groupdb_count(db, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(groupdb_create(db, "crew", id, 1000, &gid), 0);
}
END_TEST

/* Store body text for n references and push them to devices 1..n of
 * account 7; the body's id. */
static int64_t
store(const char *text, int n, int64_t expires, uint64_t *seqs)
{
	struct bodies_row	r;
	struct queue_item	it;
	struct queue_ref	refs[8];
	uint8_t			gid[16], mid[16];
	int			i;

	ck_assert_int_le(n, 8);

	memset(gid, 0xaa, sizeof gid);
	memset(mid, 0xbb, sizeof mid);
	memset(&r, 0, sizeof r);
	r.group_id = gid;
	r.from_account = 3;
	r.from_name = "sender";
	r.from_device = 1;
	r.message_id = mid;
	r.type = 3;
	r.content = (const uint8_t *)text;
	r.content_len = strlen(text);
	r.server_ts = 100;
	r.expires = expires;
	memset(&it, 0, sizeof it);
	ck_assert_int_eq(bodies_put(db, &r, (uint64_t)n, &it.body), 0);
	it.from_account = 3;
	snprintf(it.from, sizeof it.from, "sender");
	memcpy(it.message_id, mid, sizeof mid);
	it.type = 3;
	for (i = 0; i < n; i++) {
		refs[i].account = 7;
		refs[i].device = (uint32_t)i + 1;
	}
	ck_assert_int_eq(queue_push_refs(db, &it, expires, refs, (size_t)n),
	    0);
	for (i = 0; i < n; i++)
		seqs[i] = refs[i].seq;
	return (it.body);
}

static int64_t
rows(const char *sql)
{
	int64_t	n = -1;

	ck_assert_int_eq(db_step_int64(db_stmt(db, sql), &n), 0);
	return (n);
}

START_TEST(test_bodies)
{
	struct queue_item	items[4];
	uint64_t		seqs[3], n;
	size_t			got;

	(void)store("hello", 3, 5000, seqs);
	ck_assert_int_eq(rows("SELECT count(*) FROM group_bodies"), 1);
	/* A reference is a row of group_refs, not of the queue. */
	ck_assert_int_eq(rows("SELECT count(*) FROM group_refs"), 3);
	ck_assert_int_eq(rows("SELECT count(*) FROM queue"), 0);
	ck_assert_int_eq(queue_fetch(db, 7, 2, 0, 0, items, 4, &got), 0);
	ck_assert_uint_eq(got, 1);
	ck_assert_str_eq(items[0].from, "sender");
	ck_assert_uint_eq(items[0].content_len, 5);
	ck_assert_mem_eq(items[0].content, "hello", 5);
	ck_assert_uint_eq(items[0].group[0], 0xaa);
	ck_assert_int_ne(items[0].body, 0);
	queue_items_clear(items, got);

	ck_assert_int_eq(queue_ack(db, 7, 1, seqs[0], &items[0]), 0);
	/* Not device 2's row: nothing deleted, no reference lost. */
	ck_assert_int_ne(items[0].body, 0);
	ck_assert_int_eq(queue_delete(db, 7, 2, &items[0]), 1);
	ck_assert_int_eq(bodies_total(db, &n), 0);
	ck_assert_uint_eq(n, 1);
	items[0].seq = seqs[1];
	ck_assert_int_eq(queue_delete(db, 7, 2, &items[0]), 0);
	ck_assert_int_eq(rows("SELECT count(*) FROM group_bodies"), 1);
	/* The last reference goes with its device: so does the body. */
	ck_assert_int_eq(queue_forget(db, 7, 3), 0);
	ck_assert_int_eq(rows("SELECT count(*) FROM group_bodies"), 0);
	ck_assert_int_eq(bodies_total(db, &n), 0);
	ck_assert_uint_eq(n, 0);

	/* Expiry takes body and references together. */
	(void)store("old", 2, 200, seqs);
	ck_assert_int_eq(queue_purge(db, 300, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(rows("SELECT count(*) FROM group_bodies"), 0);
	ck_assert_int_eq(bodies_total(db, &n), 0);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(test_bodies_rollback)
{
	struct queue_item	it;
	uint64_t		seqs[2], n;

	(void)store("kept", 2, 5000, seqs);
	ck_assert_int_eq(db_commit(db), 0);
	/* A forget rolled back: the body and its count are back. */
	ck_assert_int_eq(db_savepoint(db), 0);
	ck_assert_int_eq(queue_forget(db, 7, 1), 0);
	ck_assert_int_eq(queue_forget(db, 7, 2), 0);
	ck_assert_int_eq(rows("SELECT count(*) FROM group_bodies"), 0);
	db_rollback_savepoint(db);
	ck_assert_int_eq(rows("SELECT count(*) FROM group_bodies"), 1);
	ck_assert_int_eq(bodies_total(db, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(queue_ack(db, 7, 1, seqs[0], &it), 0);
	ck_assert_int_eq(rows("SELECT count(*) FROM group_bodies"), 1);
	ck_assert_int_eq(queue_ack(db, 7, 2, seqs[1], &it), 0);
	ck_assert_int_eq(rows("SELECT count(*) FROM group_bodies"), 0);
}
END_TEST

START_TEST(test_bodies_reopen)
{
	char		*path, *err = NULL;
	uint64_t	 seqs[3], n;
	struct queue_item it;

	(void)store("again", 3, 5000, seqs);
	db_close(db);
	xasprintf(&path, "%s/natterd.db", tmpdir);
	db = db_open(path, 0, &err);
	free(path);
	ck_assert_ptr_nonnull(db);
	/* The counts are read back from group_refs. */
	ck_assert_int_eq(bodies_total(db, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(queue_ack(db, 7, 1, seqs[0], &it), 0);
	ck_assert_int_eq(queue_ack(db, 7, 2, seqs[1], &it), 0);
	ck_assert_int_eq(rows("SELECT count(*) FROM group_bodies"), 1);
	ck_assert_int_eq(queue_ack(db, 7, 3, seqs[2], &it), 0);
	ck_assert_int_eq(rows("SELECT count(*) FROM group_bodies"), 0);
}
END_TEST

/* A gathered receipt's other ackers, as a row's content packs them. */
START_TEST(test_receipt_more)
{
	static const uint8_t	packed[] = {
		3, 'b', 'o', 'b', 0, 0, 0, 2,
		5, 'c', 'a', 'r', 'o', 'l', 0, 0, 1, 0,
		4, 'd', 'a'	/* cut short: ignored */
	};
	Natter__Receipt		r = NATTER__RECEIPT__INIT;

	grouprcpt_more(&r, packed, sizeof packed);
	ck_assert_uint_eq(r.n_more, 2);
	ck_assert_str_eq(r.more[0]->name, "bob");
	ck_assert_uint_eq(r.more[0]->device, 2);
	ck_assert_str_eq(r.more[1]->name, "carol");
	ck_assert_uint_eq(r.more[1]->device, 256);
	grouprcpt_more_free(&r);
	ck_assert_ptr_null(r.more);
	grouprcpt_more(&r, packed + 18, 3);
	ck_assert_uint_eq(r.n_more, 0);
	grouprcpt_more_free(&r);
	grouprcpt_more(&r, NULL, 0);
	ck_assert_uint_eq(r.n_more, 0);
	grouprcpt_more_free(&r);
}
END_TEST

/* An expired body's references go, a live body's stay. */
START_TEST(test_purge_references)
{
	uint64_t	seqs[3], n;

	(void)store("old", 2, 200, seqs);
	(void)store("new", 3, 5000, seqs);
	ck_assert_int_eq(queue_purge(db, 300, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(rows("SELECT count(*) FROM group_refs"), 3);
	ck_assert_int_eq(rows("SELECT count(*) FROM group_bodies"), 1);
	ck_assert_int_eq(bodies_total(db, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(queue_purge(db, 400, &n), 0);
	ck_assert_uint_eq(n, 0);
}
END_TEST

/* Push a one-to-one message text to (7, device); its seq. */
static uint64_t
push_one(uint32_t device, const char *text)
{
	struct queue_item	it;
	uint64_t		seq;

	memset(&it, 0, sizeof it);
	it.from_account = 4;
	snprintf(it.from, sizeof it.from, "pal");
	it.type = 1;
	it.content = (uint8_t *)text;
	it.content_len = strlen(text);
	ck_assert_int_eq(queue_push(db, 7, device, &it, 5000, &seq), 0);
	return (seq);
}

static void
reopen(void)
{
	char	*path, *err = NULL;

	db_close(db);
	xasprintf(&path, "%s/natterd.db", tmpdir);
	db = db_open(path, 0, &err);
	ck_assert_msg(db != NULL, "db_open: %s", err != NULL ? err : "?");
	free(path);
}

/* A device's rows and references come out as one FIFO, by seq. */
START_TEST(test_refs_fifo)
{
	static const char	*want[] = { "a", "g1", "b", "g2", "c" };
	struct queue_item	 items[8];
	uint64_t		 seqs[2];
	size_t			 got, i;

	(void)push_one(1, "a");
	(void)store("g1", 2, 5000, seqs);
	(void)push_one(1, "b");
	(void)store("g2", 1, 5000, seqs);
	(void)push_one(1, "c");
	ck_assert_int_eq(queue_fetch(db, 7, 1, 0, 0, items, 8, &got), 0);
	ck_assert_uint_eq(got, 5);
	for (i = 0; i < got; i++) {
		ck_assert_mem_eq(items[i].content, want[i], strlen(want[i]));
		ck_assert_int_eq(items[i].body != 0, want[i][0] == 'g');
		if (i > 0)
			ck_assert_uint_gt(items[i].seq, items[i - 1].seq);
	}
	/* From the middle, and a limit that cuts the merge short. */
	ck_assert_int_eq(queue_fetch(db, 7, 1, items[1].seq, 0, items + 5,
	    2, &got), 0);
	ck_assert_uint_eq(got, 2);
	ck_assert_mem_eq(items[5].content, "b", 1);
	ck_assert_mem_eq(items[6].content, "g2", 2);
	queue_items_clear(items, 7);
	/* Device 2 has g1 only. */
	ck_assert_int_eq(queue_fetch(db, 7, 2, 0, 0, items, 8, &got), 0);
	ck_assert_uint_eq(got, 1);
	ck_assert_mem_eq(items[0].content, "g1", 2);
	queue_items_clear(items, got);
}
END_TEST

/* Seqs never go back: not after references took the last ones and were
 * acked, not across a restart with nothing queued. */
START_TEST(test_refs_seq_reopen)
{
	struct queue_item	it;
	uint64_t		seqs[3], one;

	one = push_one(1, "first");
	(void)store("refs", 3, 5000, seqs);
	ck_assert_uint_gt(seqs[0], one);
	ck_assert_uint_eq(seqs[2], seqs[0] + 2);
	ck_assert_int_eq(queue_ack(db, 7, 1, one, &it), 0);
	ck_assert_int_eq(queue_ack(db, 7, 1, seqs[0], &it), 0);
	ck_assert_int_eq(queue_ack(db, 7, 2, seqs[1], &it), 0);
	ck_assert_int_eq(queue_ack(db, 7, 3, seqs[2], &it), 0);
	ck_assert_int_eq(rows("SELECT count(*) FROM group_refs"), 0);
	ck_assert_int_eq(db_commit(db), 0);
	reopen();
	ck_assert_uint_gt(push_one(1, "next"), seqs[2]);
	(void)store("more", 1, 5000, seqs + 1);
	ck_assert_uint_gt(seqs[1], seqs[2]);
}
END_TEST

/* References count in a device's depth and in the sender's share, when
 * pushed and when counted again after a restart. */
START_TEST(test_refs_depth)
{
	uint64_t	seqs[3], depth, share;

	(void)push_one(2, "one");
	(void)store("refs", 3, 5000, seqs);
	ck_assert_int_eq(queue_depth(db, 7, 2, &depth), 0);
	ck_assert_uint_eq(depth, 2);
	ck_assert_int_eq(queue_share(db, 7, 2, 3, &share), 0);
	ck_assert_uint_eq(share, 1);
	ck_assert_int_eq(db_commit(db), 0);
	reopen();
	ck_assert_int_eq(queue_depth(db, 7, 2, &depth), 0);
	ck_assert_uint_eq(depth, 2);
	ck_assert_int_eq(queue_share(db, 7, 2, 3, &share), 0);
	ck_assert_uint_eq(share, 1);
	ck_assert_int_eq(queue_forget(db, 7, 2), 0);
	ck_assert_int_eq(queue_depth(db, 7, 2, &depth), 0);
	ck_assert_uint_eq(depth, 0);
	ck_assert_int_eq(queue_share(db, 7, 2, 3, &share), 0);
	ck_assert_uint_eq(share, 0);
}
END_TEST

/* A version 7 database, whose references are queue rows (body set, no
 * name or content), migrates: they are delivered from group_refs, in
 * order with the rows left in the queue, their body freed by the last
 * ack, and new seqs follow theirs. */
START_TEST(test_migrate_refs)
{
	struct queue_item	 items[4], it;
	sqlite3			*h;
	char			*path;
	uint64_t		 n, seq;
	size_t			 got;

	db_close(db);
	db = NULL;
	xasprintf(&path, "%s/natterd.db", tmpdir);
	ck_assert_int_eq(sqlite3_open(path, &h), SQLITE_OK);
	free(path);
	ck_assert_int_eq(sqlite3_exec(h, "DROP TABLE group_refs; "
	    "INSERT INTO group_bodies (body, group_id, from_account, "
	    "from_name, from_device, message_id, type, content, server_ts, "
	    "expires) VALUES (5, zeroblob(16), 3, 'sender', 1, "
	    "zeroblob(16), 3, 'old', 100, 5000); "
	    "INSERT INTO queue (seq, account, device, from_account, "
	    "from_name, from_device, message_id, type, content, server_ts, "
	    "expires, body) VALUES "
	    "(40, 7, 1, 3, '', 1, zeroblob(16), 3, NULL, 100, 5000, 5), "
	    "(41, 7, 1, 4, 'pal', 1, zeroblob(16), 1, 'pair', 100, 5000, "
	    "NULL), "
	    "(42, 7, 2, 3, '', 1, zeroblob(16), 3, NULL, 100, 5000, 5); "
	    "PRAGMA user_version = 7;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	reopen();
	ck_assert_int_eq(rows("PRAGMA user_version"), 8);
	ck_assert_int_eq(rows("SELECT count(*) FROM group_refs"), 2);
	ck_assert_int_eq(rows("SELECT count(*) FROM queue"), 1);
	ck_assert_int_eq(queue_fetch(db, 7, 1, 0, 0, items, 4, &got), 0);
	ck_assert_uint_eq(got, 2);
	ck_assert_uint_eq(items[0].seq, 40);
	ck_assert_int_eq(items[0].body, 5);
	ck_assert_str_eq(items[0].from, "sender");
	ck_assert_mem_eq(items[0].content, "old", 3);
	ck_assert_uint_eq(items[1].seq, 41);
	ck_assert_mem_eq(items[1].content, "pair", 4);
	queue_items_clear(items, got);
	ck_assert_int_eq(bodies_total(db, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(queue_ack(db, 7, 1, 40, &it), 0);
	ck_assert_int_eq(queue_ack(db, 7, 2, 42, &it), 0);
	ck_assert_int_eq(it.from_account, 3);
	ck_assert_int_eq(rows("SELECT count(*) FROM group_bodies"), 0);
	(void)store("new", 1, 5000, &seq);
	ck_assert_uint_gt(seq, 42);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("server_groups");
	TCase	*tc = tcase_create("groups");

	if (sodium_init() < 0)
		return (1);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_hash_order);
	tcase_add_test(tc, test_hash_encoding);
	tcase_add_test(tc, test_groupdb);
	tcase_add_test(tc, test_bodies);
	tcase_add_test(tc, test_bodies_rollback);
	tcase_add_test(tc, test_bodies_reopen);
	tcase_add_test(tc, test_receipt_more);
	tcase_add_test(tc, test_purge_references);
	tcase_add_test(tc, test_refs_fifo);
	tcase_add_test(tc, test_refs_seq_reopen);
	tcase_add_test(tc, test_refs_depth);
	tcase_add_test(tc, test_migrate_refs);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
