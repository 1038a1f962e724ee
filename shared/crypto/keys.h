/* keys: device identity, signed and one-time prekeys, public bundles. */
#ifndef NATTER_SHARED_CRYPTO_KEYS_H
#define NATTER_SHARED_CRYPTO_KEYS_H

#include <stddef.h>
#include <stdint.h>

#define KEYS_PUBBYTES		32
#define KEYS_SIGBYTES		64
#define KEYS_ED_SECBYTES	64
#define KEYS_X_SECBYTES		32

/* Device identity: Ed25519 pair plus its X25519 form. */
struct keys_identity {
	uint8_t	ed_pk[32];
	uint8_t	ed_sk[64];
	uint8_t	x_pk[32];
	uint8_t	x_sk[32];
};

/* An X25519 prekey (signed or one-time) with its id. */
struct keys_prekey {
	uint32_t	id;
	uint8_t		pk[32];
	uint8_t		sk[32];
	uint8_t		sig[64];	/* signed prekeys only */
};

/*
 * Public bundle, serialised with a fixed layout (KEYS_BUNDLE_BYTES):
 *   u8 version (1) | u8 flags (bit 0: has OPK) | u32be device id |
 *   IK ed25519 pk[32] | u32be SPK id | SPK[32] | SPK sig[64] |
 *   u32be OPK id | OPK[32]   (OPK fields zero when absent)
 */
struct keys_bundle {
	uint32_t	device_id;
	uint8_t		ik[32];		/* Ed25519 public key */
	uint32_t	spk_id;
	uint8_t		spk[32];
	uint8_t		spk_sig[64];
	int		has_opk;
	uint32_t	opk_id;
	uint8_t		opk[32];
};
#define KEYS_BUNDLE_VERSION	1
#define KEYS_BUNDLE_BYTES	(2 + 4 + 32 + 4 + 32 + 64 + 4 + 32)

/* Generate an identity; -1 if the X25519 conversion fails. */
int	keys_identity_generate(struct keys_identity *)
	    __attribute__((warn_unused_result));
/* Rebuild the identity from its Ed25519 secret key (64 bytes). */
int	keys_identity_from_ed_sk(struct keys_identity *, const uint8_t sk[64])
	    __attribute__((warn_unused_result));
/*
 * Ed25519 public key to X25519; -1 on a bad point. The thread's last 32
 * conversions are remembered (keys_xcache_clear forgets them: benchmarks
 * of first contact, tests).
 */
int	keys_ed_pk_to_x(uint8_t x_pk[32], const uint8_t ed_pk[32])
	    __attribute__((warn_unused_result));
void	keys_xcache_clear(void);
void	keys_identity_wipe(struct keys_identity *);

/* Detached Ed25519 signature by the identity. */
void	keys_sign(uint8_t sig[64], const struct keys_identity *,
	    const uint8_t *m, size_t mlen);
/* 0 if sig is a valid signature by ed_pk over m. */
int	keys_verify(const uint8_t sig[64], const uint8_t ed_pk[32],
	    const uint8_t *m, size_t mlen) __attribute__((warn_unused_result));

/* Signed prekey: sig over "natter v1 SPK" 0x00 || u32be id || pk. */
void	keys_spk_generate(struct keys_prekey *, const struct keys_identity *,
	    uint32_t id);
/* (Re)compute sig over the prekey's id and public key. */
void	keys_spk_sign(struct keys_prekey *, const struct keys_identity *);
int	keys_spk_verify(const uint8_t ed_pk[32], uint32_t id,
	    const uint8_t spk[32], const uint8_t sig[64])
	    __attribute__((warn_unused_result));
/* One-time prekey (sig left zero). */
void	keys_opk_generate(struct keys_prekey *, uint32_t id);
/* A prekey from its stored private key: id, sk, pk (sig left zero). */
void	keys_prekey_from_sk(struct keys_prekey *, uint32_t id,
	    const uint8_t sk[32]);
void	keys_prekey_wipe(struct keys_prekey *);

/* X25519 DH; -1 on an all-zero result. */
int	keys_dh(uint8_t out[32], const uint8_t sk[32], const uint8_t pk[32])
	    __attribute__((warn_unused_result));

/* Fill a bundle from our identity, SPK and optional OPK (NULL). */
void	keys_bundle_make(struct keys_bundle *, uint32_t device_id,
	    const struct keys_identity *, const struct keys_prekey *spk,
	    const struct keys_prekey *opk);
void	keys_bundle_serialise(uint8_t out[KEYS_BUNDLE_BYTES],
	    const struct keys_bundle *);
/* -1 on wrong length, version or flags. Does not verify the signature. */
int	keys_bundle_parse(struct keys_bundle *, const uint8_t *in, size_t len)
	    __attribute__((warn_unused_result));
/* keys_spk_verify on the bundle's SPK. */
int	keys_bundle_verify(const struct keys_bundle *)
	    __attribute__((warn_unused_result));

#endif
