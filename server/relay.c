/* relay: Send and Ack: store envelopes, delete acked rows, queue receipts.
 *
 * Send and Ack are natterd's hot path and run without a savepoint of
 * their own (a savepoint copies every page a request touches into the
 * statement journal): each checks everything that can refuse it before
 * it writes, a refused Send forgets the id it claimed, and a write that
 * fails after that stops natterd (server_write_failed), as a failed
 * commit does, since the open transaction can no longer be trusted. */
#include <stdlib.h>
#include <string.h>

#include "server/accounts.h"
#include "server/db.h"
#include "server/fanout.h"
#include "server/metrics.h"
#include "server/online.h"
#include "server/queue.h"
#include "server/relay.h"
#include "server/server.h"
#include "server/session.h"
#include "shared/proto/wire.h"
#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"

#define C(x)	NATTER__CODE__##x
#define RELAY_MAXEXPECTED	(2 * ACCOUNTS_MAXDEVICES)

/* The devices a message from s to (to, to_account) must reach. */
static int
relay_expected(struct session *s, const char *to, int64_t to_account,
    struct fanout_ref *exp, size_t *n)
{
	uint32_t	devs[ACCOUNTS_MAXDEVICES];
	size_t		nd, i;

	*n = 0;
	if (accounts_devices(session_db(s), to_account, devs,
	    ACCOUNTS_MAXDEVICES, &nd) != 0)
		return (-1);
	for (i = 0; i < nd; i++) {
		if (to_account == session_account(s) &&
		    devs[i] == session_device(s))
			continue;
		exp[*n].name = to;
		exp[(*n)++].device = devs[i];
	}
	if (to_account == session_account(s))
		return (0);
	if (accounts_devices(session_db(s), session_account(s), devs,
	    ACCOUNTS_MAXDEVICES, &nd) != 0)
		return (-1);
	for (i = 0; i < nd; i++) {
		if (devs[i] == session_device(s))
			continue;
		exp[*n].name = session_name(s);
		exp[(*n)++].device = devs[i];
	}
	return (0);
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

/* 0 if the envelopes match; else the DEVICE_MISMATCH answer is queued. */
static int
relay_check(struct session *s, uint64_t id, const Natter__Send *m,
    const struct fanout_ref *exp, size_t nexp)
{
	struct fanout_ref	*env, missing[RELAY_MAXEXPECTED], *extra;
	Natter__DeviceRef	*refs, **pp;
	Natter__Response	 r = NATTER__RESPONSE__INIT;
	size_t			 i, nmiss, nextra;

	env = xcalloc(m->n_envelopes + 1, sizeof *env);
	extra = xcalloc(m->n_envelopes + 1, sizeof *extra);
	for (i = 0; i < m->n_envelopes; i++) {
		env[i].name = m->envelopes[i]->name != NULL ?
		    m->envelopes[i]->name : "";
		env[i].device = m->envelopes[i]->device;
	}
	if (fanout_check(exp, nexp, env, m->n_envelopes, missing, &nmiss,
	    extra, &nextra) == 0) {
		free(env);
		free(extra);
		return (0);
	}
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
	free(env);
	free(extra);
	return (-1);
}

/* OK if every envelope's device has room in its queue. */
static uint32_t
relay_room(struct session *s, const Natter__Send *m, int64_t to_account)
{
	Natter__Envelope	*e;
	int64_t			 acct;
	uint64_t		 depth;
	size_t			 i;

	for (i = 0; i < m->n_envelopes; i++) {
		e = m->envelopes[i];
		acct = strcmp(e->name, m->to) == 0 ? to_account :
		    session_account(s);
		if (queue_depth(session_db(s), acct, e->device, &depth) != 0)
			return (C(INTERNAL));
		if (depth >= QUEUE_MAXDEPTH)
			return (C(QUEUE_FULL));
	}
	return (C(OK));
}

/* Queue every envelope (checked already); a failure stops natterd. */
static void
relay_store(struct session *s, const Natter__Send *m, int64_t to_account,
    int64_t now, uint64_t *seqs)
{
	struct queue_item	 it;
	Natter__Envelope	*e;
	int64_t			 acct;
	size_t			 i;

	memset(&it, 0, sizeof it);
	it.from_account = session_account(s);
	snprintf(it.from, sizeof it.from, "%s", session_name(s));
	it.from_device = session_device(s);
	memcpy(it.message_id, m->message_id.data, QUEUE_IDBYTES);
	it.server_ts = now;
	for (i = 0; i < m->n_envelopes; i++) {
		e = m->envelopes[i];
		acct = strcmp(e->name, m->to) == 0 ? to_account :
		    session_account(s);
		it.type = e->type;
		it.content = e->content.data;
		it.content_len = e->content.len;
		if (queue_push(session_db(s), acct, e->device, &it,
		    now + session_ttl_ms(s), &seqs[i]) != 0)
			server_write_failed("a message");
	}
	metrics_add(METRICS_MESSAGES_STORED, m->n_envelopes);
}

/* Hand envelope i of m, stored as seq, to its online device t. */
static void
relay_offer(struct session *s, struct session *t, const Natter__Send *m,
    size_t i, uint64_t seq, int64_t now)
{
	struct queue_item	it;

	memset(&it, 0, sizeof it);
	it.seq = seq;
	it.from_account = session_account(s);
	snprintf(it.from, sizeof it.from, "%s", session_name(s));
	it.from_device = session_device(s);
	memcpy(it.message_id, m->message_id.data, QUEUE_IDBYTES);
	it.type = m->envelopes[i]->type;
	it.content = m->envelopes[i]->content.data;
	it.content_len = m->envelopes[i]->content.len;
	it.server_ts = now;
	session_offer(t, &it);
}

static void
relay_stored(struct session *s, uint64_t id, int64_t ts)
{
	Natter__Response	r = NATTER__RESPONSE__INIT;

	r.code = C(OK);
	r.server_ts = ts;
	session_send_response(s, id, &r);
}

/* Everything that can refuse a Send whose id is claimed: OK, or a code
 * (a DEVICE_MISMATCH answer is queued already). */
static uint32_t
relay_admit(struct session *s, const Natter__Frame *f, int64_t *to_account)
{
	const Natter__Send	*m = f->send;
	struct fanout_ref	 exp[RELAY_MAXEXPECTED];
	size_t			 nexp;
	int			 rc;

	if (m->to == NULL || !wire_name_valid(m->to))
		return (C(NAME_INVALID));
	rc = accounts_lookup(session_db(s), m->to, to_account);
	if (rc != 0)
		return (rc == 1 ? C(UNKNOWN_USER) : C(INTERNAL));
	if (relay_expected(s, m->to, *to_account, exp, &nexp) != 0)
		return (C(INTERNAL));
	if (relay_check(s, f->id, m, exp, nexp) != 0)
		return (C(DEVICE_MISMATCH));
	return (relay_room(s, m, *to_account));
}

uint32_t
relay_send(struct session *s, const Natter__Frame *f, const char **why)
{
	const Natter__Send	*m = f->send;
	struct session		*t;
	uint64_t		 seqs[RELAY_MAXENVELOPES];
	int64_t			 ts, to_account, now = time_now_ms();
	size_t			 i;
	uint32_t		 code;
	int			 rc;

	if (m->message_id.len != QUEUE_IDBYTES) {
		*why = "message_id must be 16 bytes";
		return (C(BAD_REQUEST));
	}
	if (m->n_envelopes > RELAY_MAXENVELOPES)
		return (C(TOO_LARGE));
	/* Claim the id first: a resend is answered "stored" again. */
	rc = queue_sent_claim(session_db(s), session_account(s),
	    session_device(s), m->message_id.data, now,
	    now + session_ttl_ms(s));
	if (rc == 1 && queue_sent_lookup(session_db(s), session_account(s),
	    session_device(s), m->message_id.data, &ts) == 0) {
		relay_stored(s, f->id, ts);
		return (C(OK));
	}
	if (rc != 0)
		return (C(INTERNAL));
	if ((code = relay_admit(s, f, &to_account)) != C(OK)) {
		if (queue_sent_forget(session_db(s), session_account(s),
		    session_device(s), m->message_id.data) != 0)
			server_write_failed("a refused send");
		return (code);
	}
	relay_store(s, m, to_account, now, seqs);
	relay_stored(s, f->id, now);
	for (i = 0; i < m->n_envelopes; i++) {
		t = online_find(strcmp(m->envelopes[i]->name, m->to) == 0 ?
		    to_account : session_account(s), m->envelopes[i]->device);
		if (t != NULL)
			relay_offer(s, t, m, i, seqs[i], now);
	}
	return (C(OK));
}

/* Queue a delivered receipt for every device of the message's sender. */
static int
relay_receipt(struct session *s, const struct queue_item *acked)
{
	struct queue_item	 it;
	struct session		*t;
	uint32_t		 devs[ACCOUNTS_MAXDEVICES];
	size_t			 n, i;
	int64_t			 now = time_now_ms();

	if (acked->from_account == session_account(s))
		return (0);	/* a copy from our own device */
	if (accounts_devices(session_db(s), acked->from_account, devs,
	    ACCOUNTS_MAXDEVICES, &n) != 0)
		return (-1);
	memset(&it, 0, sizeof it);
	it.from_account = session_account(s);
	snprintf(it.from, sizeof it.from, "%s", session_name(s));
	it.from_device = session_device(s);
	memcpy(it.message_id, acked->message_id, QUEUE_IDBYTES);
	it.server_ts = now;
	it.status = 1;
	for (i = 0; i < n; i++) {
		if (queue_push(session_db(s), acked->from_account, devs[i], &it,
		    now + session_ttl_ms(s), &it.seq) != 0)
			return (-1);
		metrics_add(METRICS_RECEIPTS_STORED, 1);
		if ((t = online_find(acked->from_account, devs[i])) != NULL)
			session_offer(t, &it);
	}
	return (0);
}

uint32_t
relay_ack(struct session *s, const Natter__Frame *f, const char **why)
{
	const Natter__Ack	*a = f->ack;
	struct queue_item	 it;
	size_t			 i;
	int			 rc;

	if (a->n_seqs > RELAY_MAXACKS)
		return (C(TOO_LARGE));
	for (i = 0; i < a->n_seqs; i++) {
		if (session_recall(s, a->seqs[i], &it))
			rc = queue_delete(session_db(s), session_account(s),
			    session_device(s), a->seqs[i]);
		else
			rc = queue_ack(session_db(s), session_account(s),
			    session_device(s), a->seqs[i], &it);
		if (rc == -1)
			server_write_failed("an ack");
		if (rc == 1)
			continue;
		session_acked(s, a->seqs[i]);
		if (it.status != 0)
			continue;
		metrics_add(METRICS_MESSAGES_DELIVERED, 1);
		if (relay_receipt(s, &it) != 0)
			server_write_failed("a receipt");
	}
	if (f->id != 0)
		relay_stored(s, f->id, time_now_ms());
	session_pump(s);
	return (C(OK));
}
