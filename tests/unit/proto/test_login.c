/* test_login: login_message builds tests/vectors/login.txt's messages byte
 * for byte, and signing them with the vector's key gives its signatures. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "shared/proto/login.h"
#include "tests/unit/login_vectors.h"
#include "tests/unit/unit.h"

START_TEST(test_vectors)
{
	struct login_vector	v[LOGIN_VECTORS_MAX];
	uint8_t			m[LOGIN_MESSAGEMAX], pk[32], sk[64], sig[64];
	size_t			len;
	int			i, n, nreg = 0, nauth = 0;

	n = login_vectors_read(v);
	ck_assert_int_ge(n, 2);
	for (i = 0; i < n; i++) {
		len = login_message(m, v[i].domain, v[i].nonce, v[i].name,
		    v[i].has_device ? &v[i].device : NULL);
		ck_assert_uint_eq(len, v[i].mlen);
		ck_assert_mem_eq(m, v[i].message, len);

		crypto_sign_seed_keypair(pk, sk, v[i].seed);
		ck_assert_mem_eq(pk, v[i].pk, 32);
		crypto_sign_detached(sig, NULL, m, len, sk);
		ck_assert_mem_eq(sig, v[i].sig, 64);

		/* The vector's domains are the ones the protocol uses. */
		if (strcmp(v[i].domain, LOGIN_REGISTER_DOMAIN) == 0) {
			ck_assert(!v[i].has_device);
			nreg++;
		} else {
			ck_assert_str_eq(v[i].domain, LOGIN_AUTH_DOMAIN);
			ck_assert(v[i].has_device);
			nauth++;
		}
	}
	ck_assert_int_gt(nreg, 0);
	ck_assert_int_gt(nauth, 0);
	sodium_memzero(sk, sizeof sk);
}
END_TEST

START_TEST(test_limits)
{
	static const char	long_name[] =
				    "abcdefghijklmnopqrstuvwxyz0123456";
	uint8_t			m[LOGIN_MESSAGEMAX], nonce[LOGIN_NONCEBYTES];
	char			domain[LOGIN_DOMAINMAX + 2];
	uint32_t		device = UINT32_MAX;

	memset(nonce, 0x5a, sizeof nonce);
	ck_assert_uint_eq(login_message(m, LOGIN_AUTH_DOMAIN, nonce, long_name,
	    &device), 0);
	ck_assert_uint_eq(login_message(m, LOGIN_AUTH_DOMAIN, nonce,
	    long_name + 1, &device), sizeof LOGIN_AUTH_DOMAIN + 32 + 32 + 4);
	ck_assert_mem_eq(m + sizeof LOGIN_AUTH_DOMAIN + 32 + 32,
	    "\xff\xff\xff\xff", 4);

	/* The longest domain and name fill the buffer exactly. */
	memset(domain, 'd', sizeof domain);
	domain[LOGIN_DOMAINMAX] = '\0';
	ck_assert_uint_eq(login_message(m, domain, nonce, long_name + 1,
	    &device), LOGIN_MESSAGEMAX);
	domain[LOGIN_DOMAINMAX] = 'd';
	domain[LOGIN_DOMAINMAX + 1] = '\0';
	ck_assert_uint_eq(login_message(m, domain, nonce, "a", NULL), 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("login");
	TCase	*tc = tcase_create("login");

	if (sodium_init() < 0)
		return (EXIT_FAILURE);
	tcase_add_test(tc, test_vectors);
	tcase_add_test(tc, test_limits);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
