/* x3dh: X3DH key agreement (CRYPTO.md), both sides, with or without OPK. */
#include <assert.h>
#include <string.h>

#include <sodium.h>

#include "shared/crypto/hkdf.h"
#include "shared/crypto/x3dh.h"
#include "shared/util/bytes.h"

static void
x3dh_ad(uint8_t ad[X3DH_AD_BYTES], const uint8_t ik_a[32],
    const uint8_t ik_b[32], uint32_t dev_a, uint32_t dev_b)
{
	struct bytes_writer	w;

	bytes_writer_init(&w, ad, X3DH_AD_BYTES);
	bytes_put(&w, ik_a, 32);
	bytes_put(&w, ik_b, 32);
	bytes_put32(&w, dev_a);
	bytes_put32(&w, dev_b);
	assert(bytes_writer_len(&w) == X3DH_AD_BYTES);
}

/* ikm holds 0xFF*32 then ndh DH outputs; derive RK||CK. */
static int
x3dh_kdf(struct x3dh_result *r, uint8_t ikm[32 * 5], int ndh)
{
	static const char	info[] = "natter v1 X3DH";
	uint8_t			out[64];
	int			rc;

	memset(ikm, 0xff, 32);
	rc = hkdf_sha256(out, sizeof out, NULL, 0, ikm, 32 * (1 + ndh),
	    (const uint8_t *)info, sizeof info - 1);
	sodium_memzero(ikm, 32 * 5);
	if (rc != 0)
		return (-1);
	memcpy(r->rk, out, 32);
	memcpy(r->ck, out + 32, 32);
	sodium_memzero(out, sizeof out);
	return (0);
}

int
x3dh_initiate(struct x3dh_result *r, struct keys_prekey *ek,
    const struct keys_identity *ik_a, uint32_t dev_a,
    const struct keys_bundle *b)
{
	uint8_t	ikm[32 * 5], ikb_x[32];
	int	ndh = b->has_opk ? 4 : 3;

	memset(r, 0, sizeof *r);
	if (keys_bundle_verify(b) != 0 || keys_ed_pk_to_x(ikb_x, b->ik) != 0)
		return (-1);
	keys_opk_generate(ek, 0);
	if (keys_dh(ikm + 32, ik_a->x_sk, b->spk) != 0 ||
	    keys_dh(ikm + 64, ek->sk, ikb_x) != 0 ||
	    keys_dh(ikm + 96, ek->sk, b->spk) != 0 ||
	    (b->has_opk && keys_dh(ikm + 128, ek->sk, b->opk) != 0)) {
		sodium_memzero(ikm, sizeof ikm);
		keys_prekey_wipe(ek);
		return (-1);
	}
	x3dh_ad(r->ad, ik_a->ed_pk, b->ik, dev_a, b->device_id);
	return (x3dh_kdf(r, ikm, ndh));
}

int
x3dh_respond(struct x3dh_result *r, const struct keys_identity *ik_b,
    uint32_t dev_b, const struct keys_prekey *spk,
    const struct keys_prekey *opk, const uint8_t ik_a[32], uint32_t dev_a,
    const uint8_t ek_a[32])
{
	uint8_t	ikm[32 * 5], ika_x[32];

	memset(r, 0, sizeof *r);
	if (keys_ed_pk_to_x(ika_x, ik_a) != 0)
		return (-1);
	if (keys_dh(ikm + 32, spk->sk, ika_x) != 0 ||
	    keys_dh(ikm + 64, ik_b->x_sk, ek_a) != 0 ||
	    keys_dh(ikm + 96, spk->sk, ek_a) != 0 ||
	    (opk != NULL && keys_dh(ikm + 128, opk->sk, ek_a) != 0)) {
		sodium_memzero(ikm, sizeof ikm);
		return (-1);
	}
	x3dh_ad(r->ad, ik_a, ik_b->ed_pk, dev_a, dev_b);
	return (x3dh_kdf(r, ikm, opk != NULL ? 4 : 3));
}

void
x3dh_result_wipe(struct x3dh_result *r)
{
	sodium_memzero(r, sizeof *r);
}
