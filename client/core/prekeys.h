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
#define PREKEYS_SPK_ROTATE_MS	(7LL * 24 * 3600 * 1000)	/* weekly */
#define PREKEYS_SPK_KEEP	4	/* retired SPKs kept (about 30 days) */

typedef void	prekeys_done_cb(void *arg);

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

/*
 * The server holds left one-time prekeys: upload those made earlier and
 * never confirmed (a one-shot run that ended first), make and upload more
 * up to PREKEYS_TARGET, and, when the signed prekey is a week old, a new
 * one (signed by id; NULL: no rotation now).  done is called when the
 * upload is answered (not if nothing was sent).
 */
void	prekeys_topup(struct prekeys *, struct conn *, uint32_t left,
	    const struct keys_identity *id, prekeys_done_cb *done, void *arg);
/* 1 while an upload waits for its answer. */
int	prekeys_busy(struct prekeys *);


#endif
