/* ratchet: Double Ratchet (CRYPTO.md) with bounded skipped keys. */
#ifndef NATTER_SHARED_CRYPTO_RATCHET_H
#define NATTER_SHARED_CRYPTO_RATCHET_H

#include <stddef.h>
#include <stdint.h>

#include "shared/crypto/keys.h"
#include "shared/crypto/x3dh.h"

#define RATCHET_MAX_SKIP	1000	/* forward jump per message */
#define RATCHET_MAX_STORED	2000	/* skipped keys kept, oldest evicted */
#define RATCHET_MAX_CHAINS	5	/* receiver chains kept */
#define RATCHET_SKIP_TTL_MS	(30ULL * 24 * 3600 * 1000)

/*
 * Ratchet message (message type 1 body), fixed layout:
 *   u8 version (1) | ratchet pub[32] | u32be previous chain length |
 *   u32be message number | ciphertext | tag[16]
 * ct = ChaCha20-IETF(enc_key, iv[0..12]) xor m;
 * tag = HMAC-SHA256(mac_key, AD || header(41) || ct)[0..16].
 */
#define RATCHET_VERSION		1
#define RATCHET_HEADER_BYTES	41
#define RATCHET_TAG_BYTES	16
#define RATCHET_OVERHEAD	(RATCHET_HEADER_BYTES + RATCHET_TAG_BYTES)

struct ratchet;

struct ratchet	*ratchet_new(void);
void		 ratchet_free(struct ratchet *);

/*
 * Initiator: a fresh ratchet key; the first sending chain is X3DH's CK.
 * Responder: alice_pub is the ratchet key in the header of Alice's first
 * message; Bob receives on CK and turns the ratchet on his first send.
 */
void	ratchet_init_alice(struct ratchet *, const struct x3dh_result *);
void	ratchet_init_bob(struct ratchet *, const struct x3dh_result *,
	    const uint8_t alice_pub[32]);

/*
 * Work: X25519 operations of DH ratchet steps, and symmetric chain steps
 * (one per message key derived).  Decrypting is bounded by a budget of
 * both, checked before any of it is done.
 */
struct ratchet_work {
	uint32_t	dh;
	uint32_t	steps;
};

/* out must hold mlen + RATCHET_OVERHEAD bytes. */
int	ratchet_encrypt(struct ratchet *, uint8_t *out, const uint8_t *m,
	    size_t mlen) __attribute__((warn_unused_result));
/*
 * out must hold clen - RATCHET_OVERHEAD bytes; *outlen gets the length.
 * now_ms timestamps new skipped keys and expires old ones. The state
 * changes only when the tag verifies; -1 otherwise (state unchanged).
 */
int	ratchet_decrypt(struct ratchet *, uint8_t *out, size_t *outlen,
	    const uint8_t *c, size_t clen, uint64_t now_ms)
	    __attribute__((warn_unused_result));
/*
 * ratchet_decrypt within *budget: -1 without doing any work if finding
 * c's key would take more DH or chain steps than *budget holds; else the
 * work it takes is deducted from *budget, whether or not the tag then
 * verifies.  ratchet_decrypt's budget is what one message can need: one
 * DH step and RATCHET_MAX_SKIP + 1 chain steps.
 */
int	ratchet_decrypt_within(struct ratchet *, struct ratchet_work *budget,
	    uint8_t *out, size_t *outlen, const uint8_t *c, size_t clen,
	    uint64_t now_ms) __attribute__((warn_unused_result));
/*
 * The work this thread's ratchets did so far, encrypting and decrypting
 * (for tests and benchmarks: take the difference of two readings).
 */
void	ratchet_work_get(struct ratchet_work *);

/* Number of stored skipped keys (tests, metrics). */
size_t	ratchet_skipped_count(const struct ratchet *);
/*
 * 1 if the ratchet key in message c's header is one this state receives on
 * (a kept receiving chain, or skipped keys): decrypting needs no DH step.
 */
int	ratchet_knows(const struct ratchet *, const uint8_t *c, size_t clen);
/* Our current ratchet public key. */
const uint8_t *ratchet_our_pub(const struct ratchet *);
/* The session's associated data (X3DH_AD_BYTES: IK_A | IK_B | devices). */
const uint8_t *ratchet_ad(const struct ratchet *);
/* 1 once a message from the peer has been decrypted. */
int	ratchet_has_received(const struct ratchet *);

/* Versioned full state; *out is xmalloc'd (caller seals and frees). */
void	ratchet_serialise(const struct ratchet *, uint8_t **out, size_t *len);
/* NULL on any malformed input. */
struct ratchet	*ratchet_parse(const uint8_t *in, size_t len);

#endif
