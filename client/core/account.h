/* account: this device's account: name, device id, identity key; registration and sign-in on the connection. */
#ifndef NATTER_CLIENT_CORE_ACCOUNT_H
#define NATTER_CLIENT_CORE_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>

struct account;
struct conn;
struct core_error;
struct keys_identity;
struct prekeys;
struct store;

/* err is NULL on success. */
typedef void	account_done_cb(void *arg, const struct core_error *err);

/*
 * Load the account from the store (no keys yet is fine: a profile before
 * register).  NULL with err if the profile is damaged.
 */
struct account	*account_open(struct store *, struct prekeys *,
		    struct core_error *);
void		 account_free(struct account *);

/* NULL until registered. */
const char	*account_name(struct account *);
uint32_t	 account_device(struct account *);
/* The server URL saved at registration, or NULL. */
const char	*account_saved_server(struct account *);
/* This device's identity public key (Ed25519); NULL before keys exist. */
const uint8_t	*account_ik(struct account *);
/* The identity in shared/crypto's form; wipe it after use.  0 or -1. */
int		 account_identity(struct account *, struct keys_identity *)
		    __attribute__((warn_unused_result));

/*
 * Start registering name: make the keys (once), and send Register at the
 * next challenge.  done is called once with the outcome.  0, or -1 with
 * err (nothing pending).
 */
int		 account_register(struct account *, const char *name,
		    account_done_cb *done, void *arg, struct core_error *err)
		    __attribute__((warn_unused_result));
int		 account_registering(struct account *);

/*
 * The server's challenge: sign in (or register) on cn, and tell cn the
 * outcome (conn_authed or conn_give_up).
 */
void		 account_login(struct account *, struct conn *,
		    const uint8_t *nonce, size_t len);
/* The login message domain of a LinkOffer (name "", no device). */

/*
 * Offer this (unregistered) device for linking: make its keys (once) and
 * send LinkOffer at the next challenge instead of signing in.  0, or -1
 * with err.
 */
int		 account_link_begin(struct account *, struct core_error *)
		    __attribute__((warn_unused_result));
/*
 * The primary approved us: we are device of name, whose account key is
 * primary_pk (verified through the link code's secret).  Saved with the
 * server URL.  0, or -1 with err.
 */
int		 account_linked(struct account *, const char *name,
		    uint32_t device, const uint8_t primary_pk[32],
		    struct core_error *) __attribute__((warn_unused_result));

/* Signing with this device's identity key (the account key on device 1). */
struct devicelist;
void		 account_sign_list(struct account *, const struct devicelist *,
		    uint8_t *out, size_t *outlen);
int		 account_approval(struct account *, uint32_t device, uint64_t ts,
		    const uint8_t ik_new[32], const uint8_t secret[32],
		    uint8_t *out, size_t *outlen)
		    __attribute__((warn_unused_result));
void		 account_countersign(struct account *, const char *name,
		    uint32_t device, uint64_t ts, const uint8_t primary_pk[32],
		    uint8_t sig[64]);

/* The connection gave up: a pending registration fails with err. */
void		 account_abort(struct account *, const struct core_error *);

#endif
