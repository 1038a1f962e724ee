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
/* The connection gave up: a pending registration fails with err. */
void		 account_abort(struct account *, const struct core_error *);

#endif
