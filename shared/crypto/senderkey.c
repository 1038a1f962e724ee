/* senderkey: group messaging with sender keys (one chain + signing key per sender). */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "shared/crypto/hkdf.h"
#include "shared/crypto/senderkey.h"
#include "shared/util/bytes.h"
#include "shared/util/log.h"
#include "shared/util/xmalloc.h"

#define SK_INFO		"natter v1 group"
#define SK_KEYSBYTES	80
#define SK_ENC		0
#define SK_MAC		32
#define SK_IV		64
#define SK_SEEDBYTES	32

/* A chain: what a distribution message carries. */
struct sk_chain {
	uint32_t	key_id;
	uint32_t	iteration;	/* index of the next message key */
	uint8_t		ck[SENDERKEY_CHAINKEYBYTES];
	uint8_t		pk[SENDERKEY_PUBLICKEYBYTES];
};

struct sk_skipped {
	uint32_t	iteration;
	uint8_t		seed[SK_SEEDBYTES];
};

struct sk_state {
	struct sk_chain		 c;
	struct sk_skipped	*skipped;	/* oldest first */
	size_t			 nskipped;
};

struct senderkey {
	uint8_t		gid[SENDERKEY_GIDMAX];
	size_t		gidlen;
	struct sk_chain	c;
	uint8_t		sk[crypto_sign_SECRETKEYBYTES];
};

struct senderkey_peer {
	uint8_t		gid[SENDERKEY_GIDMAX];
	size_t		gidlen;		/* 0 until the first distribution */
	struct sk_state	states[SENDERKEY_MAXSTATES];	/* newest first */
	size_t		nstates;
};

/* seed = HMAC(CK, 0x01); CK = HMAC(CK, 0x02). */
static void
sk_step(uint8_t ck[SENDERKEY_CHAINKEYBYTES], uint8_t seed[SK_SEEDBYTES])
{
	static const uint8_t	one = 0x01, two = 0x02;

	crypto_auth_hmacsha256(seed, &one, 1, ck);
	crypto_auth_hmacsha256(ck, &two, 1, ck);
}

static void
sk_keys(uint8_t keys[SK_KEYSBYTES], const uint8_t seed[SK_SEEDBYTES])
{
	if (hkdf_sha256(keys, SK_KEYSBYTES, NULL, 0, seed, SK_SEEDBYTES,
	    (const uint8_t *)SK_INFO, sizeof SK_INFO - 1) != 0)
		fatal("%s: hkdf", __func__);
}

static void
sk_tag(uint8_t tag[SENDERKEY_TAGBYTES], const uint8_t keys[SK_KEYSBYTES],
    const uint8_t *msg, size_t len)
{
	crypto_auth_hmacsha256_state	st;
	uint8_t				full[crypto_auth_hmacsha256_BYTES];

	crypto_auth_hmacsha256_init(&st, keys + SK_MAC, 32);
	crypto_auth_hmacsha256_update(&st, msg, len);
	crypto_auth_hmacsha256_final(&st, full);
	memcpy(tag, full, SENDERKEY_TAGBYTES);
	sodium_memzero(&st, sizeof st);
}

static void
sk_newchain(struct senderkey *s)
{
	uint32_t	old = s->c.key_id;

	do {
		s->c.key_id = randombytes_random();
	} while (s->c.key_id == old);
	s->c.iteration = 0;
	randombytes_buf(s->c.ck, sizeof s->c.ck);
	crypto_sign_keypair(s->c.pk, s->sk);
}

struct senderkey *
senderkey_create(const uint8_t *gid, size_t gidlen)
{
	struct senderkey	*s;

	if (gidlen == 0 || gidlen > SENDERKEY_GIDMAX)
		return (NULL);
	s = xcalloc(1, sizeof *s);
	memcpy(s->gid, gid, gidlen);
	s->gidlen = gidlen;
	sk_newchain(s);
	return (s);
}

void
senderkey_free(struct senderkey *s)
{
	if (s == NULL)
		return;
	sodium_memzero(s, sizeof *s);
	free(s);
}

void
senderkey_rotate(struct senderkey *s)
{
	sk_newchain(s);
}

uint32_t
senderkey_key_id(const struct senderkey *s)
{
	return (s->c.key_id);
}

uint32_t
senderkey_iteration(const struct senderkey *s)
{
	return (s->c.iteration);
}

/* version | gidlen | gid | key id | iteration, as s stands. */
static void
sk_header(struct bytes_writer *w, const struct senderkey *s)
{
	bytes_put8(w, SENDERKEY_VERSION);
	bytes_put8(w, (uint8_t)s->gidlen);
	bytes_put(w, s->gid, s->gidlen);
	bytes_put32(w, s->c.key_id);
	bytes_put32(w, s->c.iteration);
}

static int
sk_parse_header(struct bytes_reader *r, const uint8_t **gid, size_t *gidlen,
    uint32_t *key_id, uint32_t *iteration)
{
	if (bytes_get8(r) != SENDERKEY_VERSION ||
	    (*gidlen = bytes_get8(r)) == 0)
		return (-1);
	*gid = bytes_span(r, *gidlen);
	*key_id = bytes_get32(r);
	*iteration = bytes_get32(r);
	return (bytes_reader_check(r));
}

void
senderkey_distribution(const struct senderkey *s, uint8_t *out,
    size_t *outlen)
{
	struct bytes_writer	w;

	bytes_writer_init(&w, out, SENDERKEY_DISTBYTES(s->gidlen));
	sk_header(&w, s);
	bytes_put(&w, s->c.ck, sizeof s->c.ck);
	bytes_put(&w, s->c.pk, sizeof s->c.pk);
	assert(bytes_writer_check(&w) == 0);
	*outlen = bytes_writer_len(&w);
}

int
senderkey_encrypt(struct senderkey *s, uint8_t *out, size_t *outlen,
    const uint8_t *m, size_t mlen)
{
	struct bytes_writer	 w;
	uint8_t			 seed[SK_SEEDBYTES], keys[SK_KEYSBYTES], *p;
	size_t			 n;

	if (s->c.iteration == UINT32_MAX)
		return (-1);
	bytes_writer_init(&w, out, mlen + SENDERKEY_OVERHEAD(s->gidlen));
	sk_header(&w, s);
	sk_step(s->c.ck, seed);
	s->c.iteration++;
	sk_keys(keys, seed);
	p = bytes_reserve(&w, mlen);
	crypto_stream_chacha20_ietf_xor(p, m, mlen, keys + SK_IV,
	    keys + SK_ENC);
	n = bytes_writer_len(&w);
	sk_tag(bytes_reserve(&w, SENDERKEY_TAGBYTES), keys, out, n);
	n = bytes_writer_len(&w);
	crypto_sign_detached(bytes_reserve(&w, SENDERKEY_SIGBYTES), NULL, out,
	    n, s->sk);
	assert(bytes_writer_check(&w) == 0);
	*outlen = bytes_writer_len(&w);
	sodium_memzero(seed, sizeof seed);
	sodium_memzero(keys, sizeof keys);
	return (0);
}

int
senderkey_message_peek(const uint8_t *msg, size_t len, const uint8_t **gid,
    size_t *gidlen, uint32_t *key_id)
{
	struct bytes_reader	r;
	uint32_t		iteration;

	bytes_reader_init(&r, msg, len);
	return (sk_parse_header(&r, gid, gidlen, key_id, &iteration));
}

struct senderkey_peer *
senderkey_peer_create(void)
{
	return (xcalloc(1, sizeof (struct senderkey_peer)));
}

static void
sk_state_clear(struct sk_state *st)
{
	if (st->skipped != NULL) {
		sodium_memzero(st->skipped, st->nskipped * sizeof *st->skipped);
		free(st->skipped);
	}
	sodium_memzero(st, sizeof *st);
}

void
senderkey_peer_free(struct senderkey_peer *p)
{
	size_t	i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nstates; i++)
		sk_state_clear(&p->states[i]);
	sodium_memzero(p, sizeof *p);
	free(p);
}

static struct sk_state *
sk_find(struct senderkey_peer *p, uint32_t key_id)
{
	size_t	i;

	for (i = 0; i < p->nstates; i++) {
		if (p->states[i].c.key_id == key_id)
			return (&p->states[i]);
	}
	return (NULL);
}

/* Make room at states[0] for a new state, dropping the oldest if full. */
static struct sk_state *
sk_push(struct senderkey_peer *p)
{
	if (p->nstates == SENDERKEY_MAXSTATES)
		sk_state_clear(&p->states[--p->nstates]);
	memmove(&p->states[1], &p->states[0], p->nstates * sizeof p->states[0]);
	memset(&p->states[0], 0, sizeof p->states[0]);
	p->nstates++;
	return (&p->states[0]);
}

int
senderkey_peer_process(struct senderkey_peer *p, const uint8_t *dist,
    size_t distlen)
{
	struct bytes_reader	 r;
	struct sk_chain		 c;
	struct sk_state		*st;
	const uint8_t		*gid;
	size_t			 gidlen;
	int			 rc = -1;

	bytes_reader_init(&r, dist, distlen);
	if (sk_parse_header(&r, &gid, &gidlen, &c.key_id, &c.iteration) != 0)
		goto out;
	bytes_get(&r, c.ck, sizeof c.ck);
	bytes_get(&r, c.pk, sizeof c.pk);
	if (bytes_reader_done(&r) != 0)
		goto out;
	if (p->gidlen != 0 &&
	    (p->gidlen != gidlen || memcmp(p->gid, gid, gidlen) != 0))
		goto out;
	if ((st = sk_find(p, c.key_id)) != NULL) {
		if (sodium_memcmp(st->c.pk, c.pk, sizeof c.pk) != 0)
			goto out;
		if (c.iteration > st->c.iteration)
			st->c = c;
	} else
		sk_push(p)->c = c;
	memcpy(p->gid, gid, gidlen);
	p->gidlen = gidlen;
	rc = 0;
out:
	sodium_memzero(&c, sizeof c);
	return (rc);
}

/* Add n skipped seeds (after the ones held), evicting the oldest past the limit. */
static void
sk_add_skipped(struct sk_state *st, const struct sk_skipped *add, size_t n)
{
	struct sk_skipped	*nw;
	size_t			 drop = 0, keep;

	if (n == 0)
		return;
	assert(n <= SENDERKEY_MAXSKIPPED);
	if (st->nskipped + n > SENDERKEY_MAXSKIPPED)
		drop = st->nskipped + n - SENDERKEY_MAXSKIPPED;
	keep = st->nskipped - drop;
	nw = xreallocarray(NULL, keep + n, sizeof *nw);
	if (keep > 0)
		memcpy(nw, st->skipped + drop, keep * sizeof *nw);
	memcpy(nw + keep, add, n * sizeof *nw);
	if (st->skipped != NULL) {
		sodium_memzero(st->skipped, st->nskipped * sizeof *st->skipped);
		free(st->skipped);
	}
	st->skipped = nw;
	st->nskipped = keep + n;
}

static void
sk_del_skipped(struct sk_state *st, size_t i)
{
	sodium_memzero(&st->skipped[i], sizeof st->skipped[i]);
	memmove(&st->skipped[i], &st->skipped[i + 1],
	    (st->nskipped - i - 1) * sizeof st->skipped[0]);
	st->nskipped--;
}

/* Check the tag over c[0..len) (tag at c + len), then decrypt ct into m. */
static int
sk_open(uint8_t *m, const uint8_t seed[SK_SEEDBYTES], const uint8_t *c,
    size_t len, const uint8_t *ct, size_t ctlen)
{
	uint8_t	keys[SK_KEYSBYTES], tag[SENDERKEY_TAGBYTES];
	int	rc = -1;

	sk_keys(keys, seed);
	sk_tag(tag, keys, c, len);
	if (crypto_verify_16(tag, c + len) == 0) {
		crypto_stream_chacha20_ietf_xor(m, ct, ctlen, keys + SK_IV,
		    keys + SK_ENC);
		rc = 0;
	}
	sodium_memzero(keys, sizeof keys);
	return (rc);
}

/* A message from the past: use and delete its skipped seed. */
static int
sk_decrypt_old(struct sk_state *st, uint32_t iteration, uint8_t *m,
    const uint8_t *c, size_t len, const uint8_t *ct, size_t ctlen)
{
	size_t	i;

	for (i = 0; i < st->nskipped; i++) {
		if (st->skipped[i].iteration != iteration)
			continue;
		if (sk_open(m, st->skipped[i].seed, c, len, ct, ctlen) != 0)
			return (-1);
		sk_del_skipped(st, i);
		return (0);
	}
	return (-1);
}

/* A current or future message: step a copy of the chain, commit on success. */
static int
sk_decrypt_new(struct sk_state *st, uint32_t iteration, uint8_t *m,
    const uint8_t *c, size_t len, const uint8_t *ct, size_t ctlen)
{
	struct sk_skipped	*seeds = NULL;
	uint8_t			 ck[SENDERKEY_CHAINKEYBYTES], seed[SK_SEEDBYTES];
	uint32_t		 jump = iteration - st->c.iteration, k;
	int			 rc = -1;

	if (jump > SENDERKEY_MAXJUMP || iteration == UINT32_MAX)
		return (-1);
	memcpy(ck, st->c.ck, sizeof ck);
	if (jump > 0)
		seeds = xreallocarray(NULL, jump, sizeof *seeds);
	for (k = 0; k < jump; k++) {
		seeds[k].iteration = st->c.iteration + k;
		sk_step(ck, seeds[k].seed);
	}
	sk_step(ck, seed);
	if (sk_open(m, seed, c, len, ct, ctlen) == 0) {
		sk_add_skipped(st, seeds, jump);
		memcpy(st->c.ck, ck, sizeof ck);
		st->c.iteration = iteration + 1;
		rc = 0;
	}
	if (seeds != NULL) {
		sodium_memzero(seeds, jump * sizeof *seeds);
		free(seeds);
	}
	sodium_memzero(ck, sizeof ck);
	sodium_memzero(seed, sizeof seed);
	return (rc);
}

int
senderkey_peer_decrypt(struct senderkey_peer *p, uint8_t *m, size_t *mlen,
    const uint8_t *c, size_t clen)
{
	struct bytes_reader	 r;
	struct sk_state		*st;
	const uint8_t		*gid, *ct;
	size_t			 gidlen, ctlen;
	uint32_t		 key_id, iteration;
	int			 rc;

	bytes_reader_init(&r, c, clen);
	if (sk_parse_header(&r, &gid, &gidlen, &key_id, &iteration) != 0 ||
	    bytes_left(&r) < SENDERKEY_TAGBYTES + SENDERKEY_SIGBYTES)
		return (-1);
	ctlen = bytes_left(&r) - SENDERKEY_TAGBYTES - SENDERKEY_SIGBYTES;
	ct = bytes_span(&r, ctlen);
	if (p->gidlen != gidlen || memcmp(p->gid, gid, gidlen) != 0 ||
	    (st = sk_find(p, key_id)) == NULL)
		return (-1);
	if (crypto_sign_verify_detached(c + clen - SENDERKEY_SIGBYTES, c,
	    clen - SENDERKEY_SIGBYTES, st->c.pk) != 0)
		return (-1);
	if (iteration < st->c.iteration)
		rc = sk_decrypt_old(st, iteration, m, c, ct + ctlen - c, ct,
		    ctlen);
	else
		rc = sk_decrypt_new(st, iteration, m, c, ct + ctlen - c, ct,
		    ctlen);
	if (rc == 0)
		*mlen = ctlen;
	return (rc);
}

uint8_t *
senderkey_serialize(const struct senderkey *s, size_t *outlen)
{
	struct bytes_writer	 w;
	uint8_t			*out;

	*outlen = SENDERKEY_HEADERBYTES(s->gidlen) + sizeof s->c.ck +
	    sizeof s->sk;
	out = xmalloc(*outlen);
	bytes_writer_init(&w, out, *outlen);
	sk_header(&w, s);
	bytes_put(&w, s->c.ck, sizeof s->c.ck);
	bytes_put(&w, s->sk, sizeof s->sk);
	assert(bytes_writer_check(&w) == 0 && bytes_writer_len(&w) == *outlen);
	return (out);
}

struct senderkey *
senderkey_deserialize(const uint8_t *in, size_t inlen)
{
	struct bytes_reader	 r;
	struct senderkey	*s = xcalloc(1, sizeof *s);
	const uint8_t		*gid;

	bytes_reader_init(&r, in, inlen);
	if (sk_parse_header(&r, &gid, &s->gidlen, &s->c.key_id,
	    &s->c.iteration) != 0)
		goto bad;
	bytes_get(&r, s->c.ck, sizeof s->c.ck);
	bytes_get(&r, s->sk, sizeof s->sk);
	if (bytes_reader_done(&r) != 0)
		goto bad;
	memcpy(s->gid, gid, s->gidlen);
	memcpy(s->c.pk, s->sk + 32, sizeof s->c.pk);	/* libsodium sk = seed | pk */
	return (s);
bad:
	senderkey_free(s);
	return (NULL);
}

uint8_t *
senderkey_peer_serialize(const struct senderkey_peer *p, size_t *outlen)
{
	const struct sk_state	*st;
	struct bytes_writer	 w;
	uint8_t			*out;
	size_t			 len = 3 + p->gidlen, i, j;

	for (i = 0; i < p->nstates; i++)
		len += 8 + 32 + 32 + 2 + p->states[i].nskipped * (4 + 32);
	out = xmalloc(len);
	bytes_writer_init(&w, out, len);
	bytes_put8(&w, SENDERKEY_VERSION);
	bytes_put8(&w, (uint8_t)p->gidlen);
	bytes_put(&w, p->gid, p->gidlen);
	bytes_put8(&w, (uint8_t)p->nstates);
	for (i = 0; i < p->nstates; i++) {
		st = &p->states[i];
		bytes_put32(&w, st->c.key_id);
		bytes_put32(&w, st->c.iteration);
		bytes_put(&w, st->c.ck, sizeof st->c.ck);
		bytes_put(&w, st->c.pk, sizeof st->c.pk);
		bytes_put16(&w, (uint16_t)st->nskipped);
		for (j = 0; j < st->nskipped; j++) {
			bytes_put32(&w, st->skipped[j].iteration);
			bytes_put(&w, st->skipped[j].seed, SK_SEEDBYTES);
		}
	}
	assert(bytes_writer_check(&w) == 0 && bytes_writer_len(&w) == len);
	*outlen = len;
	return (out);
}

/* Parse one state; -1 if malformed or inconsistent. */
static int
sk_parse_state(struct bytes_reader *r, struct sk_state *st)
{
	size_t	j;

	st->c.key_id = bytes_get32(r);
	st->c.iteration = bytes_get32(r);
	bytes_get(r, st->c.ck, sizeof st->c.ck);
	bytes_get(r, st->c.pk, sizeof st->c.pk);
	st->nskipped = bytes_get16(r);
	if (bytes_reader_check(r) != 0 ||
	    st->nskipped > SENDERKEY_MAXSKIPPED ||
	    bytes_left(r) < st->nskipped * (4 + SK_SEEDBYTES))
		return (-1);
	if (st->nskipped > 0)
		st->skipped = xreallocarray(NULL, st->nskipped,
		    sizeof *st->skipped);
	for (j = 0; j < st->nskipped; j++) {
		st->skipped[j].iteration = bytes_get32(r);
		bytes_get(r, st->skipped[j].seed, SK_SEEDBYTES);
		if (st->skipped[j].iteration >= st->c.iteration)
			return (-1);
	}
	return (bytes_reader_check(r));
}

struct senderkey_peer *
senderkey_peer_deserialize(const uint8_t *in, size_t inlen)
{
	struct bytes_reader	 r;
	struct senderkey_peer	*p = senderkey_peer_create();
	uint8_t			 v, n, gidlen;
	size_t			 i;

	bytes_reader_init(&r, in, inlen);
	v = bytes_get8(&r);
	gidlen = bytes_get8(&r);
	bytes_get(&r, p->gid, gidlen);
	n = bytes_get8(&r);
	if (bytes_reader_check(&r) != 0 || v != SENDERKEY_VERSION ||
	    n > SENDERKEY_MAXSTATES || (gidlen == 0 && n != 0))
		goto bad;
	p->gidlen = gidlen;
	for (i = 0; i < n; i++) {
		p->nstates++;
		if (sk_parse_state(&r, &p->states[i]) != 0 ||
		    sk_find(p, p->states[i].c.key_id) != &p->states[i])
			goto bad;
	}
	if (bytes_reader_done(&r) != 0)
		goto bad;
	return (p);
bad:
	senderkey_peer_free(p);
	return (NULL);
}
