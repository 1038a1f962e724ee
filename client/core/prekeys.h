/* prekeys: this device's signed and one-time prekeys (private halves sealed in the store), top-up. */
#ifndef NATTER_CLIENT_CORE_PREKEYS_H
#define NATTER_CLIENT_CORE_PREKEYS_H

#include <stddef.h>
#include <stdint.h>

#include "shared/proto/natter.pb-c.h"

struct conn;
struct keys_identity;
struct prekeys;
struct store;

#define PREKEYS_TARGET	100	/* one-time prekeys the server should hold */

struct prekeys	*prekeys_create(struct store *);
void		 prekeys_free(struct prekeys *);

/* Create signed prekey id / n more one-time prekeys (inside a transaction). */
int	prekeys_create_spk(struct prekeys *, uint32_t id)
	    __attribute__((warn_unused_result));
int	prekeys_create_opks(struct prekeys *, int n)
	    __attribute__((warn_unused_result));

/* Wire messages for the current SPK (signed by id) / the OPKs with id >= from_id. */
Natter__SignedPrekey	 *prekeys_spk_message(struct prekeys *,
			    const struct keys_identity *);
void			  prekeys_spk_message_free(Natter__SignedPrekey *);
Natter__OneTimePrekey	**prekeys_opk_messages(struct prekeys *,
			    uint32_t from_id, size_t *n);
void			  prekeys_opk_messages_free(Natter__OneTimePrekey **,
			    size_t);

/* The X25519 private key of SPK / OPK id into sk.  0, or -1 if unknown. */
int	prekeys_spk_secret(struct prekeys *, uint32_t id, uint8_t sk[32])
	    __attribute__((warn_unused_result));
int	prekeys_opk_secret(struct prekeys *, uint32_t id, uint8_t sk[32])
	    __attribute__((warn_unused_result));

/* The server said left one-time prekeys are left: make and upload more. */
void	prekeys_topup(struct prekeys *, struct conn *, uint32_t left);

#endif
