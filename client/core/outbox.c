/* outbox: durable, ordered sending: encrypt per device, Send, device-mismatch retry, history. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/core/content.h"
#include "client/core/coreint.h"
#include "client/store/msglog.h"
#include "client/core/peers.h"
#include "shared/proto/wire.h"
#include "shared/util/log.h"
#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"

#define OUTBOX_MAX_TRIES	5
/*
 * Sends in flight at once: the server commits what arrives in one loop turn
 * together, so a window lets its group commit and the round trips overlap.
 */
#define OUTBOX_WINDOW		32

/* What outbox_try did with a message. */
#define OUTBOX_SENT	0	/* in flight */
#define OUTBOX_DONE	1	/* finished (an error was reported) */
#define OUTBOX_WAIT	2	/* fetching bundles, or the connection is down */

static int	outbox_try(struct core *, struct core_send *);

struct core_send *
outbox_queue(struct core *c, int64_t oid, const Natter__OutboxItem *o)
{
	struct core_send	*s;
	size_t			 i;

	s = xcalloc(1, sizeof *s);
	s->oid = oid;
	memcpy(s->id, o->message_id.data, CORE_IDBYTES);
	s->to = xstrdup(o->to);
	if (o->n_read_ids > 0) {
		s->read_ids = xcalloc(o->n_read_ids, CORE_IDBYTES);
		for (i = 0; i < o->n_read_ids; i++)
			memcpy(s->read_ids + i * CORE_IDBYTES,
			    o->read_ids[i].data, CORE_IDBYTES);
		s->nread = o->n_read_ids;
	} else
		s->text = xstrdup(o->text);
	s->ts = o->ts;
	TAILQ_INSERT_TAIL(&c->sends, s, entry);
	return (s);
}

static void
outbox_free(struct core *c, struct core_send *s)
{
	TAILQ_REMOVE(&c->sends, s, entry);
	free(s->to);
	free(s->read_ids);
	if (s->text != NULL) {
		sodium_memzero(s->text, strlen(s->text));
		free(s->text);
	}
	free(s);
}

static int
outbox_load_cb(int64_t oid, const Natter__OutboxItem *o, void *arg)
{
	size_t	i;

	if (o->message_id.len != CORE_IDBYTES || o->to == NULL)
		return (0);
	for (i = 0; i < o->n_read_ids; i++) {
		if (o->read_ids[i].len != CORE_IDBYTES)
			return (0);
	}
	if (o->n_read_ids == 0 && o->text == NULL)
		return (0);
	outbox_queue(arg, oid, o);
	return (0);
}

/* Queue what an earlier process left unsent. */
int
outbox_load(struct core *c, struct core_error *err)
{
	if (store_outbox_each(c->st, outbox_load_cb, c) != 0) {
		core_seterr(err, CORE_ERR_IO, "cannot read the outbox of the "
		    "profile %s", store_dir(c->st));
		return (-1);
	}
	return (0);
}

struct core_send *
outbox_add(struct core *c, const char *to, const char *text,
    struct core_error *err)
{
	Natter__OutboxItem	o = NATTER__OUTBOX_ITEM__INIT;
	uint8_t			id[CORE_IDBYTES];
	int64_t			oid;

	randombytes_buf(id, sizeof id);
	o.message_id.data = id;
	o.message_id.len = sizeof id;
	o.to = (char *)to;
	o.text = (char *)text;
	o.ts = time_now_ms();
	if (store_outbox_add(c->st, &o, &oid) != 0) {
		core_seterr(err, CORE_ERR_IO, "cannot save the message in the "
		    "profile %s", store_dir(c->st));
		return (NULL);
	}
	return (outbox_queue(c, oid, &o));
}

/* Report s done (err NULL: stored by the server) and forget it. */
static void
outbox_finish(struct core *c, struct core_send *s, const struct core_error *err)
{
	char		 hex[CORE_IDHEXBYTES];
	core_sent_cb	*cb = s->cb;
	void		*arg = s->arg;
	int64_t		 ts = s->ts;

	core_id_hex(hex, s->id, sizeof s->id);
	if (err != NULL)
		log_info("message %s to %s failed: %s", hex, s->to, err->msg);
	(void)store_outbox_del(c->st, s->oid);
	outbox_free(c, s);
	if (cb != NULL)
		cb(c, err, err == NULL ? hex : NULL, ts, arg);
}

/* The server stored it: history row + outbox deletion in one commit. */
static void
outbox_stored(struct core *c, struct core_send *s)
{
	Natter__StoredMessage	m = NATTER__STORED_MESSAGE__INIT;
	int64_t			seq;
	int			rc;

	m.message_id.data = s->id;
	m.message_id.len = sizeof s->id;
	m.peer = s->to;
	m.from = c->name;
	m.from_device = c->device;
	m.to = s->to;
	m.ts = s->ts;
	m.text = s->text;
	m.outgoing = 1;
	if (s->text == NULL) {
		outbox_finish(c, s, NULL);	/* a receipt: no history */
		return;
	}
	if (store_begin(c->st) != 0)
		goto fail;
	rc = msglog_add(c->st, STORE_MESSAGE, STORE_ST_SENT, &m, &seq);
	if (rc == 0 && msglog_mark_printed(c->st, seq) != 0)
		rc = -1;
	if (rc == -1 || store_outbox_del(c->st, s->oid) != 0 ||
	    store_commit(c->st) != 0) {
		store_rollback(c->st);
		goto fail;
	}
	outbox_finish(c, s, NULL);
	return;
fail:
	log_warn("message stored by the server but not saved in history");
	outbox_finish(c, s, NULL);
}

int
outbox_bundles(struct core *c, const char *peer, const Natter__Response *resp,
    struct core_error *err)
{
	size_t	i;
	int	rc = 0;

	for (i = 0; i < resp->n_bundles; i++) {
		const Natter__PrekeyBundle *b = resp->bundles[i];

		if (b->name == NULL || strcmp(b->name, peer) != 0 ||
		    b->identity_key.len != 32 || b->device != 1)
			continue;
		if (trust_check(c, peer, b->identity_key.data, err) != 0)
			return (-1);
	}
	if (store_begin(c->st) != 0) {
		core_seterr(err, CORE_ERR_IO, "cannot write the profile");
		return (-1);
	}
	for (i = 0; i < resp->n_bundles && rc == 0; i++) {
		const Natter__PrekeyBundle *b = resp->bundles[i];

		if (b->name == NULL || strcmp(b->name, peer) != 0 ||
		    (strcmp(peer, c->name) == 0 && b->device == c->device))
			continue;
		rc = sessions_from_bundle(c, b, err);
	}
	if (rc != 0 || store_commit(c->st) != 0) {
		store_rollback(c->st);
		if (rc == 0)
			core_seterr(err, CORE_ERR_IO, "cannot write the profile");
		return (-1);
	}
	return (0);
}

struct outbox_fetch {
	struct core_send	*s;
	char			*name;
	int			*pending;	/* shared by one round */
	int			*failed;
	struct core_error	*err;
};

static void
outbox_fetched(struct core *c, struct core_req *r, const Natter__Response *resp)
{
	struct outbox_fetch	*f = r->data;
	struct core_send	*s = f->s;
	struct core_error	 err;

	if (resp == NULL)
		*f->failed = -1;	/* connection lost: retried later */
	else if (*f->failed == 0 && resp->code != NATTER__CODE__OK) {
		core_resp_err(f->err, resp, "key lookup");
		if (resp->code == NATTER__CODE__UNKNOWN_USER)
			core_seterr(f->err, CORE_ERR_UNKNOWN_USER, "no user %s "
			    "on %s: check the name", f->name, c->server);
		*f->failed = 1;
	} else if (*f->failed == 0 && outbox_bundles(c, f->name, resp,
	    f->err) != 0)
		*f->failed = 1;
	free(f->name);
	if (--*f->pending > 0) {
		free(f);
		return;
	}
	c->send_fetching = 0;
	if (*f->failed == 1) {
		err = *f->err;
		outbox_finish(c, s, &err);
	}
	outbox_kick(c);		/* s again, first in line */
	free(f->pending);
	free(f->failed);
	free(f->err);
	free(f);
}

/* Fetch the bundles of names (distinct), then try s again. */
static void
outbox_fetch(struct core *c, struct core_send *s, char **names, size_t n)
{
	Natter__Frame		 fr = NATTER__FRAME__INIT;
	Natter__BundleRequest	 br = NATTER__BUNDLE_REQUEST__INIT;
	struct outbox_fetch	*f;
	int			*pending, *failed;
	struct core_error	*err;
	size_t			 i;

	c->send_fetching = 1;
	pending = xcalloc(1, sizeof *pending);
	failed = xcalloc(1, sizeof *failed);
	err = xcalloc(1, sizeof *err);
	*pending = (int)n + 1;		/* held until all are sent */
	for (i = 0; i < n; i++) {
		f = xcalloc(1, sizeof *f);
		f->s = s;
		f->name = xstrdup(names[i]);
		f->pending = pending;
		f->failed = failed;
		f->err = err;
		br.name = f->name;
		fr.body_case = NATTER__FRAME__BODY_BUNDLE_REQUEST;
		fr.bundle_request = &br;
		if (conn_request(c, &fr, outbox_fetched, f) != 0) {
			free(f->name);
			free(f);
			(*pending)--;
			*failed = -1;
		}
	}
	if (--*pending == 0) {
		/* Nothing went out: the connection is going down. */
		free(pending);
		free(failed);
		free(err);
		c->send_fetching = 0;
	}
}

/* The padded plaintext of s: its text or its read receipt.  0 or -1. */
static int
outbox_plaintext(struct core_send *s, uint8_t **pt, size_t *ptlen)
{
	Natter__Content		 ct = NATTER__CONTENT__INIT;
	Natter__ReadReceipt	 rr = NATTER__READ_RECEIPT__INIT;
	ProtobufCBinaryData	 ids[CORE_READ_MAX];
	size_t			 i;

	ct.message_id.data = s->id;
	ct.message_id.len = sizeof s->id;
	ct.ts = s->ts;
	ct.to = s->to;
	if (s->text != NULL) {
		ct.body_case = NATTER__CONTENT__BODY_TEXT;
		ct.text = s->text;
	} else {
		for (i = 0; i < s->nread && i < CORE_READ_MAX; i++) {
			ids[i].data = s->read_ids + i * CORE_IDBYTES;
			ids[i].len = CORE_IDBYTES;
		}
		rr.message_ids = ids;
		rr.n_message_ids = i;
		ct.body_case = NATTER__CONTENT__BODY_READ_RECEIPT;
		ct.read_receipt = &rr;
	}
	return (content_encode(&ct, pt, ptlen));
}

/* Envelopes for every device with a session: peer's and our other ones. */
static int
outbox_envelopes(struct core *c, struct core_send *s, Natter__Send *snd,
    struct core_error *err)
{
	const char	*names[2] = { s->to, c->name };
	uint32_t	 devs[CORE_MAX_DEVICES];
	uint8_t		*pt;
	size_t		 ptlen;
	int		 i, j, n;

	if (outbox_plaintext(s, &pt, &ptlen) != 0) {
		core_seterr(err, CORE_ERR_TOO_LARGE, "message too long");
		return (-1);
	}
	snd->envelopes = xcalloc(2 * CORE_MAX_DEVICES, sizeof *snd->envelopes);
	for (i = 0; i < (strcmp(s->to, c->name) == 0 ? 1 : 2); i++) {
		n = store_session_devices(c->st, names[i], devs, CORE_MAX_DEVICES);
		for (j = 0; j < n; j++) {
			Natter__Envelope *e;

			if (i == 1 && devs[j] == c->device)
				continue;
			e = xmalloc(sizeof *e);
			natter__envelope__init(e);
			e->name = (char *)names[i];
			e->device = devs[j];
			if (sessions_encrypt(c, names[i], devs[j], pt, ptlen,
			    &e->type, &e->content.data, &e->content.len) != 0) {
				free(e);
				continue;
			}
			snd->envelopes[snd->n_envelopes++] = e;
		}
	}
	sodium_memzero(pt, ptlen);
	free(pt);
	return (0);
}

static void
outbox_send_free(Natter__Send *snd)
{
	size_t	i;

	for (i = 0; i < snd->n_envelopes; i++) {
		free(snd->envelopes[i]->content.data);
		free(snd->envelopes[i]);
	}
	free(snd->envelopes);
}

static void
outbox_mismatch(struct core *c, struct core_send *s, const Natter__Response *r)
{
	struct core_error	 err;
	char			*names[CORE_MAX_DEVICES];
	size_t			 i, j, n = 0;

	for (i = 0; i < r->n_extra; i++)
		(void)store_session_del(c->st, r->extra[i]->name,
		    r->extra[i]->device);
	for (i = 0; i < r->n_missing && n < CORE_MAX_DEVICES; i++) {
		const char *nm = r->missing[i]->name;

		if (nm == NULL || !wire_name_valid(nm))
			continue;
		for (j = 0; j < n && strcmp(names[j], nm) != 0; j++)
			;
		if (j == n)
			names[n++] = (char *)nm;
	}
	if (++s->tries > OUTBOX_MAX_TRIES) {
		core_seterr(&err, CORE_ERR_PROTOCOL, "the server keeps "
		    "reporting a changed device list for %s", s->to);
		outbox_finish(c, s, &err);
	} else if (n > 0 && !c->send_fetching) {
		/* The window's later sends report the same: one fetch. */
		outbox_fetch(c, s, names, n);
		return;
	}
	outbox_kick(c);
}

static void
outbox_sent(struct core *c, struct core_req *r, const Natter__Response *resp)
{
	struct core_send	*s = r->data;
	struct core_error	 err;

	s->inflight = 0;
	c->sends_inflight--;
	if (resp == NULL)
		return;		/* resent after reconnecting */
	if (resp->code == NATTER__CODE__OK) {
		outbox_stored(c, s);
		outbox_kick(c);
		return;
	}
	if (resp->code == NATTER__CODE__DEVICE_MISMATCH) {
		outbox_mismatch(c, s, resp);
		return;
	}
	core_resp_err(&err, resp, "send");
	if (resp->code == NATTER__CODE__UNKNOWN_USER)
		core_seterr(&err, CORE_ERR_UNKNOWN_USER, "no user %s on %s: "
		    "check the name", s->to, c->server);
	outbox_finish(c, s, &err);
	outbox_kick(c);
}

/* Encrypt s for every device and send it; OUTBOX_SENT, _DONE or _WAIT. */
static int
outbox_try(struct core *c, struct core_send *s)
{
	Natter__Frame		fr = NATTER__FRAME__INIT;
	Natter__Send		snd = NATTER__SEND__INIT;
	struct store_contact	sc;
	struct core_error	err;
	uint32_t		devs[1];
	char			*names[1];
	int			rc = OUTBOX_SENT;

	if (store_contact_get(c->st, s->to, &sc) == 0 &&
	    sc.trust == STORE_TRUST_CHANGED) {
		(void)trust_check(c, s->to, sc.new_ik, &err);
		outbox_finish(c, s, &err);
		return (OUTBOX_DONE);
	}
	if (store_session_devices(c->st, s->to, devs, 1) <= 0) {
		if (s->tries++ > 0) {
			core_seterr(&err, CORE_ERR_UNKNOWN_USER, "no devices of "
			    "%s to send to", s->to);
			outbox_finish(c, s, &err);
			return (OUTBOX_DONE);
		}
		names[0] = s->to;
		outbox_fetch(c, s, names, 1);
		return (OUTBOX_WAIT);
	}
	if (outbox_envelopes(c, s, &snd, &err) != 0) {
		outbox_finish(c, s, &err);
		return (OUTBOX_DONE);
	}
	snd.message_id.data = s->id;
	snd.message_id.len = sizeof s->id;
	snd.to = s->to;
	fr.body_case = NATTER__FRAME__BODY_SEND;
	fr.send = &snd;
	if (conn_request(c, &fr, outbox_sent, s) == 0) {
		s->inflight = 1;
		c->sends_inflight++;
	} else
		rc = OUTBOX_WAIT;
	outbox_send_free(&snd);
	return (rc);
}

/*
 * Send what the window allows, in outbox order.  A message that has to go
 * again (device list changed, connection lost) waits until every message
 * after it has been answered, so the server stores them in order.
 */
void
outbox_kick(struct core *c)
{
	struct core_send	*s, *next;
	int			 before = 0;

	for (s = TAILQ_FIRST(&c->sends); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		if (!conn_ready(c) || c->send_fetching ||
		    c->sends_inflight >= OUTBOX_WINDOW)
			return;
		if (s->inflight) {
			before++;
			continue;
		}
		if (before < c->sends_inflight)
			return;		/* in flight behind s */
		switch (outbox_try(c, s)) {
		case OUTBOX_SENT:
			before++;
			break;
		case OUTBOX_WAIT:
			return;
		}
	}
}

/*
 * Fail every waiting caller with err.  The messages stay queued (they are
 * still in the outbox table) unless forget is set, as when closing.
 */
void
outbox_fail_all(struct core *c, const struct core_error *err, int forget)
{
	struct core_send	*s;
	struct core_error	 e = *err;

	c->sends_inflight = 0;
	c->send_fetching = 0;
	if (err->code == CORE_ERR_UNREACHABLE || err->code == CORE_ERR_CLOSED)
		snprintf(e.msg + strlen(e.msg), sizeof e.msg - strlen(e.msg),
		    " (the message stays in the outbox and goes out with the "
		    "next connection)");
	for (;;) {
		core_sent_cb	*cb;
		void		*arg;

		/* From the top each time: a callback may close the core. */
		TAILQ_FOREACH(s, &c->sends, entry) {
			s->inflight = 0;
			if (s->cb != NULL || forget)
				break;
		}
		if (s == NULL)
			return;
		cb = s->cb;
		arg = s->arg;
		s->cb = NULL;
		if (forget)
			outbox_free(c, s);
		if (cb != NULL)
			cb(c, &e, NULL, 0, arg);
	}
}
