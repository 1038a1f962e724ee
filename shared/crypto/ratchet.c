/* ratchet: Double Ratchet (CRYPTO.md) with bounded skipped keys. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "shared/crypto/hkdf.h"
#include "shared/crypto/ratchet.h"
#include "shared/util/bytes.h"
#include "shared/util/xmalloc.h"

#define STATE_VERSION	1

struct ratchet_chain {
	uint8_t		pub[32];
	uint8_t		ck[32];
	uint32_t	n;
};

struct ratchet_skip {
	uint8_t		pub[32];
	uint32_t	n;
	uint64_t	ts;
	uint8_t		seed[32];
};

struct ratchet {
	uint8_t			 rk[32];
	uint8_t			 ad[X3DH_AD_BYTES];
	uint8_t			 dhs_pk[32], dhs_sk[32];
	int			 has_cks, received;
	uint8_t			 cks[32];
	uint32_t		 ns, pn;
	struct ratchet_chain	 rc[RATCHET_MAX_CHAINS];	/* 0 newest */
	int			 nrc;
	struct ratchet_skip	*sk;	/* ring of RATCHET_MAX_STORED */
	size_t			 sk_start, nsk;
	struct ratchet_skip	*scratch;	/* RATCHET_MAX_SKIP + 1 */
};

static const char info_rk[] = "natter v1 ratchet";
/* What this thread's ratchets did (ratchet_work_get). */
static _Thread_local struct ratchet_work	ratchet_done;
static const char info_mk[] = "natter v1 message keys";

struct ratchet *
ratchet_new(void)
{
	/* The skipped-key ring and scratch are allocated on first use. */
	return (xcalloc(1, sizeof(struct ratchet)));
}

void
ratchet_free(struct ratchet *r)
{
	if (r == NULL)
		return;
	if (r->sk != NULL)
		sodium_memzero(r->sk, RATCHET_MAX_STORED * sizeof *r->sk);
	if (r->scratch != NULL)
		sodium_memzero(r->scratch,
		    (RATCHET_MAX_SKIP + 1) * sizeof *r->scratch);
	free(r->sk);
	free(r->scratch);
	sodium_memzero(r, sizeof *r);
	free(r);
}

/* A message header: u8 version | ratchet public key | u32 pn | u32 n. */
struct header {
	const uint8_t	*pub;
	uint32_t	 pn, n;
};

/* Read the header at the start of c (at least RATCHET_HEADER_BYTES). */
static void
header_read(struct header *h, const uint8_t *c)
{
	struct bytes_reader	r;

	bytes_reader_init(&r, c, RATCHET_HEADER_BYTES);
	(void)bytes_get8(&r);	/* the version, checked by the caller */
	h->pub = bytes_span(&r, 32);
	h->pn = bytes_get32(&r);
	h->n = bytes_get32(&r);
	assert(bytes_reader_done(&r) == 0);
}

/* RK', CK = HKDF(salt=RK, ikm=DH(sk, pk), "natter v1 ratchet", 64). */
static int
kdf_rk(uint8_t rk_out[32], uint8_t ck[32], const uint8_t rk[32],
    const uint8_t sk[32], const uint8_t pk[32])
{
	uint8_t	dh[32], out[64];
	int	rc;

	ratchet_done.dh++;
	if (keys_dh(dh, sk, pk) != 0)
		return (-1);
	rc = hkdf_sha256(out, 64, rk, 32, dh, 32, (const uint8_t *)info_rk,
	    sizeof info_rk - 1);
	sodium_memzero(dh, sizeof dh);
	if (rc != 0)
		return (-1);
	memcpy(rk_out, out, 32);
	memcpy(ck, out + 32, 32);
	sodium_memzero(out, sizeof out);
	return (0);
}

/* seed = HMAC(CK, 0x01), CK' = HMAC(CK, 0x02): one keyed state, two uses. */
static void
chain_step(uint8_t seed[32], uint8_t ck[32])
{
	static const uint8_t		one = 1, two = 2;
	crypto_auth_hmacsha256_state	key, st;

	ratchet_done.steps++;
	crypto_auth_hmacsha256_init(&key, ck, 32);
	st = key;
	crypto_auth_hmacsha256_update(&st, &one, 1);
	crypto_auth_hmacsha256_final(&st, seed);
	crypto_auth_hmacsha256_update(&key, &two, 1);
	crypto_auth_hmacsha256_final(&key, ck);
	sodium_memzero(&st, sizeof st);
	sodium_memzero(&key, sizeof key);
}

/* 80-byte message keys: enc_key | mac_key | iv. */
static void
message_keys(uint8_t mk[80], const uint8_t seed[32])
{
	uint8_t	prk[32];

	hkdf_sha256_extract_with(prk, hkdf_sha256_zero_salt(), seed, 32);
	if (hkdf_sha256_expand(mk, 80, prk, (const uint8_t *)info_mk,
	    sizeof info_mk - 1) != 0)
		abort();	/* 80 is always a valid length */
	sodium_memzero(prk, sizeof prk);
}

static void
mac(uint8_t tag[32], const struct ratchet *r, const uint8_t mk[80],
    const uint8_t *hdr_ct, size_t len)
{
	crypto_auth_hmacsha256_state	st;

	crypto_auth_hmacsha256_init(&st, mk + 32, 32);
	crypto_auth_hmacsha256_update(&st, r->ad, sizeof r->ad);
	crypto_auth_hmacsha256_update(&st, hdr_ct, len);
	crypto_auth_hmacsha256_final(&st, tag);
	sodium_memzero(&st, sizeof st);
}

/*
 * Alice sends her first chain on the X3DH chain key under a fresh ratchet
 * key; Bob's first reply turns the ratchet against that key. No DH here:
 * X3DH already mixed four, and RK and CK are independent HKDF outputs, so
 * a later compromise of this state does not reveal CK's earlier values.
 */
void
ratchet_init_alice(struct ratchet *r, const struct x3dh_result *x)
{
	memcpy(r->ad, x->ad, sizeof r->ad);
	randombytes_buf(r->dhs_sk, 32);
	crypto_scalarmult_base(r->dhs_pk, r->dhs_sk);
	memcpy(r->rk, x->rk, 32);
	memcpy(r->cks, x->ck, 32);
	r->has_cks = 1;
	r->nrc = 0;
}

void
ratchet_init_bob(struct ratchet *r, const struct x3dh_result *x,
    const uint8_t alice_pub[32])
{
	memcpy(r->ad, x->ad, sizeof r->ad);
	memcpy(r->rk, x->rk, 32);
	memcpy(r->rc[0].pub, alice_pub, 32);
	memcpy(r->rc[0].ck, x->ck, 32);
	r->rc[0].n = 0;
	r->nrc = 1;
	r->has_cks = 0;	/* our first send turns the ratchet */
}

static void
cipher(uint8_t *out, const uint8_t *in, size_t len, const uint8_t mk[80])
{
	crypto_stream_chacha20_ietf_xor(out, in, len, mk + 64, mk);
}

/* Deferred half of a DH ratchet step: new key pair, new sending chain. */
static int
send_step(struct ratchet *r)
{
	uint8_t	sk[32], pk[32], rk[32], ck[32];

	if (r->nrc == 0)
		return (-1);
	randombytes_buf(sk, 32);
	crypto_scalarmult_base(pk, sk);
	if (kdf_rk(rk, ck, r->rk, sk, r->rc[0].pub) != 0) {
		sodium_memzero(sk, sizeof sk);
		return (-1);
	}
	memcpy(r->rk, rk, 32);
	memcpy(r->cks, ck, 32);
	memcpy(r->dhs_sk, sk, 32);
	memcpy(r->dhs_pk, pk, 32);
	r->has_cks = 1;
	r->pn = r->ns;
	r->ns = 0;
	sodium_memzero(sk, sizeof sk);
	sodium_memzero(rk, sizeof rk);
	sodium_memzero(ck, sizeof ck);
	return (0);
}

int
ratchet_encrypt(struct ratchet *r, uint8_t *out, const uint8_t *m,
    size_t mlen)
{
	struct bytes_writer	w;
	uint8_t			seed[32], mk[80], tag[32];

	if (!r->has_cks && send_step(r) != 0)
		return (-1);
	if (r->ns == UINT32_MAX)
		return (-1);
	chain_step(seed, r->cks);
	message_keys(mk, seed);
	bytes_writer_init(&w, out, RATCHET_HEADER_BYTES);
	bytes_put8(&w, RATCHET_VERSION);
	bytes_put(&w, r->dhs_pk, 32);
	bytes_put32(&w, r->pn);
	bytes_put32(&w, r->ns);
	assert(bytes_writer_len(&w) == RATCHET_HEADER_BYTES);
	cipher(out + RATCHET_HEADER_BYTES, m, mlen, mk);
	mac(tag, r, mk, out, RATCHET_HEADER_BYTES + mlen);
	memcpy(out + RATCHET_HEADER_BYTES + mlen, tag, RATCHET_TAG_BYTES);
	r->ns++;
	sodium_memzero(seed, sizeof seed);
	sodium_memzero(mk, sizeof mk);
	return (0);
}

/* A decryption's changes, applied only after the tag verifies. */
struct pending {
	int		kind;	/* 0 skipped key, 1 known chain, 2 new ratchet */
	size_t		skip;	/* kind 0: position in the ring */
	int		chain;	/* kind 1 */
	uint8_t		ck[32];
	uint8_t		old_ck[32];	/* kind 2: rc[0] advanced to pn */
	uint32_t	old_n;
	uint8_t		rk[32];
	size_t		nscratch;
};

static struct ratchet_skip *
ring(const struct ratchet *r, size_t i)
{
	return (&r->sk[(r->sk_start + i) % RATCHET_MAX_STORED]);
}

static int
expired(const struct ratchet_skip *s, uint64_t now)
{
	return (s->ts + RATCHET_SKIP_TTL_MS < now);
}

static int
skip_find(const struct ratchet *r, const uint8_t pub[32], uint32_t n,
    uint64_t now, size_t *pos)
{
	size_t			 i;
	struct ratchet_skip	*s;

	for (i = 0; i < r->nsk; i++) {
		s = ring(r, i);
		if (s->n == n && memcmp(s->pub, pub, 32) == 0 &&
		    !expired(s, now)) {
			*pos = i;
			return (0);
		}
	}
	return (-1);
}

/* Derive keys for messages from..to-1 of a chain into the scratch. */
static void
skip_advance(struct ratchet *r, struct pending *p, uint8_t ck[32],
    uint32_t from, uint32_t to, const uint8_t pub[32], uint64_t now)
{
	struct ratchet_skip	*s;

	if (from < to && r->scratch == NULL)
		r->scratch = xcalloc(RATCHET_MAX_SKIP + 1, sizeof *r->scratch);
	for (; from < to; from++) {
		s = &r->scratch[p->nscratch++];
		memcpy(s->pub, pub, 32);
		s->n = from;
		s->ts = now;
		chain_step(s->seed, ck);
	}
}

/* Take dh DH and steps chain steps from b; -1 (nothing taken) if short. */
static int
budget_take(struct ratchet_work *b, uint32_t dh, uint32_t steps)
{
	if (dh > b->dh || steps > b->steps)
		return (-1);
	b->dh -= dh;
	b->steps -= steps;
	return (0);
}

static int
new_ratchet(struct ratchet *r, struct pending *p, const uint8_t pub[32],
    uint32_t pn, uint32_t n, uint8_t seed[32], uint64_t now,
    struct ratchet_work *budget)
{
	uint8_t		rk1[32];
	uint32_t	skips = 0;

	if (r->nrc > 0 && pn > r->rc[0].n)
		skips = pn - r->rc[0].n;
	if (skips > RATCHET_MAX_SKIP || n > RATCHET_MAX_SKIP - skips ||
	    budget_take(budget, 1, skips + n + 1) != 0)
		return (-1);
	if (r->nrc > 0) {
		memcpy(p->old_ck, r->rc[0].ck, 32);
		p->old_n = r->rc[0].n + skips;
		skip_advance(r, p, p->old_ck, r->rc[0].n, p->old_n,
		    r->rc[0].pub, now);
	}
	if (kdf_rk(rk1, p->ck, r->rk, r->dhs_sk, pub) != 0)
		return (-1);
	skip_advance(r, p, p->ck, 0, n, pub, now);
	chain_step(seed, p->ck);
	memcpy(p->rk, rk1, 32);
	sodium_memzero(rk1, sizeof rk1);
	p->kind = 2;
	return (0);
}

/* Find the message key without changing r, within budget; fill p. */
static int
find_key(struct ratchet *r, struct pending *p, const uint8_t *hdr,
    uint8_t seed[32], uint64_t now, struct ratchet_work *budget)
{
	struct header		 h;
	const uint8_t		*pub;
	uint32_t		 pn, n;
	struct ratchet_chain	*ch;
	int			 i;

	header_read(&h, hdr);
	pub = h.pub;
	pn = h.pn;
	n = h.n;
	memset(p, 0, sizeof *p);
	if (skip_find(r, pub, n, now, &p->skip) == 0) {
		memcpy(seed, ring(r, p->skip)->seed, 32);
		return (0);
	}
	for (i = 0; i < r->nrc; i++) {
		ch = &r->rc[i];
		if (memcmp(ch->pub, pub, 32) != 0)
			continue;
		if (n < ch->n || n - ch->n > RATCHET_MAX_SKIP ||
		    budget_take(budget, 0, n - ch->n + 1) != 0)
			return (-1);
		p->kind = 1;
		p->chain = i;
		memcpy(p->ck, ch->ck, 32);
		skip_advance(r, p, p->ck, ch->n, n, pub, now);
		chain_step(seed, p->ck);
		return (0);
	}
	return (new_ratchet(r, p, pub, pn, n, seed, now, budget));
}

static void
skip_remove(struct ratchet *r, size_t pos)
{
	for (; pos + 1 < r->nsk; pos++)
		*ring(r, pos) = *ring(r, pos + 1);
	sodium_memzero(ring(r, pos), sizeof *r->sk);
	r->nsk--;
}

static void
skip_commit(struct ratchet *r, const struct pending *p, uint64_t now)
{
	size_t	i;

	if (p->nscratch > 0 && r->sk == NULL)
		r->sk = xcalloc(RATCHET_MAX_STORED, sizeof *r->sk);
	for (i = 0; i < p->nscratch; i++) {
		if (r->nsk == RATCHET_MAX_STORED) {
			sodium_memzero(ring(r, 0), sizeof *r->sk);
			r->sk_start = (r->sk_start + 1) % RATCHET_MAX_STORED;
			r->nsk--;
		}
		*ring(r, r->nsk++) = r->scratch[i];
	}
	while (r->nsk > 0 && expired(ring(r, 0), now))
		skip_remove(r, 0);
}

static void
commit(struct ratchet *r, struct pending *p, const uint8_t *hdr,
    uint64_t now)
{
	struct header	h;
	uint32_t	n;

	header_read(&h, hdr);
	n = h.n;
	if (p->kind == 0)
		skip_remove(r, p->skip);
	else if (p->kind == 1) {
		memcpy(r->rc[p->chain].ck, p->ck, 32);
		r->rc[p->chain].n = n + 1;
	} else {
		if (r->nrc > 0) {
			memcpy(r->rc[0].ck, p->old_ck, 32);
			r->rc[0].n = p->old_n;
		}
		if (r->nrc == RATCHET_MAX_CHAINS)
			r->nrc--;
		memmove(&r->rc[1], &r->rc[0], r->nrc * sizeof r->rc[0]);
		r->nrc++;
		memcpy(r->rc[0].pub, h.pub, 32);
		memcpy(r->rc[0].ck, p->ck, 32);
		r->rc[0].n = n + 1;
		memcpy(r->rk, p->rk, 32);
		sodium_memzero(r->cks, 32);
		r->has_cks = 0;	/* our new ratchet key: on the next send */
	}
	skip_commit(r, p, now);
	r->received = 1;
}

int
ratchet_decrypt(struct ratchet *r, uint8_t *out, size_t *outlen,
    const uint8_t *c, size_t clen, uint64_t now)
{
	struct ratchet_work	budget = { 1, RATCHET_MAX_SKIP + 1 };

	return (ratchet_decrypt_within(r, &budget, out, outlen, c, clen, now));
}

int
ratchet_decrypt_within(struct ratchet *r, struct ratchet_work *budget,
    uint8_t *out, size_t *outlen, const uint8_t *c, size_t clen, uint64_t now)
{
	struct pending	p;
	uint8_t		seed[32], mk[80], tag[32];
	size_t		mlen;
	int		rc = -1;

	if (clen < RATCHET_OVERHEAD || c[0] != RATCHET_VERSION)
		return (-1);
	mlen = clen - RATCHET_OVERHEAD;
	p.nscratch = 0;
	if (find_key(r, &p, c, seed, now, budget) != 0)
		goto out;
	message_keys(mk, seed);
	mac(tag, r, mk, c, clen - RATCHET_TAG_BYTES);
	if (crypto_verify_16(tag, c + clen - RATCHET_TAG_BYTES) != 0)
		goto out;
	cipher(out, c + RATCHET_HEADER_BYTES, mlen, mk);
	*outlen = mlen;
	commit(r, &p, c, now);
	rc = 0;
out:
	if (p.nscratch > 0)
		sodium_memzero(r->scratch, p.nscratch * sizeof *r->scratch);
	sodium_memzero(&p, sizeof p);
	sodium_memzero(seed, sizeof seed);
	sodium_memzero(mk, sizeof mk);
	return (rc);
}

int
ratchet_knows(const struct ratchet *r, const uint8_t *c, size_t clen)
{
	const uint8_t	*pub = c + 1;
	size_t		 i;
	int		 j;

	if (clen < RATCHET_OVERHEAD || c[0] != RATCHET_VERSION)
		return (0);
	for (j = 0; j < r->nrc; j++) {
		if (memcmp(r->rc[j].pub, pub, 32) == 0)
			return (1);
	}
	for (i = 0; i < r->nsk; i++) {
		if (memcmp(ring(r, i)->pub, pub, 32) == 0)
			return (1);
	}
	return (0);
}

void
ratchet_work_get(struct ratchet_work *w)
{
	*w = ratchet_done;
}

size_t
ratchet_skipped_count(const struct ratchet *r)
{
	return (r->nsk);
}

const uint8_t *
ratchet_our_pub(const struct ratchet *r)
{
	return (r->dhs_pk);
}

const uint8_t *
ratchet_ad(const struct ratchet *r)
{
	return (r->ad);
}

int
ratchet_has_received(const struct ratchet *r)
{
	return (r->received);
}

#define FIXED_BYTES	(2 + 32 + X3DH_AD_BYTES + 32 + 32 + 32 + 4 + 4 + 1)
#define CHAIN_BYTES	(32 + 32 + 4)
#define SKIP_BYTES	(32 + 4 + 8 + 32)

/*
 * State layout: u8 version | u8 flags (1 has_cks, 2 received) | rk |
 * ad[72] | dhs pk | dhs sk | cks | u32 ns | u32 pn | u8 nrc |
 * nrc * (pub | ck | u32 n) | u32 nsk | nsk * (pub | u32 n | u64 ts |
 * seed), oldest skipped key first; integers big-endian.
 */
void
ratchet_serialise(const struct ratchet *r, uint8_t **out, size_t *len)
{
	struct bytes_writer	 w;
	size_t			 i;
	struct ratchet_skip	*s;

	*len = FIXED_BYTES + r->nrc * CHAIN_BYTES + 4 + r->nsk * SKIP_BYTES;
	*out = xmalloc(*len);
	bytes_writer_init(&w, *out, *len);
	bytes_put8(&w, STATE_VERSION);
	bytes_put8(&w, (r->has_cks ? 1 : 0) | (r->received ? 2 : 0));
	bytes_put(&w, r->rk, 32);
	bytes_put(&w, r->ad, X3DH_AD_BYTES);
	bytes_put(&w, r->dhs_pk, 32);
	bytes_put(&w, r->dhs_sk, 32);
	bytes_put(&w, r->cks, 32);
	bytes_put32(&w, r->ns);
	bytes_put32(&w, r->pn);
	bytes_put8(&w, (uint8_t)r->nrc);
	for (i = 0; i < (size_t)r->nrc; i++) {
		bytes_put(&w, r->rc[i].pub, 32);
		bytes_put(&w, r->rc[i].ck, 32);
		bytes_put32(&w, r->rc[i].n);
	}
	bytes_put32(&w, (uint32_t)r->nsk);
	for (i = 0; i < r->nsk; i++) {
		s = ring(r, i);
		bytes_put(&w, s->pub, 32);
		bytes_put32(&w, s->n);
		bytes_put64(&w, s->ts);
		bytes_put(&w, s->seed, 32);
	}
	assert(bytes_writer_check(&w) == 0 && bytes_writer_len(&w) == *len);
}

/* The chains and skipped keys; the whole rest of the input. */
static int
parse_tail(struct ratchet *r, struct bytes_reader *in)
{
	size_t	i;

	r->nrc = bytes_get8(in);
	if (r->nrc > RATCHET_MAX_CHAINS)
		return (-1);
	for (i = 0; i < (size_t)r->nrc; i++) {
		bytes_get(in, r->rc[i].pub, 32);
		bytes_get(in, r->rc[i].ck, 32);
		r->rc[i].n = bytes_get32(in);
	}
	r->nsk = bytes_get32(in);
	if (bytes_reader_check(in) != 0 || r->nsk > RATCHET_MAX_STORED ||
	    bytes_left(in) != r->nsk * SKIP_BYTES)
		return (-1);
	if (r->nsk > 0)
		r->sk = xcalloc(RATCHET_MAX_STORED, sizeof *r->sk);
	for (i = 0; i < r->nsk; i++) {
		bytes_get(in, r->sk[i].pub, 32);
		r->sk[i].n = bytes_get32(in);
		r->sk[i].ts = bytes_get64(in);
		bytes_get(in, r->sk[i].seed, 32);
	}
	return (bytes_reader_done(in));
}

struct ratchet *
ratchet_parse(const uint8_t *in, size_t len)
{
	struct bytes_reader	 rd;
	struct ratchet		*r;
	uint8_t			 version, flags;

	bytes_reader_init(&rd, in, len);
	version = bytes_get8(&rd);
	flags = bytes_get8(&rd);
	if (in == NULL || len < FIXED_BYTES - 1 || version != STATE_VERSION ||
	    (flags & ~3) != 0)
		return (NULL);
	r = ratchet_new();
	r->has_cks = flags & 1;
	r->received = (flags & 2) != 0;
	bytes_get(&rd, r->rk, 32);
	bytes_get(&rd, r->ad, X3DH_AD_BYTES);
	bytes_get(&rd, r->dhs_pk, 32);
	bytes_get(&rd, r->dhs_sk, 32);
	bytes_get(&rd, r->cks, 32);
	r->ns = bytes_get32(&rd);
	r->pn = bytes_get32(&rd);
	if (parse_tail(r, &rd) != 0) {
		ratchet_free(r);
		return (NULL);
	}
	return (r);
}
