/* test_fingerprint: safety numbers (known answer, independent recomputation, symmetry, comparison). */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "shared/crypto/fingerprint.h"
#include "tests/unit/unit.h"

/*
 * Known answer, computed once with Python's hashlib (an implementation
 * independent of this code) for key A = 00 01 .. 1f, "alice" and key B =
 * 20 21 .. 3f, "bob".
 */
#define KAT_ALICE	"309956685010881989143608686589"
#define KAT_BOB		"428970929278922065031198706478"
#define KAT_SAFETY	KAT_ALICE KAT_BOB

static void
keys(uint8_t a[32], uint8_t b[32])
{
	int	i;

	for (i = 0; i < 32; i++) {
		a[i] = i;
		b[i] = 32 + i;
	}
}

/* The formula again, written differently: one-shot hashes over a buffer. */
static void
reference_user(char out[31], const uint8_t key[32], const char *id)
{
	uint8_t		buf[2 + 32 + 64 + 32], h[64];
	size_t		idlen = strlen(id), len;
	uint64_t	v;
	int		i, j;

	ck_assert_uint_le(idlen, 64);
	buf[0] = buf[1] = 0;
	memcpy(buf + 2, key, 32);
	memcpy(buf + 34, id, idlen);
	memcpy(buf + 34 + idlen, key, 32);
	len = 2 + 32 + idlen + 32;
	crypto_hash_sha512(h, buf, len);
	for (i = 1; i < 5200; i++) {
		memcpy(buf, h, 64);
		memcpy(buf + 64, key, 32);
		crypto_hash_sha512(h, buf, 96);
	}
	for (i = 0; i < 6; i++) {
		for (v = 0, j = 0; j < 5; j++)
			v = v * 256 + h[5 * i + j];
		snprintf(out + 5 * i, 6, "%05d", (int)(v % 100000));
	}
}

START_TEST(test_kat)
{
	uint8_t	a[32], b[32];
	char	u[FINGERPRINT_USERBYTES], r[31], sn[FINGERPRINT_BYTES];

	keys(a, b);
	fingerprint_user(u, a, (const uint8_t *)"alice", 5);
	ck_assert_str_eq(u, KAT_ALICE);
	reference_user(r, a, "alice");
	ck_assert_str_eq(u, r);
	fingerprint_user(u, b, (const uint8_t *)"bob", 3);
	ck_assert_str_eq(u, KAT_BOB);
	reference_user(r, b, "bob");
	ck_assert_str_eq(u, r);
	fingerprint_safety_number(sn, a, (const uint8_t *)"alice", 5, b,
	    (const uint8_t *)"bob", 3);
	ck_assert_str_eq(sn, KAT_SAFETY);
}
END_TEST

START_TEST(test_symmetry)
{
	uint8_t	a[32], b[32];
	char	ab[FINGERPRINT_BYTES], ba[FINGERPRINT_BYTES];
	char	u[FINGERPRINT_USERBYTES];
	int	i;

	for (i = 0; i < 4; i++) {
		crypto_sign_keypair(a, (uint8_t[64]){ 0 });
		randombytes_buf(b, sizeof b);
		fingerprint_safety_number(ab, a, (const uint8_t *)"alice", 5,
		    b, (const uint8_t *)"bob", 3);
		fingerprint_safety_number(ba, b, (const uint8_t *)"bob", 3,
		    a, (const uint8_t *)"alice", 5);
		ck_assert_str_eq(ab, ba);
		ck_assert_uint_eq(strlen(ab), 60);
		ck_assert_uint_eq(strspn(ab, "0123456789"), 60);
		/* A different key for bob changes the number. */
		b[0] ^= 1;
		fingerprint_safety_number(ba, b, (const uint8_t *)"bob", 3,
		    a, (const uint8_t *)"alice", 5);
		ck_assert_str_ne(ab, ba);
	}
	/* The identifier is bound too. */
	fingerprint_user(u, a, (const uint8_t *)"alice", 5);
	fingerprint_user(ab, a, (const uint8_t *)"alicf", 5);
	ck_assert_str_ne(u, ab);
}
END_TEST

START_TEST(test_format_compare)
{
	char	disp[FINGERPRINT_DISPLAYBYTES];

	ck_assert_int_eq(fingerprint_format(disp, KAT_SAFETY), 0);
	ck_assert_str_eq(disp, "30995 66850 10881 98914 36086 86589 "
	    "42897 09292 78922 06503 11987 06478");
	ck_assert_int_eq(fingerprint_format(disp, "123"), -1);
	ck_assert_int_eq(fingerprint_format(disp,
	    "30995668501088198914360868658942897092927892206503119870647x"), -1);
	ck_assert_int_eq(fingerprint_compare(KAT_SAFETY, KAT_SAFETY), 0);
	ck_assert_int_eq(fingerprint_compare(KAT_SAFETY, disp), 0);
	ck_assert_int_eq(fingerprint_compare(KAT_SAFETY,
	    "30995-66850-10881-98914-36086-86589\n"
	    "42897 09292 78922 06503 11987 06478\n"), 0);
	/* One digit off, one missing, one extra, a letter: all mismatches. */
	ck_assert_int_eq(fingerprint_compare(KAT_SAFETY,
	    "30995 66850 10881 98914 36086 86589 "
	    "42897 09292 78922 06503 11987 06479"), -1);
	ck_assert_int_eq(fingerprint_compare(KAT_SAFETY,
	    "30995 66850 10881 98914 36086 86589 "
	    "42897 09292 78922 06503 11987 0647"), -1);
	ck_assert_int_eq(fingerprint_compare(KAT_SAFETY, KAT_SAFETY "0"), -1);
	ck_assert_int_eq(fingerprint_compare(KAT_SAFETY,
	    "a30995 66850 10881 98914 36086 86589 "
	    "42897 09292 78922 06503 11987 06478"), -1);
	ck_assert_int_eq(fingerprint_compare(KAT_SAFETY, ""), -1);
	ck_assert_int_eq(fingerprint_compare("123", "123"), -1);
}
END_TEST

int
main(void)
{
	Suite	*su = suite_create("fingerprint");
	TCase	*tc = tcase_create("fingerprint");

	if (sodium_init() < 0)
		return (1);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_kat);
	tcase_add_test(tc, test_symmetry);
	tcase_add_test(tc, test_format_compare);
	suite_add_tcase(su, tc);
	return (unit_run(su));
}
