/* devices: the devices of an account as the server presents them: bundle lookups, the trust gate, sessions started. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/core/account.h"
#include "client/core/conn.h"
#include "client/core/devices.h"
#include "client/core/err.h"
#include "client/core/event.h"
#include "client/core/peers.h"
#include "client/store/kv.h"
#include "client/store/msglog.h"
#include "client/store/store.h"
#include "shared/crypto/devicelist.h"
#include "shared/proto/wire.h"
#include "shared/util/log.h"
#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"

#define DEVICES_NOTICES	16

struct devices {
	struct store		*st;
	struct account		*acct;
	struct peers		*peers;
	struct conn		*cn;
	struct event_sink	*ev;
	int			 fetching;	/* rounds waiting */
	char			 noticed[DEVICES_NOTICES][WIRE_NAME_MAX + 16];
	unsigned		 nnoticed;	/* ring of devices told about */
};

/* One devices_fetch: its lookups answer into it. */
struct devices_round {
	struct devices		*d;
	int			 pending;
	struct core_error	 err;		/* the first failure */
	enum devices_want	 want;
	devices_done_cb		*done;
	void			*arg;
};

struct devices_lookup {
	struct devices_round	*r;
	char			*name;
};

struct devices *
devices_create(struct store *st, struct account *acct, struct peers *peers,
    struct conn *cn, struct event_sink *ev)
{
	struct devices	*d;

	d = xcalloc(1, sizeof *d);
	d->st = st;
	d->acct = acct;
	d->peers = peers;
	d->cn = cn;
	d->ev = ev;
	return (d);
}

void
devices_free(struct devices *d)
{
	free(d);
}

int
devices_fetching(struct devices *d)
{
	return (d->fetching > 0);
}

static void
devices_changed_err(struct core_error *err, const char *peer)
{
	err_set(err, CORE_ERR_UNTRUSTED_IDENTITY, "the identity key of %s has "
	    "changed: compare safety numbers (natter fingerprint %s), then run "
	    "natter verify %s NUMBER, or accept it with natter trust %s", peer,
	    peer, peer, peer);
}

/* A lasting line in peer's conversation: its key changed (no text; the
 * front ends say what to do).  Never printed by recv: told as an event. */
static void
devices_key_line(struct devices *d, const char *peer)
{
	Natter__StoredMessage	m = NATTER__STORED_MESSAGE__INIT;
	uint8_t			id[CORE_IDBYTES];
	int64_t			seq;

	randombytes_buf(id, sizeof id);
	m.message_id.data = id;
	m.message_id.len = sizeof id;
	m.peer = m.from = (char *)peer;
	m.to = (char *)account_name(d->acct);
	m.ts = time_now_ms();
	m.text = (char *)"";
	if (msglog_add(d->st, STORE_MESSAGE, STORE_ST_KEY_CHANGED, &m,
	    &seq) != 0 || msglog_mark_printed(d->st, seq) != 0)
		log_warn("cannot note %s's key change in the history", peer);
}

/*
 * The gate: the account key ik that the server presents for peer is
 * pinned on first use; a different one blocks peer until verified or
 * accepted (and is told once, as an event).
 */
static int
devices_pin(struct devices *d, const char *peer, const uint8_t ik[32],
    struct core_error *err)
{
	struct store_contact	sc;
	struct core_event	ev;
	int			rc;

	if ((rc = store_contact_get(d->st, peer, &sc)) == -1) {
		err_set(err, CORE_ERR_IO, "cannot read contact %s", peer);
		return (-1);
	}
	if (rc == 1) {
		memset(&sc, 0, sizeof sc);
		sc.trust = STORE_TRUST_TOFU;
		memcpy(sc.ik, ik, 32);
		if (store_contact_put(d->st, peer, &sc) != 0) {
			err_set(err, CORE_ERR_IO, "cannot save contact %s", peer);
			return (-1);
		}
		return (0);
	}
	if (sodium_memcmp(sc.ik, ik, 32) == 0 && sc.trust != STORE_TRUST_CHANGED)
		return (0);
	devices_changed_err(err, peer);
	if (!sc.has_new || sodium_memcmp(sc.new_ik, ik, 32) != 0) {
		sc.trust = STORE_TRUST_CHANGED;
		sc.has_new = 1;
		memcpy(sc.new_ik, ik, 32);
		if (store_contact_put(d->st, peer, &sc) != 0)
			log_warn("cannot save the changed key of %s", peer);
		devices_key_line(d, peer);
		memset(&ev, 0, sizeof ev);
		ev.type = CORE_EV_IDENTITY_CHANGED;
		ev.from = peer;
		ev.error = err;
		event_emit(d->ev, &ev);
	}
	return (-1);
}

int
devices_usable(struct devices *d, const char *name, struct core_error *err)
{
	struct store_contact	sc;

	if (store_contact_get(d->st, name, &sc) == 0 &&
	    sc.trust == STORE_TRUST_CHANGED) {
		devices_changed_err(err, name);
		return (-1);
	}
	return (0);
}

/*
 * The account key of name to check its list against: the pinned one, or
 * (receiving while a changed key waits for the user) the one presented.
 * 0, or -1 if name has none.
 */
static int
devices_account_key(struct devices *d, const char *name, uint8_t pk[32])
{
	struct store_contact	sc;

	if (store_contact_get(d->st, name, &sc) != 0)
		return (-1);
	memcpy(pk, sc.trust == STORE_TRUST_CHANGED && sc.has_new ? sc.new_ik :
	    sc.ik, 32);
	return (0);
}

/* name's stored list if it verifies against pk; NULL if none. */
static struct devicelist *
devices_list_load(struct devices *d, const char *name, const uint8_t pk[32])
{
	struct devicelist	*l;
	uint8_t			*v;
	size_t			 len;

	if (kv_named_get(d->st, "lists", name, &v, &len) != 0)
		return (NULL);
	l = devicelist_verify(v, len, pk, 0, NULL);
	free(v);
	return (l);
}

/*
 * Is (name, device) with identity key ik one of name's devices?  On its
 * list (verified against the account key), or, while there is no such
 * list, device 1 holding the account key itself.
 */
static int
devices_listed(struct devices *d, const char *name, uint32_t device,
    const uint8_t ik[32], const uint8_t pk[32])
{
	struct devicelist	*l;
	const uint8_t		*lk;
	int			 ok;

	if ((l = devices_list_load(d, name, pk)) == NULL)
		return (device == 1 && sodium_memcmp(ik, pk, 32) == 0);
	ok = (lk = devicelist_find(l, device)) != NULL &&
	    sodium_memcmp(lk, ik, 32) == 0;
	devicelist_free(l);
	return (ok);
}

int
devices_check(struct devices *d, const char *name, uint32_t device,
    const uint8_t ik[32])
{
	uint8_t	pk[32];

	if (devices_account_key(d, name, pk) != 0)
		return (DEVICES_UNKNOWN);
	return (devices_listed(d, name, device, ik, pk) ? DEVICES_LISTED :
	    DEVICES_UNLISTED);
}

int
devices_is_listed(struct devices *d, const char *name, uint32_t device)
{
	struct devicelist	*l;
	uint8_t			 pk[32];
	int			 ok;

	if (devices_account_key(d, name, pk) != 0)
		return (0);
	if ((l = devices_list_load(d, name, pk)) == NULL)
		return (device == 1);
	ok = devicelist_find(l, device) != NULL;
	devicelist_free(l);
	return (ok);
}

int
devices_may_encrypt(struct devices *d, const char *name, uint32_t device)
{
	uint8_t	pk[32], ik[32];

	if (devices_account_key(d, name, pk) != 0 ||
	    peers_identity(d->peers, name, device, ik) != 0)
		return (0);
	return (devices_listed(d, name, device, ik, pk));
}

/* One notice to the user (an error event: nothing is lost by it). */
static void
devices_notice(struct devices *d, const char *name, uint32_t device,
    const struct core_error *err)
{
	struct core_event	ev;

	log_warn("%s", err->msg);
	memset(&ev, 0, sizeof ev);
	ev.type = CORE_EV_ERROR;
	ev.from = name;
	ev.from_device = device;
	ev.error = err;
	event_emit(d->ev, &ev);
}

/* 1 if the list kept for peer is exactly list. */
static int
devices_list_same(struct devices *d, const char *peer, const uint8_t *list,
    size_t len)
{
	uint8_t	*v;
	size_t	 vlen;
	int	 same;

	if (kv_named_get(d->st, "lists", peer, &v, &vlen) != 0)
		return (0);
	same = vlen == len && memcmp(v, list, len) == 0;
	free(v);
	return (same);
}

/*
 * A list the server presents for peer (len 0: none).  Kept if it verifies
 * against the account key pk, lists the account key as device 1 and is
 * not older than the one kept before (a same-version list must be the
 * same list).  Anything else is told once and changes nothing.
 */
static void
devices_list_take(struct devices *d, const char *peer, const uint8_t pk[32],
    const uint8_t *list, size_t len)
{
	struct devicelist	*l, *old;
	struct core_error	 err;
	struct core_event	 ev;
	const uint8_t		*k;
	int			 same, older, had = 0;

	if (len == 0)
		return;
	l = devicelist_verify(list, len, pk, 0, NULL);
	if (l == NULL || (k = devicelist_find(l, 1)) == NULL ||
	    sodium_memcmp(k, pk, 32) != 0 ||
	    devicelist_account_len(l) != strlen(peer) ||
	    memcmp(devicelist_account(l), peer, strlen(peer)) != 0) {
		err_set(&err, CORE_ERR_CRYPTO, "the server presents a device "
		    "list for %s that %s's account key did not sign: ignored",
		    peer, peer);
		goto notice;
	}
	if ((old = devices_list_load(d, peer, pk)) != NULL) {
		had = 1;
		same = devicelist_version(l) == devicelist_version(old);
		older = devicelist_version(l) < devicelist_version(old);
		devicelist_free(old);
		if (older || (same && !devices_list_same(d, peer, list, len))) {
			err_set(&err, CORE_ERR_CRYPTO, "the server presents an "
			    "older or altered device list for %s (version %llu): "
			    "refused", peer, (unsigned long long)
			    devicelist_version(l));
			goto notice;
		}
		if (same) {
			devicelist_free(l);
			return;
		}
	}
	if (kv_named_put(d->st, "lists", peer, list, len) != 0)
		log_warn("cannot save the device list of %s", peer);
	else if (had && strcmp(peer, account_name(d->acct)) == 0) {
		memset(&ev, 0, sizeof ev);
		ev.type = CORE_EV_DEVICES;
		ev.from = peer;
		event_emit(d->ev, &ev);
	}
	devicelist_free(l);
	return;
notice:
	devicelist_free(l);
	devices_notice(d, peer, 0, &err);
}

struct devicelist *
devices_own_list(struct devices *d)
{
	uint8_t	pk[32];

	if (devices_account_key(d, account_name(d->acct), pk) != 0)
		return (NULL);
	return (devices_list_load(d, account_name(d->acct), pk));
}

struct devicelist *
devices_first_list(struct devices *d)
{
	struct devicelist	*l;
	const char		*self = account_name(d->acct);

	l = devicelist_create(self, strlen(self), 0, 0);
	if (l == NULL || devicelist_add(l, 1, account_ik(d->acct)) != 0)
		fatal("cannot make a device list for %s", self);
	return (l);
}

void
devices_own_list_store(struct devices *d, const uint8_t *list, size_t len)
{
	if (kv_named_put(d->st, "lists", account_name(d->acct), list,
	    len) != 0)
		log_warn("cannot save this account's device list");
}

int
devices_forget(struct devices *d, const char *name, uint32_t device)
{
	return (peers_forget(d->peers, name, device));
}

/* 1 the first time (name, device) is told about in this process. */
static int
devices_first_notice(struct devices *d, const char *name, uint32_t device)
{
	char	key[WIRE_NAME_MAX + 16];
	int	i;

	snprintf(key, sizeof key, "%s/%u", name, device);
	for (i = 0; i < DEVICES_NOTICES; i++) {
		if (strcmp(d->noticed[i], key) == 0)
			return (0);
	}
	snprintf(d->noticed[d->nnoticed++ % DEVICES_NOTICES],
	    sizeof d->noticed[0], "%s", key);
	return (1);
}

/* Drop the sessions of peer's devices that are not (or no longer) its. */
static void
devices_prune(struct devices *d, const char *peer)
{
	uint32_t	devs[PEERS_MAX_DEVICES];
	int		i, n;

	n = peers_devices(d->peers, peer, devs, PEERS_MAX_DEVICES);
	for (i = 0; i < n; i++) {
		if (!devices_may_encrypt(d, peer, devs[i]))
			(void)peers_forget(d->peers, peer, devs[i]);
	}
}

/*
 * Sessions with the devices of the bundles that are peer's (keys only: no
 * new ones); the rest told.
 */
static int
devices_sessions(struct devices *d, const char *peer, const uint8_t pk[32],
    const Natter__Response *resp, enum devices_want want,
    struct core_error *err)
{
	struct core_error	 notice;
	const char		*self = account_name(d->acct);
	uint32_t		 ghost = 0;
	size_t			 i;

	for (i = 0; i < resp->n_bundles; i++) {
		const Natter__PrekeyBundle *b = resp->bundles[i];

		if (b->name == NULL || strcmp(b->name, peer) != 0 ||
		    b->identity_key.len != 32 || (strcmp(peer, self) == 0 &&
		    b->device == account_device(d->acct)))
			continue;
		if (!devices_listed(d, peer, b->device, b->identity_key.data,
		    pk)) {
			ghost = b->device;
			continue;
		}
		if (want == DEVICES_SESSIONS &&
		    peers_from_bundle(d->peers, b, err) != 0)
			return (-1);
	}
	devices_prune(d, peer);
	if (ghost != 0 && devices_first_notice(d, peer, ghost)) {
		err_set(&notice, CORE_ERR_UNTRUSTED_IDENTITY, "the server "
		    "presents a device %u of %s that is not on %s's signed "
		    "device list: nothing is encrypted to it, nothing from it "
		    "is shown", ghost, peer, peer);
		devices_notice(d, peer, ghost, &notice);
	}
	return (0);
}

/*
 * A lookup's answer for peer, in one commit: the account key (device 1's,
 * pinned on first use; a changed one blocks), its signed device list, and
 * sessions with the devices on that list.
 */
static int
devices_accept(struct devices *d, const char *peer,
    const Natter__Response *resp, enum devices_want want,
    struct core_error *err)
{
	uint8_t	pk[32];
	size_t	i;
	int	rc;

	for (i = 0; i < resp->n_bundles; i++) {
		const Natter__PrekeyBundle *b = resp->bundles[i];

		if (b->name == NULL || strcmp(b->name, peer) != 0 ||
		    b->identity_key.len != 32 || b->device != 1)
			continue;
		if (devices_pin(d, peer, b->identity_key.data, err) != 0)
			return (-1);
	}
	if (devices_account_key(d, peer, pk) != 0) {
		err_set(err, CORE_ERR_UNKNOWN_USER, "the server gives no key "
		    "for %s's first device", peer);
		return (-1);
	}
	if (store_begin(d->st) != 0) {
		err_set(err, CORE_ERR_IO, "cannot write the profile");
		return (-1);
	}
	devices_list_take(d, peer, pk, resp->device_list.data,
	    resp->device_list.len);
	rc = devices_sessions(d, peer, pk, resp, want, err);
	if (rc != 0 || store_commit(d->st) != 0) {
		store_rollback(d->st);
		if (rc == 0)
			err_set(err, CORE_ERR_IO, "cannot write the profile");
		return (-1);
	}
	return (0);
}

/*
 * One device of ours only (history for a new device): encrypt to it, and
 * name every other device of our list in snd->skipped.
 */
/* Our own devices but this one and except into snd->skipped.  0 or -1. */
static int
devices_skip_own(struct devices *d, uint32_t except, Natter__Send *snd)
{
	struct devicelist	*own;
	uint32_t		 id;
	size_t			 i;

	if ((own = devices_own_list(d)) == NULL)
		return (-1);
	for (i = 0; i < devicelist_count(own); i++) {
		id = devicelist_device(own, i, NULL);
		if (id != except && id != account_device(d->acct))
			peers_skip(snd, account_name(d->acct), id);
	}
	devicelist_free(own);
	return (0);
}

int
devices_envelope_to(struct devices *d, uint32_t device, const uint8_t *pt,
    size_t ptlen, Natter__Send *snd)
{
	const char	*self = account_name(d->acct);

	if (devices_skip_own(d, device, snd) != 0)
		return (-1);
	if (!devices_may_encrypt(d, self, device))
		return (-1);	/* no session yet: the server asks for it */
	return (peers_seal(d->peers, self, device, pt, ptlen, snd));
}

int
devices_envelope_one(struct devices *d, const char *name, uint32_t device,
    const uint8_t *pt, size_t ptlen, Natter__Send *snd)
{
	uint32_t	devs[PEERS_MAX_DEVICES];
	int		i, n;

	n = peers_devices(d->peers, name, devs, PEERS_MAX_DEVICES);
	for (i = 0; i < n; i++) {
		if (devs[i] != device)
			peers_skip(snd, name, devs[i]);
	}
	(void)devices_skip_own(d, 0, snd);
	if (!devices_may_encrypt(d, name, device))
		return (-1);	/* no session yet: the server asks for it */
	return (peers_seal(d->peers, name, device, pt, ptlen, snd));
}

/*
 * Encrypt pt for every device of name we have a session with that is
 * name's (its signed list says so); the others go to snd->skipped, so the
 * server does not ask for them.  This device is left out.
 */
int
devices_envelopes(struct devices *d, const char *name, const uint8_t *pt,
    size_t ptlen, Natter__Send *snd)
{
	uint32_t	devs[PEERS_MAX_DEVICES];
	int		i, n, mine = strcmp(name, account_name(d->acct)) == 0;

	n = peers_devices(d->peers, name, devs, PEERS_MAX_DEVICES);
	for (i = 0; i < n; i++) {
		if (mine && devs[i] == account_device(d->acct))
			continue;
		if (!devices_may_encrypt(d, name, devs[i]))
			peers_skip(snd, name, devs[i]);
		else
			(void)peers_seal(d->peers, name, devs[i], pt, ptlen, snd);
	}
	return (n < 0 ? -1 : 0);
}

/* One answer (or the sender's hold) is in: the last one reports. */
static void
devices_round_put(struct devices_round *r)
{
	struct devices	*d = r->d;

	if (--r->pending > 0)
		return;
	d->fetching--;
	r->done(r->arg, r->err.code != CORE_OK ? &r->err : NULL);
	free(r);
}

static void
devices_fetched(void *arg, const Natter__Response *resp)
{
	struct devices_lookup	*l = arg;
	struct devices_round	*r = l->r;
	struct devices		*d = r->d;
	struct core_error	 err;

	err.code = CORE_OK;
	if (resp == NULL)
		err_set(&err, CORE_ERR_UNREACHABLE, "lost the connection to %s",
		    conn_server(d->cn));
	else if (resp->code != NATTER__CODE__OK) {
		err_from_resp(&err, resp, "key lookup");
		if (resp->code == NATTER__CODE__UNKNOWN_USER)
			err_set(&err, CORE_ERR_UNKNOWN_USER, "no user %s on %s: "
			    "check the name", l->name, conn_server(d->cn));
	} else if (r->err.code == CORE_OK)
		(void)devices_accept(d, l->name, resp, r->want, &err);
	if (r->err.code == CORE_OK && err.code != CORE_OK)
		r->err = err;
	free(l->name);
	free(l);
	devices_round_put(r);
}

int
devices_fetch(struct devices *d, char *const *names, size_t n,
    enum devices_want want, devices_done_cb *done, void *arg)
{
	Natter__Frame		 fr = NATTER__FRAME__INIT;
	Natter__BundleRequest	 br = NATTER__BUNDLE_REQUEST__INIT;
	struct devices_round	*r;
	struct devices_lookup	*l;
	size_t			 i;

	if (!conn_ready(d->cn) || n == 0)
		return (-1);
	r = xcalloc(1, sizeof *r);
	r->d = d;
	r->want = want;
	r->done = done;
	r->arg = arg;
	r->pending = 1;		/* a hold until every lookup is sent */
	for (i = 0; i < n; i++) {
		l = xcalloc(1, sizeof *l);
		l->r = r;
		l->name = xstrdup(names[i]);
		br.name = l->name;
		br.keys_only = want == DEVICES_KEYS;
		fr.body_case = NATTER__FRAME__BODY_BUNDLE_REQUEST;
		fr.bundle_request = &br;
		if (conn_request(d->cn, &fr, devices_fetched, l) != 0) {
			free(l->name);
			free(l);
			err_set(&r->err, CORE_ERR_UNREACHABLE, "lost the "
			    "connection to %s", conn_server(d->cn));
			break;
		}
		r->pending++;
	}
	if (r->pending == 1) {		/* nothing went out */
		free(r);
		return (-1);
	}
	d->fetching++;
	devices_round_put(r);
	return (0);
}
