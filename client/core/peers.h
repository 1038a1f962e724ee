/* peers: pairwise sessions with other devices (shared/crypto session records, sealed in the store); per-device encryption. */
#ifndef NATTER_CLIENT_CORE_PEERS_H
#define NATTER_CLIENT_CORE_PEERS_H

#include <stddef.h>
#include <stdint.h>

#include "shared/proto/natter.pb-c.h"

struct account;
struct core_error;
struct peers;
struct prekeys;
struct store;

#define PEERS_TYPE_MESSAGE	1	/* Envelope.type */
#define PEERS_TYPE_PREKEY	2
#define PEERS_MAX_DEVICES	32	/* devices of one account we keep sessions with */

/* Sessions are keyed by (account name, device id); the store holds them. */
struct peers	*peers_create(struct store *, struct account *, struct prekeys *);
void		 peers_free(struct peers *);

/*
 * Start a session with the device of a bundle (verifies the signed
 * prekey's signature first) and save it as the active one; older sessions
 * with that device stay archived, so messages on them still decrypt.
 * 0, or -1 with err.
 */
int	peers_from_bundle(struct peers *, const Natter__PrekeyBundle *,
	    struct core_error *) __attribute__((warn_unused_result));

/*
 * Encrypt pt for (name, device) and save the advanced session.  *ct is
 * from xmalloc (caller frees), *type is PEERS_TYPE_*.  0, or -1 if there
 * is no usable session.
 */
int	peers_encrypt(struct peers *, const char *name, uint32_t device,
	    const uint8_t *pt, size_t ptlen, uint32_t *type, uint8_t **ct,
	    size_t *ctlen) __attribute__((warn_unused_result));

/*
 * Decrypt a message from (name, device); a prekey message creates the
 * session (consuming the one-time prekey).  The new session state is
 * written to the store (call inside the caller's transaction, so that it
 * commits together with the message).  *pt from xmalloc; the sender's
 * identity key goes to ik.  0, or -1 (nothing saved; also when the
 * session that decrypts is not with that device).
 */
int	peers_decrypt(struct peers *, const char *name, uint32_t device,
	    uint32_t type, const uint8_t *ct, size_t ctlen, uint8_t **pt,
	    size_t *ptlen, uint8_t ik[32]) __attribute__((warn_unused_result));

/* Encrypt pt for (name, device) into one more envelope of snd.  0 or -1. */
int	peers_seal(struct peers *, const char *name, uint32_t device,
	    const uint8_t *pt, size_t ptlen, Natter__Send *snd);
/* Add (name, device) to snd's skipped devices (name is borrowed). */
void	peers_skip(Natter__Send *, const char *name, uint32_t device);
/* Free what peers_seal and peers_skip added to snd. */
void	peers_envelopes_free(Natter__Send *);

/* The devices of name with a session (at most max).  The count or -1. */
int	peers_devices(struct peers *, const char *name, uint32_t *, int max);
/*
 * The identity key of (name, device) in its active session.  0, or -1 if
 * there is none (or it is with another device).
 */
int	peers_identity(struct peers *, const char *name, uint32_t device,
	    uint8_t ik[32]) __attribute__((warn_unused_result));
/* Drop the sessions with (name, device).  0 or -1. */
int	peers_forget(struct peers *, const char *name, uint32_t device);

#endif
