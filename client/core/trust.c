/* trust: what the user decides about contacts' keys: safety numbers, verify, accept a changed key, trust state. */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/core/account.h"
#include "client/core/conn.h"
#include "client/core/devices.h"
#include "client/core/err.h"
#include "client/core/trust.h"
#include "client/store/store.h"
#include "shared/crypto/fingerprint.h"
#include "shared/proto/wire.h"
#include "shared/util/log.h"
#include "shared/util/xmalloc.h"

/* A fingerprint or verify request that waits for the peer's key. */
struct trust_req {
	struct trust		*t;
	char			*peer;
	char			*number;	/* verify: what the user typed */
	int			 sent;		/* its lookup is out */
	core_fingerprint_cb	*fcb;
	core_done_cb		*dcb;
	void			*arg;
	TAILQ_ENTRY(trust_req)	 entry;
};
TAILQ_HEAD(trust_reqs, trust_req);

struct trust {
	struct uv_loop_s	*loop;
	struct core		*c;
	struct store		*st;
	struct account		*acct;
	struct conn		*cn;
	struct devices		*devs;
	struct trust_reqs	 reqs;
};

struct trust *
trust_create(struct uv_loop_s *loop, struct core *c, struct store *st,
    struct account *acct, struct conn *cn, struct devices *devs)
{
	struct trust	*t;

	t = xcalloc(1, sizeof *t);
	t->loop = loop;
	t->c = c;
	t->st = st;
	t->acct = acct;
	t->cn = cn;
	t->devs = devs;
	TAILQ_INIT(&t->reqs);
	return (t);
}

void
trust_free(struct trust *t)
{
	free(t);
}

/* The key to show safety numbers for: the newest one the server gave. */
static int
trust_current_key(struct trust *t, const char *peer, uint8_t ik[32])
{
	struct store_contact	sc;

	if (store_contact_get(t->st, peer, &sc) != 0)
		return (-1);
	memcpy(ik, sc.has_new ? sc.new_ik : sc.ik, 32);
	return (0);
}

static void
trust_number(struct trust *t, const char *peer, const uint8_t ik[32],
    char out[FINGERPRINT_BYTES])
{
	const char	*self = account_name(t->acct);

	fingerprint_safety_number(out, account_ik(t->acct),
	    (const uint8_t *)self, strlen(self), ik, (const uint8_t *)peer,
	    strlen(peer));
}

/* Answer one fingerprint / verify request from the stored key. */
static void
trust_answer(struct trust *t, struct trust_req *f)
{
	struct core_error	err;
	struct store_contact	sc;
	char			num[FINGERPRINT_BYTES];
	char			shown[FINGERPRINT_DISPLAYBYTES];
	uint8_t			ik[32];

	if (trust_current_key(t, f->peer, ik) != 0) {
		err_set(&err, CORE_ERR_UNKNOWN_USER, "no identity key known "
		    "for %s", f->peer);
		goto fail;
	}
	trust_number(t, f->peer, ik, num);
	if (f->fcb != NULL) {
		if (fingerprint_format(shown, num) != 0)
			fatal("bad safety number");
		f->fcb(t->c, NULL, shown, f->arg);
		return;
	}
	if (fingerprint_compare(num, f->number) != 0) {
		err_set(&err, CORE_ERR_MISMATCH, "the safety number does "
		    "not match %s's: %s was not marked verified; compare again "
		    "(natter fingerprint %s)", f->peer, f->peer, f->peer);
		goto fail;
	}
	if (store_contact_get(t->st, f->peer, &sc) != 0)
		goto io;
	memcpy(sc.ik, ik, 32);
	sc.has_new = 0;
	sc.trust = STORE_TRUST_VERIFIED;
	if (store_contact_put(t->st, f->peer, &sc) != 0)
		goto io;
	f->dcb(t->c, NULL, f->arg);
	return;
io:
	err_set(&err, CORE_ERR_IO, "cannot save contact %s", f->peer);
fail:
	if (f->fcb != NULL)
		f->fcb(t->c, &err, NULL, f->arg);
	else
		f->dcb(t->c, &err, f->arg);
}

static void
trust_req_free(struct trust_req *f)
{
	free(f->peer);
	free(f->number);
	free(f);
}

/* Report err to f's callback. */
static void
trust_fail(struct trust *t, struct trust_req *f, const struct core_error *err)
{
	if (f->fcb != NULL)
		f->fcb(t->c, err, NULL, f->arg);
	else
		f->dcb(t->c, err, f->arg);
}

/*
 * The lookup is done (devices pinned the key on first use and kept the
 * sessions).  A changed key is no failure here: its number is shown.
 */
static void
trust_fetched(void *arg, const struct core_error *err)
{
	struct trust_req	*f = arg;
	struct trust		*t = f->t;
	uint8_t			 ik[32];

	TAILQ_REMOVE(&t->reqs, f, entry);
	if (err != NULL && trust_current_key(t, f->peer, ik) != 0)
		trust_fail(t, f, err);
	else
		trust_answer(t, f);
	trust_req_free(f);
}

static void
trust_send(struct trust *t, struct trust_req *f)
{
	f->sent = devices_fetch(t->devs, &f->peer, 1, DEVICES_KEYS,
	    trust_fetched, f) == 0;
}

void
trust_kick(struct trust *t)
{
	struct trust_req	*f;

	TAILQ_FOREACH(f, &t->reqs, entry) {
		if (!f->sent)
			trust_send(t, f);
	}
}

void
trust_fail_all(struct trust *t, const struct core_error *err)
{
	struct trust_req	*f;

	/* Those sent are failed by their lookup, with the connection. */
	for (;;) {
		/* From the top each time: a callback may close the core. */
		TAILQ_FOREACH(f, &t->reqs, entry) {
			if (!f->sent)
				break;
		}
		if (f == NULL)
			return;
		TAILQ_REMOVE(&t->reqs, f, entry);
		trust_fail(t, f, err);
		trust_req_free(f);
	}
}

static void
trust_request(struct trust *t, const char *peer, const char *number,
    core_fingerprint_cb *fcb, core_done_cb *dcb, void *arg)
{
	struct core_error	 err;
	struct trust_req	*f;
	uint8_t			 ik[32];

	if (account_name(t->acct) == NULL) {
		err_set(&err, CORE_ERR_NO_PROFILE, "this profile has no account "
		    "yet: run natter register NAME first");
		err_later(t->loop, t->c, &err, (struct err_cb){ .done = dcb,
		    .fingerprint = fcb }, arg);
		return;
	}
	if (peer == NULL || !wire_name_valid(peer)) {
		err_set(&err, CORE_ERR_USAGE, "invalid user name");
		err_later(t->loop, t->c, &err, (struct err_cb){ .done = dcb,
		    .fingerprint = fcb }, arg);
		return;
	}
	f = xcalloc(1, sizeof *f);
	f->t = t;
	f->peer = xstrdup(peer);
	f->number = number != NULL ? xstrdup(number) : NULL;
	f->fcb = fcb;
	f->dcb = dcb;
	f->arg = arg;
	if (trust_current_key(t, peer, ik) == 0) {
		/* Known: answer now. */
		trust_answer(t, f);
		trust_req_free(f);
		return;
	}
	TAILQ_INSERT_TAIL(&t->reqs, f, entry);
	if (conn_ready(t->cn))
		trust_send(t, f);
	else
		conn_need(t->cn);
}

void
trust_fingerprint(struct trust *t, const char *peer, core_fingerprint_cb *cb,
    void *arg)
{
	trust_request(t, peer, NULL, cb, NULL, arg);
}

void
trust_verify(struct trust *t, const char *peer, const char *number,
    core_done_cb *done, void *arg)
{
	trust_request(t, peer, number != NULL ? number : "", NULL, done, arg);
}

int
trust_accept(struct trust *t, const char *peer, struct core_error *err)
{
	struct store_contact	sc;

	if (peer == NULL || !wire_name_valid(peer)) {
		err_set(err, CORE_ERR_USAGE, "invalid user name");
		return (-1);
	}
	if (store_contact_get(t->st, peer, &sc) != 0) {
		err_set(err, CORE_ERR_UNKNOWN_USER, "no identity key known "
		    "for %s: nothing to trust yet", peer);
		return (-1);
	}
	if (sc.has_new)
		memcpy(sc.ik, sc.new_ik, 32);
	sc.has_new = 0;
	sc.trust = STORE_TRUST_TOFU;
	if (store_contact_put(t->st, peer, &sc) != 0) {
		err_set(err, CORE_ERR_IO, "cannot save contact %s", peer);
		return (-1);
	}
	return (0);
}

const char *
trust_state(struct trust *t, const char *peer)
{
	struct store_contact	sc;

	if (peer == NULL || store_contact_get(t->st, peer, &sc) != 0)
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
