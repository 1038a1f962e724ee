/*
 * fuzz_ratchet: session records, ratchet states and messages: parsers, and
 * decryption of any byte string against fixed sessions, which must fail
 * without changing the state (or succeed on an untouched seed).
 */
#include <stdlib.h>
#include <string.h>

#include "shared/crypto/ratchet.h"
#include "shared/crypto/session.h"
#include "tests/fuzz/fuzz.h"

#define NOW	1700000000000ULL

enum {
	SEL_RECORD,		/* session_record_parse */
	SEL_STATE,		/* ratchet_parse */
	SEL_PREKEY_NEW,		/* type 2 into B's empty record */
	SEL_MSG_A,		/* type 1 into A's record (before B's reply) */
	SEL_PREKEY_KNOWN,	/* type 2 into B's record (its EK known) */
	SEL_MSG_B,		/* type 1 into B's record */
	SEL_RATCHET,		/* ratchet_decrypt on a bare ratchet */
	SEL_COUNT
};

struct snap {
	uint8_t	*b;
	size_t	 len;
};

static struct keys_identity	ida, idb;
static struct keys_prekey	spk, opk;
static struct snap		rec_empty, rec_a, rec_b, bare;

static int
lookup(void *arg, int is_opk, uint32_t id, struct keys_prekey *out)
{
	(void)arg;
	*out = is_opk ? opk : spk;
	return (out->id == id ? 0 : -1);
}

static void
snap_record(struct snap *s, const struct session_record *rec)
{
	session_record_serialise(rec, &s->b, &s->len);
}

static void
seed_msg(const char *name, uint8_t sel, struct session_record *rec,
    const char *text, int want_type, uint8_t **c, size_t *clen)
{
	int	type;

	if (session_encrypt(rec, &type, c, clen, (const uint8_t *)text,
	    strlen(text)) != 0 || type != want_type)
		fuzz_fail(__FILE__, __LINE__, name);
	fuzz_seed_sel(name, sel, *c, *clen);
}

static void
recv_msg(struct session_record *rec, const struct keys_identity *id,
    uint32_t dev, int type, const uint8_t *c, size_t clen)
{
	uint8_t	*p;
	size_t	 plen;

	if (session_decrypt(rec, id, dev, lookup, NULL, type, c, clen, NOW,
	    &p, &plen, NULL) != 0)
		fuzz_fail(__FILE__, __LINE__, "setup decrypt");
	free(p);
}

/* A and B: A's record before B's reply, B's after it. */
static void
setup_sessions(void)
{
	struct session_record	*a = session_record_new();
	struct session_record	*b = session_record_new();
	struct keys_bundle	 kb;
	uint8_t			*m1, *m2, *r1, *m3;
	size_t			 l1, l2, lr, l3;

	if (keys_identity_generate(&ida) != 0 ||
	    keys_identity_generate(&idb) != 0)
		fuzz_fail(__FILE__, __LINE__, "identities");
	keys_spk_generate(&spk, &idb, 5);
	keys_opk_generate(&opk, 77);
	keys_bundle_make(&kb, 2, &idb, &spk, &opk);
	snap_record(&rec_empty, b);
	if (session_initiate(a, &ida, 1, &kb) != 0)
		fuzz_fail(__FILE__, __LINE__, "initiate");
	seed_msg("prekey-1", SEL_PREKEY_NEW, a, "one", SESSION_MSG_PREKEY,
	    &m1, &l1);
	seed_msg("prekey-2", SEL_PREKEY_KNOWN, a, "two", SESSION_MSG_PREKEY,
	    &m2, &l2);
	snap_record(&rec_a, a);
	fuzz_seed_sel("record-a", SEL_RECORD, rec_a.b, rec_a.len);
	recv_msg(b, &idb, 2, SESSION_MSG_PREKEY, m1, l1);
	seed_msg("reply", SEL_MSG_A, b, "reply", SESSION_MSG_RATCHET, &r1,
	    &lr);
	snap_record(&rec_b, b);
	fuzz_seed_sel("record-b", SEL_RECORD, rec_b.b, rec_b.len);
	recv_msg(a, &ida, 1, SESSION_MSG_RATCHET, r1, lr);
	seed_msg("after-reply", SEL_MSG_B, a, "three", SESSION_MSG_RATCHET,
	    &m3, &l3);
	free(m1);
	free(m2);
	free(r1);
	free(m3);
	session_record_free(a);
	session_record_free(b);
}

/* A bare ratchet pair: Bob's state after one message, and a seed. */
static void
setup_bare(void)
{
	struct x3dh_result	 xa, xb;
	struct keys_prekey	 ek;
	struct keys_bundle	 kb;
	struct ratchet		*ra = ratchet_new(), *rb = ratchet_new();
	uint8_t			 c[5 + RATCHET_OVERHEAD], p[5];
	size_t			 plen;

	keys_bundle_make(&kb, 2, &idb, &spk, NULL);
	if (x3dh_initiate(&xa, &ek, &ida, 1, &kb) != 0 ||
	    x3dh_respond(&xb, &idb, 2, &spk, NULL, ida.ed_pk, 1, ek.pk) != 0)
		fuzz_fail(__FILE__, __LINE__, "x3dh");
	ratchet_init_alice(ra, &xa);
	ratchet_init_bob(rb, &xb, ratchet_our_pub(ra));
	if (ratchet_encrypt(ra, c, (const uint8_t *)"first", 5) != 0 ||
	    ratchet_decrypt(rb, p, &plen, c, sizeof c, NOW) != 0 ||
	    ratchet_encrypt(ra, c, (const uint8_t *)"later", 5) != 0)
		fuzz_fail(__FILE__, __LINE__, "bare ratchet");
	fuzz_seed_sel("bare-message", SEL_RATCHET, c, sizeof c);
	ratchet_serialise(rb, &bare.b, &bare.len);
	fuzz_seed_sel("bare-state", SEL_STATE, bare.b, bare.len);
	ratchet_free(ra);
	ratchet_free(rb);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	setup_sessions();
	setup_bare();
	return (0);
}

static int
same(const struct snap *s, const uint8_t *b, size_t len)
{
	return (s->len == len && memcmp(s->b, b, len) == 0);
}

/* What parses serialises to the same bytes. */
static void
parse_record(const uint8_t *d, size_t n)
{
	struct session_record	*rec;
	uint8_t			*b;
	size_t			 len;

	if ((rec = session_record_parse(d, n)) == NULL)
		return;
	session_record_serialise(rec, &b, &len);
	FUZZ_CHECK(len == n && memcmp(b, d, n) == 0);
	free(b);
	session_record_free(rec);
}

static void
parse_state(const uint8_t *d, size_t n)
{
	struct ratchet	*r;
	uint8_t		*b;
	size_t		 len;

	if ((r = ratchet_parse(d, n)) == NULL)
		return;
	ratchet_serialise(r, &b, &len);
	FUZZ_CHECK(len == n && memcmp(b, d, n) == 0);
	free(b);
	ratchet_free(r);
}

/* Decrypt into a copy of s; a failure must leave it byte for byte as is. */
static void
decrypt_record(const struct snap *s, const struct keys_identity *id,
    uint32_t dev, int type, const uint8_t *d, size_t n)
{
	struct session_record	*rec;
	uint8_t			*p, *b;
	size_t			 plen, len;
	int			 rc;

	rec = session_record_parse(s->b, s->len);
	FUZZ_CHECK(rec != NULL);
	rc = session_decrypt(rec, id, dev, lookup, NULL, type, d, n, NOW, &p,
	    &plen, NULL);
	if (rc == 0)
		free(p);
	else {
		session_record_serialise(rec, &b, &len);
		FUZZ_CHECK(same(s, b, len));
		free(b);
	}
	session_record_free(rec);
}

static void
decrypt_bare(const uint8_t *d, size_t n)
{
	struct ratchet	*r = ratchet_parse(bare.b, bare.len);
	uint8_t		*p, *b;
	size_t		 plen, len;

	FUZZ_CHECK(r != NULL);
	p = malloc(n + 1);
	FUZZ_CHECK(p != NULL);
	if (ratchet_decrypt(r, p, &plen, d, n, NOW) != 0) {
		ratchet_serialise(r, &b, &len);
		FUZZ_CHECK(same(&bare, b, len));
		free(b);
	}
	free(p);
	ratchet_free(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t	*d = data + 1;
	size_t		 n = size - 1;

	if (size == 0)
		return (0);
	switch (data[0] % SEL_COUNT) {
	case SEL_RECORD:
		parse_record(d, n);
		break;
	case SEL_STATE:
		parse_state(d, n);
		break;
	case SEL_PREKEY_NEW:
		decrypt_record(&rec_empty, &idb, 2, SESSION_MSG_PREKEY, d, n);
		break;
	case SEL_MSG_A:
		decrypt_record(&rec_a, &ida, 1, SESSION_MSG_RATCHET, d, n);
		break;
	case SEL_PREKEY_KNOWN:
		decrypt_record(&rec_b, &idb, 2, SESSION_MSG_PREKEY, d, n);
		break;
	case SEL_MSG_B:
		decrypt_record(&rec_b, &idb, 2, SESSION_MSG_RATCHET, d, n);
		break;
	default:
		decrypt_bare(d, n);
		break;
	}
	return (0);
}
