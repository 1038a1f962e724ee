/* sha256: SHA-256 at the machine's speed (OpenSSL's libcrypto, which uses the CPU's SHA instructions). */
#ifndef NATTER_SHARED_CRYPTO_SHA256_H
#define NATTER_SHARED_CRYPTO_SHA256_H

#include <stddef.h>
#include <stdint.h>

/*
 * libsodium 1.0.18's SHA-256 is portable C (~0.23 GB/s here); OpenSSL's
 * uses the SHA extensions (~1.7 GB/s).  Media and the asset service hash
 * every byte of every file twice or more, so they use this one.
 */

#define SHA256_BYTES	32
#define SHA256_HEXBYTES	(2 * SHA256_BYTES + 1)

struct sha256;

/* A fresh hash state (sha256_free frees it; NULL is a no-op). */
struct sha256	*sha256_new(void);
void		 sha256_free(struct sha256 *);
void		 sha256_update(struct sha256 *, const void *, size_t);
/* The digest; the state starts over afterwards. */
void		 sha256_final(struct sha256 *, uint8_t out[SHA256_BYTES]);
/* SHA-256 of one buffer. */
void		 sha256_buf(uint8_t out[SHA256_BYTES], const void *, size_t);

#endif
