/* trust: contacts' identity keys (trust on first use, changes, safety numbers, verify). */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/core/coreint.h"
#include "shared/crypto/fingerprint.h"
#include "shared/proto/wire.h"
#include "shared/util/log.h"
#include "shared/util/xmalloc.h"

static void
trust_changed_err(struct core_error *err, const char *peer)
{
	core_seterr(err, CORE_ERR_UNTRUSTED_IDENTITY, "the identity key of %s "
	    "has changed: compare safety numbers (natter fingerprint %s), then "
	    "run natter verify %s NUMBER, or accept it with natter trust %s",
	    peer, peer, peer, peer);
}

/*
 * Check the account key ik that the server presents for peer: pin it on
 * first use; a different key blocks peer until verified or accepted.
 */
int
trust_check(struct core *c, const char *peer, const uint8_t ik[32],
    struct core_error *err)
{
	struct store_contact	sc;
	struct core_event	ev;
	int			rc;

	if ((rc = store_contact_get(c->st, peer, &sc)) == -1) {
		core_seterr(err, CORE_ERR_IO, "cannot read contact %s", peer);
		return (-1);
	}
	if (rc == 1) {
		memset(&sc, 0, sizeof sc);
		sc.trust = STORE_TRUST_TOFU;
		memcpy(sc.ik, ik, 32);
		if (store_contact_put(c->st, peer, &sc) != 0) {
			core_seterr(err, CORE_ERR_IO, "cannot save contact %s",
			    peer);
			return (-1);
		}
		return (0);
	}
	if (sodium_memcmp(sc.ik, ik, 32) == 0 && sc.trust != STORE_TRUST_CHANGED)
		return (0);
	if (!sc.has_new || sodium_memcmp(sc.new_ik, ik, 32) != 0) {
		sc.trust = STORE_TRUST_CHANGED;
		sc.has_new = 1;
		memcpy(sc.new_ik, ik, 32);
		if (store_contact_put(c->st, peer, &sc) != 0)
			log_warn("cannot save the changed key of %s", peer);
		memset(&ev, 0, sizeof ev);
		ev.type = CORE_EV_IDENTITY_CHANGED;
		ev.from = peer;
		trust_changed_err(err, peer);
		ev.error = err;
		core_emit(c, &ev);
	}
	trust_changed_err(err, peer);
	return (-1);
}

/* The key to show safety numbers for: the newest one the server gave. */
static int
trust_current_key(struct core *c, const char *peer, uint8_t ik[32])
{
	struct store_contact	sc;

	if (store_contact_get(c->st, peer, &sc) != 0)
		return (-1);
	memcpy(ik, sc.has_new ? sc.new_ik : sc.ik, 32);
	return (0);
}

static void
trust_number(struct core *c, const char *peer, const uint8_t ik[32],
    char out[FINGERPRINT_BYTES])
{
	fingerprint_safety_number(out, c->ik_pk, (const uint8_t *)c->name,
	    strlen(c->name), ik, (const uint8_t *)peer, strlen(peer));
}

/* Answer one fingerprint / verify request from the stored key. */
static void
trust_answer(struct core *c, struct core_fpr *f)
{
	struct core_error	err;
	struct store_contact	sc;
	char			num[FINGERPRINT_BYTES];
	char			shown[FINGERPRINT_DISPLAYBYTES];
	uint8_t			ik[32];

	if (trust_current_key(c, f->peer, ik) != 0) {
		core_seterr(&err, CORE_ERR_UNKNOWN_USER, "no identity key known "
		    "for %s", f->peer);
		goto fail;
	}
	trust_number(c, f->peer, ik, num);
	if (f->fcb != NULL) {
		if (fingerprint_format(shown, num) != 0)
			fatal("bad safety number");
		f->fcb(c, NULL, shown, f->arg);
		return;
	}
	if (fingerprint_compare(num, f->number) != 0) {
		core_seterr(&err, CORE_ERR_MISMATCH, "the safety number does "
		    "not match %s's: %s was not marked verified; compare again "
		    "(natter fingerprint %s)", f->peer, f->peer, f->peer);
		goto fail;
	}
	if (store_contact_get(c->st, f->peer, &sc) != 0)
		goto io;
	memcpy(sc.ik, ik, 32);
	sc.has_new = 0;
	sc.trust = STORE_TRUST_VERIFIED;
	if (store_contact_put(c->st, f->peer, &sc) != 0)
		goto io;
	f->dcb(c, NULL, f->arg);
	return;
io:
	core_seterr(&err, CORE_ERR_IO, "cannot save contact %s", f->peer);
fail:
	if (f->fcb != NULL)
		f->fcb(c, &err, NULL, f->arg);
	else
		f->dcb(c, &err, f->arg);
}

static void
trust_fpr_free(struct core_fpr *f)
{
	free(f->peer);
	free(f->number);
	free(f);
}

static void
trust_bundles(struct core *c, struct core_req *r, const Natter__Response *resp)
{
	struct core_fpr		*f = r->data;
	struct core_error	 err;

	TAILQ_REMOVE(&c->fprs, f, entry);
	if (resp == NULL) {
		core_seterr(&err, CORE_ERR_UNREACHABLE, "lost the connection to "
		    "%s", c->server);
	} else if (resp->code != NATTER__CODE__OK) {
		core_resp_err(&err, resp, "key lookup");
		if (resp->code == NATTER__CODE__UNKNOWN_USER)
			core_seterr(&err, CORE_ERR_UNKNOWN_USER, "no user %s on "
			    "%s", f->peer, c->server);
	} else {
		/* Pins the key on first use, and keeps the sessions. */
		(void)outbox_bundles(c, f->peer, resp, &err);
		trust_answer(c, f);
		trust_fpr_free(f);
		return;
	}
	if (f->fcb != NULL)
		f->fcb(c, &err, NULL, f->arg);
	else
		f->dcb(c, &err, f->arg);
	trust_fpr_free(f);
}

/* Send the key lookups that wait for the connection. */
void
trust_kick(struct core *c)
{
	Natter__Frame		 fr = NATTER__FRAME__INIT;
	Natter__BundleRequest	 br = NATTER__BUNDLE_REQUEST__INIT;
	struct core_fpr		*f;

	if (!conn_ready(c))
		return;
	TAILQ_FOREACH(f, &c->fprs, entry) {
		br.name = f->peer;
		fr.body_case = NATTER__FRAME__BODY_BUNDLE_REQUEST;
		fr.bundle_request = &br;
		if (conn_request(c, &fr, trust_bundles, f) != 0)
			return;
	}
}

void
trust_fail_all(struct core *c, const struct core_error *err)
{
	struct core_fpr	*f;

	while ((f = TAILQ_FIRST(&c->fprs)) != NULL) {
		TAILQ_REMOVE(&c->fprs, f, entry);
		if (f->fcb != NULL)
			f->fcb(c, err, NULL, f->arg);
		else
			f->dcb(c, err, f->arg);
		trust_fpr_free(f);
	}
}

static void
trust_request(struct core *c, const char *peer, const char *number,
    core_fingerprint_cb *fcb, core_done_cb *dcb, void *arg)
{
	struct core_error	 err;
	struct core_fpr		*f;
	uint8_t			 ik[32];

	if (c->name == NULL) {
		core_seterr(&err, CORE_ERR_NO_PROFILE, "this profile has no "
		    "account yet: run natter register NAME first");
		core_later_fpr(c, &err, fcb, dcb, arg);
		return;
	}
	if (peer == NULL || !wire_name_valid(peer)) {
		core_seterr(&err, CORE_ERR_USAGE, "invalid user name");
		core_later_fpr(c, &err, fcb, dcb, arg);
		return;
	}
	f = xcalloc(1, sizeof *f);
	f->peer = xstrdup(peer);
	f->number = number != NULL ? xstrdup(number) : NULL;
	f->fcb = fcb;
	f->dcb = dcb;
	f->arg = arg;
	if (trust_current_key(c, peer, ik) == 0) {
		/* Known: answer now. */
		trust_answer(c, f);
		trust_fpr_free(f);
		return;
	}
	TAILQ_INSERT_TAIL(&c->fprs, f, entry);
	if (!c->started) {
		c->started = 1;
		c->oneshot = 1;
	}
	if (c->state == CONN_DOWN)
		conn_start(c);
	else if (conn_ready(c)) {
		Natter__Frame		fr = NATTER__FRAME__INIT;
		Natter__BundleRequest	br = NATTER__BUNDLE_REQUEST__INIT;

		br.name = f->peer;
		fr.body_case = NATTER__FRAME__BODY_BUNDLE_REQUEST;
		fr.bundle_request = &br;
		(void)conn_request(c, &fr, trust_bundles, f);
	}
}

void
core_fingerprint(struct core *c, const char *peer, core_fingerprint_cb *cb,
    void *arg)
{
	trust_request(c, peer, NULL, cb, NULL, arg);
}

void
core_verify(struct core *c, const char *peer, const char *number,
    core_done_cb *done, void *arg)
{
	trust_request(c, peer, number != NULL ? number : "", NULL, done, arg);
}

int
core_trust_accept(struct core *c, const char *peer, struct core_error *err)
{
	struct store_contact	sc;

	if (peer == NULL || !wire_name_valid(peer)) {
		core_seterr(err, CORE_ERR_USAGE, "invalid user name");
		return (-1);
	}
	if (store_contact_get(c->st, peer, &sc) != 0) {
		core_seterr(err, CORE_ERR_UNKNOWN_USER, "no identity key known "
		    "for %s: nothing to trust yet", peer);
		return (-1);
	}
	if (sc.has_new)
		memcpy(sc.ik, sc.new_ik, 32);
	sc.has_new = 0;
	sc.trust = STORE_TRUST_TOFU;
	if (store_contact_put(c->st, peer, &sc) != 0) {
		core_seterr(err, CORE_ERR_IO, "cannot save contact %s", peer);
		return (-1);
	}
	return (0);
}

const char *
core_trust_state(struct core *c, const char *peer)
{
	struct store_contact	sc;

	if (peer == NULL || store_contact_get(c->st, peer, &sc) != 0)
		return ("unknown");
	switch (sc.trust) {
	case STORE_TRUST_VERIFIED:
		return ("verified");
	case STORE_TRUST_CHANGED:
		return ("changed");
	default:
		return ("trusted");
	}
}
