/* test_server_auth: natterd's Register and Auth checks accept the signatures
 * of tests/vectors/login.txt and reject each with any one bit flipped. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "server/auth.h"
#include "tests/unit/login_vectors.h"
#include "tests/unit/unit.h"

/* What natterd says about sig (0 or -1) for vector lv, as the vector's
 * device id or name or nonce claims. */
static int
verify(const struct login_vector *lv, const uint8_t sig[64],
    const uint8_t nonce[AUTH_NONCEBYTES], const char *name, uint32_t device)
{
	if (lv->has_device)
		return (auth_verify_auth(sig, 64, nonce, name, device, lv->pk));
	return (auth_verify_register(sig, 64, nonce, name, lv->pk));
}

START_TEST(test_vectors_accepted)
{
	struct login_vector	v[LOGIN_VECTORS_MAX];
	int			i, n;

	n = login_vectors_read(v);
	ck_assert_int_ge(n, 2);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(verify(&v[i], v[i].sig, v[i].nonce, v[i].name,
		    v[i].device), 0);
}
END_TEST

START_TEST(test_bit_flips_rejected)
{
	struct login_vector	v[LOGIN_VECTORS_MAX];
	uint8_t			sig[64], nonce[AUTH_NONCEBYTES];
	char			name[WIRE_NAME_MAX + 1];
	int			i, n;
	unsigned		bit;

	n = login_vectors_read(v);
	for (i = 0; i < n; i++) {
		for (bit = 0; bit < 8 * sizeof sig; bit++) {
			memcpy(sig, v[i].sig, sizeof sig);
			sig[bit / 8] ^= 1U << (bit % 8);
			ck_assert_int_eq(verify(&v[i], sig, v[i].nonce,
			    v[i].name, v[i].device), -1);
		}
		for (bit = 0; bit < 8 * sizeof nonce; bit += 7) {
			memcpy(nonce, v[i].nonce, sizeof nonce);
			nonce[bit / 8] ^= 1U << (bit % 8);
			ck_assert_int_eq(verify(&v[i], v[i].sig, nonce,
			    v[i].name, v[i].device), -1);
		}
		memcpy(name, v[i].name, sizeof name);
		name[0] ^= 0x01;
		ck_assert_int_eq(verify(&v[i], v[i].sig, v[i].nonce, name,
		    v[i].device), -1);
		if (v[i].has_device) {
			for (bit = 0; bit < 32; bit++)
				ck_assert_int_eq(verify(&v[i], v[i].sig,
				    v[i].nonce, v[i].name,
				    v[i].device ^ (1U << bit)), -1);
		}
	}
}
END_TEST

/* A Register signature is no Auth signature, and the other way round. */
START_TEST(test_domains_separate)
{
	struct login_vector	v[LOGIN_VECTORS_MAX];
	int			i, n;

	n = login_vectors_read(v);
	for (i = 0; i < n; i++) {
		if (v[i].has_device)
			ck_assert_int_eq(auth_verify_register(v[i].sig, 64,
			    v[i].nonce, v[i].name, v[i].pk), -1);
		else
			ck_assert_int_eq(auth_verify_auth(v[i].sig, 64,
			    v[i].nonce, v[i].name, 0, v[i].pk), -1);
		ck_assert_int_eq(verify(&v[i], v[i].sig, v[i].nonce,
		    v[i].name, v[i].device), 0);
	}
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("server_auth");
	TCase	*tc = tcase_create("server_auth");

	if (sodium_init() < 0)
		return (EXIT_FAILURE);
	tcase_add_test(tc, test_vectors_accepted);
	tcase_add_test(tc, test_bit_flips_rejected);
	tcase_add_test(tc, test_domains_separate);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
