/* test_x3dh: both sides agree with and without OPK; bad SPK rejected. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "shared/crypto/x3dh.h"
#include "tests/unit/unit.h"

static void
run(int with_opk)
{
	struct keys_identity	a, b;
	struct keys_prekey	spk, opk, ek;
	struct keys_bundle	bun;
	struct x3dh_result	ra, rb, rc;

	ck_assert_int_eq(keys_identity_generate(&a), 0);
	ck_assert_int_eq(keys_identity_generate(&b), 0);
	keys_spk_generate(&spk, &b, 1);
	keys_opk_generate(&opk, 99);
	keys_bundle_make(&bun, 2, &b, &spk, with_opk ? &opk : NULL);
	ck_assert_int_eq(x3dh_initiate(&ra, &ek, &a, 1, &bun), 0);
	ck_assert_int_eq(x3dh_respond(&rb, &b, 2, &spk,
	    with_opk ? &opk : NULL, a.ed_pk, 1, ek.pk), 0);
	ck_assert_mem_eq(ra.rk, rb.rk, 32);
	ck_assert_mem_eq(ra.ck, rb.ck, 32);
	ck_assert_mem_eq(ra.ad, rb.ad, X3DH_AD_BYTES);
	ck_assert_mem_ne(ra.rk, ra.ck, 32);
	/* Responder guessing the wrong OPK use disagrees. */
	ck_assert_int_eq(x3dh_respond(&rc, &b, 2, &spk,
	    with_opk ? NULL : &opk, a.ed_pk, 1, ek.pk), 0);
	ck_assert_mem_ne(ra.rk, rc.rk, 32);
	/* Different device ids change the AD. */
	ck_assert_int_eq(x3dh_respond(&rc, &b, 3, &spk,
	    with_opk ? &opk : NULL, a.ed_pk, 1, ek.pk), 0);
	ck_assert_mem_ne(ra.ad, rc.ad, X3DH_AD_BYTES);
	/* Bad SPK signature: no DH is done, -1. */
	bun.spk_sig[5] ^= 1;
	ck_assert_int_eq(x3dh_initiate(&rc, &ek, &a, 1, &bun), -1);
	bun.spk_sig[5] ^= 1;
	bun.spk[0] ^= 1;
	ck_assert_int_eq(x3dh_initiate(&rc, &ek, &a, 1, &bun), -1);
	/* Zero EK on the responder side: all-zero DH rejected. */
	memset(ek.pk, 0, 32);
	ck_assert_int_eq(x3dh_respond(&rc, &b, 2, &spk, NULL, a.ed_pk, 1,
	    ek.pk), -1);
	x3dh_result_wipe(&ra);
	x3dh_result_wipe(&rb);
}

START_TEST(test_with_opk)
{
	run(1);
}
END_TEST

START_TEST(test_without_opk)
{
	run(0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("x3dh");
	TCase	*tc = tcase_create("x3dh");

	if (sodium_init() < 0)
		return (EXIT_FAILURE);
	tcase_add_test(tc, test_with_opk);
	tcase_add_test(tc, test_without_opk);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
