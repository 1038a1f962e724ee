/* test_hkdf: HKDF-SHA256 against RFC 5869 test cases 1-3. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "shared/crypto/hkdf.h"
#include "shared/util/hex.h"
#include "tests/unit/unit.h"

struct hkdf_case {
	const char	*ikm, *salt, *info, *prk, *okm;
};

static const struct hkdf_case cases[] = {
	{ /* RFC 5869 A.1 */
	  "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	  "000102030405060708090a0b0c",
	  "f0f1f2f3f4f5f6f7f8f9",
	  "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
	  "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
	  "34007208d5b887185865" },
	{ /* RFC 5869 A.2 */
	  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	  "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
	  "404142434445464748494a4b4c4d4e4f",
	  "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
	  "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
	  "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
	  "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
	  "d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef"
	  "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
	  "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
	  "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
	  "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
	  "cc30c58179ec3e87c14c01d5c1f3434f1d87" },
	{ /* RFC 5869 A.3: no salt, no info */
	  "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "", "",
	  "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
	  "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
	  "9d201395faa4b61a96c8" },
};

static uint8_t *
unhex(const char *s, size_t *len)
{
	uint8_t	*out;

	*len = strlen(s) / 2;
	out = malloc(*len + 1);
	ck_assert(hex_decode(out, *len, s) == 0);
	return (out);
}

START_TEST(test_rfc5869)
{
	const struct hkdf_case	*c = &cases[_i];
	size_t			 ikmlen, saltlen, infolen, prklen, okmlen;
	uint8_t			*ikm = unhex(c->ikm, &ikmlen);
	uint8_t			*salt = unhex(c->salt, &saltlen);
	uint8_t			*info = unhex(c->info, &infolen);
	uint8_t			*prk = unhex(c->prk, &prklen);
	uint8_t			*okm = unhex(c->okm, &okmlen);
	uint8_t			 gotprk[32], got[128];

	hkdf_sha256_extract(gotprk, salt, saltlen, ikm, ikmlen);
	ck_assert_mem_eq(gotprk, prk, 32);
	ck_assert_int_eq(hkdf_sha256(got, okmlen, salt, saltlen, ikm, ikmlen,
	    info, infolen), 0);
	ck_assert_mem_eq(got, okm, okmlen);
	free(ikm); free(salt); free(info); free(prk); free(okm);
}
END_TEST

START_TEST(test_bounds)
{
	uint8_t	prk[32] = { 0 }, out[1];

	ck_assert_int_eq(hkdf_sha256_expand(out, 0, prk, NULL, 0), -1);
	ck_assert_int_eq(hkdf_sha256_expand(out, HKDF_SHA256_MAXOUT + 1, prk,
	    NULL, 0), -1);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("hkdf");
	TCase	*tc = tcase_create("rfc5869");

	tcase_add_loop_test(tc, test_rfc5869, 0, 3);
	tcase_add_test(tc, test_bounds);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
