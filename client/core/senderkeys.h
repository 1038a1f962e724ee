/* senderkeys: sender-key states sealed in the store: ours per group (and which devices hold it), and those each member device gave us. */
#ifndef NATTER_CLIENT_CORE_SENDERKEYS_H
#define NATTER_CLIENT_CORE_SENDERKEYS_H

#include <stddef.h>
#include <stdint.h>

#include "shared/proto/content.pb-c.h"

struct senderkey;
struct skown;
struct store;

/*
 * Our own sending state for group gid (GROUPS_IDBYTES): the one kept, or
 * a new one (created lazily, at the first send; kept only by
 * senderkeys_own_save).  NULL if what is kept cannot be read.  Free
 * with senderkeys_own_free (wipes).
 */
struct skown	*senderkeys_own_load(struct store *, const uint8_t *gid);
void		 senderkeys_own_free(struct skown *);
struct senderkey *senderkeys_own_key(struct skown *);

/*
 * Does (name, device) hold our current key id, given over a session with
 * identity key ik (NULL: any)?  A device whose key changed since (a
 * reinstall the user accepted) holds nothing we gave its old key.
 */
int		 senderkeys_own_holds(const struct skown *, const char *name,
		    uint32_t device, const uint8_t *ik);
/* Record that (name, device), with identity key ik (32 bytes), holds it. */
void		 senderkeys_own_add_holder(struct skown *, const char *name,
		    uint32_t device, const uint8_t *ik);
/*
 * Must we rotate before the next message?  Yes once a member left or was
 * removed (senderkeys_mark_rotate), or when a device that holds the
 * current key is not in devs (the group's devices now): it went away.
 */
int		 senderkeys_own_stale(const struct skown *,
		    Natter__DeviceKey *const *devs, size_t n);
/* New key id, chain and signing key; nobody holds it yet. */
void		 senderkeys_own_rotate(struct skown *);
/*
 * Seal and keep it (in the caller's transaction, or alone); a rotation
 * senderkeys_mark_rotate asked for meanwhile, for this key id, is kept.
 * 0 or -1.
 */
int		 senderkeys_own_save(struct store *, struct skown *)
		    __attribute__((warn_unused_result));

/* Make our key for gid rotate before its next message.  0 or -1. */
int		 senderkeys_mark_rotate(struct store *, const uint8_t *gid);
/* We left gid (or were removed): forget our key for it.  0 or -1. */
int		 senderkeys_own_drop(struct store *, const uint8_t *gid);

/*
 * Install the distribution message dist that (from, device) gave us for
 * gid (its group id must be gid) into that device's record.  Inside the
 * caller's transaction.  0, or -1 if malformed or not storable.
 */
int		 senderkeys_install(struct store *, const char *from,
		    uint32_t device, const uint8_t *gid, const uint8_t *dist,
		    size_t distlen) __attribute__((warn_unused_result));

/* What senderkeys_decrypt found. */
#define SENDERKEYS_OK		0
#define SENDERKEYS_NOKEY	1	/* that device never gave us a key */
#define SENDERKEYS_BAD		2	/* not from it, or replayed: refused */
#define SENDERKEYS_ERR		(-1)	/* store failure */

/*
 * Decrypt a group message c of gid from (from, device): signature, then
 * tag (shared/crypto/senderkey.c); the advanced record is written inside
 * the caller's transaction.  *pt from xmalloc (caller wipes and frees).
 */
int		 senderkeys_decrypt(struct store *, const uint8_t *gid,
		    const char *from, uint32_t device, const uint8_t *c,
		    size_t clen, uint8_t **pt, size_t *ptlen)
		    __attribute__((warn_unused_result));

#endif
