/* test_keys: X25519 (RFC 7748) and Ed25519 (RFC 8032) through keys.h,
 * prekey signatures and bundle serialisation. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "shared/crypto/keys.h"
#include "shared/util/hex.h"
#include "tests/unit/unit.h"

static void
unhex(uint8_t *out, size_t len, const char *s)
{
	ck_assert_int_eq(hex_decode(out, len, s), 0);
}

START_TEST(test_rfc7748_52)
{
	static const char *v[2][3] = {
	    { "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
	      "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
	      "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552" },
	    { "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
	      "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
	      "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957" },
	};
	uint8_t	k[32], u[32], want[32], got[32];
	int	i;

	for (i = 0; i < 2; i++) {
		unhex(k, 32, v[i][0]);
		unhex(u, 32, v[i][1]);
		unhex(want, 32, v[i][2]);
		ck_assert_int_eq(keys_dh(got, k, u), 0);
		ck_assert_mem_eq(got, want, 32);
	}
}
END_TEST

START_TEST(test_rfc7748_61)
{
	uint8_t	a[32], apk[32], b[32], bpk[32], k[32], got[32], pk[32];

	unhex(a, 32, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
	unhex(apk, 32, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
	unhex(b, 32, "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
	unhex(bpk, 32, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
	unhex(k, 32, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
	crypto_scalarmult_base(pk, a);
	ck_assert_mem_eq(pk, apk, 32);
	crypto_scalarmult_base(pk, b);
	ck_assert_mem_eq(pk, bpk, 32);
	ck_assert_int_eq(keys_dh(got, a, bpk), 0);
	ck_assert_mem_eq(got, k, 32);
	ck_assert_int_eq(keys_dh(got, b, apk), 0);
	ck_assert_mem_eq(got, k, 32);
	/* A low-order point gives an all-zero result: rejected. */
	memset(pk, 0, 32);
	ck_assert_int_eq(keys_dh(got, a, pk), -1);
}
END_TEST

START_TEST(test_rfc8032)
{
	static const char *v[3][4] = {
	    { "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
	      "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
	      "",
	      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
	      "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b" },
	    { "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
	      "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
	      "72",
	      "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
	      "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00" },
	    { "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
	      "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
	      "af82",
	      "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
	      "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a" },
	};
	struct keys_identity	id;
	uint8_t			seed[32], pk[32], sk[64], m[2], sig[64], got[64];
	size_t			mlen;
	int			i;

	for (i = 0; i < 3; i++) {
		unhex(seed, 32, v[i][0]);
		unhex(pk, 32, v[i][1]);
		mlen = strlen(v[i][2]) / 2;
		if (mlen > 0)
			unhex(m, mlen, v[i][2]);
		unhex(sig, 64, v[i][3]);
		memcpy(sk, seed, 32);
		memcpy(sk + 32, pk, 32);
		ck_assert_int_eq(keys_identity_from_ed_sk(&id, sk), 0);
		keys_sign(got, &id, m, mlen);
		ck_assert_mem_eq(got, sig, 64);
		ck_assert_int_eq(keys_verify(sig, pk, m, mlen), 0);
		sig[i * 7] ^= 1;
		ck_assert_int_eq(keys_verify(sig, pk, m, mlen), -1);
	}
}
END_TEST

START_TEST(test_identity_x25519)
{
	struct keys_identity	a, b;
	uint8_t			k1[32], k2[32], x[32];

	ck_assert_int_eq(keys_identity_generate(&a), 0);
	ck_assert_int_eq(keys_identity_generate(&b), 0);
	ck_assert_int_eq(keys_dh(k1, a.x_sk, b.x_pk), 0);
	ck_assert_int_eq(keys_dh(k2, b.x_sk, a.x_pk), 0);
	ck_assert_mem_eq(k1, k2, 32);
	ck_assert_int_eq(keys_ed_pk_to_x(x, a.ed_pk), 0);
	ck_assert_mem_eq(x, a.x_pk, 32);
	memset(x, 0, 32);
	ck_assert_int_eq(keys_ed_pk_to_x(k1, x), -1);	/* small order */
	ck_assert_int_eq(keys_ed_pk_to_x(k1, x), -1);	/* not cached */
}
END_TEST

/* The conversion cache gives the same answers, past its size and after
 * being cleared; a bad point stays bad. */
START_TEST(test_xcache)
{
	struct keys_identity	id[40];
	uint8_t			x[32], bad[32];
	int			i, round;

	for (i = 0; i < 40; i++)
		ck_assert_int_eq(keys_identity_generate(&id[i]), 0);
	memset(bad, 0, sizeof bad);
	bad[0] = 1;	/* the neutral element: small order */
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 40; i++) {
			ck_assert_int_eq(keys_ed_pk_to_x(x, id[i].ed_pk), 0);
			ck_assert_mem_eq(x, id[i].x_pk, 32);
			ck_assert_int_eq(keys_ed_pk_to_x(x, bad), -1);
		}
		for (i = 39; i >= 30; i--) {
			ck_assert_int_eq(keys_ed_pk_to_x(x, id[i].ed_pk), 0);
			ck_assert_mem_eq(x, id[i].x_pk, 32);
		}
		if (round == 1)
			keys_xcache_clear();
	}
}
END_TEST

START_TEST(test_spk_and_bundle)
{
	struct keys_identity	id, other;
	struct keys_prekey	spk, opk, p0;
	struct keys_bundle	b, p;
	uint8_t			buf[KEYS_BUNDLE_BYTES], tmp[KEYS_BUNDLE_BYTES];
	size_t			i;

	ck_assert_int_eq(keys_identity_generate(&id), 0);
	ck_assert_int_eq(keys_identity_generate(&other), 0);
	keys_spk_generate(&spk, &id, 7);
	keys_opk_generate(&opk, 1234);
	/* Rebuilt from its stored private key and signed again: the same. */
	keys_prekey_from_sk(&p0, 7, spk.sk);
	ck_assert_mem_eq(p0.pk, spk.pk, 32);
	keys_spk_sign(&p0, &id);
	ck_assert_mem_eq(p0.sig, spk.sig, 64);	/* Ed25519 is deterministic */
	ck_assert_int_eq(keys_spk_verify(id.ed_pk, 7, p0.pk, p0.sig), 0);
	ck_assert_int_eq(keys_spk_verify(id.ed_pk, 8, p0.pk, p0.sig), -1);
	ck_assert_int_eq(keys_spk_verify(id.ed_pk, 7, spk.pk, spk.sig), 0);
	ck_assert_int_eq(keys_spk_verify(id.ed_pk, 8, spk.pk, spk.sig), -1);
	ck_assert_int_eq(keys_spk_verify(other.ed_pk, 7, spk.pk, spk.sig), -1);
	keys_bundle_make(&b, 42, &id, &spk, &opk);
	keys_bundle_serialise(buf, &b);
	ck_assert_int_eq(keys_bundle_parse(&p, buf, sizeof buf), 0);
	ck_assert_int_eq(keys_bundle_verify(&p), 0);
	ck_assert_uint_eq(p.device_id, 42);
	ck_assert_uint_eq(p.spk_id, 7);
	ck_assert_int_eq(p.has_opk, 1);
	ck_assert_uint_eq(p.opk_id, 1234);
	ck_assert_mem_eq(p.opk, opk.pk, 32);
	ck_assert_mem_eq(p.ik, id.ed_pk, 32);
	/* Every truncation and bad header is rejected. */
	for (i = 0; i < sizeof buf; i++)
		ck_assert_int_eq(keys_bundle_parse(&p, buf, i), -1);
	ck_assert_int_eq(keys_bundle_parse(&p, NULL, 0), -1);
	memcpy(tmp, buf, sizeof tmp);
	tmp[0] = 2;
	ck_assert_int_eq(keys_bundle_parse(&p, tmp, sizeof tmp), -1);
	memcpy(tmp, buf, sizeof tmp);
	tmp[1] = 2;
	ck_assert_int_eq(keys_bundle_parse(&p, tmp, sizeof tmp), -1);
	/* A flipped bit in the SPK region fails verification. */
	for (i = 38; i < 2 + 4 + 32 + 4 + 32 + 64; i++) {
		memcpy(tmp, buf, sizeof tmp);
		tmp[i] ^= 0x10;
		ck_assert_int_eq(keys_bundle_parse(&p, tmp, sizeof tmp), 0);
		ck_assert_int_eq(keys_bundle_verify(&p), -1);
	}
	keys_bundle_make(&b, 42, &id, &spk, NULL);
	keys_bundle_serialise(buf, &b);
	ck_assert_int_eq(keys_bundle_parse(&p, buf, sizeof buf), 0);
	ck_assert_int_eq(p.has_opk, 0);
	keys_identity_wipe(&id);
	keys_prekey_wipe(&spk);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("keys");
	TCase	*tc = tcase_create("keys");

	if (sodium_init() < 0)
		return (EXIT_FAILURE);
	tcase_add_test(tc, test_rfc7748_52);
	tcase_add_test(tc, test_rfc7748_61);
	tcase_add_test(tc, test_rfc8032);
	tcase_add_test(tc, test_identity_x25519);
	tcase_add_test(tc, test_xcache);
	tcase_add_test(tc, test_spk_and_bundle);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
