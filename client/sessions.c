/* sessions: pairwise X3DH + Double Ratchet sessions with other devices (CRYPTO.md), sealed in the store. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/coreint.h"
#include "client/prekeys.h"
#include "client/sessions.h"
#include "shared/crypto/hkdf.h"
#include "shared/util/log.h"
#include "shared/util/xmalloc.h"

/*
 * Stopgap until shared/crypto's session API lands: the choices of
 * CRYPTO.md (X3DH info "natter v1 X3DH", root KDF "natter v1 ratchet",
 * chain step HMAC 0x01/0x02, 80-byte message keys, ChaCha20 + truncated
 * HMAC tag).  The initiator's ephemeral key is its first ratchet key.
 *
 * Ratchet message: dh[32] | pn u32be | n u32be | ciphertext | tag[16].
 * Prekey message:  ik_a[32] | ek_a[32] | spk_id u32be | opk_id u32be |
 *                  ratchet message.
 */

#define S_VERSION	1
#define S_SKIPMAX	64		/* stored skipped message keys */
#define S_JUMPMAX	1000		/* forward jump per message */
#define S_HDR		40
#define S_TAG		16
#define S_PREHDR	72

struct s_skipped {
	uint8_t		dh[32];
	uint32_t	n;
	uint32_t	used;
	uint8_t		seed[32];
};

struct s_state {
	uint8_t			version;
	uint8_t			has_dhr, has_cks, has_ckr, pending;
	uint8_t			rk[32];
	uint8_t			dhs_sk[32], dhs_pk[32];
	uint8_t			dhr[32];
	uint8_t			cks[32], ckr[32];
	uint32_t		ns, nr, pn;
	uint8_t			ad[64];
	uint8_t			remote_ik[32];
	uint8_t			init_ek[32];	/* the X3DH ephemeral key */
	uint8_t			pre_ik[32], pre_ek[32];
	uint32_t		pre_spk, pre_opk;
	uint32_t		nskipped;
	struct s_skipped	skipped[S_SKIPMAX];
};

static void
s_put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint32_t
s_get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

static int
s_dh(uint8_t out[32], const uint8_t sk[32], const uint8_t pk[32])
{
	return (crypto_scalarmult(out, sk, pk));	/* -1 on all-zero */
}

/* RK, CK = HKDF(salt=RK, ikm=dh, "natter v1 ratchet", 64). */
static int
s_kdf_rk(struct s_state *s, uint8_t ck[32], const uint8_t dh[32])
{
	static const char	info[] = "natter v1 ratchet";
	uint8_t			out[64];

	if (hkdf_sha256(out, sizeof out, s->rk, 32, dh, 32,
	    (const uint8_t *)info, sizeof info - 1) != 0)
		return (-1);
	memcpy(s->rk, out, 32);
	memcpy(ck, out + 32, 32);
	sodium_memzero(out, sizeof out);
	return (0);
}

/* seed = HMAC(CK, 0x01), CK = HMAC(CK, 0x02). */
static void
s_chain_step(uint8_t ck[32], uint8_t seed[32])
{
	uint8_t	b = 1, next[32];

	crypto_auth_hmacsha256(seed, &b, 1, ck);
	b = 2;
	crypto_auth_hmacsha256(next, &b, 1, ck);
	memcpy(ck, next, 32);
	sodium_memzero(next, sizeof next);
}

/* Encrypt or (after checking the tag) decrypt with the 80-byte keys of seed. */
static int
s_cipher(const struct s_state *s, const uint8_t seed[32], const uint8_t *hdr,
    uint8_t *out, const uint8_t *in, size_t len, uint8_t tag[S_TAG], int enc)
{
	static const char		 info[] = "natter v1 message keys";
	crypto_auth_hmacsha256_state	 h;
	uint8_t				 mk[80], full[32], zero[32];
	int				 rc = 0;

	memset(zero, 0, sizeof zero);
	if (hkdf_sha256(mk, sizeof mk, zero, sizeof zero, seed, 32,
	    (const uint8_t *)info, sizeof info - 1) != 0)
		return (-1);
	if (enc)
		crypto_stream_chacha20_ietf_xor(out, in, len, mk + 64, mk);
	crypto_auth_hmacsha256_init(&h, mk + 32, 32);
	crypto_auth_hmacsha256_update(&h, s->ad, sizeof s->ad);
	crypto_auth_hmacsha256_update(&h, hdr, S_HDR);
	crypto_auth_hmacsha256_update(&h, enc ? out : in, len);
	crypto_auth_hmacsha256_final(&h, full);
	if (enc)
		memcpy(tag, full, S_TAG);
	else if (crypto_verify_16(full, tag) != 0)
		rc = -1;
	else
		crypto_stream_chacha20_ietf_xor(out, in, len, mk + 64, mk);
	sodium_memzero(mk, sizeof mk);
	return (rc);
}

static int
s_load(struct core *c, const char *name, uint32_t device, struct s_state *s)
{
	uint8_t	*rec;
	size_t	 len;
	int	 rc;

	if ((rc = store_session_get(c->st, name, device, &rec, &len)) != 0)
		return (rc);
	rc = len == sizeof *s && rec[0] == S_VERSION ? 0 : -1;
	if (rc == 0)
		memcpy(s, rec, sizeof *s);
	sodium_memzero(rec, len);
	free(rec);
	return (rc);
}

static int
s_save(struct core *c, const char *name, uint32_t device,
    const struct s_state *s)
{
	return (store_session_put(c->st, name, device, (const uint8_t *)s,
	    sizeof *s));
}

/* X3DH output to RK (kept in s) and CK. */
static int
s_x3dh(struct s_state *s, uint8_t ck[32], const uint8_t dh[4][32], int ndh)
{
	static const char	info[] = "natter v1 X3DH";
	uint8_t			ikm[32 * 5], out[64], zero[32];
	int			i, rc;

	memset(ikm, 0xff, 32);
	for (i = 0; i < ndh; i++)
		memcpy(ikm + 32 * (i + 1), dh[i], 32);
	memset(zero, 0, sizeof zero);
	rc = hkdf_sha256(out, sizeof out, zero, sizeof zero, ikm,
	    32 * (size_t)(ndh + 1), (const uint8_t *)info, sizeof info - 1);
	memcpy(s->rk, out, 32);
	memcpy(ck, out + 32, 32);
	sodium_memzero(ikm, sizeof ikm);
	sodium_memzero(out, sizeof out);
	return (rc);
}

static int
s_spk_verify(const Natter__PrekeyBundle *b)
{
	static const char	dom[] = "natter v1 spk";
	uint8_t			m[sizeof dom + 4 + 32];

	memcpy(m, dom, sizeof dom);
	s_put32(m + sizeof dom, b->signed_prekey->id);
	memcpy(m + sizeof dom + 4, b->signed_prekey->key.data, 32);
	return (crypto_sign_verify_detached(b->signed_prekey->signature.data,
	    m, sizeof m, b->identity_key.data));
}

int
sessions_from_bundle(struct core *c, const Natter__PrekeyBundle *b,
    struct core_error *err)
{
	struct s_state	*s;
	uint8_t		 dh[4][32], ik_b[32], ik_a[32], ek_sk[32];
	int		 ndh = 3, rc = -1;

	if (b->identity_key.len != 32 || b->signed_prekey == NULL ||
	    b->signed_prekey->key.len != 32 ||
	    b->signed_prekey->signature.len != crypto_sign_BYTES ||
	    (b->one_time_prekey != NULL && b->one_time_prekey->key.len != 32) ||
	    s_spk_verify(b) != 0) {
		core_seterr(err, CORE_ERR_CRYPTO, "the key bundle of %s device "
		    "%u does not verify", b->name, b->device);
		return (-1);
	}
	s = sodium_malloc(sizeof *s);
	memset(s, 0, sizeof *s);
	s->version = S_VERSION;
	crypto_box_keypair(s->dhs_pk, ek_sk);
	memcpy(s->dhs_sk, ek_sk, 32);
	if (crypto_sign_ed25519_pk_to_curve25519(ik_b, b->identity_key.data) ||
	    crypto_sign_ed25519_sk_to_curve25519(ik_a, c->ik_sk) ||
	    s_dh(dh[0], ik_a, b->signed_prekey->key.data) ||
	    s_dh(dh[1], ek_sk, ik_b) ||
	    s_dh(dh[2], ek_sk, b->signed_prekey->key.data))
		goto out;
	if (b->one_time_prekey != NULL) {
		if (s_dh(dh[3], ek_sk, b->one_time_prekey->key.data) != 0)
			goto out;
		ndh = 4;
		s->pre_opk = b->one_time_prekey->id;
	}
	if (s_x3dh(s, s->cks, (const uint8_t (*)[32])dh, ndh) != 0)
		goto out;
	s->has_cks = 1;
	s->has_dhr = 1;
	memcpy(s->dhr, b->signed_prekey->key.data, 32);
	memcpy(s->ad, c->ik_pk, 32);
	memcpy(s->ad + 32, b->identity_key.data, 32);
	memcpy(s->remote_ik, b->identity_key.data, 32);
	memcpy(s->init_ek, s->dhs_pk, 32);
	s->pending = 1;
	memcpy(s->pre_ik, c->ik_pk, 32);
	memcpy(s->pre_ek, s->dhs_pk, 32);
	s->pre_spk = b->signed_prekey->id;
	rc = s_save(c, b->name, b->device, s);
	if (rc != 0)
		core_seterr(err, CORE_ERR_IO, "cannot save a session");
out:
	if (rc != 0 && err->msg[0] == '\0')
		core_seterr(err, CORE_ERR_CRYPTO, "bad keys from %s", b->name);
	sodium_memzero(dh, sizeof dh);
	sodium_memzero(ek_sk, sizeof ek_sk);
	sodium_memzero(ik_a, sizeof ik_a);
	sodium_free(s);
	return (rc);
}

int
sessions_encrypt(struct core *c, const char *name, uint32_t device,
    const uint8_t *pt, size_t ptlen, uint32_t *type, uint8_t **ctp,
    size_t *ctlen)
{
	struct s_state	*s;
	uint8_t		 seed[32], *ct, *m;
	size_t		 pre;
	int		 rc = -1;

	s = sodium_malloc(sizeof *s);
	if (s_load(c, name, device, s) != 0 || !s->has_cks)
		goto out;
	pre = s->pending ? S_PREHDR : 0;
	ct = xmalloc(pre + S_HDR + ptlen + S_TAG);
	m = ct + pre;
	memcpy(m, s->dhs_pk, 32);
	s_put32(m + 32, s->pn);
	s_put32(m + 36, s->ns);
	s_chain_step(s->cks, seed);
	s->ns++;
	if (s_cipher(s, seed, m, m + S_HDR, pt, ptlen, m + S_HDR + ptlen,
	    1) != 0 || s_save(c, name, device, s) != 0) {
		free(ct);
		goto out;
	}
	if (pre) {
		memcpy(ct, s->pre_ik, 32);
		memcpy(ct + 32, s->pre_ek, 32);
		s_put32(ct + 64, s->pre_spk);
		s_put32(ct + 68, s->pre_opk);
	}
	*type = pre ? SESSIONS_TYPE_PREKEY : SESSIONS_TYPE_MESSAGE;
	*ctp = ct;
	*ctlen = pre + S_HDR + ptlen + S_TAG;
	rc = 0;
out:
	sodium_memzero(seed, sizeof seed);
	sodium_free(s);
	return (rc);
}

/* Remember the keys of messages skipped in the receiving chain up to n. */
static int
s_skip(struct s_state *s, uint32_t until)
{
	struct s_skipped	*k;

	if (!s->has_ckr)
		return (0);
	if (until > s->nr + S_JUMPMAX)
		return (-1);
	while (s->nr < until) {
		if (s->nskipped == S_SKIPMAX) {
			memmove(&s->skipped[0], &s->skipped[1],
			    (S_SKIPMAX - 1) * sizeof s->skipped[0]);
			s->nskipped--;
		}
		k = &s->skipped[s->nskipped++];
		memcpy(k->dh, s->dhr, 32);
		k->n = s->nr++;
		s_chain_step(s->ckr, k->seed);
	}
	return (0);
}

/* Find (and remove) a skipped key for (dh, n). */
static int
s_skipped_key(struct s_state *s, const uint8_t *dh, uint32_t n,
    uint8_t seed[32])
{
	uint32_t	i;

	for (i = 0; i < s->nskipped; i++) {
		if (s->skipped[i].n != n || memcmp(s->skipped[i].dh, dh, 32))
			continue;
		memcpy(seed, s->skipped[i].seed, 32);
		memmove(&s->skipped[i], &s->skipped[i + 1],
		    (s->nskipped - i - 1) * sizeof s->skipped[0]);
		s->nskipped--;
		return (1);
	}
	return (0);
}

static int
s_ratchet(struct s_state *s, const uint8_t *dh)
{
	uint8_t	out[32];
	int	rc = -1;

	s->pn = s->ns;
	s->ns = 0;
	s->nr = 0;
	memcpy(s->dhr, dh, 32);
	s->has_dhr = 1;
	if (s_dh(out, s->dhs_sk, s->dhr) != 0 || s_kdf_rk(s, s->ckr, out) != 0)
		goto out;
	s->has_ckr = 1;
	crypto_box_keypair(s->dhs_pk, s->dhs_sk);
	if (s_dh(out, s->dhs_sk, s->dhr) != 0 || s_kdf_rk(s, s->cks, out) != 0)
		goto out;
	s->has_cks = 1;
	rc = 0;
out:
	sodium_memzero(out, sizeof out);
	return (rc);
}

/* Decrypt one ratchet message in s (a scratch copy). */
static int
s_decrypt(struct s_state *s, const uint8_t *m, size_t len, uint8_t **pt,
    size_t *ptlen)
{
	uint8_t		 seed[32], *out;
	uint32_t	 pn, n;
	size_t		 clen;

	if (len < S_HDR + S_TAG)
		return (-1);
	clen = len - S_HDR - S_TAG;
	pn = s_get32(m + 32);
	n = s_get32(m + 36);
	if (!s_skipped_key(s, m, n, seed)) {
		if (!s->has_dhr || memcmp(m, s->dhr, 32) != 0) {
			if (s_skip(s, pn) != 0 || s_ratchet(s, m) != 0)
				return (-1);
		}
		if (s_skip(s, n) != 0 || n < s->nr)
			return (-1);
		s_chain_step(s->ckr, seed);
		s->nr++;
	}
	out = xmalloc(clen + 1);
	if (s_cipher(s, seed, m, out, m + S_HDR, clen,
	    (uint8_t *)(uintptr_t)(m + S_HDR + clen), 0) != 0) {
		free(out);
		sodium_memzero(seed, sizeof seed);
		return (-1);
	}
	sodium_memzero(seed, sizeof seed);
	*pt = out;
	*ptlen = clen;
	return (0);
}

/* Responder side of X3DH for a prekey message (s zeroed by the caller). */
static int
s_accept(struct core *c, struct s_state *s, const uint8_t *pre)
{
	uint8_t	dh[4][32], ik_a[32], ik_b[32], spk[32], opk[32];
	int	ndh = 3, rc = -1;

	if (prekeys_spk_secret(c, s_get32(pre + 64), spk) != 0)
		return (-1);
	if (s_get32(pre + 68) != 0) {
		if (prekeys_opk_secret(c, s_get32(pre + 68), opk) != 0)
			goto out;
		ndh = 4;
	}
	if (crypto_sign_ed25519_pk_to_curve25519(ik_a, pre) ||
	    crypto_sign_ed25519_sk_to_curve25519(ik_b, c->ik_sk) ||
	    s_dh(dh[0], spk, ik_a) || s_dh(dh[1], ik_b, pre + 32) ||
	    s_dh(dh[2], spk, pre + 32) ||
	    (ndh == 4 && s_dh(dh[3], opk, pre + 32)))
		goto out;
	s->version = S_VERSION;
	if (s_x3dh(s, s->ckr, (const uint8_t (*)[32])dh, ndh) != 0)
		goto out;
	s->has_ckr = 1;
	s->has_dhr = 1;
	memcpy(s->dhr, pre + 32, 32);
	memcpy(s->init_ek, pre + 32, 32);
	memcpy(s->remote_ik, pre, 32);
	memcpy(s->ad, pre, 32);
	memcpy(s->ad + 32, c->ik_pk, 32);
	/* Our sending chain starts from a fresh ratchet key. */
	crypto_box_keypair(s->dhs_pk, s->dhs_sk);
	if (s_dh(dh[0], s->dhs_sk, s->dhr) != 0 ||
	    s_kdf_rk(s, s->cks, dh[0]) != 0)
		goto out;
	s->has_cks = 1;
	rc = 0;
out:
	sodium_memzero(dh, sizeof dh);
	sodium_memzero(spk, sizeof spk);
	sodium_memzero(opk, sizeof opk);
	sodium_memzero(ik_b, sizeof ik_b);
	return (rc);
}

int
sessions_decrypt(struct core *c, const char *name, uint32_t device,
    uint32_t type, const uint8_t *ct, size_t ctlen, uint8_t **pt,
    size_t *ptlen, uint8_t ik[32])
{
	struct s_state	*s;
	int		 have, rc = -1;

	s = sodium_malloc(sizeof *s);
	memset(s, 0, sizeof *s);
	have = s_load(c, name, device, s);
	if (type == SESSIONS_TYPE_PREKEY) {
		if (ctlen < S_PREHDR)
			goto out;
		if (have != 0 || memcmp(s->init_ek, ct + 32, 32) != 0) {
			memset(s, 0, sizeof *s);
			if (s_accept(c, s, ct) != 0)
				goto out;
			if (s_get32(ct + 68) != 0)
				(void)store_prekey_del(c->st, STORE_OPK,
				    s_get32(ct + 68));
		}
		ct += S_PREHDR;
		ctlen -= S_PREHDR;
	} else if (type != SESSIONS_TYPE_MESSAGE || have != 0)
		goto out;
	if (s_decrypt(s, ct, ctlen, pt, ptlen) != 0)
		goto out;
	if (type == SESSIONS_TYPE_MESSAGE)
		s->pending = 0;		/* they answered: no more prekey wrapping */
	memcpy(ik, s->remote_ik, 32);
	rc = s_save(c, name, device, s);
out:
	sodium_free(s);
	return (rc);
}
