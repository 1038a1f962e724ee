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
#define PREKEYS_LOW	20	/* top up when the server holds fewer */
#define PREKEYS_SPK_ROTATE_MS	(7LL * 24 * 3600 * 1000)	/* weekly */
#define PREKEYS_BATCH_MAX	200	/* one-time prekeys per upload */

struct core_error;

typedef void	prekeys_done_cb(void *arg);
/* err is NULL once the server took signed prekey spk_id. */
typedef void	prekeys_rotated_cb(void *arg, const struct core_error *err,
		    uint32_t spk_id);

struct prekeys	*prekeys_create(struct store *);
void		 prekeys_free(struct prekeys *);

/* Create signed prekey id / n more one-time prekeys (inside a transaction). */
int	prekeys_create_spk(struct prekeys *, uint32_t id)
	    __attribute__((warn_unused_result));
int	prekeys_create_opks(struct prekeys *, int n)
	    __attribute__((warn_unused_result));

/*
 * Wire messages for the current SPK (signed by id) / the OPKs with id >=
 * from_id (0: all), lowest id first, at most PREKEYS_BATCH_MAX, none
 * below the floor of retired ones (retire.h).
 */
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
 * never confirmed (a one-shot run that ended first), lowest id first,
 * make and upload more up to PREKEYS_TARGET, tell the server the floor
 * below which ours are retired, and send a signed prekey made by
 * prekeys_rotate or, with our identity id (NULL: not now), a new one when
 * the current one is a week old (or the current one if the server never
 * confirmed it).  If an upload is out, this waits for its answer.  done,
 * unless NULL, becomes the callback called whenever an upload is answered
 * and none follows (never if nothing was sent).
 */
void	prekeys_topup(struct prekeys *, struct conn *, uint32_t left,
	    const struct keys_identity *id, prekeys_done_cb *done, void *arg);
/* 1 while an upload waits for its answer. */
int	prekeys_busy(struct prekeys *);

/*
 * Make a new signed prekey (signed by id) the current one now, for the
 * next upload (prekeys_topup) to carry; done is called once the server
 * answered that upload, or from prekeys_fail.  A lost connection keeps
 * it waiting for the next one.  0, or -1 with err (one rotation at a
 * time).
 */
int	prekeys_rotate(struct prekeys *, const struct keys_identity *id,
	    prekeys_rotated_cb *done, void *arg, struct core_error *err)
	    __attribute__((warn_unused_result));
/* A rotation still waiting gets err now (the connection gave up). */
void	prekeys_fail(struct prekeys *, const struct core_error *err);
/* The current signed prekey's id (0 if none). */
uint32_t prekeys_spk_id(struct prekeys *);


#endif
