/* devices: the devices of an account as the server presents them: bundle lookups, the trust gate, sessions started. */
#ifndef NATTER_CLIENT_CORE_DEVICES_H
#define NATTER_CLIENT_CORE_DEVICES_H

#include <stddef.h>
#include <stdint.h>

#include "shared/proto/natter.pb-c.h"

struct account;
struct conn;
struct core_error;
struct devices;
struct event_sink;
struct peers;
struct store;

/*
 * The only module that asks the server for bundles (and, with linked
 * devices, device lists).  What the server presents passes the gate
 * before a session is started: the account key (device 1's identity key)
 * is pinned on first use; a different key blocks the contact (an
 * IDENTITY_CHANGED event, CORE_ERR_UNTRUSTED_IDENTITY) until the user
 * verifies or accepts it.
 */

/* err NULL: done; err->code CORE_ERR_UNREACHABLE: lost, try again later. */
typedef void	devices_done_cb(void *arg, const struct core_error *err);

struct devices	*devices_create(struct store *, struct account *,
		    struct peers *, struct conn *, struct event_sink *);
void		 devices_free(struct devices *);

/* What a lookup is for. */
enum devices_want {
	DEVICES_KEYS,		/* keys and lists: no prekey is handed out */
	DEVICES_SESSIONS,	/* and sessions with the devices new to us */
};

/*
 * Look up the keys and signed device lists of the n names (distinct) and,
 * if want is DEVICES_SESSIONS, start a session with every device of each
 * that passes the gate, all of one name in one commit.  Sessions take
 * one-time prekeys, which the server rations: only sending asks for them.
 * done is called once, after the last answer, with the first error.  -1
 * if the connection is not ready (done is never called).
 */
int	devices_fetch(struct devices *, char *const *names, size_t n,
	    enum devices_want, devices_done_cb *done, void *arg)
	    __attribute__((warn_unused_result));
/* 1 while a devices_fetch waits for its answers. */
int	devices_fetching(struct devices *);

/*
 * May we encrypt to name now?  0, or -1 with err if its key changed and
 * the user has not verified or accepted the new one.
 */
int	devices_usable(struct devices *, const char *name, struct core_error *)
	    __attribute__((warn_unused_result));

/* What devices_check says of a device. */
#define DEVICES_LISTED		0	/* one of the account's devices */
#define DEVICES_UNLISTED	1	/* not on the account's signed list */
#define DEVICES_UNKNOWN		2	/* no account key yet: look it up */

/*
 * A message from (name, device) decrypted on a session whose peer identity
 * key is ik: is that device one of name's?  On name's signed device list
 * (verified against the account key), or, while none is known, device 1
 * holding the account key itself.
 */
int	devices_check(struct devices *, const char *name, uint32_t device,
	    const uint8_t ik[32]);
/* Is device on name's signed list (device 1 alone while none is known)? */
int	devices_is_listed(struct devices *, const char *name, uint32_t device);
/* May we encrypt to (name, device) (its session's key is name's)? */
int	devices_may_encrypt(struct devices *, const char *name,
	    uint32_t device);
/*
 * Encrypt pt to each of name's devices that we have a session with and
 * that devices_may_encrypt allows; the others are added to snd->skipped.
 * This device is left out.  Free with peers_envelopes_free.  0 or -1.
 */
int	devices_envelopes(struct devices *, const char *name,
	    const uint8_t *pt, size_t ptlen, Natter__Send *snd);

/*
 * Our own account's signed list, verified against its account key (NULL
 * if none is kept); free with devicelist_free.  devices_first_list: a new
 * unsigned list, version 0, [device 1 with the account key], for an
 * account that never had one.  devices_own_list_store keeps a list we
 * published.
 */
struct devicelist;
struct devicelist *devices_own_list(struct devices *);
struct devicelist *devices_first_list(struct devices *);
void	devices_own_list_store(struct devices *, const uint8_t *, size_t);

/*
 * Encrypt pt to our own device only, the rest of our list in
 * snd->skipped.  0, or -1 if there is no usable session with it yet.
 */
int	devices_envelope_to(struct devices *, uint32_t device,
	    const uint8_t *pt, size_t ptlen, Natter__Send *snd);
/*
 * Encrypt pt to (name, device) only (a resend): name's other devices and
 * all of ours in snd->skipped.  0, or -1 if there is no session yet.
 */
int	devices_envelope_one(struct devices *, const char *name,
	    uint32_t device, const uint8_t *pt, size_t ptlen,
	    Natter__Send *snd);

/* The server says (name, device) is gone: drop its sessions. */
int	devices_forget(struct devices *, const char *name, uint32_t device);

#endif
