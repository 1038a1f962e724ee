/* media: attachment encryption (streamed secretstream, SHA-256 of plaintext and blob). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "shared/crypto/hkdf.h"
#include "shared/crypto/media.h"
#include "shared/crypto/sha256.h"
#include "shared/util/xmalloc.h"

#define MEDIA_INFO		"natter v1 media"
#define MEDIA_EXPANDBYTES	112
#define MEDIA_OFF_IV		0
#define MEDIA_OFF_CIPHER	16
#define MEDIA_OFF_REF		80
#define MEDIA_IVBYTES		16
#define MEDIA_SEALEDCHUNK	(MEDIA_CHUNKBYTES + MEDIA_CHUNKOVERHEAD)
#define MEDIA_TAG_FINAL		crypto_secretstream_xchacha20poly1305_TAG_FINAL

/*
 * One direction of one blob.  buf holds what is not yet a whole chunk:
 * plaintext when pushing (a full chunk waits until more data shows it is
 * not the last), sealed bytes (the header first) when pulling.
 */
struct media_stream {
	crypto_secretstream_xchacha20poly1305_state	 ss;
	uint8_t		 x[MEDIA_EXPANDBYTES];
	struct sha256	*blob;		/* of the blob's bytes */
	media_out_cb	*out;
	void		*arg;
	uint8_t		*buf;		/* MEDIA_SEALEDCHUNK bytes */
	size_t		 have;
	uint8_t		*tmp;		/* output of one chunk */
	uint64_t	 plain;		/* plaintext bytes so far */
	int		 pull;
	int		 started;	/* pull: the header was opened */
	int		 final;		/* pull: the final chunk came */
	int		 failed;
	int		 unhashed;	/* no SHA-256 of the blob */
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

static struct media_stream *
media_stream_new(const uint8_t key[MEDIA_KEYBYTES], media_out_cb *out,
    void *arg, int pull)
{
	struct media_stream	*m;

	m = xcalloc(1, sizeof *m);
	media_expand(m->x, key);
	m->blob = sha256_new();
	m->out = out;
	m->arg = arg;
	m->buf = xmalloc(MEDIA_SEALEDCHUNK);
	m->tmp = xmalloc(MEDIA_SEALEDCHUNK);
	m->pull = pull;
	return (m);
}

void
media_stream_free(struct media_stream *m)
{
	if (m == NULL)
		return;
	sodium_memzero(m->x, sizeof m->x);
	sodium_memzero(&m->ss, sizeof m->ss);
	sodium_memzero(m->buf, MEDIA_SEALEDCHUNK);
	sodium_memzero(m->tmp, MEDIA_SEALEDCHUNK);
	sha256_free(m->blob);
	free(m->buf);
	free(m->tmp);
	free(m);
}

/* Hand blob bytes to out (hashed on the way). */
static int
media_emit_blob(struct media_stream *m, const uint8_t *p, size_t n)
{
	if (!m->unhashed)
		sha256_update(m->blob, p, n);
	if (m->out(m->arg, p, n) != 0)
		return (m->failed = 1, -1);
	return (0);
}

struct media_stream *
media_push_start(const uint8_t key[MEDIA_KEYBYTES], media_out_cb *out,
    void *arg)
{
	struct media_stream	*m;
	uint8_t			 hdr[MEDIA_HEADERBYTES];

	m = media_stream_new(key, out, arg, 0);
	crypto_secretstream_xchacha20poly1305_init_push(&m->ss, hdr,
	    m->x + MEDIA_OFF_CIPHER);
	if (media_emit_blob(m, hdr, sizeof hdr) != 0) {
		media_stream_free(m);
		return (NULL);
	}
	return (m);
}

/* Move input at *p (*n bytes) into buf until it holds want bytes. */
static void
media_fill(struct media_stream *m, const uint8_t **p, size_t *n, size_t want)
{
	size_t	take = want - m->have;

	if (take > *n)
		take = *n;
	memcpy(m->buf + m->have, *p, take);
	m->have += take;
	*p += take;
	*n -= take;
}

/* Seal n plaintext bytes at p as one chunk. */
static int
media_seal(struct media_stream *m, const uint8_t *p, size_t n, int final)
{
	unsigned long long	clen;

	crypto_secretstream_xchacha20poly1305_push(&m->ss, m->tmp, &clen, p, n,
	    m->x + MEDIA_OFF_IV, MEDIA_IVBYTES, final ? MEDIA_TAG_FINAL : 0);
	m->plain += n;
	return (media_emit_blob(m, m->tmp, clen));
}

int
media_push(struct media_stream *m, const uint8_t *p, size_t n)
{
	if (m->failed || m->pull)
		return (-1);
	while (n > 0) {
		if (m->have == MEDIA_CHUNKBYTES) {
			/* More follows: the waiting chunk is not the last. */
			if (media_seal(m, m->buf, m->have, 0) != 0)
				return (-1);
			m->have = 0;
		}
		if (m->have == 0 && n > MEDIA_CHUNKBYTES) {
			if (media_seal(m, p, MEDIA_CHUNKBYTES, 0) != 0)
				return (-1);
			p += MEDIA_CHUNKBYTES;
			n -= MEDIA_CHUNKBYTES;
			continue;
		}
		media_fill(m, &p, &n, MEDIA_CHUNKBYTES);
	}
	return (0);
}

int
media_push_final(struct media_stream *m, uint8_t blob_sha256[MEDIA_HASHBYTES],
    uint64_t *size)
{
	uint8_t	h[MEDIA_HASHBYTES];

	if (m->failed || m->pull || (m->unhashed && blob_sha256 != NULL) ||
	    media_seal(m, m->buf, m->have, 1) != 0)
		return (-1);
	m->have = 0;
	m->failed = 1;		/* nothing more may be pushed */
	sha256_final(m->blob, h);
	if (blob_sha256 != NULL)
		memcpy(blob_sha256, h, sizeof h);
	if (size != NULL)
		*size = m->plain;
	return (0);
}

struct media_stream *
media_pull_start(const uint8_t key[MEDIA_KEYBYTES], media_out_cb *out,
    void *arg)
{
	return (media_stream_new(key, out, arg, 1));
}

void
media_push_unhashed(struct media_stream *m)
{
	m->unhashed = 1;
}

void
media_pull_unhashed(struct media_stream *m)
{
	m->unhashed = 1;
}

/* Open one sealed chunk of n bytes at p. */
static int
media_open(struct media_stream *m, const uint8_t *p, size_t n)
{
	unsigned long long	plen;
	uint8_t			tag;

	if (m->final || n < MEDIA_CHUNKOVERHEAD)
		return (m->failed = 1, -1);
	if (!m->unhashed)
		sha256_update(m->blob, p, n);
	if (crypto_secretstream_xchacha20poly1305_pull(&m->ss, m->tmp, &plen,
	    &tag, p, n, m->x + MEDIA_OFF_IV, MEDIA_IVBYTES) != 0 ||
	    (tag != 0 && tag != MEDIA_TAG_FINAL) ||
	    (tag == 0 && n != MEDIA_SEALEDCHUNK))
		return (m->failed = 1, -1);
	m->final = tag == MEDIA_TAG_FINAL;
	m->plain += plen;
	if (m->out(m->arg, m->tmp, plen) != 0)
		return (m->failed = 1, -1);
	return (0);
}

/* The header, once MEDIA_HEADERBYTES of it are in buf. */
static int
media_open_header(struct media_stream *m)
{
	sha256_update(m->blob, m->buf, MEDIA_HEADERBYTES);
	if (crypto_secretstream_xchacha20poly1305_init_pull(&m->ss, m->buf,
	    m->x + MEDIA_OFF_CIPHER) != 0)
		return (m->failed = 1, -1);
	m->started = 1;
	m->have = 0;
	return (0);
}

int
media_pull(struct media_stream *m, const uint8_t *p, size_t n)
{
	size_t	want;

	if (m->failed || !m->pull)
		return (-1);
	while (n > 0) {
		if (m->final)
			return (m->failed = 1, -1);	/* bytes after the end */
		want = m->started ? MEDIA_SEALEDCHUNK : MEDIA_HEADERBYTES;
		if (m->started && m->have == 0 && n >= want) {
			if (media_open(m, p, want) != 0)
				return (-1);
			p += want;
			n -= want;
			continue;
		}
		media_fill(m, &p, &n, want);
		if (m->have < want)
			break;
		if (!m->started ? media_open_header(m) != 0 :
		    media_open(m, m->buf, m->have) != 0)
			return (-1);
		m->have = 0;
	}
	return (0);
}

int
media_pull_final(struct media_stream *m,
    const uint8_t blob_sha256[MEDIA_HASHBYTES], uint64_t *size)
{
	uint8_t	h[MEDIA_HASHBYTES];

	if (m->failed || !m->pull || !m->started ||
	    (m->unhashed && blob_sha256 != NULL))
		return (-1);
	if (!m->final && media_open(m, m->buf, m->have) != 0)
		return (-1);
	if (!m->final)
		return (m->failed = 1, -1);
	m->failed = 1;
	sha256_final(m->blob, h);
	if (blob_sha256 != NULL && sodium_memcmp(h, blob_sha256, sizeof h) != 0)
		return (-1);
	if (size != NULL)
		*size = m->plain;
	return (0);
}

/* The whole-file functions: a plaintext hash beside the stream. */

/* Either a stdio stream or a file descriptor. */
struct media_io {
	FILE		*fp;
	int		 fd;
	struct sha256	*plain;		/* hashes the plaintext written */
};

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
media_write(void *arg, const uint8_t *buf, size_t n)
{
	struct media_io	*io = arg;
	size_t		 done = 0;
	ssize_t		 w;

	if (io->plain != NULL)
		sha256_update(io->plain, buf, n);
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
	struct media_stream	*m;
	struct sha256		*hp;
	uint8_t			*pt;
	ssize_t			 n;
	int			 rc = -1;

	if ((m = media_push_start(key, media_write, out)) == NULL)
		return (-1);
	hp = sha256_new();
	pt = xmalloc(MEDIA_CHUNKBYTES);
	while ((n = media_read(in, pt, MEDIA_CHUNKBYTES)) > 0) {
		sha256_update(hp, pt, n);
		if (media_push(m, pt, n) != 0)
			goto out;
	}
	if (n == -1 || media_push_final(m, blob_sha256, size) != 0)
		goto out;
	if (plain_sha256 != NULL)
		sha256_final(hp, plain_sha256);
	rc = 0;
out:
	sodium_memzero(pt, MEDIA_CHUNKBYTES);
	free(pt);
	sha256_free(hp);
	media_stream_free(m);
	return (rc);
}

static int
media_decrypt_io(struct media_io *in, struct media_io *out,
    const uint8_t key[MEDIA_KEYBYTES], const uint8_t plain_sha256[MEDIA_HASHBYTES],
    const uint8_t blob_sha256[MEDIA_HASHBYTES], uint64_t *size)
{
	struct media_stream	*m;
	uint8_t			*ct, h[MEDIA_HASHBYTES];
	ssize_t			 n;
	int			 rc = -1;

	out->plain = sha256_new();
	m = media_pull_start(key, media_write, out);
	ct = xmalloc(MEDIA_SEALEDCHUNK);
	while ((n = media_read(in, ct, MEDIA_SEALEDCHUNK)) > 0) {
		if (media_pull(m, ct, n) != 0)
			goto out;
	}
	if (n == -1 || media_pull_final(m, blob_sha256, size) != 0)
		goto out;
	sha256_final(out->plain, h);
	if (plain_sha256 != NULL && sodium_memcmp(h, plain_sha256, sizeof h) != 0)
		goto out;
	rc = 0;
out:
	free(ct);
	sha256_free(out->plain);
	out->plain = NULL;
	media_stream_free(m);
	return (rc);
}

int
media_encrypt_fd(int in, int out, const uint8_t key[MEDIA_KEYBYTES],
    uint8_t plain_sha256[MEDIA_HASHBYTES], uint8_t blob_sha256[MEDIA_HASHBYTES],
    uint64_t *size)
{
	struct media_io	i = { NULL, in, NULL }, o = { NULL, out, NULL };

	return (media_encrypt_io(&i, &o, key, plain_sha256, blob_sha256, size));
}

int
media_encrypt_file(FILE *in, FILE *out, const uint8_t key[MEDIA_KEYBYTES],
    uint8_t plain_sha256[MEDIA_HASHBYTES], uint8_t blob_sha256[MEDIA_HASHBYTES],
    uint64_t *size)
{
	struct media_io	i = { in, -1, NULL }, o = { out, -1, NULL };

	return (media_encrypt_io(&i, &o, key, plain_sha256, blob_sha256, size));
}

int
media_decrypt_fd(int in, int out, const uint8_t key[MEDIA_KEYBYTES],
    const uint8_t plain_sha256[MEDIA_HASHBYTES],
    const uint8_t blob_sha256[MEDIA_HASHBYTES], uint64_t *size)
{
	struct media_io	i = { NULL, in, NULL }, o = { NULL, out, NULL };

	return (media_decrypt_io(&i, &o, key, plain_sha256, blob_sha256, size));
}

int
media_decrypt_file(FILE *in, FILE *out, const uint8_t key[MEDIA_KEYBYTES],
    const uint8_t plain_sha256[MEDIA_HASHBYTES],
    const uint8_t blob_sha256[MEDIA_HASHBYTES], uint64_t *size)
{
	struct media_io	i = { in, -1, NULL }, o = { out, -1, NULL };

	return (media_decrypt_io(&i, &o, key, plain_sha256, blob_sha256, size));
}
