/* sessions: pairwise Double Ratchet sessions with other devices, kept sealed in the store. */
#ifndef NATTER_SESSIONS_H
#define NATTER_SESSIONS_H

#include <stddef.h>
#include <stdint.h>

#include "shared/proto/natter.pb-c.h"

struct core;
struct core_error;

#define SESSIONS_TYPE_MESSAGE	1	/* Envelope.type */
#define SESSIONS_TYPE_PREKEY	2

/*
 * Start a session with the device of a bundle (verifies the signed
 * prekey's signature first) and save it as the active one; older sessions
 * with that device stay archived, so messages on them still decrypt.
 * 0, or -1 with err.
 */
int	sessions_from_bundle(struct core *, const Natter__PrekeyBundle *,
	    struct core_error *) __attribute__((warn_unused_result));

/*
 * Encrypt pt for (name, device) and save the advanced session.  *ct is
 * from xmalloc (caller frees), *type is SESSIONS_TYPE_*.  0, or -1 if there
 * is no usable session.
 */
int	sessions_encrypt(struct core *, const char *name, uint32_t device,
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
int	sessions_decrypt(struct core *, const char *name, uint32_t device,
	    uint32_t type, const uint8_t *ct, size_t ctlen, uint8_t **pt,
	    size_t *ptlen, uint8_t ik[32]) __attribute__((warn_unused_result));

#endif
