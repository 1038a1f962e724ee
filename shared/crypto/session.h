/* session: per-peer-device session records (active + archived ratchets),
 * prekey messages, Sesame "most recent decrypt wins". */
#ifndef NATTER_SHARED_CRYPTO_SESSION_H
#define NATTER_SHARED_CRYPTO_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "shared/crypto/keys.h"
#include "shared/crypto/ratchet.h"

/*
 * Work one incoming message may cost (ratchet.h's struct ratchet_work),
 * whatever it claims: DH ratchet steps (so at most this many states try
 * a ratchet key none of them knows) and chain steps (twice the longest
 * jump a message may make).  A prekey message that starts a session
 * costs its X3DH on top.
 */
#define SESSION_MAX_DH		3
#define SESSION_MAX_STEPS	(2 * (RATCHET_MAX_SKIP + 1))
#define SESSION_MSG_RATCHET	1	/* Envelope.type */
#define SESSION_MSG_PREKEY	2
#define SESSION_MAX_ARCHIVED	40

/*
 * Prekey message (type 2), fixed header then the inner ratchet message:
 *   u8 version (1) | u8 flags (bit 0: OPK used) | IK_A ed25519[32] |
 *   EK_A[32] | u32be SPK id | u32be OPK id (0 if none) |
 *   u32be sender device | u32be recipient device | ratchet message
 */
#define SESSION_PREKEY_VERSION	1
#define SESSION_PREKEY_HDR	(2 + 32 + 32 + 4 + 4 + 4 + 4)

struct session_record;

/* Load our SPK (is_opk 0) or OPK (is_opk 1) private key by id; 0 or -1. */
typedef int	(*session_prekey_cb)(void *arg, int is_opk, uint32_t id,
		    struct keys_prekey *out);

/* Filled by session_decrypt for a prekey message that set up a session. */
struct session_prekey_info {
	int		new_session;	/* a session was created */
	int		used_opk;	/* caller deletes OPK opk_id */
	uint32_t	opk_id;
	uint8_t		peer_ik[32];	/* Ed25519; check trust */
	uint32_t	peer_device;
};

struct session_record	*session_record_new(void);
void			 session_record_free(struct session_record *);
/* 1 if the record has an active session we can encrypt with. */
int			 session_record_has_session(
			    const struct session_record *);

/*
 * The active session's peer: its Ed25519 identity key and device id.
 * -1 if the record has no session.
 */
int			 session_record_peer(const struct session_record *,
			    uint8_t ik[32], uint32_t *device);

/* Verify the bundle's SPK, X3DH, and make the new session active. */
int	session_initiate(struct session_record *,
	    const struct keys_identity *ours, uint32_t our_device,
	    const struct keys_bundle *peer)
	    __attribute__((warn_unused_result));

/* Encrypt with the active session: *out xmalloc'd, *type 1 or 2. */
int	session_encrypt(struct session_record *, int *type, uint8_t **out,
	    size_t *outlen, const uint8_t *m, size_t mlen)
	    __attribute__((warn_unused_result));

/*
 * Decrypt a type 1 or 2 message (*out xmalloc'd). Tries the states that
 * know the message's ratchet key, else the active then the archived ones,
 * within SESSION_MAX_DH and SESSION_MAX_STEPS; the one that decrypts
 * becomes active. info may be NULL. -1 on failure, the record unchanged.
 */
int	session_decrypt(struct session_record *,
	    const struct keys_identity *ours, uint32_t our_device,
	    session_prekey_cb cb, void *arg, int type, const uint8_t *c,
	    size_t clen, uint64_t now_ms, uint8_t **out, size_t *outlen,
	    struct session_prekey_info *info)
	    __attribute__((warn_unused_result));

/* Versioned; *out xmalloc'd (caller seals it at rest). */
void	session_record_serialise(const struct session_record *,
	    uint8_t **out, size_t *len);
/* NULL on malformed input. */
struct session_record	*session_record_parse(const uint8_t *in, size_t len);

#endif
