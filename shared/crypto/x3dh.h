/* x3dh: X3DH key agreement (CRYPTO.md), both sides, with or without OPK. */
#ifndef NATTER_SHARED_CRYPTO_X3DH_H
#define NATTER_SHARED_CRYPTO_X3DH_H

#include <stdint.h>

#include "shared/crypto/keys.h"

/* AD = IK_A ed pk || IK_B ed pk || u32be device A || u32be device B. */
#define X3DH_AD_BYTES	(32 + 32 + 4 + 4)

struct x3dh_result {
	uint8_t	rk[32];
	uint8_t	ck[32];
	uint8_t	ad[X3DH_AD_BYTES];
};

/*
 * Initiator (A): verify the bundle's SPK signature, generate EK (out ek),
 * and derive RK||CK = HKDF(0^32, 0xFF^32||DH1||DH2||DH3[||DH4],
 * "natter v1 X3DH", 64). -1 on a bad signature, bad IK or zero DH.
 */
int	x3dh_initiate(struct x3dh_result *, struct keys_prekey *ek,
	    const struct keys_identity *ik_a, uint32_t dev_a,
	    const struct keys_bundle *b)
	    __attribute__((warn_unused_result));

/* Responder (B): opk NULL when the message named none. */
int	x3dh_respond(struct x3dh_result *, const struct keys_identity *ik_b,
	    uint32_t dev_b, const struct keys_prekey *spk,
	    const struct keys_prekey *opk, const uint8_t ik_a[32],
	    uint32_t dev_a, const uint8_t ek_a[32])
	    __attribute__((warn_unused_result));

void	x3dh_result_wipe(struct x3dh_result *);

#endif
