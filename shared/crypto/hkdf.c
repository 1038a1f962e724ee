/* hkdf: HKDF-SHA256 (RFC 5869) on libsodium's HMAC-SHA256. */
#include <string.h>

#include "shared/crypto/hkdf.h"

static const uint8_t hkdf_zero_salt[HKDF_SHA256_BYTES];

void
hkdf_sha256_salt_init(crypto_auth_hmacsha256_state *st, const uint8_t *salt,
    size_t saltlen)
{
	if (salt == NULL || saltlen == 0) {
		salt = hkdf_zero_salt;
		saltlen = sizeof hkdf_zero_salt;
	}
	crypto_auth_hmacsha256_init(st, salt, saltlen);
}

void
hkdf_sha256_extract_with(uint8_t prk[HKDF_SHA256_BYTES],
    const crypto_auth_hmacsha256_state *salt_state, const uint8_t *ikm,
    size_t ikmlen)
{
	crypto_auth_hmacsha256_state	st = *salt_state;

	crypto_auth_hmacsha256_update(&st, ikm, ikmlen);
	crypto_auth_hmacsha256_final(&st, prk);
	sodium_memzero(&st, sizeof st);
}

const crypto_auth_hmacsha256_state *
hkdf_sha256_zero_salt(void)
{
	static _Thread_local crypto_auth_hmacsha256_state	st;
	static _Thread_local int				done;

	if (!done) {
		hkdf_sha256_salt_init(&st, NULL, 0);
		done = 1;
	}
	return (&st);
}

void
hkdf_sha256_extract(uint8_t prk[HKDF_SHA256_BYTES], const uint8_t *salt,
    size_t saltlen, const uint8_t *ikm, size_t ikmlen)
{
	crypto_auth_hmacsha256_state	st;

	if (salt == NULL || saltlen == 0) {
		hkdf_sha256_extract_with(prk, hkdf_sha256_zero_salt(), ikm,
		    ikmlen);
		return;
	}
	hkdf_sha256_salt_init(&st, salt, saltlen);
	hkdf_sha256_extract_with(prk, &st, ikm, ikmlen);
	sodium_memzero(&st, sizeof st);
}

int
hkdf_sha256_expand(uint8_t *out, size_t outlen,
    const uint8_t prk[HKDF_SHA256_BYTES], const uint8_t *info, size_t infolen)
{
	crypto_auth_hmacsha256_state	key, st;
	uint8_t				t[HKDF_SHA256_BYTES];
	size_t				done = 0, n;
	uint8_t				counter = 1;

	if (outlen == 0 || outlen > HKDF_SHA256_MAXOUT)
		return (-1);
	crypto_auth_hmacsha256_init(&key, prk, HKDF_SHA256_BYTES);
	while (done < outlen) {
		st = key;
		if (counter > 1)
			crypto_auth_hmacsha256_update(&st, t, sizeof t);
		if (infolen > 0)
			crypto_auth_hmacsha256_update(&st, info, infolen);
		crypto_auth_hmacsha256_update(&st, &counter, 1);
		crypto_auth_hmacsha256_final(&st, t);
		n = outlen - done < sizeof t ? outlen - done : sizeof t;
		memcpy(out + done, t, n);
		done += n;
		counter++;
	}
	sodium_memzero(t, sizeof t);
	sodium_memzero(&key, sizeof key);
	sodium_memzero(&st, sizeof st);
	return (0);
}

int
hkdf_sha256(uint8_t *out, size_t outlen, const uint8_t *salt, size_t saltlen,
    const uint8_t *ikm, size_t ikmlen, const uint8_t *info, size_t infolen)
{
	uint8_t	prk[HKDF_SHA256_BYTES];
	int	rc;

	hkdf_sha256_extract(prk, salt, saltlen, ikm, ikmlen);
	rc = hkdf_sha256_expand(out, outlen, prk, info, infolen);
	sodium_memzero(prk, sizeof prk);
	return (rc);
}
