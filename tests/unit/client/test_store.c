/* test_store: the client's encrypted store (sealed rows, passphrase, lock). */
#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "client/store/msglog.h"
#include "client/store/store.h"
#include "tests/unit/unit.h"

#define PASS	"correct horse"

static char	tmpdir[] = "/tmp/natter-test-store.XXXXXX";
static char	home[256];

static void
setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(home, sizeof home, "%s/profile", tmpdir);
}

static void
teardown(void)
{
	char	cmd[512];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
	strcpy(tmpdir, "/tmp/natter-test-store.XXXXXX");
}

static struct store *
open_ok(int flags)
{
	enum store_err	 e;
	struct store	*st;

	st = store_open(home, PASS, strlen(PASS), flags, &e);
	ck_assert_msg(st != NULL, "store_open: %s", store_strerror(e));
	return (st);
}

static void
add_text(struct store *st, const char *peer, const char *text, int n)
{
	Natter__StoredMessage	 m = NATTER__STORED_MESSAGE__INIT;
	uint8_t			 id[16];
	int64_t			 seq;

	memset(id, 0, sizeof id);
	id[0] = (uint8_t)n;
	id[1] = (uint8_t)(n >> 8);
	m.message_id.data = id;
	m.message_id.len = sizeof id;
	m.peer = (char *)peer;
	m.from = (char *)peer;
	m.to = (char *)"me";
	m.text = (char *)text;
	m.ts = 1000 + n;
	ck_assert_int_eq(msglog_add(st, STORE_MESSAGE, STORE_ST_RECEIVED,
	    &m, &seq), 0);
	ck_assert_int_gt(seq, 0);
	/* Same id again: a duplicate, not a second row. */
	ck_assert_int_eq(msglog_add(st, STORE_MESSAGE, STORE_ST_RECEIVED,
	    &m, &seq), 1);
}

struct collect {
	int	n;
	char	texts[16][64];
	int64_t	seqs[16];
};

static int
collect_cb(int64_t seq, int kind, int status, const Natter__StoredMessage *m,
    void *arg)
{
	struct collect	*c = arg;

	(void)kind;
	(void)status;
	ck_assert_int_lt(c->n, 16);
	snprintf(c->texts[c->n], sizeof c->texts[0], "%s", m->text);
	c->seqs[c->n++] = seq;
	return (0);
}

START_TEST(test_roundtrip)
{
	struct store		*st;
	struct store_contact	 c, c2;
	struct collect		 col;
	uint8_t			*v;
	size_t			 len;

	st = open_ok(STORE_CREATE);
	ck_assert_int_eq(store_kv_put(st, 1, "alice", 5), 0);
	memset(&c, 0, sizeof c);
	c.trust = STORE_TRUST_TOFU;
	memset(c.ik, 0xab, sizeof c.ik);
	ck_assert_int_eq(store_contact_put(st, "bob", &c), 0);
	ck_assert_int_eq(store_session_put(st, "bob", 2, (const uint8_t *)
	    "session-two", 11), 0);
	ck_assert_int_eq(store_session_put(st, "bob", 1, (const uint8_t *)
	    "session-one", 11), 0);
	ck_assert_int_eq(store_prekey_put(st, STORE_OPK, 7, (const uint8_t *)
	    "opk7", 4), 0);
	add_text(st, "bob", "first", 1);
	add_text(st, "bob", "second", 2);
	add_text(st, "carol", "other", 3);
	store_close(st);

	st = open_ok(0);
	ck_assert_int_eq(store_kv_get(st, 1, &v, &len), 0);
	ck_assert_mem_eq(v, "alice", 5);
	free(v);
	ck_assert_int_eq(store_kv_get(st, 2, &v, &len), 1);
	ck_assert_int_eq(store_contact_get(st, "bob", &c2), 0);
	ck_assert_mem_eq(c2.ik, c.ik, 32);
	ck_assert_int_eq(store_contact_get(st, "carol", &c2), 1);
	ck_assert_int_eq(store_session_get(st, "bob", 1, &v, &len), 0);
	ck_assert_uint_eq(len, 11);
	ck_assert_mem_eq(v, "session-one", 11);
	free(v);
	{
		uint32_t devs[4];

		ck_assert_int_eq(store_session_devices(st, "bob", devs, 4), 2);
		ck_assert_uint_eq(devs[0] + devs[1], 3);
	}
	ck_assert_int_eq(store_prekey_count(st, STORE_OPK), 1);
	ck_assert_int_eq(store_prekey_del(st, STORE_OPK, 7), 0);
	ck_assert_int_eq(store_prekey_count(st, STORE_OPK), 0);
	memset(&col, 0, sizeof col);
	ck_assert_int_eq(msglog_history(st, "bob", 10, collect_cb, &col), 0);
	ck_assert_int_eq(col.n, 2);
	ck_assert_str_eq(col.texts[0], "first");
	ck_assert_str_eq(col.texts[1], "second");
	memset(&col, 0, sizeof col);
	ck_assert_int_eq(msglog_history(st, "bob", 1, collect_cb, &col), 0);
	ck_assert_int_eq(col.n, 1);
	ck_assert_str_eq(col.texts[0], "second");

	/* Printed-once bookkeeping. */
	memset(&col, 0, sizeof col);
	ck_assert_int_eq(msglog_unprinted(st, collect_cb, &col), 0);
	ck_assert_int_eq(col.n, 3);
	ck_assert_int_eq(msglog_mark_printed(st, col.seqs[0]), 0);
	memset(&col, 0, sizeof col);
	ck_assert_int_eq(msglog_unprinted(st, collect_cb, &col), 0);
	ck_assert_int_eq(col.n, 2);
	ck_assert_str_eq(col.texts[0], "second");
	store_close(st);
}
END_TEST

START_TEST(test_wrong_passphrase)
{
	enum store_err	 e;
	struct store	*st;
	struct stat	 before, after;
	char		 path[512];

	st = open_ok(STORE_CREATE);
	add_text(st, "bob", "x", 1);
	store_close(st);
	snprintf(path, sizeof path, "%s/key", home);
	ck_assert_int_eq(stat(path, &before), 0);
	st = store_open(home, "wrong", 5, 0, &e);
	ck_assert_ptr_null(st);
	ck_assert_int_eq(e, STORE_EPASS);
	ck_assert_int_eq(stat(path, &after), 0);
	ck_assert_int_eq(before.st_mtime, after.st_mtime);
	ck_assert_int_eq(before.st_size, after.st_size);
	/* The right one still works. */
	store_close(open_ok(0));
}
END_TEST

START_TEST(test_no_profile)
{
	enum store_err	 e;

	ck_assert_ptr_null(store_open(home, PASS, strlen(PASS), 0, &e));
	ck_assert_int_eq(e, STORE_ENOENT);
	ck_assert_int_ne(access(home, F_OK), 0);
}
END_TEST

/* Copy the sealed value of one row over another: it must fail to open. */
START_TEST(test_swapped_rows)
{
	struct store	*st;
	struct collect	 col;
	sqlite3		*db;
	char		 path[512];

	st = open_ok(STORE_CREATE);
	add_text(st, "bob", "first", 1);
	add_text(st, "bob", "second", 2);
	ck_assert_int_eq(store_prekey_put(st, STORE_OPK, 1, (const uint8_t *)
	    "k1", 2), 0);
	ck_assert_int_eq(store_prekey_put(st, STORE_OPK, 2, (const uint8_t *)
	    "k2", 2), 0);
	store_close(st);

	snprintf(path, sizeof path, "%s/natter.db", home);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "UPDATE messages SET v ="
	    " (SELECT v FROM messages WHERE id = 1) WHERE id = 2;"
	    "UPDATE prekeys SET v = (SELECT v FROM prekeys ORDER BY id LIMIT 1)"
	    " WHERE id = (SELECT max(id) FROM prekeys)", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);

	st = open_ok(0);
	memset(&col, 0, sizeof col);
	ck_assert_int_eq(msglog_history(st, "bob", 10, collect_cb, &col), -1);
	{
		uint8_t	*v;
		size_t	 len;

		ck_assert_int_eq(store_prekey_get(st, STORE_OPK, 1, &v, &len), 0);
		free(v);
		ck_assert_int_eq(store_prekey_get(st, STORE_OPK, 2, &v, &len), -1);
	}
	store_close(st);
}
END_TEST

/* No byte sequence of a stored text appears in any file of the profile. */
static int
file_contains(const char *path, const char *needle)
{
	struct stat	 sb;
	FILE		*f;
	char		*buf;
	long		 n;
	int		 found = 0;

	if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
		return (0);
	if ((f = fopen(path, "rb")) == NULL)
		return (0);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	found = memmem(buf, (size_t)n, needle, strlen(needle)) != NULL;
	free(buf);
	return (found);
}

START_TEST(test_no_plaintext)
{
	const char	*secret = "attack at dawn zebra 4711";
	struct store	*st;
	struct collect	 col;
	struct dirent	*de;
	DIR		*d;
	char		 path[512];
	int		 files = 0;

	st = open_ok(STORE_CREATE);
	add_text(st, "mallorytheconspirator", secret, 1);
	ck_assert_int_eq(store_kv_put(st, 1, "uniqueaccountname", 17), 0);
	/* While still open, the WAL holds the newest pages. */
	ck_assert_ptr_nonnull(d = opendir(home));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", home, de->d_name);
		ck_assert_msg(!file_contains(path, secret), "%s has it", path);
		ck_assert(!file_contains(path, "mallorytheconspirator"));
		ck_assert(!file_contains(path, "uniqueaccountname"));
		files++;
	}
	closedir(d);
	ck_assert_int_ge(files, 3);
	/* ... while the history shows it. */
	memset(&col, 0, sizeof col);
	ck_assert_int_eq(msglog_history(st, "mallorytheconspirator", 5,
	    collect_cb, &col), 0);
	ck_assert_int_eq(col.n, 1);
	ck_assert_str_eq(col.texts[0], secret);
	store_close(st);
}
END_TEST

START_TEST(test_lock)
{
	enum store_err	 e;
	struct store	*st;
	pid_t		 pid;
	int		 status;

	st = open_ok(STORE_CREATE);
	/* A second opener in another process gives up with ELOCKED. */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct store *st2;

		st2 = store_open(home, PASS, strlen(PASS), 0, &e);
		_exit(st2 == NULL && e == STORE_ELOCKED ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	store_close(st);
	/* Released on close. */
	store_close(open_ok(0));
}
END_TEST

struct outbox_r {
	int	n;
	char	got[5][16];
};

static int
outbox_collect(int64_t oid, const Natter__OutboxItem *o, void *arg)
{
	struct outbox_r	*r = arg;

	(void)oid;
	ck_assert_int_lt(r->n, 5);
	ck_assert_uint_eq(o->message_id.len, 16);
	snprintf(r->got[r->n++], sizeof r->got[0], "%s", o->text);
	return (0);
}

START_TEST(test_outbox_order)
{
	Natter__OutboxItem	 o = NATTER__OUTBOX_ITEM__INIT;
	struct store		*st;
	int64_t			 oids[5];
	char			 text[16];
	uint8_t			 id[16];
	int			 i;

	st = open_ok(STORE_CREATE);
	memset(id, 0, sizeof id);
	o.message_id.data = id;
	o.message_id.len = sizeof id;
	o.to = (char *)"bob";
	o.text = text;
	for (i = 0; i < 5; i++) {
		snprintf(text, sizeof text, "m%d", i);
		id[0] = (uint8_t)i;
		ck_assert_int_eq(store_outbox_add(st, &o, &oids[i]), 0);
	}
	ck_assert_int_eq(store_outbox_del(st, oids[1]), 0);
	ck_assert_int_eq(store_outbox_count(st), 4);
	store_close(st);
	st = open_ok(0);
	{
		struct outbox_r	r;

		memset(&r, 0, sizeof r);
		ck_assert_int_eq(store_outbox_each(st, outbox_collect, &r), 0);
		ck_assert_int_eq(r.n, 4);
		ck_assert_str_eq(r.got[0], "m0");
		ck_assert_str_eq(r.got[1], "m2");
		ck_assert_str_eq(r.got[3], "m4");
	}
	store_close(st);
}
END_TEST

START_TEST(test_transaction)
{
	struct store	*st;
	struct collect	 col;

	st = open_ok(STORE_CREATE);
	ck_assert_int_eq(store_begin(st), 0);
	add_text(st, "bob", "rolled back", 1);
	ck_assert_int_eq(store_seq_add(st, 42), 0);
	store_rollback(st);
	ck_assert_int_eq(store_seq_seen(st, 42), 0);
	ck_assert_int_eq(store_begin(st), 0);
	add_text(st, "bob", "kept", 2);
	ck_assert_int_eq(store_seq_add(st, 43), 0);
	ck_assert_int_eq(store_commit(st), 0);
	store_close(st);
	st = open_ok(0);
	ck_assert_int_eq(store_seq_seen(st, 43), 1);
	memset(&col, 0, sizeof col);
	ck_assert_int_eq(msglog_history(st, "bob", 10, collect_cb, &col), 0);
	ck_assert_int_eq(col.n, 1);
	ck_assert_str_eq(col.texts[0], "kept");
	store_close(st);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("store");
	TCase	*tc = tcase_create("store");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_wrong_passphrase);
	tcase_add_test(tc, test_no_profile);
	tcase_add_test(tc, test_swapped_rows);
	tcase_add_test(tc, test_no_plaintext);
	tcase_add_test(tc, test_lock);
	tcase_add_test(tc, test_outbox_order);
	tcase_add_test(tc, test_transaction);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
