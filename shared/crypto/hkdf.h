/* hkdf: HKDF-SHA256 (RFC 5869) on libsodium's HMAC-SHA256. */
#ifndef NATTER_SHARED_CRYPTO_HKDF_H
#define NATTER_SHARED_CRYPTO_HKDF_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#define HKDF_SHA256_BYTES	32
#define HKDF_SHA256_MAXOUT	(255 * 32)

/* prk = HMAC-SHA256(salt, ikm); a NULL or empty salt means 32 zero bytes. */
void	hkdf_sha256_extract(uint8_t prk[HKDF_SHA256_BYTES],
	    const uint8_t *salt, size_t saltlen,
	    const uint8_t *ikm, size_t ikmlen);

/* Expand prk into outlen bytes bound to info; -1 if outlen is 0 or over
 * HKDF_SHA256_MAXOUT. */
int	hkdf_sha256_expand(uint8_t *out, size_t outlen,
	    const uint8_t prk[HKDF_SHA256_BYTES],
	    const uint8_t *info, size_t infolen)
	    __attribute__((warn_unused_result));

/* Extract then expand. */
int	hkdf_sha256(uint8_t *out, size_t outlen,
	    const uint8_t *salt, size_t saltlen,
	    const uint8_t *ikm, size_t ikmlen,
	    const uint8_t *info, size_t infolen)
	    __attribute__((warn_unused_result));

/* Extract with a precomputed HMAC state for a fixed salt (see
 * hkdf_sha256_salt_init): saves the two key-block compressions per call. */
void	hkdf_sha256_salt_init(crypto_auth_hmacsha256_state *,
	    const uint8_t *salt, size_t saltlen);
void	hkdf_sha256_extract_with(uint8_t prk[HKDF_SHA256_BYTES],
	    const crypto_auth_hmacsha256_state *salt_state,
	    const uint8_t *ikm, size_t ikmlen);
/* The state for the all-zero salt (computed once per thread). */
const crypto_auth_hmacsha256_state *hkdf_sha256_zero_salt(void);

#endif
