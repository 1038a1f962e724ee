/* sha256: SHA-256 on OpenSSL's EVP interface. */
#include <stdlib.h>

#include <openssl/evp.h>

#include "shared/crypto/sha256.h"
#include "shared/util/log.h"

struct sha256 {
	EVP_MD_CTX	*ctx;
};

static void
sha256_init(struct sha256 *h)
{
	if (EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1)
		fatal("sha256: cannot initialise the digest");
}

struct sha256 *
sha256_new(void)
{
	struct sha256	*h;

	if ((h = calloc(1, sizeof *h)) == NULL ||
	    (h->ctx = EVP_MD_CTX_new()) == NULL)
		fatal("sha256: out of memory");
	sha256_init(h);
	return (h);
}

void
sha256_free(struct sha256 *h)
{
	if (h == NULL)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

void
sha256_update(struct sha256 *h, const void *p, size_t len)
{
	if (len > 0 && EVP_DigestUpdate(h->ctx, p, len) != 1)
		fatal("sha256: update failed");
}

void
sha256_final(struct sha256 *h, uint8_t out[SHA256_BYTES])
{
	unsigned int	n = SHA256_BYTES;

	if (EVP_DigestFinal_ex(h->ctx, out, &n) != 1 || n != SHA256_BYTES)
		fatal("sha256: final failed");
	sha256_init(h);
}

void
sha256_buf(uint8_t out[SHA256_BYTES], const void *p, size_t len)
{
	unsigned int	n = SHA256_BYTES;

	if (EVP_Digest(p, len, out, &n, EVP_sha256(), NULL) != 1)
		fatal("sha256: digest failed");
}
