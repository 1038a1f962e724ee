/* test_devicelist: signed device lists (rollback, signatures, parsing) and device linking. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "shared/crypto/devicelist.h"
#include "tests/unit/unit.h"

struct dev {
	uint8_t	pk[32], sk[64];
};

static struct dev	primary, second, third;

static void
setup(void)
{
	crypto_sign_keypair(primary.pk, primary.sk);
	crypto_sign_keypair(second.pk, second.sk);
	crypto_sign_keypair(third.pk, third.sk);
}

/* alice's list at version v with devices 1 (primary) and 2. */
static size_t
signed_list(uint8_t *out, uint64_t v)
{
	struct devicelist	*dl = devicelist_create("alice", 5, v, 1000 + v);
	size_t			 n;

	ck_assert_ptr_nonnull(dl);
	ck_assert_int_eq(devicelist_add(dl, 2, second.pk), 0);
	ck_assert_int_eq(devicelist_add(dl, 1, primary.pk), 0);
	ck_assert_int_eq(devicelist_add(dl, 2, third.pk), -1);
	devicelist_sign(dl, primary.sk, out, &n);
	devicelist_free(dl);
	return (n);
}

START_TEST(test_sign_verify)
{
	uint8_t			 buf[DEVICELIST_MAXBYTES];
	size_t			 n = signed_list(buf, 3);
	struct devicelist	*dl;
	enum devicelist_err	 e;
	const uint8_t		*ik;

	dl = devicelist_verify(buf, n, primary.pk, 2, &e);
	ck_assert_ptr_nonnull(dl);
	ck_assert_int_eq(e, DEVICELIST_OK);
	ck_assert_uint_eq(devicelist_version(dl), 3);
	ck_assert_uint_eq(devicelist_timestamp(dl), 1003);
	ck_assert_uint_eq(devicelist_account_len(dl), 5);
	ck_assert_mem_eq(devicelist_account(dl), "alice", 5);
	ck_assert_uint_eq(devicelist_count(dl), 2);
	ck_assert_uint_eq(devicelist_device(dl, 0, &ik), 1);
	ck_assert_mem_eq(ik, primary.pk, 32);
	ck_assert_uint_eq(devicelist_device(dl, 1, &ik), 2);
	ck_assert_mem_eq(devicelist_find(dl, 2), second.pk, 32);
	ck_assert_ptr_null(devicelist_find(dl, 3));
	ck_assert_int_eq(devicelist_remove(dl, 2), 0);
	ck_assert_int_eq(devicelist_remove(dl, 2), -1);
	ck_assert_uint_eq(devicelist_count(dl), 1);
	devicelist_free(dl);
}
END_TEST

START_TEST(test_rollback)
{
	uint8_t			buf[DEVICELIST_MAXBYTES];
	size_t			n = signed_list(buf, 5);
	enum devicelist_err	e;

	/* Same or lower version than the last accepted one: rejected. */
	ck_assert_ptr_null(devicelist_verify(buf, n, primary.pk, 5, &e));
	ck_assert_int_eq(e, DEVICELIST_EROLLBACK);
	ck_assert_ptr_null(devicelist_verify(buf, n, primary.pk, 9, &e));
	ck_assert_int_eq(e, DEVICELIST_EROLLBACK);
	devicelist_free(devicelist_verify(buf, n, primary.pk, 4, &e));
	ck_assert_int_eq(e, DEVICELIST_OK);
}
END_TEST

START_TEST(test_bad_signature)
{
	uint8_t			buf[DEVICELIST_MAXBYTES];
	size_t			n = signed_list(buf, 5), i;
	enum devicelist_err	e;
	struct devicelist	*dl;

	/* Signed by someone else (a device key, not the account key). */
	ck_assert_ptr_null(devicelist_verify(buf, n, second.pk, 0, &e));
	ck_assert_int_eq(e, DEVICELIST_ESIG);
	/* Any flipped byte: malformed or bad signature, never accepted. */
	for (i = 0; i < n; i++) {
		buf[i] ^= 0x01;
		dl = devicelist_verify(buf, n, primary.pk, 0, &e);
		ck_assert_ptr_null(dl);
		ck_assert_int_ne(e, DEVICELIST_OK);
		buf[i] ^= 0x01;
	}
	/* Every truncation is malformed or unsigned. */
	for (i = 0; i < n; i++)
		ck_assert_ptr_null(devicelist_verify(buf, i, primary.pk, 0, &e));
	/* The same bytes signed without the 0x06 0x02 prefix do not verify. */
	crypto_sign_detached(buf + n - 64, NULL, buf, n - 64, primary.sk);
	ck_assert_ptr_null(devicelist_verify(buf, n, primary.pk, 0, &e));
	ck_assert_int_eq(e, DEVICELIST_ESIG);
}
END_TEST

START_TEST(test_link_signatures)
{
	uint8_t	sig[64], sig2[64];

	devicelist_link_sign_primary(sig, primary.sk, "alice", 5, 2, 777,
	    second.pk);
	ck_assert_int_eq(devicelist_link_verify_primary(sig, primary.pk,
	    "alice", 5, 2, 777, second.pk), 0);
	/* Any change to the meta or keys fails. */
	ck_assert_int_eq(devicelist_link_verify_primary(sig, primary.pk,
	    "alicf", 5, 2, 777, second.pk), -1);
	ck_assert_int_eq(devicelist_link_verify_primary(sig, primary.pk,
	    "alice", 5, 3, 777, second.pk), -1);
	ck_assert_int_eq(devicelist_link_verify_primary(sig, primary.pk,
	    "alice", 5, 2, 778, second.pk), -1);
	ck_assert_int_eq(devicelist_link_verify_primary(sig, primary.pk,
	    "alice", 5, 2, 777, third.pk), -1);
	ck_assert_int_eq(devicelist_link_verify_primary(sig, third.pk,
	    "alice", 5, 2, 777, second.pk), -1);
	devicelist_link_sign_new(sig2, second.sk, "alice", 5, 2, 777,
	    primary.pk);
	ck_assert_int_eq(devicelist_link_verify_new(sig2, second.pk, "alice",
	    5, 2, 777, primary.pk), 0);
	ck_assert_int_eq(devicelist_link_verify_new(sig2, second.pk, "alice",
	    5, 2, 777, third.pk), -1);
	ck_assert_int_eq(devicelist_link_verify_new(sig2, third.pk, "alice",
	    5, 2, 777, primary.pk), -1);
	/* Domain separation: the approval is not a countersignature. */
	ck_assert_int_eq(devicelist_link_verify_new(sig, second.pk, "alice",
	    5, 2, 777, primary.pk), -1);
}
END_TEST

START_TEST(test_link_flow)
{
	uint8_t		secret[32], fp[16], sec2[32], ap[DEVICELIST_APPROVALMAX];
	uint8_t		pk[32];
	char		code[DEVICELIST_CODEBYTES], acct[DEVICELIST_ACCOUNTMAX + 1];
	char		padded[DEVICELIST_CODEBYTES + 4];
	size_t		aplen, alen, i;
	uint32_t	id;
	uint64_t	ts;

	/* 1. New device shows its code. */
	randombytes_buf(secret, sizeof secret);
	devicelist_link_code(code, second.pk, secret);
	ck_assert_uint_eq(strlen(code), DEVICELIST_CODEBYTES - 1);
	/* 2. Primary parses it and checks the IK it got from the server. */
	snprintf(padded, sizeof padded, " %s\n", code);
	ck_assert_int_eq(devicelist_link_code_parse(padded, fp, sec2), 0);
	ck_assert_mem_eq(sec2, secret, 32);
	ck_assert_int_eq(devicelist_link_code_match(fp, second.pk), 0);
	ck_assert_int_eq(devicelist_link_code_match(fp, third.pk), -1);
	code[10] = 'x';
	ck_assert_int_eq(devicelist_link_code_parse(code, fp, sec2), -1);
	ck_assert_int_eq(devicelist_link_code_parse("nl1-00", fp, sec2), -1);
	ck_assert_int_eq(devicelist_approval_build(ap, &aplen, primary.sk,
	    "alice", 5, 2, 4242, second.pk, secret), 0);
	/* 3. The new device opens the approval. */
	ck_assert_int_eq(devicelist_approval_open(ap, aplen, secret, second.pk,
	    acct, &alen, &id, &ts, pk), 0);
	ck_assert_str_eq(acct, "alice");
	ck_assert_uint_eq(alen, 5);
	ck_assert_uint_eq(id, 2);
	ck_assert_uint_eq(ts, 4242);
	ck_assert_mem_eq(pk, primary.pk, 32);
	/* Wrong secret, another device's IK, any flipped byte: refused. */
	sec2[0] ^= 1;
	ck_assert_int_eq(devicelist_approval_open(ap, aplen, sec2, second.pk,
	    acct, &alen, &id, &ts, pk), -1);
	ck_assert_int_eq(devicelist_approval_open(ap, aplen, secret, third.pk,
	    acct, &alen, &id, &ts, pk), -1);
	for (i = 0; i < aplen; i++) {
		ap[i] ^= 0x40;
		ck_assert_int_eq(devicelist_approval_open(ap, aplen, secret,
		    second.pk, acct, &alen, &id, &ts, pk), -1);
		ap[i] ^= 0x40;
		ck_assert_int_eq(devicelist_approval_open(ap, i, secret,
		    second.pk, acct, &alen, &id, &ts, pk), -1);
	}
}
END_TEST

int
main(void)
{
	Suite	*su = suite_create("devicelist");
	TCase	*tc = tcase_create("devicelist");

	if (sodium_init() < 0)
		return (1);
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_sign_verify);
	tcase_add_test(tc, test_rollback);
	tcase_add_test(tc, test_bad_signature);
	tcase_add_test(tc, test_link_signatures);
	tcase_add_test(tc, test_link_flow);
	suite_add_tcase(su, tc);
	return (unit_run(su));
}
