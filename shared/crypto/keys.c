/* keys: device identity, signed and one-time prekeys, public bundles. */
#include <assert.h>
#include <string.h>

#include <sodium.h>

#include "shared/crypto/keys.h"
#include "shared/util/bytes.h"

static const char spk_prefix[] = "natter v1 SPK";

/*
 * Converting an Ed25519 public key costs as much as a DH (libsodium checks
 * that the point is in the main subgroup), and the same peers' identity
 * keys come back in every session setup with them. So each thread keeps
 * its last KEYS_XCACHE successful conversions. Public keys only; failures
 * are never cached.
 */
#define KEYS_XCACHE	32

struct keys_xentry {
	uint8_t	ed[32];
	uint8_t	x[32];
	int	used;
};

static _Thread_local struct keys_xentry	keys_xcache[KEYS_XCACHE];
static _Thread_local unsigned		keys_xnext;

int
keys_ed_pk_to_x(uint8_t x_pk[32], const uint8_t ed_pk[32])
{
	struct keys_xentry	*e;
	unsigned		 i;

	for (i = 0; i < KEYS_XCACHE; i++) {
		e = &keys_xcache[i];
		if (e->used && memcmp(e->ed, ed_pk, 32) == 0) {
			memcpy(x_pk, e->x, 32);
			return (0);
		}
	}
	if (crypto_sign_ed25519_pk_to_curve25519(x_pk, ed_pk) != 0)
		return (-1);
	e = &keys_xcache[keys_xnext++ % KEYS_XCACHE];
	memcpy(e->ed, ed_pk, 32);
	memcpy(e->x, x_pk, 32);
	e->used = 1;
	return (0);
}

void
keys_xcache_clear(void)
{
	memset(keys_xcache, 0, sizeof keys_xcache);
	keys_xnext = 0;
}

int
keys_identity_from_ed_sk(struct keys_identity *id, const uint8_t sk[64])
{
	memcpy(id->ed_sk, sk, 64);
	memcpy(id->ed_pk, sk + 32, 32);
	if (keys_ed_pk_to_x(id->x_pk, id->ed_pk) != 0 ||
	    crypto_sign_ed25519_sk_to_curve25519(id->x_sk, id->ed_sk) != 0) {
		keys_identity_wipe(id);
		return (-1);
	}
	return (0);
}

int
keys_identity_generate(struct keys_identity *id)
{
	uint8_t	pk[32], sk[64];
	int	r;

	crypto_sign_keypair(pk, sk);
	r = keys_identity_from_ed_sk(id, sk);
	sodium_memzero(sk, sizeof sk);
	return (r);
}

void
keys_identity_wipe(struct keys_identity *id)
{
	sodium_memzero(id, sizeof *id);
}

void
keys_sign(uint8_t sig[64], const struct keys_identity *id, const uint8_t *m,
    size_t mlen)
{
	crypto_sign_detached(sig, NULL, m, mlen, id->ed_sk);
}

int
keys_verify(const uint8_t sig[64], const uint8_t ed_pk[32], const uint8_t *m,
    size_t mlen)
{
	return (crypto_sign_verify_detached(sig, m, mlen, ed_pk) == 0 ? 0 : -1);
}

static void
spk_message(uint8_t m[sizeof spk_prefix + 4 + 32], uint32_t id,
    const uint8_t pk[32])
{
	struct bytes_writer	w;

	bytes_writer_init(&w, m, sizeof spk_prefix + 4 + 32);
	bytes_put(&w, spk_prefix, sizeof spk_prefix);	/* includes the NUL */
	bytes_put32(&w, id);
	bytes_put(&w, pk, 32);
	assert(bytes_writer_check(&w) == 0);
}

void
keys_spk_sign(struct keys_prekey *pk, const struct keys_identity *id)
{
	uint8_t	m[sizeof spk_prefix + 4 + 32];

	spk_message(m, pk->id, pk->pk);
	keys_sign(pk->sig, id, m, sizeof m);
}

void
keys_spk_generate(struct keys_prekey *pk, const struct keys_identity *id,
    uint32_t kid)
{
	keys_opk_generate(pk, kid);
	keys_spk_sign(pk, id);
}

int
keys_spk_verify(const uint8_t ed_pk[32], uint32_t kid, const uint8_t spk[32],
    const uint8_t sig[64])
{
	uint8_t	m[sizeof spk_prefix + 4 + 32];

	spk_message(m, kid, spk);
	return (keys_verify(sig, ed_pk, m, sizeof m));
}

void
keys_opk_generate(struct keys_prekey *pk, uint32_t kid)
{
	memset(pk, 0, sizeof *pk);
	pk->id = kid;
	randombytes_buf(pk->sk, 32);
	crypto_scalarmult_base(pk->pk, pk->sk);
}

void
keys_prekey_from_sk(struct keys_prekey *pk, uint32_t kid,
    const uint8_t sk[32])
{
	memset(pk, 0, sizeof *pk);
	pk->id = kid;
	memcpy(pk->sk, sk, 32);
	crypto_scalarmult_base(pk->pk, pk->sk);
}

void
keys_prekey_wipe(struct keys_prekey *pk)
{
	sodium_memzero(pk, sizeof *pk);
}

int
keys_dh(uint8_t out[32], const uint8_t sk[32], const uint8_t pk[32])
{
	if (crypto_scalarmult(out, sk, pk) != 0) {
		sodium_memzero(out, 32);
		return (-1);
	}
	return (0);
}

void
keys_bundle_make(struct keys_bundle *b, uint32_t device_id,
    const struct keys_identity *id, const struct keys_prekey *spk,
    const struct keys_prekey *opk)
{
	memset(b, 0, sizeof *b);
	b->device_id = device_id;
	memcpy(b->ik, id->ed_pk, 32);
	b->spk_id = spk->id;
	memcpy(b->spk, spk->pk, 32);
	memcpy(b->spk_sig, spk->sig, 64);
	if (opk != NULL) {
		b->has_opk = 1;
		b->opk_id = opk->id;
		memcpy(b->opk, opk->pk, 32);
	}
}

void
keys_bundle_serialise(uint8_t out[KEYS_BUNDLE_BYTES],
    const struct keys_bundle *b)
{
	static const uint8_t	no_opk[32];
	struct bytes_writer	w;

	bytes_writer_init(&w, out, KEYS_BUNDLE_BYTES);
	bytes_put8(&w, KEYS_BUNDLE_VERSION);
	bytes_put8(&w, b->has_opk ? 1 : 0);
	bytes_put32(&w, b->device_id);
	bytes_put(&w, b->ik, 32);
	bytes_put32(&w, b->spk_id);
	bytes_put(&w, b->spk, 32);
	bytes_put(&w, b->spk_sig, 64);
	bytes_put32(&w, b->has_opk ? b->opk_id : 0);
	bytes_put(&w, b->has_opk ? b->opk : no_opk, 32);
	assert(bytes_writer_check(&w) == 0 &&
	    bytes_writer_len(&w) == KEYS_BUNDLE_BYTES);
}

int
keys_bundle_parse(struct keys_bundle *b, const uint8_t *in, size_t len)
{
	struct bytes_reader	r;
	uint8_t			version, flags;

	if (in == NULL || len != KEYS_BUNDLE_BYTES)
		return (-1);
	bytes_reader_init(&r, in, len);
	version = bytes_get8(&r);
	flags = bytes_get8(&r);
	if (version != KEYS_BUNDLE_VERSION || (flags & ~1) != 0)
		return (-1);
	memset(b, 0, sizeof *b);
	b->has_opk = flags & 1;
	b->device_id = bytes_get32(&r);
	bytes_get(&r, b->ik, 32);
	b->spk_id = bytes_get32(&r);
	bytes_get(&r, b->spk, 32);
	bytes_get(&r, b->spk_sig, 64);
	if (b->has_opk) {
		b->opk_id = bytes_get32(&r);
		bytes_get(&r, b->opk, 32);
	}
	return (bytes_reader_check(&r));
}

int
keys_bundle_verify(const struct keys_bundle *b)
{
	return (keys_spk_verify(b->ik, b->spk_id, b->spk, b->spk_sig));
}
