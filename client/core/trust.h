/* trust: what the user decides about contacts' keys: safety numbers, verify, accept a changed key, trust state. */
#ifndef NATTER_CLIENT_CORE_TRUST_H
#define NATTER_CLIENT_CORE_TRUST_H

#include "client/core/core.h"

struct account;
struct conn;
struct core_error;
struct devices;
struct store;
struct trust;
struct uv_loop_s;

/* c is passed through to the front end's callbacks. */
struct trust	*trust_create(struct uv_loop_s *, struct core *, struct store *,
		    struct account *, struct conn *, struct devices *);
void		 trust_free(struct trust *);

/*
 * The safety number with peer (cb), or check number against it and mark
 * peer verified (done).  An unknown peer's key is looked up first.
 */
void		 trust_fingerprint(struct trust *, const char *peer,
		    core_fingerprint_cb *cb, void *arg);
void		 trust_verify(struct trust *, const char *peer,
		    const char *number, core_done_cb *done, void *arg);
/* Accept peer's changed key (sending unblocks).  0, or -1 with err. */
int		 trust_accept(struct trust *, const char *peer,
		    struct core_error *) __attribute__((warn_unused_result));
/* "verified", "trusted", "changed" or "unknown". */
const char	*trust_state(struct trust *, const char *peer);

/* The connection is ready: send the lookups that wait for it. */
void		 trust_kick(struct trust *);
/* Fail every waiting request with err. */
void		 trust_fail_all(struct trust *, const struct core_error *);

#endif
