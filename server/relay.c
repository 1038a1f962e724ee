/* relay: Send: store envelopes, answer, hand the rows to their devices.
 *
 * Send and Ack (relayack.c) are natterd's hot path and run without a
 * savepoint of their own (a savepoint copies every page a request
 * touches into the statement journal): each checks everything that can
 * refuse it before it writes, a refused Send forgets the id it claimed,
 * and a write that fails after that stops natterd (server_write_failed),
 * as a failed commit does, since the open transaction can no longer be
 * trusted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/accounts.h"
#include "server/db.h"
#include "server/directory.h"
#include "server/fanout.h"
#include "server/metrics.h"
#include "server/online.h"
#include "server/queue.h"
#include "server/relay.h"
#include "server/server.h"
#include "server/session.h"
#include "server/sessionq.h"
#include "shared/proto/wire.h"
#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"

#define C(x)	NATTER__CODE__##x
#define RELAY_MAXEXPECTED	(2 * ACCOUNTS_MAXDEVICES)
#define RELAY_FEW		(RELAY_MAXEXPECTED + 1)	/* envelopes on the stack */

static int	relay_claim_taken(struct session *, uint64_t,
		    const uint8_t *, int64_t);

/* Append the devices of account (named name) to exp, but not s's own. */
static int
relay_expect(struct session *s, int64_t account, const char *name,
    struct fanout_ref *exp, size_t *n)
{
	uint32_t	devs[ACCOUNTS_MAXDEVICES];
	size_t		nd, i;

	if (accounts_devices(session_db(s), account, devs,
	    ACCOUNTS_MAXDEVICES, &nd) != 0)
		return (-1);
	for (i = 0; i < nd; i++) {
		if (account == session_account(s) &&
		    devs[i] == session_device(s))
			continue;
		exp[*n].name = name;
		exp[(*n)++].device = devs[i];
	}
	return (0);
}

/* The devices a message from s to (to, to_account) must reach: the
 * recipient's and the sender's other devices. */
static int
relay_expected(struct session *s, const char *to, int64_t to_account,
    struct fanout_ref *exp, size_t *n)
{
	*n = 0;
	if (relay_expect(s, to_account, to, exp, n) != 0)
		return (-1);
	if (to_account == session_account(s))
		return (0);
	return (relay_expect(s, session_account(s), session_name(s), exp, n));
}

static void
relay_refs(Natter__DeviceRef *refs, Natter__DeviceRef **pp,
    const struct fanout_ref *in, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		natter__device_ref__init(&refs[i]);
		refs[i].name = (char *)in[i].name;
		refs[i].device = in[i].device;
		pp[i] = &refs[i];
	}
}

/* Answer DEVICE_MISMATCH with what is missing and what is extra. */
static void
relay_mismatch(struct session *s, uint64_t id,
    const struct fanout_ref *missing, size_t nmiss,
    const struct fanout_ref *extra, size_t nextra)
{
	Natter__DeviceRef	*refs, **pp;
	Natter__Response	 r = NATTER__RESPONSE__INIT;

	refs = xcalloc(nmiss + nextra + 1, sizeof *refs);
	pp = xcalloc(nmiss + nextra + 1, sizeof *pp);
	relay_refs(refs, pp, missing, nmiss);
	relay_refs(refs + nmiss, pp + nmiss, extra, nextra);
	r.code = C(DEVICE_MISMATCH);
	r.message = (char *)"envelopes do not match the current devices";
	r.n_missing = nmiss;
	r.missing = pp;
	r.n_extra = nextra;
	r.extra = pp + nmiss;
	session_send_response(s, id, &r);
	free(refs);
	free(pp);
}

/* 0 if the envelopes match; else the DEVICE_MISMATCH answer is queued. */
static int
relay_check(struct session *s, uint64_t id, const Natter__Send *m,
    const struct fanout_ref *exp, size_t nexp)
{
	/* The usual Send's lists fit on the stack; a long one (up to
	 * RELAY_MAXENVELOPES, which relay_send checked) is allocated. A
	 * large frame would cost each new fiber stack its first touch. */
	struct fanout_ref	 few[3 * RELAY_FEW], *env, *skip, *extra;
	struct fanout_ref	 missing[RELAY_MAXEXPECTED], *lists = few;
	size_t			 i, nmiss, nextra, cap = RELAY_FEW;
	int			 rc;

	if (m->n_envelopes >= RELAY_FEW || m->n_skipped >= RELAY_FEW) {
		cap = RELAY_MAXENVELOPES + 1;
		lists = xcalloc(3 * cap, sizeof *lists);
	}
	env = lists;
	skip = lists + cap;
	extra = lists + 2 * cap;
	for (i = 0; i < m->n_envelopes; i++) {
		env[i].name = m->envelopes[i]->name != NULL ?
		    m->envelopes[i]->name : "";
		env[i].device = m->envelopes[i]->device;
	}
	for (i = 0; i < m->n_skipped; i++) {
		skip[i].name = m->skipped[i]->name != NULL ?
		    m->skipped[i]->name : "";
		skip[i].device = m->skipped[i]->device;
	}
	rc = fanout_check(exp, nexp, skip, m->n_skipped, env, m->n_envelopes,
	    missing, &nmiss, extra, &nextra);
	if (rc != 0)
		relay_mismatch(s, id, missing, nmiss, extra, nextra);
	if (lists != few)
		free(lists);
	return (rc == 0 ? 0 : -1);
}

/* OK if every envelope's device (of account accts[i]) has room: under
 * QUEUE_MAXDEPTH rows, and, but for the sender's own devices, under
 * QUEUE_MAXSHARE messages from the sender, so that other senders still
 * get through when one has filled its share. depths[i], read with the
 * claim, is envelope i's depth (NULL: read them here). */
static uint32_t
relay_room(struct session *s, const Natter__Send *m, const int64_t *accts,
    const uint64_t *depths, const char **why)
{
	static char	full[96];
	uint64_t	depth, mine;
	uint32_t	device;
	size_t		i;
	int		ordered = 0;

again:
	for (i = 0; i < m->n_envelopes; i++) {
		device = m->envelopes[i]->device;
		if (depths != NULL && !ordered)
			depth = depths[i];
		else if (queue_depth(session_db(s), accts[i], device,
		    &depth) != 0)
			return (C(INTERNAL));
		if (!ordered && depth + SESSIONQ_BESIDE >= QUEUE_MAXSHARE) {
			/* Near a bound, the rows of the connection's Sends
			 * still running count: read again once they ended. */
			session_in_order(s);
			ordered = 1;
			goto again;
		}
		if (depth >= QUEUE_MAXDEPTH) {
			*why = "the recipient's queue is full";
			return (C(QUEUE_FULL));
		}
		/* A share is part of the depth: counted only when the depth
		 * could hold a full one. */
		if (accts[i] == session_account(s) || depth < QUEUE_MAXSHARE)
			continue;
		if (queue_share(session_db(s), accts[i], device,
		    session_account(s), &mine) != 0)
			return (C(INTERNAL));
		if (mine >= QUEUE_MAXSHARE) {
			snprintf(full, sizeof full, "%s has too many of your "
			    "messages waiting; try again once they are read",
			    m->to);
			*why = full;
			return (C(QUEUE_FULL));
		}
	}
	return (C(OK));
}

void
relay_item(struct session *s, const uint8_t *message_id, uint32_t status,
    int64_t now, struct queue_item *it)
{
	const char	*name = session_name(s);
	size_t		 len = strnlen(name, sizeof it->from - 1);

	memset(it, 0, sizeof *it);
	it->from_account = session_account(s);
	memcpy(it->from, name, len);	/* NUL from the memset */
	it->from_device = session_device(s);
	memcpy(it->message_id, message_id, QUEUE_IDBYTES);
	it->status = status;
	it->server_ts = now;
}

/* it becomes the row of envelope e, stored as seq (0 before it is). */
static void
relay_envelope(struct queue_item *it, const Natter__Envelope *e,
    uint64_t seq)
{
	it->seq = seq;
	it->type = e->type;
	it->content = e->content.data;
	it->content_len = e->content.len;
}

/* Queue it for (account, device) until the TTL after it was stored; *seq
 * is set. 0 or -1. */
static int
relay_push(struct session *s, int64_t account, uint32_t device,
    const struct queue_item *it, uint64_t *seq)
{
	return (queue_push(session_db(s), account, device, it,
	    it->server_ts + session_ttl_ms(s), seq));
}

void
relay_deliver(struct session *s, int64_t account, uint32_t device,
    const struct queue_item *it)
{
	struct session	*t = online_find(account, device);

	if (t != NULL)
		session_offer(t, it);
	else
		directory_wake_stored(session_directory(s), account, device);
}

void
relay_stored(struct session *s, uint64_t id, int64_t ts)
{
	Natter__Response	r = NATTER__RESPONSE__INIT;

	r.code = C(OK);
	r.server_ts = ts;
	session_send_response(s, id, &r);
}

/* The recipient of m: OK with *to_account, or a code. */
static uint32_t
relay_recipient(struct session *s, const Natter__Send *m,
    int64_t *to_account)
{
	int	rc;

	if (m->to == NULL || !wire_name_valid(m->to))
		return (C(NAME_INVALID));
	rc = accounts_lookup(session_db(s), m->to, to_account);
	if (rc != 0)
		return (rc == 1 ? C(UNKNOWN_USER) : C(INTERNAL));
	return (C(OK));
}

/* accts[i] becomes the account of envelope i: the recipient's, or for a
 * copy, the sender's (relay_check refuses any other name). */
static void
relay_accounts(struct session *s, const Natter__Send *m, int64_t to_account,
    int64_t *accts)
{
	const char	*name;
	size_t		 i;

	for (i = 0; i < m->n_envelopes; i++) {
		name = m->envelopes[i]->name;
		accts[i] = name != NULL && strcmp(name, m->to) == 0 ?
		    to_account : session_account(s);
	}
}

/* Everything that can refuse a Send whose id is claimed: OK, or a code
 * (a DEVICE_MISMATCH answer is queued already). depths as relay_room
 * takes them. */
static uint32_t
relay_admit(struct session *s, const Natter__Frame *f, int64_t to_account,
    const int64_t *accts, const uint64_t *depths, const char **why)
{
	const Natter__Send	*m = f->send;
	struct fanout_ref	 exp[RELAY_MAXEXPECTED];
	size_t			 nexp;

	if (relay_expected(s, m->to, to_account, exp, &nexp) != 0)
		return (C(INTERNAL));
	if (relay_check(s, f->id, m, exp, nexp) != 0)
		return (C(DEVICE_MISMATCH));
	/* Matched: at most nexp envelopes, each with its account. */
	return (relay_room(s, m, accts, depths, why));
}

/* Queue every envelope (admitted already; a failure stops natterd),
 * answer "stored", then hand the rows to the devices. */
static void
relay_store(struct session *s, const Natter__Frame *f, const int64_t *accts,
    int64_t now)
{
	const Natter__Send	*m = f->send;
	struct queue_item	 it;
	uint64_t		 seqs[RELAY_MAXEXPECTED];	/* admitted */
	size_t			 i;

	/* The rows follow those of the connection's earlier Sends. */
	session_in_order(s);
	relay_item(s, m->message_id.data, 0, now, &it);
	for (i = 0; i < m->n_envelopes; i++) {
		relay_envelope(&it, m->envelopes[i], 0);
		if (relay_push(s, accts[i], m->envelopes[i]->device, &it,
		    &seqs[i]) != 0)
			server_write_failed("a message");
	}
	metrics_add(METRICS_MESSAGES_STORED, m->n_envelopes);
	relay_stored(s, f->id, now);
	for (i = 0; i < m->n_envelopes; i++) {
		relay_envelope(&it, m->envelopes[i], seqs[i]);
		relay_deliver(s, accts[i], m->envelopes[i]->device, &it);
	}
}

/* Claim s's (device, message_id) at now as relay_claim does; when it is
 * claimed now, the envelopes' depths (at most RELAY_MAXEXPECTED) come
 * with it. */
static int
relay_claim_depths(struct session *s, const Natter__Frame *f,
    const int64_t *accts, int64_t now, uint64_t *buf, uint64_t **depths)
{
	const Natter__Send	*m = f->send;
	struct queue_claim	 c;
	uint32_t		 devs[RELAY_MAXEXPECTED];
	size_t			 i, n = m->n_envelopes;
	int			 rc;

	for (i = 0; i < n; i++)
		devs[i] = m->envelopes[i]->device;
	c.account = session_account(s);
	c.device = session_device(s);
	c.id = m->message_id.data;
	c.server_ts = now;
	c.expires = now + session_ttl_ms(s);
	rc = queue_sent_claim_depths(session_db(s), &c, accts, devs, n, buf);
	if (rc == 0)
		*depths = buf;
	else if (rc == 1)
		rc = relay_claim_taken(s, f->id, m->message_id.data, now);
	return (rc);
}

/* Whether m's recipient is known without a wait (*to_account set): a
 * Send's claim must be its first wait, so that a connection's Sends
 * claim in the order sent (a later one may reuse a refused one's id). */
static int
relay_recipient_known(struct session *s, const Natter__Send *m,
    int64_t *to_account)
{
	return (m->to != NULL && wire_name_valid(m->to) &&
	    accounts_lookup_now(session_db(s), m->to, to_account) == 0);
}

uint32_t
relay_send(struct session *s, const Natter__Frame *f, const char **why)
{
	const Natter__Send	*m = f->send;
	int64_t			 accts[RELAY_MAXEXPECTED], to_account;
	uint64_t		 buf[RELAY_MAXEXPECTED], *depths = NULL;
	int64_t			 now = time_now_ms();
	uint32_t		 code = C(OK);
	int			 rc, known = 0, fits;

	if (m->message_id.len != QUEUE_IDBYTES) {
		*why = "message_id must be 16 bytes";
		return (C(BAD_REQUEST));
	}
	if (m->n_envelopes > RELAY_MAXENVELOPES ||
	    m->n_skipped > RELAY_MAXENVELOPES)
		return (C(TOO_LARGE));
	/* More envelopes than devices to expect cannot match them
	 * (relay_check answers which are extra): accts holds no more. */
	fits = m->n_envelopes <= RELAY_MAXEXPECTED;
	/* The usual Send reads its depths with its claim. */
	if (fits && (known = relay_recipient_known(s, m, &to_account))) {
		relay_accounts(s, m, to_account, accts);
		rc = relay_claim_depths(s, f, accts, now, buf, &depths);
	} else
		rc = relay_claim(s, f->id, m->message_id.data, now);
	if (rc != 0)
		return (rc == 1 ? C(OK) : C(INTERNAL));
	if (!known && (code = relay_recipient(s, m, &to_account)) == C(OK) &&
	    fits)
		relay_accounts(s, m, to_account, accts);
	if (code == C(OK))
		code = relay_admit(s, f, to_account, accts, depths, why);
	if (code != C(OK)) {
		relay_unclaim(s, m->message_id.data);
		return (code);
	}
	relay_store(s, f, accts, now);
	return (C(OK));
}

/* The claim of message_id was taken: by a Send stored before, or by one
 * of this connection's still running, which may yet be refused. Ask once
 * it has ended. As relay_claim returns. */
static int
relay_claim_taken(struct session *s, uint64_t id, const uint8_t *message_id,
    int64_t now)
{
	struct db	*db = session_db(s);
	int64_t		 ts;
	int		 rc;

	session_in_order(s);
	if (queue_sent_lookup(db, session_account(s), session_device(s),
	    message_id, &ts) == 0) {
		relay_stored(s, id, ts);
		return (1);
	}
	rc = queue_sent_claim(db, session_account(s), session_device(s),
	    message_id, now, now + session_ttl_ms(s));
	return (rc == 0 ? 0 : -1);
}

int
relay_claim(struct session *s, uint64_t id, const uint8_t *message_id,
    int64_t now)
{
	int	rc;

	rc = queue_sent_claim(session_db(s), session_account(s),
	    session_device(s), message_id, now, now + session_ttl_ms(s));
	if (rc != 1)
		return (rc == 0 ? 0 : -1);
	return (relay_claim_taken(s, id, message_id, now));
}

void
relay_unclaim(struct session *s, const uint8_t *message_id)
{
	if (queue_sent_forget(session_db(s), session_account(s),
	    session_device(s), message_id) != 0)
		server_write_failed("a refused send");
}
