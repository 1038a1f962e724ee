/* test_media: attachment encryption round trips, hashes, truncation and tampering. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "shared/crypto/media.h"
#include "shared/util/xmalloc.h"
#include "tests/unit/unit.h"

static const size_t sizes[] = { 0, 1, 65535, 65536, 65537, 1 << 20 };

/* A FILE* holding len bytes of buf, rewound. */
static FILE *
memfile(const uint8_t *buf, size_t len)
{
	FILE	*f = tmpfile();

	ck_assert_ptr_nonnull(f);
	if (len > 0)
		ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	rewind(f);
	return (f);
}

/* Read a whole FILE* back into a fresh buffer. */
static uint8_t *
slurp(FILE *f, size_t *len)
{
	long	 n;
	uint8_t	*buf;

	fflush(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = xmalloc(n + 1);
	ck_assert_uint_eq(fread(buf, 1, n, f), (size_t)n);
	*len = n;
	return (buf);
}

struct blob {
	uint8_t	 key[MEDIA_KEYBYTES], psha[32], bsha[32];
	uint8_t	*data;
	size_t	 len;
};

static void
make_blob(struct blob *b, const uint8_t *pt, size_t n)
{
	FILE		*in = memfile(pt, n), *out = tmpfile();
	uint64_t	 size = 99;
	uint8_t		 want[32];

	media_keygen(b->key);
	ck_assert_int_eq(media_encrypt_file(in, out, b->key, b->psha, b->bsha,
	    &size), 0);
	ck_assert_uint_eq(size, n);
	b->data = slurp(out, &b->len);
	ck_assert_uint_eq(b->len, MEDIA_BLOBSIZE(n));
	crypto_hash_sha256(want, pt, n);
	ck_assert_mem_eq(b->psha, want, 32);
	crypto_hash_sha256(want, b->data, b->len);
	ck_assert_mem_eq(b->bsha, want, 32);
	fclose(in);
	fclose(out);
}

static int
open_blob(const struct blob *b, const uint8_t *data, size_t len, FILE **out)
{
	FILE	*in = memfile(data, len);
	int	 rc;

	*out = tmpfile();
	rc = media_decrypt_file(in, *out, b->key, b->psha, b->bsha, NULL);
	fclose(in);
	return (rc);
}

START_TEST(test_roundtrip)
{
	size_t		 n = sizes[_i], got;
	uint8_t		*pt = xmalloc(n + 1), *back;
	struct blob	 b;
	FILE		*out;

	randombytes_buf(pt, n);
	make_blob(&b, pt, n);
	ck_assert_int_eq(open_blob(&b, b.data, b.len, &out), 0);
	back = slurp(out, &got);
	ck_assert_uint_eq(got, n);
	ck_assert_mem_eq(back, pt, n);
	fclose(out);
	free(back);
	free(b.data);
	free(pt);
}
END_TEST

START_TEST(test_fd)
{
	size_t		 n = 200000;
	uint8_t		*pt = xmalloc(n), key[32], ps[32], bs[32], *back;
	FILE		*in = NULL, *blob = tmpfile(), *out = tmpfile();
	uint64_t	 size;
	size_t		 got;

	randombytes_buf(pt, n);
	in = memfile(pt, n);
	media_keygen(key);
	ck_assert_int_eq(media_encrypt_fd(fileno(in), fileno(blob), key, ps, bs,
	    &size), 0);
	ck_assert_uint_eq(size, n);
	ck_assert_int_eq(lseek(fileno(blob), 0, SEEK_SET), 0);
	ck_assert_int_eq(media_decrypt_fd(fileno(blob), fileno(out), key, ps,
	    bs, &size), 0);
	ck_assert_uint_eq(size, n);
	back = slurp(out, &got);
	ck_assert_uint_eq(got, n);
	ck_assert_mem_eq(back, pt, n);
	fclose(in);
	fclose(blob);
	fclose(out);
	free(back);
	free(pt);
}
END_TEST

START_TEST(test_tampered)
{
	size_t		 n = 3 * 65536 + 100, i;
	uint8_t		*pt = xmalloc(n), *bad, key2[32];
	struct blob	 b;
	FILE		*out, *in;
	size_t		 cuts[] = { 0, 10, 24, 24 + 65536 + 17, 24 + 65536 + 16 };

	randombytes_buf(pt, n);
	make_blob(&b, pt, n);
	bad = xmalloc(b.len + 1);
	/* Truncated anywhere, including at a chunk boundary (final tag lost). */
	for (i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
		ck_assert_int_eq(open_blob(&b, b.data, cuts[i], &out), -1);
		fclose(out);
	}
	ck_assert_int_eq(open_blob(&b, b.data, b.len - 1, &out), -1);
	fclose(out);
	/* Whole chunks dropped from the end, hash checks disabled. */
	in = memfile(b.data, 24 + 3 * (65536 + 17));
	out = tmpfile();
	ck_assert_int_eq(media_decrypt_file(in, out, b.key, NULL, NULL, NULL),
	    -1);
	fclose(in);
	fclose(out);
	/* A byte appended after the final chunk. */
	memcpy(bad, b.data, b.len);
	bad[b.len] = 0;
	ck_assert_int_eq(open_blob(&b, bad, b.len + 1, &out), -1);
	fclose(out);
	/* Flipped bytes in the header, a middle chunk, the last chunk. */
	for (i = 0; i < b.len; i += b.len / 7) {
		memcpy(bad, b.data, b.len);
		bad[i] ^= 0x20;
		ck_assert_int_eq(open_blob(&b, bad, b.len, &out), -1);
		fclose(out);
	}
	/* Wrong key; wrong expected hashes. */
	memcpy(key2, b.key, 32);
	b.key[0] ^= 1;
	ck_assert_int_eq(open_blob(&b, b.data, b.len, &out), -1);
	fclose(out);
	memcpy(b.key, key2, 32);
	b.psha[5] ^= 1;
	ck_assert_int_eq(open_blob(&b, b.data, b.len, &out), -1);
	fclose(out);
	b.psha[5] ^= 1;
	b.bsha[5] ^= 1;
	ck_assert_int_eq(open_blob(&b, b.data, b.len, &out), -1);
	fclose(out);
	b.bsha[5] ^= 1;
	ck_assert_int_eq(open_blob(&b, b.data, b.len, &out), 0);
	fclose(out);
	free(bad);
	free(b.data);
	free(pt);
}
END_TEST

START_TEST(test_ref)
{
	uint8_t	k1[32], k2[32], r1[32], r2[32];

	media_keygen(k1);
	media_keygen(k2);
	ck_assert_mem_ne(k1, k2, 32);
	media_ref(r1, k1);
	media_ref(r2, k1);
	ck_assert_mem_eq(r1, r2, 32);
	media_ref(r2, k2);
	ck_assert_mem_ne(r1, r2, 32);
}
END_TEST

/* Output of a stream into a growing buffer. */
struct sink {
	uint8_t	*buf;
	size_t	 len;
};

static int
sink_put(void *arg, const uint8_t *p, size_t n)
{
	struct sink	*k = arg;

	k->buf = xrealloc(k->buf, k->len + n + 1);
	memcpy(k->buf + k->len, p, n);
	k->len += n;
	return (0);
}

/* Feed n bytes at p to a stream in pieces of odd sizes. */
static int
feed(struct media_stream *m, int pull, const uint8_t *p, size_t n)
{
	size_t	step = 1, take;

	while (n > 0) {
		take = step < n ? step : n;
		if ((pull ? media_pull(m, p, take) : media_push(m, p, take)) != 0)
			return (-1);
		p += take;
		n -= take;
		step = step * 3 + 7;
		if (step > 300000)
			step = 5;
	}
	return (0);
}

/* The stream API in odd pieces makes the same blob format as the file API
 * (the file API reads it back) and opens it again. */
START_TEST(test_stream)
{
	size_t			 n = sizes[_i];
	uint8_t			*pt = xmalloc(n + 1), key[32], bsha[32];
	struct sink		 blob = { NULL, 0 }, back = { NULL, 0 };
	struct media_stream	*m;
	uint64_t		 size = 0;
	FILE			*in, *out;

	randombytes_buf(pt, n);
	media_keygen(key);
	m = media_push_start(key, sink_put, &blob);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(feed(m, 0, pt, n), 0);
	ck_assert_int_eq(media_push_final(m, bsha, &size), 0);
	media_stream_free(m);
	ck_assert_uint_eq(size, n);
	ck_assert_uint_eq(blob.len, MEDIA_BLOBSIZE(n));
	in = memfile(blob.buf, blob.len);
	out = tmpfile();
	ck_assert_int_eq(media_decrypt_file(in, out, key, NULL, bsha, NULL), 0);
	fclose(in);
	fclose(out);
	m = media_pull_start(key, sink_put, &back);
	ck_assert_int_eq(feed(m, 1, blob.buf, blob.len), 0);
	ck_assert_int_eq(media_pull_final(m, bsha, &size), 0);
	media_stream_free(m);
	ck_assert_uint_eq(back.len, n);
	if (n > 0)
		ck_assert_mem_eq(back.buf, pt, n);
	/* Truncated by one byte, or one byte more: refused. */
	m = media_pull_start(key, sink_put, &back);
	ck_assert_int_eq(feed(m, 1, blob.buf, blob.len - 1), 0);
	ck_assert_int_eq(media_pull_final(m, NULL, NULL), -1);
	media_stream_free(m);
	m = media_pull_start(key, sink_put, &back);
	blob.buf[blob.len] = 0;
	ck_assert_int_eq(feed(m, 1, blob.buf, blob.len + 1) == 0 &&
	    media_pull_final(m, NULL, NULL) == 0, 0);
	media_stream_free(m);
	free(blob.buf);
	free(back.buf);
	free(pt);
}
END_TEST

int
main(void)
{
	Suite	*su = suite_create("media");
	TCase	*tc = tcase_create("media");

	if (sodium_init() < 0)
		return (1);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_roundtrip, 0, sizeof sizes / sizeof sizes[0]);
	tcase_add_loop_test(tc, test_stream, 0, sizeof sizes / sizeof sizes[0]);
	tcase_add_test(tc, test_fd);
	tcase_add_test(tc, test_tampered);
	tcase_add_test(tc, test_ref);
	suite_add_tcase(su, tc);
	return (unit_run(su));
}
