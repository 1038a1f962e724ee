/* test_groups: the pure parts of groups: the devices hash, the sealed copy of a group, sender-key bookkeeping (holders, rotation, install, decrypt). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/cli/cli.h"
#include "client/core/groups.h"
#include "client/core/groupsend.h"
#include "client/core/senderkeys.h"
#include "client/store/store.h"
#include "shared/crypto/senderkey.h"
#include "shared/util/hex.h"
#include "tests/unit/unit.h"

#define PASS	"correct horse"

static char	tmpdir[] = "/tmp/natter-test-groups.XXXXXX";
static char	home[256];
static struct store *st;
static const uint8_t gid[GROUPS_IDBYTES] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    11, 12, 13, 14, 15, 16 };

static void
setup(void)
{
	enum store_err	e;

	ck_assert_int_ge(sodium_init(), 0);
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(home, sizeof home, "%s/profile", tmpdir);
	st = store_open(home, PASS, strlen(PASS), STORE_CREATE, &e);
	ck_assert_ptr_nonnull(st);
}

static void
teardown(void)
{
	char	cmd[512];

	store_close(st);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
	strcpy(tmpdir, "/tmp/natter-test-groups.XXXXXX");
}

static Natter__DeviceKey *
dk(const char *name, uint32_t device)
{
	Natter__DeviceKey	*d = malloc(sizeof *d);

	natter__device_key__init(d);
	d->name = (char *)name;
	d->device = device;
	return (d);
}

/* docs/groups.md: sorted by (name, device), u8 len | name | u32 BE. */
START_TEST(test_hash)
{
	Natter__DeviceKey	*v[3];
	uint8_t			 h[32];
	char			 hex[65];

	v[0] = dk("bob", 3);
	v[1] = dk("alice", 2);
	v[2] = dk("bob", 1);
	groupsend_hash(h, v, 3);
	hex_encode(hex, h, sizeof h);
	ck_assert_str_eq(hex, "96d3524b14e1d7ba0471cff10764069a163981635a0a"
	    "1844058e23d808e86b15");
	groupsend_hash(h, v, 0);
	hex_encode(hex, h, sizeof h);
	/* SHA-256 of nothing. */
	ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b"
	    "934ca495991b7852b855");
	free(v[0]);
	free(v[1]);
	free(v[2]);
}
END_TEST

static Natter__GroupInfo *
info(const char *name, uint64_t epoch, char **members, size_t n)
{
	static Natter__GroupInfo	gi;

	natter__group_info__init(&gi);
	gi.id.data = (uint8_t *)gid;
	gi.id.len = sizeof gid;
	gi.name = (char *)name;
	gi.epoch = epoch;
	gi.members = members;
	gi.n_members = n;
	gi.admins = members;
	gi.n_admins = 1;
	return (&gi);
}

/* The copy follows epochs forward only; a rename keeps the id. */
START_TEST(test_copy)
{
	char		 a[] = "alice", b[] = "bob", bad[] = "Bad Name";
	char		*m2[] = { a, b }, *m1[] = { b };
	struct group	*g;
	char		 peer[GROUPS_PEERBYTES];
	uint8_t		 id[GROUPS_IDBYTES];

	ck_assert_int_eq(groups_update(st, info("g1", 1, m2, 2), "alice"), 0);
	g = groups_by_name(st, "g1");
	ck_assert_ptr_nonnull(g);
	ck_assert_int_eq(g->local->gone, 0);
	groups_free_one(g);
	ck_assert_int_eq(groups_update(st, info("g2", 3, m2, 2), "alice"), 0);
	ck_assert_ptr_null(groups_by_name(st, "g1"));	/* renamed */
	ck_assert_ptr_nonnull(g = groups_by_name(st, "g2"));
	groups_free_one(g);
	/* An older answer never undoes a newer change. */
	ck_assert_int_eq(groups_update(st, info("g1", 2, m1, 1), "alice"), 1);
	ck_assert_ptr_nonnull(g = groups_by_id(st, gid, sizeof gid));
	ck_assert_str_eq(g->info->name, "g2");
	groups_free_one(g);
	/* Removed: kept, but gone. */
	ck_assert_int_eq(groups_update(st, info("g2", 4, m1, 1), "alice"), 0);
	ck_assert_ptr_nonnull(g = groups_by_id(st, gid, sizeof gid));
	ck_assert_int_eq(g->local->gone, 1);
	groups_free_one(g);
	groups_peer(peer, gid);
	ck_assert_int_eq(groups_peer_id(peer, id), 0);
	ck_assert_mem_eq(id, gid, sizeof id);
	ck_assert_int_eq(groups_peer_id("bob", id), -1);
	ck_assert_int_eq(groups_peer_id("#00", id), -1);
	/* Malformed: a bad member name, a short id. */
	m1[0] = bad;
	ck_assert_int_eq(groups_update(st, info("g2", 5, m1, 1), "alice"), -1);
}
END_TEST

/* A holder that is no longer among the group's devices: rotate. */
START_TEST(test_stale)
{
	Natter__DeviceKey	*set[2];
	struct skown		*o;
	uint32_t		 kid;
	uint8_t			 ik1[32], ik2[32];

	memset(ik1, 1, sizeof ik1);
	memset(ik2, 2, sizeof ik2);

	set[0] = dk("bob", 1);
	set[1] = dk("carol", 1);
	ck_assert_ptr_nonnull(o = senderkeys_own_load(st, gid));
	ck_assert_int_eq(senderkeys_own_stale(o, set, 2), 0);
	senderkeys_own_add_holder(o, "bob", 1, ik1);
	senderkeys_own_add_holder(o, "carol", 1, ik1);
	ck_assert_int_eq(senderkeys_own_stale(o, set, 2), 0);
	ck_assert_int_eq(senderkeys_own_stale(o, set, 1), 1);	/* carol went */
	ck_assert_int_eq(senderkeys_own_save(st, o), 0);
	kid = senderkey_key_id(senderkeys_own_key(o));
	senderkeys_own_free(o);
	/* Kept sealed, holders and all. */
	ck_assert_ptr_nonnull(o = senderkeys_own_load(st, gid));
	ck_assert_int_eq(senderkey_key_id(senderkeys_own_key(o)), kid);
	ck_assert_int_eq(senderkeys_own_holds(o, "carol", 1, NULL), 1);
	ck_assert_int_eq(senderkeys_own_holds(o, "carol", 1, ik1), 1);
	/* Another identity key on that device now: it holds nothing. */
	ck_assert_int_eq(senderkeys_own_holds(o, "carol", 1, ik2), 0);
	senderkeys_own_free(o);
	/* A mark made while o was loaded survives o's save. */
	ck_assert_ptr_nonnull(o = senderkeys_own_load(st, gid));
	ck_assert_int_eq(senderkeys_mark_rotate(st, gid), 0);
	ck_assert_int_eq(senderkeys_own_save(st, o), 0);
	senderkeys_own_free(o);
	ck_assert_ptr_nonnull(o = senderkeys_own_load(st, gid));
	ck_assert_int_eq(senderkeys_own_stale(o, set, 2), 1);
	senderkeys_own_free(o);
	/* A "removed" change marks it; rotating clears holders and flag. */
	ck_assert_int_eq(senderkeys_mark_rotate(st, gid), 0);
	ck_assert_ptr_nonnull(o = senderkeys_own_load(st, gid));
	ck_assert_int_eq(senderkeys_own_stale(o, set, 2), 1);
	senderkeys_own_rotate(o);
	ck_assert_int_ne(senderkey_key_id(senderkeys_own_key(o)), kid);
	ck_assert_int_eq(senderkeys_own_holds(o, "carol", 1, NULL), 0);
	ck_assert_int_eq(senderkeys_own_stale(o, set, 2), 0);
	senderkeys_own_free(o);
	free(set[0]);
	free(set[1]);
}
END_TEST

/* Encrypt one message with k into c (clen). */
static void
seal(struct senderkey *k, const char *text, uint8_t *c, size_t *clen)
{
	ck_assert_int_eq(senderkey_encrypt(k, c, clen, (const uint8_t *)text,
	    strlen(text)), 0);
}

static int
open_as(const char *from, const uint8_t *c, size_t clen)
{
	uint8_t	*pt;
	size_t	 ptlen;
	int	 rc;

	rc = senderkeys_decrypt(st, gid, from, 1, c, clen, &pt, &ptlen);
	free(pt);
	return (rc);
}

/*
 * What a removed member keeps reads nothing after a rotation; a member
 * added later reads nothing from before; a key for another group is
 * refused; a device that gave no key is told apart.
 */
START_TEST(test_install_decrypt)
{
	struct senderkey	*k;
	uint8_t			 dist[SENDERKEY_DISTMAX], c0[256], c1[256];
	uint8_t			 c2[256], other[GROUPS_IDBYTES];
	size_t			 dlen, l0, l1, l2;

	k = senderkey_create(gid, sizeof gid);
	ck_assert_int_eq(open_as("alice", c0, 0), SENDERKEYS_NOKEY);
	senderkey_distribution(k, dist, &dlen);
	memset(other, 7, sizeof other);
	ck_assert_int_eq(senderkeys_install(st, "alice", 1, other, dist, dlen),
	    -1);
	ck_assert_int_eq(senderkeys_install(st, "alice", 1, gid, dist, dlen),
	    0);
	seal(k, "zero", c0, &l0);
	ck_assert_int_eq(open_as("alice", c0, l0), SENDERKEYS_OK);
	ck_assert_int_eq(open_as("alice", c0, l0), SENDERKEYS_BAD); /* replay */
	/* A later member: the chain as it is now (after message 0). */
	senderkey_distribution(k, dist, &dlen);
	ck_assert_int_eq(senderkeys_install(st, "late", 1, gid, dist, dlen), 0);
	seal(k, "one", c1, &l1);
	ck_assert_int_eq(senderkeys_install(st, "late", 1, gid, dist, dlen), 0);
	ck_assert_int_eq(open_as("late", c0, l0), SENDERKEYS_BAD);
	ck_assert_int_eq(open_as("late", c1, l1), SENDERKEYS_OK);
	/* Rotated after a removal: the old states read nothing new. */
	senderkey_rotate(k);
	seal(k, "two", c2, &l2);
	ck_assert_int_eq(open_as("alice", c2, l2), SENDERKEYS_BAD);
	ck_assert_int_eq(open_as("late", c2, l2), SENDERKEYS_BAD);
	/* From another device of the same account: no key from it. */
	ck_assert_int_eq(senderkeys_decrypt(st, gid, "alice", 2, c1, l1,
	    &(uint8_t *){ NULL }, &l0), SENDERKEYS_NOKEY);
	senderkey_free(k);
}
END_TEST

/* USER... takes every operand left, and must be given. */
START_TEST(test_cli_list)
{
	const struct cli_cmd	*cmd = cli_find("group create");
	struct core_error	 err;
	char			 a0[] = "group create", a1[] = "g";
	char			 a2[] = "bob", a3[] = "carol";
	char			*argv[] = { a0, a1, a2, a3, NULL };
	const char		**users;
	json_t			*p;
	int			 json = 0;
	char			 usage[128];

	ck_assert_ptr_nonnull(cmd);
	ck_assert_str_eq(cmd->method, "groupCreate");
	cli_usage_line(cmd, usage, sizeof usage);
	ck_assert_str_eq(usage, "group create NAME USER...");
	ck_assert_ptr_nonnull(p = cli_parse_argv(cmd, 4, argv, &json, &err));
	users = cli_list(p, "users");
	ck_assert_str_eq(users[0], "bob");
	ck_assert_str_eq(users[1], "carol");
	ck_assert_ptr_null(users[2]);
	free(users);
	json_decref(p);
	ck_assert_ptr_null(cli_parse_argv(cmd, 2, argv, &json, &err));
	ck_assert_int_eq(err.code, CORE_ERR_USAGE);
	p = json_pack("{s:s, s:[]}", "name", "g", "users");
	ck_assert_int_eq(cli_check_params(cmd, p, CLI_WORDS_RPC, err.msg,
	    sizeof err.msg), -1);
	json_decref(p);
	p = json_pack("{s:s, s:[s]}", "name", "g", "users", "bob");
	ck_assert_int_eq(cli_check_params(cmd, p, CLI_WORDS_RPC, err.msg,
	    sizeof err.msg), 0);
	json_decref(p);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("groups");
	TCase	*tc = tcase_create("groups");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_hash);
	tcase_add_test(tc, test_copy);
	tcase_add_test(tc, test_stale);
	tcase_add_test(tc, test_install_decrypt);
	tcase_add_test(tc, test_cli_list);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
