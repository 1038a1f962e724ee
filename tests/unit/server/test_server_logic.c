/* test_server_logic: natterd's pure logic: the device-mismatch computation
 * (with skipped devices), the device list checks, Register/Auth/LinkOffer
 * signature checks, token buckets, name validation, the sessions online,
 * the directory seam. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "server/auth.h"
#include "server/bucket.h"
#include "server/directory.h"
#include "server/durable.h"
#include "server/fanout.h"
#include "server/online.h"
#include "server/roster.h"
#include "shared/proto/login.h"
#include "shared/proto/wire.h"
#include "tests/unit/unit.h"

START_TEST(test_fanout_exact)
{
	struct fanout_ref	exp[] = { { "bob", 1 }, { "bob", 2 },
				    { "alice", 2 } };
	struct fanout_ref	env[] = { { "alice", 2 }, { "bob", 2 },
				    { "bob", 1 } };
	struct fanout_ref	missing[3], extra[3];
	size_t			nm, ne;

	ck_assert_int_eq(fanout_check(exp, 3, NULL, 0, env, 3, missing, &nm,
	    extra, &ne), 0);
	ck_assert_uint_eq(nm, 0);
	ck_assert_uint_eq(ne, 0);
}
END_TEST

START_TEST(test_fanout_mismatch)
{
	struct fanout_ref	exp[] = { { "bob", 1 }, { "bob", 2 },
				    { "alice", 2 } };
	struct fanout_ref	env[] = { { "bob", 1 }, { "bob", 3 },
				    { "bob", 1 }, { "carol", 1 } };
	struct fanout_ref	missing[3], extra[4];
	size_t			nm, ne;

	ck_assert_int_eq(fanout_check(exp, 3, NULL, 0, env, 4, missing, &nm,
	    extra, &ne), 1);
	ck_assert_uint_eq(nm, 2);
	ck_assert_str_eq(missing[0].name, "bob");
	ck_assert_uint_eq(missing[0].device, 2);
	ck_assert_str_eq(missing[1].name, "alice");
	ck_assert_uint_eq(missing[1].device, 2);
	ck_assert_uint_eq(ne, 3);
	ck_assert_uint_eq(extra[0].device, 3);		/* unknown device */
	ck_assert_str_eq(extra[1].name, "bob");		/* duplicate */
	ck_assert_uint_eq(extra[1].device, 1);
	ck_assert_str_eq(extra[2].name, "carol");	/* wrong account */
}
END_TEST

START_TEST(test_fanout_empty)
{
	struct fanout_ref	exp[] = { { "bob", 1 } };
	struct fanout_ref	missing[1], extra[1];
	size_t			nm, ne;

	/* A note to self on a single device: nothing expected, none given. */
	ck_assert_int_eq(fanout_check(exp, 0, NULL, 0, NULL, 0, missing, &nm,
	    extra, &ne), 0);
	ck_assert_int_eq(fanout_check(exp, 1, NULL, 0, NULL, 0, missing, &nm,
	    extra, &ne), 1);
	ck_assert_uint_eq(nm, 1);
	ck_assert_uint_eq(ne, 0);
}
END_TEST

/* A group's many devices (past the few fanout_check keeps on its
 * stack): each envelope matched once, a duplicate extra, one missing. */
START_TEST(test_fanout_many)
{
	struct fanout_ref	exp[100], env[100], missing[100], extra[100];
	size_t			i, nm, ne;

	for (i = 0; i < 100; i++) {
		exp[i].name = "member";
		exp[i].device = (uint32_t)i + 1;
		env[99 - i] = exp[i];
	}
	ck_assert_int_eq(fanout_check(exp, 100, NULL, 0, env, 100, missing,
	    &nm, extra, &ne), 0);
	env[0] = env[1];
	ck_assert_int_eq(fanout_check(exp, 100, NULL, 0, env, 100, missing,
	    &nm, extra, &ne), 1);
	ck_assert_uint_eq(nm, 1);
	ck_assert_uint_eq(missing[0].device, 100);
	ck_assert_uint_eq(ne, 1);
	ck_assert_uint_eq(extra[0].device, env[1].device);
}
END_TEST

/* Send.skipped: a device left out on purpose is neither missing nor
 * queued (an envelope for it is extra); one that is not a device of the
 * account is ignored. */
START_TEST(test_fanout_skipped)
{
	struct fanout_ref	exp[] = { { "bob", 1 }, { "bob", 2 },
				    { "alice", 2 } };
	struct fanout_ref	env[] = { { "bob", 1 }, { "alice", 2 } };
	struct fanout_ref	env2[] = { { "bob", 1 }, { "bob", 2 },
				    { "alice", 2 } };
	struct fanout_ref	skip[] = { { "bob", 2 }, { "bob", 9 },
				    { "carol", 1 } };
	struct fanout_ref	missing[3], extra[3];
	size_t			nm, ne;

	/* Without the skip, bob/2 is missing. */
	ck_assert_int_eq(fanout_check(exp, 3, NULL, 0, env, 2, missing, &nm,
	    extra, &ne), 1);
	ck_assert_uint_eq(nm, 1);
	ck_assert_uint_eq(missing[0].device, 2);
	/* Skipped: accepted; bob/9 and carol/1 are no devices, ignored. */
	ck_assert_int_eq(fanout_check(exp, 3, skip, 3, env, 2, missing, &nm,
	    extra, &ne), 0);
	ck_assert_uint_eq(nm, 0);
	ck_assert_uint_eq(ne, 0);
	/* Skipped and given an envelope anyway: that envelope is extra, so
	 * nothing is queued for a skipped device. */
	ck_assert_int_eq(fanout_check(exp, 3, skip, 1, env2, 3, missing, &nm,
	    extra, &ne), 1);
	ck_assert_uint_eq(nm, 0);
	ck_assert_uint_eq(ne, 1);
	ck_assert_str_eq(extra[0].name, "bob");
	ck_assert_uint_eq(extra[0].device, 2);
	/* Skipping one device leaves the others required. */
	ck_assert_int_eq(fanout_check(exp, 3, skip, 1, env + 1, 1, missing,
	    &nm, extra, &ne), 1);
	ck_assert_uint_eq(nm, 1);
	ck_assert_str_eq(missing[0].name, "bob");
	ck_assert_uint_eq(missing[0].device, 1);
}
END_TEST

/* Sign a list for account of devices ids[i] with keys pks[i]. */
static size_t
sign_list(uint8_t *out, const char *account, uint64_t version,
    const uint32_t *ids, uint8_t (*pks)[32], size_t n, const uint8_t *sk)
{
	struct devicelist	*dl;
	size_t			 len, i;

	dl = devicelist_create(account, strlen(account), version, 1000);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(devicelist_add(dl, ids[i], pks[i]), 0);
	devicelist_sign(dl, sk, out, &len);
	devicelist_free(dl);
	return (len);
}

/* roster_verify: what natterd takes as a device list. */
START_TEST(test_roster_verify)
{
	uint8_t			 pks[6][32], zk[2][32], sk[64], other[64];
	uint8_t			 buf[ROSTER_MAXBYTES];
	uint32_t		 ids[6] = { 1, 2, 3, 4, 5, 6 };
	uint32_t		 zero[2] = { 0, 1 };
	struct devicelist	*dl;
	const char		*why;
	size_t			 len, i;

	ck_assert_int_ge(sodium_init(), 0);
	for (i = 0; i < 6; i++)
		crypto_sign_keypair(pks[i], i == 0 ? sk : other);
	len = sign_list(buf, "alice", 3, ids, pks, 5, sk);
	ck_assert_uint_eq(roster_verify(buf, len, "alice", pks[0], 2, &dl,
	    &why), NATTER__CODE__OK);
	ck_assert_uint_eq(devicelist_count(dl), 5);
	devicelist_free(dl);
	/* Each refusal, with its code. */
	ck_assert_uint_eq(roster_verify(buf, len, "alice", pks[0], 3, &dl,
	    &why), NATTER__CODE__STALE_LIST);
	ck_assert_ptr_null(dl);
	ck_assert_uint_eq(roster_verify(buf, len, "alicf", pks[0], 0, &dl,
	    &why), NATTER__CODE__BAD_REQUEST);
	ck_assert_uint_eq(roster_verify(buf, len, "alice", pks[1], 0, &dl,
	    &why), NATTER__CODE__BAD_SIGNATURE);
	buf[10] ^= 1;
	ck_assert_uint_eq(roster_verify(buf, len, "alice", pks[0], 0, &dl,
	    &why), NATTER__CODE__BAD_SIGNATURE);
	ck_assert_uint_eq(roster_verify(buf, 10, "alice", pks[0], 0, &dl,
	    &why), NATTER__CODE__BAD_REQUEST);
	len = sign_list(buf, "alice", 4, ids, pks, 6, sk);
	ck_assert_uint_eq(roster_verify(buf, len, "alice", pks[0], 0, &dl,
	    &why), NATTER__CODE__TOO_MANY_DEVICES);
	/* Device 1 with another key; a key twice; a device 0. */
	len = sign_list(buf, "alice", 4, ids, pks + 1, 2, sk);
	ck_assert_uint_eq(roster_verify(buf, len, "alice", pks[0], 0, &dl,
	    &why), NATTER__CODE__BAD_REQUEST);
	memcpy(pks[1], pks[0], 32);
	len = sign_list(buf, "alice", 4, ids, pks, 2, sk);
	ck_assert_uint_eq(roster_verify(buf, len, "alice", pks[0], 0, &dl,
	    &why), NATTER__CODE__BAD_REQUEST);
	ck_assert_str_eq(why, "two devices on the list share a key");
	memcpy(zk[0], pks[2], 32);
	memcpy(zk[1], pks[0], 32);
	len = sign_list(buf, "alice", 4, zero, zk, 2, sk);
	ck_assert_uint_eq(roster_verify(buf, len, "alice", pks[0], 0, &dl,
	    &why), NATTER__CODE__BAD_REQUEST);
	ck_assert_str_eq(why, "device ids start at 1");
	/* A version SQLite cannot hold. */
	len = sign_list(buf, "alice", (uint64_t)INT64_MAX + 1, ids, pks, 1,
	    sk);
	ck_assert_uint_eq(roster_verify(buf, len, "alice", pks[0], 0, &dl,
	    &why), NATTER__CODE__BAD_REQUEST);
}
END_TEST

START_TEST(test_auth_signatures)
{
	uint8_t		pk[32], sk[64], pk2[32], sk2[64], nonce[32], nonce2[32];
	uint8_t		sig[64], msg[LOGIN_MESSAGEMAX];
	size_t		len;
	uint32_t	device = 258;

	ck_assert_int_ge(sodium_init(), 0);
	crypto_sign_keypair(pk, sk);
	crypto_sign_keypair(pk2, sk2);
	auth_challenge(nonce);
	auth_challenge(nonce2);
	ck_assert_int_ne(memcmp(nonce, nonce2, 32), 0);

	len = login_message(msg, LOGIN_REGISTER_DOMAIN, nonce, "alice", NULL);
	crypto_sign_detached(sig, NULL, msg, len, sk);
	ck_assert_int_eq(auth_verify_register(sig, 64, nonce, "alice", pk), 0);
	ck_assert_int_eq(auth_verify_register(sig, 64, nonce2, "alice", pk),
	    -1);
	ck_assert_int_eq(auth_verify_register(sig, 64, nonce, "alicf", pk),
	    -1);
	ck_assert_int_eq(auth_verify_register(sig, 64, nonce, "alice", pk2),
	    -1);
	ck_assert_int_eq(auth_verify_register(sig, 63, nonce, "alice", pk),
	    -1);
	/* A register signature is no auth signature (domain separation). */
	ck_assert_int_eq(auth_verify_auth(sig, 64, nonce, "alice", 1, pk), -1);

	len = login_message(msg, LOGIN_AUTH_DOMAIN, nonce, "alice", &device);
	crypto_sign_detached(sig, NULL, msg, len, sk);
	ck_assert_int_eq(auth_verify_auth(sig, 64, nonce, "alice", 258, pk), 0);
	ck_assert_int_eq(auth_verify_auth(sig, 64, nonce, "alice", 2, pk), -1);
	ck_assert_int_eq(auth_verify_auth(sig, 64, nonce2, "alice", 258, pk),
	    -1);
	sig[10] ^= 1;
	ck_assert_int_eq(auth_verify_auth(sig, 64, nonce, "alice", 258, pk),
	    -1);

	/* LinkOffer: its own domain, an empty name, no device. */
	len = login_message(msg, "natter v1 link", nonce, "", NULL);
	crypto_sign_detached(sig, NULL, msg, len, sk);
	ck_assert_int_eq(auth_verify_link(sig, 64, nonce, pk), 0);
	ck_assert_int_eq(auth_verify_link(sig, 64, nonce2, pk), -1);
	ck_assert_int_eq(auth_verify_link(sig, 64, nonce, pk2), -1);
	ck_assert_int_eq(auth_verify_register(sig, 64, nonce, "", pk), -1);
}
END_TEST

/* Token buckets: a burst, then the rate; a table's buckets are apart,
 * and the full ones are dropped when it sweeps. */
START_TEST(test_bucket)
{
	struct bucket		 b;
	struct bucket_table	*bt;
	int			 i, n;

	memset(&b, 0, sizeof b);
	for (n = 0; bucket_take(&b, 2.0, 5.0, 1000); n++)
		;
	ck_assert_int_eq(n, 5);
	ck_assert_int_eq(bucket_take(&b, 2.0, 5.0, 1400), 0);
	ck_assert_int_eq(bucket_take(&b, 2.0, 5.0, 1500), 1);	/* 1 token */
	ck_assert_int_eq(bucket_take(&b, 2.0, 5.0, 1500), 0);
	/* A clock stepped back takes nothing and gives nothing. */
	ck_assert_int_eq(bucket_take(&b, 2.0, 5.0, 900), 0);
	ck_assert_int_eq(bucket_take(&b, 2.0, 5.0, 100000), 1);

	bt = bucket_table_create(1.0, 3.0);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(bucket_table_take(bt, 7, 1000), 1);
	ck_assert_int_eq(bucket_table_peek(bt, 7, 1000), 0);
	ck_assert_int_eq(bucket_table_take(bt, 7, 1000), 0);
	ck_assert_int_eq(bucket_table_peek(bt, 8, 1000), 1);
	ck_assert_int_eq(bucket_table_take(bt, 8, 1000), 1);
	ck_assert_int_eq(bucket_table_peek(bt, 7, 2000), 1);
	/* 2000 keys: the first sweep (at 1024) drops none (each took a
	 * token a moment ago); one long after drops all but the new. */
	for (i = 0; i < 2000; i++)
		ck_assert_int_eq(bucket_table_take(bt, 100 + i, 3000), 1);
	ck_assert_uint_ge(bucket_table_count(bt), 2000);
	for (i = 0; i < 2100; i++)
		(void)bucket_table_take(bt, 100000 + i, 60000);
	ck_assert_uint_lt(bucket_table_count(bt), 2200);
	bucket_table_free(bt);
	bucket_table_free(NULL);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_int_eq(wire_name_valid("alice"), 1);
	ck_assert_int_eq(wire_name_valid("a.b_c-9"), 1);
	ck_assert_int_eq(wire_name_valid("x"), 1);
	ck_assert_int_eq(wire_name_valid("abcdefghijklmnopqrstuvwxyz012345"),
	    1);
	ck_assert_int_eq(wire_name_valid("abcdefghijklmnopqrstuvwxyz0123456"),
	    0);
	ck_assert_int_eq(wire_name_valid(""), 0);
	ck_assert_int_eq(wire_name_valid("Alice"), 0);
	ck_assert_int_eq(wire_name_valid("a b"), 0);
	ck_assert_int_eq(wire_name_valid("a/b"), 0);
	ck_assert_int_eq(wire_name_valid("\xc3\xa9"), 0);
}
END_TEST

START_TEST(test_online)
{
	struct session	*s1 = (struct session *)0x1000;
	struct session	*s2 = (struct session *)0x2000;
	uint32_t	 devs[8];
	int		 i;

	ck_assert_ptr_null(online_find(1, 1));
	ck_assert_int_eq(online_remove(1, 1, s1), 0);
	ck_assert_ptr_null(online_add(1, 1, s1));
	ck_assert_ptr_eq(online_find(1, 1), s1);
	ck_assert_ptr_null(online_find(1, 2));
	ck_assert_ptr_null(online_find(2, 1));
	ck_assert_ptr_eq(online_add(1, 1, s2), s1);
	/* The replaced session's removal leaves the new one. */
	ck_assert_int_eq(online_remove(1, 1, s1), 0);
	ck_assert_ptr_eq(online_find(1, 1), s2);
	ck_assert_int_eq(online_remove(1, 1, s2), 1);
	ck_assert_ptr_null(online_find(1, 1));
	/* An account's devices here: replacing a connection keeps one. */
	ck_assert_uint_eq(online_devices(1, devs, 8), 0);
	online_add(1, 3, s1);
	online_add(1, 7, s1);
	online_add(1, 7, s2);
	online_add(1, 9, s1);
	online_add(2, 3, s1);
	ck_assert_uint_eq(online_devices(1, devs, 8), 3);
	ck_assert_uint_eq(devs[0] + devs[1] + devs[2], 3 + 7 + 9);
	ck_assert_uint_eq(online_devices(1, devs, 2), 2);
	ck_assert_int_eq(online_remove(1, 7, s1), 0);
	ck_assert_int_eq(online_remove(1, 7, s2), 1);
	ck_assert_int_eq(online_remove(1, 3, s1), 1);
	ck_assert_uint_eq(online_devices(1, devs, 8), 1);
	ck_assert_uint_eq(devs[0], 9);
	ck_assert_int_eq(online_remove(1, 9, s1), 1);
	ck_assert_uint_eq(online_devices(1, devs, 8), 0);
	ck_assert_uint_eq(online_devices(2, devs, 8), 1);
	online_clear();
	for (i = 0; i < 5000; i++)
		online_add(i, (uint32_t)(i % 3), s1);
	ck_assert_uint_eq(online_count(), 5000);
	for (i = 0; i < 5000; i++)
		ck_assert_ptr_eq(online_find(i, (uint32_t)(i % 3)), s1);
	ck_assert_ptr_null(online_find(4999, 0));
	online_clear();
	ck_assert_uint_eq(online_count(), 0);
	ck_assert_ptr_null(online_find(1, 1));
}
END_TEST

/* A fake second implementation: device 7 of any account is served by
 * node "n2", every other device is offline; calls are counted. */
static int	fake_opened, fake_closed, fake_announced, fake_forgot;
static int	fake_notified;
static char	fake_node[DIRECTORY_NODEMAX];

static int
fake_open(const struct directory_config *c, void **state, char **err)
{
	if (c->where == NULL) {
		*err = strdup("no address");
		return (-1);
	}
	fake_opened++;
	*state = &fake_opened;
	return (0);
}

static void
fake_close(void *state)
{
	ck_assert_ptr_eq(state, &fake_opened);
	fake_closed++;
}

static void
fake_announce(void *state, int64_t account, uint32_t device)
{
	fake_announced++;
}

static void
fake_forget(void *state, int64_t account, uint32_t device)
{
	fake_forgot++;
}

static enum directory_where
fake_wake(void *state, int64_t account, uint32_t device)
{
	if (device != 7)
		return (DIRECTORY_OFFLINE);
	snprintf(fake_node, sizeof fake_node, "%s", "n2");
	fake_notified++;
	return (DIRECTORY_ELSEWHERE);
}

static const struct directory_ops fake_ops = {
	"fake", fake_open, fake_close, fake_announce, fake_forget, fake_wake,
	NULL, NULL, NULL, NULL
};

START_TEST(test_directory)
{
	struct directory_config	 c;
	struct directory	*d;
	char			*err = NULL;

	memset(&c, 0, sizeof c);
	/* The local directory: nothing is elsewhere, nothing to open. */
	d = directory_create(&directory_local_ops, &c, &err);
	ck_assert_ptr_nonnull(d);
	directory_announce(d, 1, 1);
	ck_assert_int_eq(directory_wake(d, 1, 1), DIRECTORY_OFFLINE);
	ck_assert_int_eq(directory_wake(d, 1, 7), DIRECTORY_OFFLINE);
	directory_forget(d, 1, 1);
	directory_free(d);
	directory_free(NULL);

	/* A second implementation plugs in through the same calls. */
	ck_assert_ptr_null(directory_create(&fake_ops, &c, &err));
	ck_assert_str_eq(err, "no address");
	free(err);
	c.where = "fake://";
	d = directory_create(&fake_ops, &c, &err);
	ck_assert_ptr_nonnull(d);
	directory_announce(d, 1, 1);
	ck_assert_int_eq(directory_wake(d, 1, 1), DIRECTORY_OFFLINE);
	ck_assert_int_eq(fake_notified, 0);
	ck_assert_int_eq(directory_wake(d, 2, 7), DIRECTORY_ELSEWHERE);
	ck_assert_int_eq(fake_notified, 1);
	ck_assert_str_eq(fake_node, "n2");
	directory_forget(d, 1, 1);
	directory_free(d);
	ck_assert_int_eq(fake_opened, 1);
	ck_assert_int_eq(fake_announced, 1);
	ck_assert_int_eq(fake_forgot, 1);
	ck_assert_int_eq(fake_closed, 1);
}
END_TEST

/* A directory that gathers its wake-ups (like the Redis one): what
 * directory_wake_stored holds goes out once its commit is durable, once
 * per device and commit, and each release flushes once. */
static int	fake_flushed;
static int64_t	fake_woken[16];
static size_t	fake_nwoken;

static enum directory_where
fake_gather(void *state, int64_t account, uint32_t device)
{
	if (fake_nwoken < sizeof fake_woken / sizeof fake_woken[0])
		fake_woken[fake_nwoken++] = account * 100 + device;
	return (DIRECTORY_ELSEWHERE);
}

static void
fake_flush(void *state)
{
	fake_flushed++;
}

static const struct directory_ops fake_gather_ops = {
	"gather", NULL, NULL, NULL, NULL, fake_gather, NULL, NULL, NULL,
	fake_flush
};

START_TEST(test_directory_wake_stored)
{
	struct directory_config	 c;
	struct directory	*d;
	char			*err = NULL;
	uint64_t		 g1, g2;

	memset(&c, 0, sizeof c);
	d = directory_create(&fake_gather_ops, &c, &err);
	ck_assert_ptr_nonnull(d);
	/* A wake at once is flushed at once. */
	ck_assert_int_eq(directory_wake(d, 9, 9), DIRECTORY_ELSEWHERE);
	ck_assert_uint_eq(fake_nwoken, 1);
	ck_assert_int_eq(fake_flushed, 1);
	fake_nwoken = 0;
	fake_flushed = 0;

	g1 = durable_gen();
	directory_wake_stored(d, 1, 1);
	directory_wake_stored(d, 2, 1);
	directory_wake_stored(d, 1, 1);		/* the same commit: once */
	(void)durable_close_gen();
	g2 = durable_gen();
	directory_wake_stored(d, 1, 1);		/* a later commit: again */
	ck_assert_uint_eq(fake_nwoken, 0);
	directory_release(d, g1 - 1);		/* nothing durable yet */
	ck_assert_uint_eq(fake_nwoken, 0);
	ck_assert_int_eq(fake_flushed, 0);
	directory_release(d, g1);
	ck_assert_uint_eq(fake_nwoken, 2);
	ck_assert(fake_woken[0] == 101 && fake_woken[1] == 201);
	ck_assert_int_eq(fake_flushed, 1);
	directory_release(d, g1);		/* nothing new */
	ck_assert_int_eq(fake_flushed, 1);
	directory_release(d, g2);
	ck_assert_uint_eq(fake_nwoken, 3);
	ck_assert(fake_woken[2] == 101);
	ck_assert_int_eq(fake_flushed, 2);
	/* Released, a device is held again in the same generation. */
	directory_wake_stored(d, 1, 1);
	directory_release(d, g2);
	ck_assert_uint_eq(fake_nwoken, 4);
	directory_free(d);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("server_logic");
	TCase	*tc = tcase_create("logic");

	tcase_add_test(tc, test_fanout_exact);
	tcase_add_test(tc, test_fanout_mismatch);
	tcase_add_test(tc, test_fanout_empty);
	tcase_add_test(tc, test_fanout_many);
	tcase_add_test(tc, test_fanout_skipped);
	tcase_add_test(tc, test_roster_verify);
	tcase_add_test(tc, test_auth_signatures);
	tcase_add_test(tc, test_bucket);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_online);
	tcase_add_test(tc, test_directory);
	tcase_add_test(tc, test_directory_wake_stored);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
