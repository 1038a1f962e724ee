/* test_transcript: a fixed conversation under a deterministic RNG (this
 * test only) must decrypt the stored transcript in tests/vectors and
 * reproduce it byte for byte. NATTER_REGEN=1 rewrites the vector file. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "shared/crypto/session.h"
#include "shared/util/hex.h"
#include "tests/unit/unit.h"

#define NOW	1700000000000ULL
#define MAXMSG	64

static uint64_t	rng_ctr;

static const char *
rng_name(void)
{
	return ("natter-test-chacha20");
}

static void
rng_buf(void *buf, size_t len)
{
	static const uint8_t	key[32] = "natter golden transcript seed!!";
	uint8_t			nonce[12] = { 0 };

	memcpy(nonce, &rng_ctr, sizeof rng_ctr);
	rng_ctr++;
	memset(buf, 0, len);
	crypto_stream_chacha20_ietf_xor(buf, buf, len, nonce, key);
}

static uint32_t
rng_random(void)
{
	uint32_t	v;

	rng_buf(&v, sizeof v);
	return (v);
}

static struct randombytes_implementation rng = {
	.implementation_name = rng_name,
	.random = rng_random,
	.buf = rng_buf,
};

struct dev {
	struct keys_identity	 id;
	struct keys_prekey	 spk, opk;
	uint32_t		 dev;
	struct session_record	*rec;
};

static int
lookup(void *arg, int is_opk, uint32_t id, struct keys_prekey *out)
{
	struct dev	*d = arg;

	*out = is_opk ? d->opk : d->spk;
	return (out->id == id ? 0 : -1);
}

/* Script: sender ('A'/'B'), message index, and delivery order. */
static const char *send_script[] = {
	"A0", "A1", "A2", "B3", "B4", "A5", "A6", "A7", "B8", "A9",
};
static const int deliver[] = { 2, 0, 1, 4, 3, 7, 5, 6, 8, 9 };
#define NMSG	(int)(sizeof send_script / sizeof send_script[0])

struct rec {
	int	type;
	uint8_t	c[MAXMSG + SESSION_PREKEY_HDR + 64];
	size_t	len;
};

static void
text(char *buf, int i)
{
	snprintf(buf, MAXMSG, "golden message %d", i);
}

/* Run the conversation; with stored != NULL, decrypt those bytes and
 * require ours to match them. */
static void
converse(struct rec *out, const struct rec *stored)
{
	struct dev		a, b, *from, *to;
	struct keys_bundle	bun;
	const struct rec	*src;
	char			pt[MAXMSG];
	uint8_t			*c, *p;
	size_t			len, plen;
	int			i, k, sent = 0;

	rng_ctr = 0;
	ck_assert_int_eq(keys_identity_generate(&a.id), 0);
	ck_assert_int_eq(keys_identity_generate(&b.id), 0);
	a.dev = 1;
	b.dev = 2;
	keys_spk_generate(&b.spk, &b.id, 5);
	keys_opk_generate(&b.opk, 77);
	a.rec = session_record_new();
	b.rec = session_record_new();
	keys_bundle_make(&bun, 2, &b.id, &b.spk, &b.opk);
	ck_assert_int_eq(session_initiate(a.rec, &a.id, 1, &bun), 0);
	for (k = 0; k < NMSG; k++) {
		i = deliver[k];
		/* Send every message up to i that is not sent yet. */
		for (; sent <= i; sent++) {
			from = send_script[sent][0] == 'A' ? &a : &b;
			text(pt, sent);
			ck_assert_int_eq(session_encrypt(from->rec,
			    &out[sent].type, &c, &len, (uint8_t *)pt,
			    strlen(pt)), 0);
			ck_assert_uint_le(len, sizeof out[sent].c);
			memcpy(out[sent].c, c, len);
			out[sent].len = len;
			free(c);
			if (stored != NULL) {
				ck_assert_int_eq(out[sent].type,
				    stored[sent].type);
				ck_assert_uint_eq(len, stored[sent].len);
				ck_assert_mem_eq(out[sent].c, stored[sent].c,
				    len);
			}
		}
		to = send_script[i][0] == 'A' ? &b : &a;
		src = stored != NULL ? &stored[i] : &out[i];
		text(pt, i);
		ck_assert_int_eq(session_decrypt(to->rec, &to->id, to->dev,
		    lookup, to, src->type, src->c, src->len, NOW, &p,
		    &plen, NULL), 0);
		ck_assert_uint_eq(plen, strlen(pt));
		ck_assert_mem_eq(p, pt, plen);
		free(p);
	}
	session_record_free(a.rec);
	session_record_free(b.rec);
}

static FILE *
vector_file(const char *mode)
{
	const char	*dir = getenv("NATTER_VECTORS");
	char		 path[1024];

	snprintf(path, sizeof path, "%s/transcript.txt",
	    dir != NULL ? dir : "tests/vectors");
	return (fopen(path, mode));
}

START_TEST(test_golden)
{
	static struct rec	got[NMSG], want[NMSG];
	static char		line[2 * sizeof want[0].c + 16];
	FILE			*f;
	int			 i;

	if (getenv("NATTER_REGEN") != NULL) {
		converse(got, NULL);
		ck_assert_ptr_nonnull(f = vector_file("w"));
		for (i = 0; i < NMSG; i++) {
			hex_encode(line, got[i].c, got[i].len);
			fprintf(f, "%d %s\n", got[i].type, line);
		}
		ck_assert_int_eq(fclose(f), 0);
	}
	ck_assert_ptr_nonnull(f = vector_file("r"));
	for (i = 0; i < NMSG; i++) {
		ck_assert_int_eq(fscanf(f, "%d %s", &want[i].type, line), 2);
		want[i].len = strlen(line) / 2;
		ck_assert_uint_le(want[i].len, sizeof want[i].c);
		ck_assert_int_eq(hex_decode(want[i].c, want[i].len, line), 0);
	}
	fclose(f);
	/* Decrypt the stored bytes; every message we produce must equal them. */
	converse(got, want);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("transcript");
	TCase	*tc = tcase_create("transcript");

	if (randombytes_set_implementation(&rng) != 0 || sodium_init() < 0)
		return (EXIT_FAILURE);
	tcase_add_test(tc, test_golden);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
