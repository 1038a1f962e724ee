/* senderkey: group messaging with sender keys (one chain + signing key per sender). */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "shared/crypto/hkdf.h"
#include "shared/crypto/senderkey.h"
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

/* Bounds-checked reading. */
struct sk_reader {
	const uint8_t	*p;
	size_t		 left;
};

static int
sk_get(struct sk_reader *r, void *out, size_t n)
{
	if (r->left < n)
		return (-1);
	memcpy(out, r->p, n);
	r->p += n;
	r->left -= n;
	return (0);
}

static int
sk_get32(struct sk_reader *r, uint32_t *v)
{
	uint8_t	b[4];

	if (sk_get(r, b, 4) != 0)
		return (-1);
	*v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | b[2] << 8 | b[3];
	return (0);
}

static uint8_t *
sk_put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
	return (p + 4);
}

static uint8_t *
sk_put(uint8_t *p, const void *v, size_t n)
{
	memcpy(p, v, n);
	return (p + n);
}

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

/* version | gidlen | gid | key id | iteration; returns the end. */
static uint8_t *
sk_header(uint8_t *p, const uint8_t *gid, size_t gidlen, uint32_t key_id,
    uint32_t iteration)
{
	*p++ = SENDERKEY_VERSION;
	*p++ = (uint8_t)gidlen;
	p = sk_put(p, gid, gidlen);
	p = sk_put32(p, key_id);
	return (sk_put32(p, iteration));
}

static int
sk_parse_header(struct sk_reader *r, const uint8_t **gid, size_t *gidlen,
    uint32_t *key_id, uint32_t *iteration)
{
	uint8_t	v, n;

	if (sk_get(r, &v, 1) != 0 || v != SENDERKEY_VERSION ||
	    sk_get(r, &n, 1) != 0 || n == 0 || r->left < n)
		return (-1);
	*gid = r->p;
	*gidlen = n;
	r->p += n;
	r->left -= n;
	if (sk_get32(r, key_id) != 0 || sk_get32(r, iteration) != 0)
		return (-1);
	return (0);
}

void
senderkey_distribution(const struct senderkey *s, uint8_t *out,
    size_t *outlen)
{
	uint8_t	*p;

	p = sk_header(out, s->gid, s->gidlen, s->c.key_id, s->c.iteration);
	p = sk_put(p, s->c.ck, sizeof s->c.ck);
	p = sk_put(p, s->c.pk, sizeof s->c.pk);
	*outlen = p - out;
}

int
senderkey_encrypt(struct senderkey *s, uint8_t *out, size_t *outlen,
    const uint8_t *m, size_t mlen)
{
	uint8_t	 seed[SK_SEEDBYTES], keys[SK_KEYSBYTES], *p;

	if (s->c.iteration == UINT32_MAX)
		return (-1);
	p = sk_header(out, s->gid, s->gidlen, s->c.key_id, s->c.iteration);
	sk_step(s->c.ck, seed);
	s->c.iteration++;
	sk_keys(keys, seed);
	crypto_stream_chacha20_ietf_xor(p, m, mlen, keys + SK_IV,
	    keys + SK_ENC);
	p += mlen;
	sk_tag(p, keys, out, p - out);
	p += SENDERKEY_TAGBYTES;
	crypto_sign_detached(p, NULL, out, p - out, s->sk);
	p += SENDERKEY_SIGBYTES;
	*outlen = p - out;
	sodium_memzero(seed, sizeof seed);
	sodium_memzero(keys, sizeof keys);
	return (0);
}

int
senderkey_message_peek(const uint8_t *msg, size_t len, const uint8_t **gid,
    size_t *gidlen, uint32_t *key_id)
{
	struct sk_reader	r = { msg, len };
	uint32_t		iteration;

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
	struct sk_reader	 r = { dist, distlen };
	struct sk_chain		 c;
	struct sk_state		*st;
	const uint8_t		*gid;
	size_t			 gidlen;
	int			 rc = -1;

	if (sk_parse_header(&r, &gid, &gidlen, &c.key_id, &c.iteration) != 0 ||
	    sk_get(&r, c.ck, sizeof c.ck) != 0 ||
	    sk_get(&r, c.pk, sizeof c.pk) != 0 || r.left != 0)
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
	struct sk_reader	 r = { c, clen };
	struct sk_state		*st;
	const uint8_t		*gid, *ct;
	size_t			 gidlen, ctlen;
	uint32_t		 key_id, iteration;
	int			 rc;

	if (sk_parse_header(&r, &gid, &gidlen, &key_id, &iteration) != 0 ||
	    r.left < SENDERKEY_TAGBYTES + SENDERKEY_SIGBYTES)
		return (-1);
	ct = r.p;
	ctlen = r.left - SENDERKEY_TAGBYTES - SENDERKEY_SIGBYTES;
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
	uint8_t	*out, *p;

	out = xmalloc(2 + s->gidlen + 8 + sizeof s->c.ck + sizeof s->sk);
	p = sk_header(out, s->gid, s->gidlen, s->c.key_id, s->c.iteration);
	p = sk_put(p, s->c.ck, sizeof s->c.ck);
	p = sk_put(p, s->sk, sizeof s->sk);
	*outlen = p - out;
	return (out);
}

struct senderkey *
senderkey_deserialize(const uint8_t *in, size_t inlen)
{
	struct sk_reader	 r = { in, inlen };
	struct senderkey	*s = xcalloc(1, sizeof *s);
	const uint8_t		*gid;

	if (sk_parse_header(&r, &gid, &s->gidlen, &s->c.key_id,
	    &s->c.iteration) != 0 || sk_get(&r, s->c.ck, sizeof s->c.ck) != 0 ||
	    sk_get(&r, s->sk, sizeof s->sk) != 0 || r.left != 0) {
		senderkey_free(s);
		return (NULL);
	}
	memcpy(s->gid, gid, s->gidlen);
	memcpy(s->c.pk, s->sk + 32, sizeof s->c.pk);	/* libsodium sk = seed | pk */
	return (s);
}

uint8_t *
senderkey_peer_serialize(const struct senderkey_peer *p, size_t *outlen)
{
	const struct sk_state	*st;
	uint8_t			*out, *o;
	size_t			 len = 3 + p->gidlen, i, j;

	for (i = 0; i < p->nstates; i++)
		len += 8 + 32 + 32 + 2 + p->states[i].nskipped * (4 + 32);
	o = out = xmalloc(len);
	*o++ = SENDERKEY_VERSION;
	*o++ = (uint8_t)p->gidlen;
	o = sk_put(o, p->gid, p->gidlen);
	*o++ = (uint8_t)p->nstates;
	for (i = 0; i < p->nstates; i++) {
		st = &p->states[i];
		o = sk_put32(o, st->c.key_id);
		o = sk_put32(o, st->c.iteration);
		o = sk_put(o, st->c.ck, sizeof st->c.ck);
		o = sk_put(o, st->c.pk, sizeof st->c.pk);
		*o++ = st->nskipped >> 8;
		*o++ = st->nskipped & 0xff;
		for (j = 0; j < st->nskipped; j++) {
			o = sk_put32(o, st->skipped[j].iteration);
			o = sk_put(o, st->skipped[j].seed, SK_SEEDBYTES);
		}
	}
	assert((size_t)(o - out) == len);
	*outlen = len;
	return (out);
}

/* Parse one state; -1 if malformed or inconsistent. */
static int
sk_parse_state(struct sk_reader *r, struct sk_state *st)
{
	uint8_t	n[2];
	size_t	j;

	if (sk_get32(r, &st->c.key_id) != 0 ||
	    sk_get32(r, &st->c.iteration) != 0 ||
	    sk_get(r, st->c.ck, sizeof st->c.ck) != 0 ||
	    sk_get(r, st->c.pk, sizeof st->c.pk) != 0 || sk_get(r, n, 2) != 0)
		return (-1);
	st->nskipped = (size_t)n[0] << 8 | n[1];
	if (st->nskipped > SENDERKEY_MAXSKIPPED ||
	    r->left < st->nskipped * (4 + SK_SEEDBYTES))
		return (-1);
	if (st->nskipped > 0)
		st->skipped = xreallocarray(NULL, st->nskipped,
		    sizeof *st->skipped);
	for (j = 0; j < st->nskipped; j++) {
		if (sk_get32(r, &st->skipped[j].iteration) != 0 ||
		    sk_get(r, st->skipped[j].seed, SK_SEEDBYTES) != 0 ||
		    st->skipped[j].iteration >= st->c.iteration)
			return (-1);
	}
	return (0);
}

struct senderkey_peer *
senderkey_peer_deserialize(const uint8_t *in, size_t inlen)
{
	struct sk_reader	 r = { in, inlen };
	struct senderkey_peer	*p = senderkey_peer_create();
	uint8_t			 v, n, gidlen;
	size_t			 i;

	if (sk_get(&r, &v, 1) != 0 || v != SENDERKEY_VERSION ||
	    sk_get(&r, &gidlen, 1) != 0 || sk_get(&r, p->gid, gidlen) != 0 ||
	    sk_get(&r, &n, 1) != 0 || n > SENDERKEY_MAXSTATES ||
	    (gidlen == 0 && n != 0))
		goto bad;
	p->gidlen = gidlen;
	for (i = 0; i < n; i++) {
		p->nstates++;
		if (sk_parse_state(&r, &p->states[i]) != 0 ||
		    sk_find(p, p->states[i].c.key_id) != &p->states[i])
			goto bad;
	}
	if (r.left != 0)
		goto bad;
	return (p);
bad:
	senderkey_peer_free(p);
	return (NULL);
}
