/* test_ratchet: Double Ratchet turns, out-of-order, limits, forgeries,
 * replay, expiry and state serialisation. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "shared/crypto/ratchet.h"
#include "tests/unit/unit.h"

#define NOW	1700000000000ULL

struct msg {
	uint8_t	c[64 + RATCHET_OVERHEAD];
	size_t	len;
	int	i;
};

static struct ratchet	*alice, *bob;

static void
setup(void)
{
	struct keys_identity	a, b;
	struct keys_prekey	spk, opk, ek;
	struct keys_bundle	bun;
	struct x3dh_result	ra, rb;

	ck_assert_int_eq(keys_identity_generate(&a), 0);
	ck_assert_int_eq(keys_identity_generate(&b), 0);
	keys_spk_generate(&spk, &b, 1);
	keys_opk_generate(&opk, 2);
	keys_bundle_make(&bun, 2, &b, &spk, &opk);
	ck_assert_int_eq(x3dh_initiate(&ra, &ek, &a, 1, &bun), 0);
	ck_assert_int_eq(x3dh_respond(&rb, &b, 2, &spk, &opk, a.ed_pk, 1,
	    ek.pk), 0);
	alice = ratchet_new();
	bob = ratchet_new();
	ratchet_init_alice(alice, &ra);
	ratchet_init_bob(bob, &rb, ratchet_our_pub(alice));
}

static void
teardown(void)
{
	ratchet_free(alice);
	ratchet_free(bob);
}

static void
enc(struct ratchet *r, struct msg *m, int i)
{
	uint8_t	pt[64];

	memset(pt, 0, sizeof pt);
	memcpy(pt, &i, sizeof i);
	m->i = i;
	m->len = sizeof pt + RATCHET_OVERHEAD;
	ck_assert_int_eq(ratchet_encrypt(r, m->c, pt, sizeof pt), 0);
}

static int
dec(struct ratchet *r, const struct msg *m, uint64_t now)
{
	uint8_t	pt[64];
	size_t	len;
	int	i;

	if (ratchet_decrypt(r, pt, &len, m->c, m->len, now) != 0)
		return (-1);
	ck_assert_uint_eq(len, sizeof pt);
	memcpy(&i, pt, sizeof i);
	ck_assert_int_eq(i, m->i);
	return (0);
}

static int
same_state(struct ratchet *r, const uint8_t *s, size_t len)
{
	uint8_t	*t;
	size_t	 tlen;
	int	 same;

	ratchet_serialise(r, &t, &tlen);
	same = tlen == len && memcmp(t, s, len) == 0;
	free(t);
	return (same);
}

START_TEST(test_pingpong)
{
	struct msg	m;
	int		i;

	enc(bob, &m, 100);	/* Bob may send before hearing from Alice */
	ck_assert_int_eq(dec(alice, &m, NOW), 0);
	for (i = 0; i < 50; i++) {
		enc(i % 2 ? bob : alice, &m, i);
		ck_assert_int_eq(dec(i % 2 ? alice : bob, &m, NOW), 0);
		ck_assert_int_eq(dec(i % 2 ? alice : bob, &m, NOW), -1);
	}
	ck_assert_uint_eq(ratchet_skipped_count(alice), 0);
}
END_TEST

START_TEST(test_out_of_order)
{
	static struct msg	m[60];
	struct msg		t;
	int			i, j, turn, k = 0;

	/* Several turns; Alice's messages pile up, Bob answers in between. */
	for (turn = 0; turn < 4; turn++) {
		for (i = 0; i < 15; i++, k++)
			enc(alice, &m[k], k);
		enc(bob, &t, 1000 + turn);
		if (turn > 0)
			ck_assert_int_eq(dec(alice, &t, NOW), 0);
	}
	for (i = k - 1; i > 0; i--) {
		j = randombytes_uniform(i + 1);
		t = m[i]; m[i] = m[j]; m[j] = t;
	}
	for (i = 0; i < k; i++)
		ck_assert_int_eq(dec(bob, &m[i], NOW), 0);
	for (i = 0; i < k; i++)
		ck_assert_int_eq(dec(bob, &m[i], NOW), -1);	/* used once */
	ck_assert_uint_eq(ratchet_skipped_count(bob), 0);
}
END_TEST

START_TEST(test_max_skip)
{
	struct msg	m, last;
	int		i;

	for (i = 0; i <= RATCHET_MAX_SKIP; i++)
		enc(alice, &m, i);
	last = m;		/* number MAX_SKIP: jump of MAX_SKIP, allowed */
	enc(alice, &m, i);	/* number MAX_SKIP+1: rejected as first */
	ck_assert_int_eq(dec(bob, &m, NOW), -1);
	ck_assert_int_eq(dec(bob, &last, NOW), 0);
	ck_assert_uint_eq(ratchet_skipped_count(bob), RATCHET_MAX_SKIP);
	ck_assert_int_eq(dec(bob, &m, NOW), 0);
}
END_TEST

START_TEST(test_eviction_and_expiry)
{
	static struct msg	first[3];
	struct msg		m;
	int			i, round;

	for (i = 0; i < 3; i++)
		enc(alice, &first[i], i);
	/* Skips of 1000, 997, 997: total 2994 > cap 2000. */
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 997; i++)
			enc(alice, &m, i);
		enc(alice, &m, 7);
		ck_assert_int_eq(dec(bob, &m, NOW + round), 0);
	}
	ck_assert_uint_eq(ratchet_skipped_count(bob), RATCHET_MAX_STORED);
	ck_assert_int_eq(dec(bob, &first[0], NOW), -1);	/* evicted */
	/* Expiry: a key 30 days + 1 ms old is unusable. */
	for (i = 0; i < 3; i++)
		enc(bob, &first[i], i);
	ck_assert_int_eq(dec(alice, &first[2], NOW), 0);
	ck_assert_int_eq(dec(alice, &first[1], NOW + RATCHET_SKIP_TTL_MS), 0);
	ck_assert_int_eq(dec(alice, &first[0],
	    NOW + RATCHET_SKIP_TTL_MS + 1), -1);
}
END_TEST

START_TEST(test_bitflip_unchanged)
{
	struct msg	m, f;
	uint8_t		*s;
	size_t		slen, flen, i;
	int		b;

	enc(alice, &m, 1);
	ck_assert_int_eq(dec(bob, &m, NOW), 0);
	enc(bob, &m, 2);
	ratchet_serialise(alice, &s, &slen);
	for (i = 0; i < m.len; i++)
		for (b = 0; b < 8; b += 3) {
			f = m;
			f.c[i] ^= 1 << b;
			ck_assert_int_eq(dec(alice, &f, NOW), -1);
		}
	for (i = 0; i < m.len; i++)
		ck_assert_int_eq(ratchet_decrypt(alice, f.c, &flen, m.c, i,
		    NOW), -1);
	ck_assert(same_state(alice, s, slen));
	ck_assert_int_eq(dec(alice, &m, NOW), 0);
	ck_assert(!same_state(alice, s, slen));
	free(s);
}
END_TEST

START_TEST(test_serialise_continue)
{
	struct msg	 m, skipped;
	struct ratchet	*r;
	uint8_t		*s, *t;
	size_t		 slen, tlen, i;

	enc(alice, &skipped, 1);
	enc(alice, &m, 2);
	ck_assert_int_eq(dec(bob, &m, NOW), 0);
	ratchet_serialise(bob, &s, &slen);
	r = ratchet_parse(s, slen);
	ck_assert_ptr_nonnull(r);
	ratchet_serialise(r, &t, &tlen);
	ck_assert_uint_eq(tlen, slen);
	ck_assert_mem_eq(t, s, slen);
	free(t);
	ratchet_free(bob);
	bob = r;
	ck_assert_int_eq(dec(bob, &skipped, NOW), 0);
	enc(bob, &m, 3);
	ck_assert_int_eq(dec(alice, &m, NOW), 0);
	for (i = 0; i < slen; i++)
		ck_assert_ptr_null(ratchet_parse(s, i));
	s[0] ^= 0xff;
	ck_assert_ptr_null(ratchet_parse(s, slen));
	free(s);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("ratchet");
	TCase	*tc = tcase_create("ratchet");

	if (sodium_init() < 0)
		return (EXIT_FAILURE);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_pingpong);
	tcase_add_test(tc, test_out_of_order);
	tcase_add_test(tc, test_max_skip);
	tcase_add_test(tc, test_eviction_and_expiry);
	tcase_add_test(tc, test_bitflip_unchanged);
	tcase_add_test(tc, test_serialise_continue);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
