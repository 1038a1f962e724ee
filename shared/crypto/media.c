/* media: attachment encryption (streamed secretstream, SHA-256 of plaintext and blob). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "shared/crypto/hkdf.h"
#include "shared/crypto/media.h"
#include "shared/util/xmalloc.h"

#define MEDIA_INFO		"natter v1 media"
#define MEDIA_EXPANDBYTES	112
#define MEDIA_OFF_IV		0
#define MEDIA_OFF_CIPHER	16
#define MEDIA_OFF_MAC		48
#define MEDIA_OFF_REF		80
#define MEDIA_IVBYTES		16
#define MEDIA_SEALEDCHUNK	(MEDIA_CHUNKBYTES + MEDIA_CHUNKOVERHEAD)

/* Either a stdio stream or a file descriptor. */
struct media_io {
	FILE	*fp;
	int	 fd;
};

static void
media_expand(uint8_t out[MEDIA_EXPANDBYTES], const uint8_t key[MEDIA_KEYBYTES])
{
	if (hkdf_sha256(out, MEDIA_EXPANDBYTES, NULL, 0, key, MEDIA_KEYBYTES,
	    (const uint8_t *)MEDIA_INFO, strlen(MEDIA_INFO)) != 0)
		abort();	/* 112 is always a valid length */
}

void
media_keygen(uint8_t key[MEDIA_KEYBYTES])
{
	randombytes_buf(key, MEDIA_KEYBYTES);
}

void
media_ref(uint8_t ref[MEDIA_REFBYTES], const uint8_t key[MEDIA_KEYBYTES])
{
	uint8_t	x[MEDIA_EXPANDBYTES];

	media_expand(x, key);
	memcpy(ref, x + MEDIA_OFF_REF, MEDIA_REFBYTES);
	sodium_memzero(x, sizeof x);
}

/* Read up to n bytes, short only at end of file; -1 on error. */
static ssize_t
media_read(struct media_io *io, uint8_t *buf, size_t n)
{
	size_t	done = 0;
	ssize_t	r;

	if (io->fp != NULL) {
		done = fread(buf, 1, n, io->fp);
		return (ferror(io->fp) ? -1 : (ssize_t)done);
	}
	while (done < n) {
		r = read(io->fd, buf + done, n - done);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return (-1);
		if (r == 0)
			break;
		done += r;
	}
	return ((ssize_t)done);
}

static int
media_write(struct media_io *io, const uint8_t *buf, size_t n)
{
	size_t	done = 0;
	ssize_t	w;

	if (io->fp != NULL)
		return (n == 0 || fwrite(buf, 1, n, io->fp) == n ? 0 : -1);
	while (done < n) {
		w = write(io->fd, buf + done, n - done);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			return (-1);
		done += w;
	}
	return (0);
}

static int
media_encrypt_io(struct media_io *in, struct media_io *out,
    const uint8_t key[MEDIA_KEYBYTES], uint8_t plain_sha256[MEDIA_HASHBYTES],
    uint8_t blob_sha256[MEDIA_HASHBYTES], uint64_t *size)
{
	crypto_secretstream_xchacha20poly1305_state	 ss;
	crypto_hash_sha256_state			 hp, hb;
	uint8_t						 x[MEDIA_EXPANDBYTES];
	uint8_t						 hdr[MEDIA_HEADERBYTES];
	uint8_t						*pt, *ct;
	uint64_t					 total = 0;
	ssize_t						 n;
	size_t						 have = 0;
	int						 rc = -1, final;
	unsigned long long				 clen;

	pt = xmalloc(MEDIA_CHUNKBYTES + 1);
	ct = xmalloc(MEDIA_SEALEDCHUNK);
	media_expand(x, key);
	crypto_secretstream_xchacha20poly1305_init_push(&ss, hdr,
	    x + MEDIA_OFF_CIPHER);
	crypto_hash_sha256_init(&hp);
	crypto_hash_sha256_init(&hb);
	crypto_hash_sha256_update(&hb, hdr, sizeof hdr);
	if (media_write(out, hdr, sizeof hdr) != 0)
		goto out;
	/* pt holds one byte of look-ahead beyond the chunk to spot the end. */
	do {
		n = media_read(in, pt + have, MEDIA_CHUNKBYTES + 1 - have);
		if (n == -1)
			goto out;
		have += n;
		final = have <= MEDIA_CHUNKBYTES;
		n = final ? (ssize_t)have : MEDIA_CHUNKBYTES;
		crypto_hash_sha256_update(&hp, pt, n);
		crypto_secretstream_xchacha20poly1305_push(&ss, ct, &clen, pt, n,
		    x + MEDIA_OFF_IV, MEDIA_IVBYTES, final ?
		    crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0);
		crypto_hash_sha256_update(&hb, ct, clen);
		if (media_write(out, ct, clen) != 0)
			goto out;
		total += n;
		if (!final) {
			pt[0] = pt[MEDIA_CHUNKBYTES];
			have = 1;
		}
	} while (!final);
	if (plain_sha256 != NULL)
		crypto_hash_sha256_final(&hp, plain_sha256);
	if (blob_sha256 != NULL)
		crypto_hash_sha256_final(&hb, blob_sha256);
	if (size != NULL)
		*size = total;
	rc = 0;
out:
	sodium_memzero(x, sizeof x);
	sodium_memzero(&ss, sizeof ss);
	sodium_memzero(pt, MEDIA_CHUNKBYTES + 1);
	free(pt);
	free(ct);
	return (rc);
}

/* Check the hashes at the end of a decryption; 0 if they match (or are NULL). */
static int
media_check(crypto_hash_sha256_state *hp, crypto_hash_sha256_state *hb,
    const uint8_t plain_sha256[MEDIA_HASHBYTES],
    const uint8_t blob_sha256[MEDIA_HASHBYTES])
{
	uint8_t	h[MEDIA_HASHBYTES];
	int	bad = 0;

	crypto_hash_sha256_final(hp, h);
	if (plain_sha256 != NULL && crypto_verify_32(h, plain_sha256) != 0)
		bad = 1;
	crypto_hash_sha256_final(hb, h);
	if (blob_sha256 != NULL && crypto_verify_32(h, blob_sha256) != 0)
		bad = 1;
	return (bad ? -1 : 0);
}

static int
media_decrypt_io(struct media_io *in, struct media_io *out,
    const uint8_t key[MEDIA_KEYBYTES], const uint8_t plain_sha256[MEDIA_HASHBYTES],
    const uint8_t blob_sha256[MEDIA_HASHBYTES], uint64_t *size)
{
	crypto_secretstream_xchacha20poly1305_state	 ss;
	crypto_hash_sha256_state			 hp, hb;
	uint8_t						 x[MEDIA_EXPANDBYTES];
	uint8_t						 hdr[MEDIA_HEADERBYTES];
	uint8_t						*pt, *ct, tag = 0;
	uint64_t					 total = 0;
	ssize_t						 n;
	int						 rc = -1;
	unsigned long long				 plen;

	pt = xmalloc(MEDIA_CHUNKBYTES);
	ct = xmalloc(MEDIA_SEALEDCHUNK);
	media_expand(x, key);
	crypto_hash_sha256_init(&hp);
	crypto_hash_sha256_init(&hb);
	if (media_read(in, hdr, sizeof hdr) != (ssize_t)sizeof hdr)
		goto out;
	crypto_hash_sha256_update(&hb, hdr, sizeof hdr);
	if (crypto_secretstream_xchacha20poly1305_init_pull(&ss, hdr,
	    x + MEDIA_OFF_CIPHER) != 0)
		goto out;
	while (tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
		n = media_read(in, ct, MEDIA_SEALEDCHUNK);
		if (n < MEDIA_CHUNKOVERHEAD)
			goto out;	/* error, or truncated before the final tag */
		crypto_hash_sha256_update(&hb, ct, n);
		if (crypto_secretstream_xchacha20poly1305_pull(&ss, pt, &plen,
		    &tag, ct, n, x + MEDIA_OFF_IV, MEDIA_IVBYTES) != 0)
			goto out;
		if (tag != 0 &&
		    tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL)
			goto out;
		if (tag == 0 && n != MEDIA_SEALEDCHUNK)
			goto out;
		crypto_hash_sha256_update(&hp, pt, plen);
		if (media_write(out, pt, plen) != 0)
			goto out;
		total += plen;
	}
	/* Nothing may follow the final chunk. */
	if (media_read(in, ct, 1) != 0)
		goto out;
	if (media_check(&hp, &hb, plain_sha256, blob_sha256) != 0)
		goto out;
	if (size != NULL)
		*size = total;
	rc = 0;
out:
	sodium_memzero(x, sizeof x);
	sodium_memzero(&ss, sizeof ss);
	sodium_memzero(pt, MEDIA_CHUNKBYTES);
	free(pt);
	free(ct);
	return (rc);
}

int
media_encrypt_fd(int in, int out, const uint8_t key[MEDIA_KEYBYTES],
    uint8_t plain_sha256[MEDIA_HASHBYTES], uint8_t blob_sha256[MEDIA_HASHBYTES],
    uint64_t *size)
{
	struct media_io	i = { NULL, in }, o = { NULL, out };

	return (media_encrypt_io(&i, &o, key, plain_sha256, blob_sha256, size));
}

int
media_encrypt_file(FILE *in, FILE *out, const uint8_t key[MEDIA_KEYBYTES],
    uint8_t plain_sha256[MEDIA_HASHBYTES], uint8_t blob_sha256[MEDIA_HASHBYTES],
    uint64_t *size)
{
	struct media_io	i = { in, -1 }, o = { out, -1 };

	return (media_encrypt_io(&i, &o, key, plain_sha256, blob_sha256, size));
}

int
media_decrypt_fd(int in, int out, const uint8_t key[MEDIA_KEYBYTES],
    const uint8_t plain_sha256[MEDIA_HASHBYTES],
    const uint8_t blob_sha256[MEDIA_HASHBYTES], uint64_t *size)
{
	struct media_io	i = { NULL, in }, o = { NULL, out };

	return (media_decrypt_io(&i, &o, key, plain_sha256, blob_sha256, size));
}

int
media_decrypt_file(FILE *in, FILE *out, const uint8_t key[MEDIA_KEYBYTES],
    const uint8_t plain_sha256[MEDIA_HASHBYTES],
    const uint8_t blob_sha256[MEDIA_HASHBYTES], uint64_t *size)
{
	struct media_io	i = { in, -1 }, o = { out, -1 };

	return (media_decrypt_io(&i, &o, key, plain_sha256, blob_sha256, size));
}
