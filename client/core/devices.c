/* devices: the devices of an account as the server presents them: bundle lookups, the trust gate, sessions started. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/core/account.h"
#include "client/core/conn.h"
#include "client/core/devices.h"
#include "client/core/err.h"
#include "client/core/event.h"
#include "client/core/peers.h"
#include "client/store/store.h"
#include "shared/util/log.h"
#include "shared/util/xmalloc.h"

struct devices {
	struct store		*st;
	struct account		*acct;
	struct peers		*peers;
	struct conn		*cn;
	struct event_sink	*ev;
	int			 fetching;	/* rounds waiting */
};

/* One devices_fetch: its lookups answer into it. */
struct devices_round {
	struct devices		*d;
	int			 pending;
	struct core_error	 err;		/* the first failure */
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

void
devices_seen(struct devices *d, const char *name, uint32_t device,
    const uint8_t ik[32])
{
	struct core_error	err;

	if (device == 1)
		(void)devices_pin(d, name, ik, &err);
}

int
devices_forget(struct devices *d, const char *name, uint32_t device)
{
	return (peers_forget(d->peers, name, device));
}

/* A lookup's answer for peer: the gate, then sessions, in one commit. */
static int
devices_accept(struct devices *d, const char *peer,
    const Natter__Response *resp, struct core_error *err)
{
	const char	*self = account_name(d->acct);
	size_t		 i;
	int		 rc = 0;

	for (i = 0; i < resp->n_bundles; i++) {
		const Natter__PrekeyBundle *b = resp->bundles[i];

		if (b->name == NULL || strcmp(b->name, peer) != 0 ||
		    b->identity_key.len != 32 || b->device != 1)
			continue;
		if (devices_pin(d, peer, b->identity_key.data, err) != 0)
			return (-1);
	}
	if (store_begin(d->st) != 0) {
		err_set(err, CORE_ERR_IO, "cannot write the profile");
		return (-1);
	}
	for (i = 0; i < resp->n_bundles && rc == 0; i++) {
		const Natter__PrekeyBundle *b = resp->bundles[i];

		if (b->name == NULL || strcmp(b->name, peer) != 0 ||
		    (strcmp(peer, self) == 0 &&
		    b->device == account_device(d->acct)))
			continue;
		rc = peers_from_bundle(d->peers, b, err);
	}
	if (rc != 0 || store_commit(d->st) != 0) {
		store_rollback(d->st);
		if (rc == 0)
			err_set(err, CORE_ERR_IO, "cannot write the profile");
		return (-1);
	}
	return (0);
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
		(void)devices_accept(d, l->name, resp, &err);
	if (r->err.code == CORE_OK && err.code != CORE_OK)
		r->err = err;
	free(l->name);
	free(l);
	devices_round_put(r);
}

int
devices_fetch(struct devices *d, char *const *names, size_t n,
    devices_done_cb *done, void *arg)
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
	r->done = done;
	r->arg = arg;
	r->pending = 1;		/* a hold until every lookup is sent */
	for (i = 0; i < n; i++) {
		l = xcalloc(1, sizeof *l);
		l->r = r;
		l->name = xstrdup(names[i]);
		br.name = l->name;
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
