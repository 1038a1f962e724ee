/* outbox: durable, ordered sending: the outbox table mirrored in memory, a window of Sends in flight, device-mismatch retry. */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/core/account.h"
#include "client/core/conn.h"
#include "client/core/content.h"
#include "client/core/devices.h"
#include "client/core/err.h"
#include "client/core/event.h"
#include "client/core/groups.h"
#include "client/core/outbox.h"
#include "client/core/peers.h"
#include "client/store/msglog.h"
#include "client/store/store.h"
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


/* A message on its way out (mirrors one outbox row). */
struct outbox_msg {
	struct outbox		*ob;
	int64_t			 oid;
	uint8_t			 id[CORE_IDBYTES];
	char			*to;
	char			*text;		/* NULL: read receipt, history, leave */
	uint8_t			*att;		/* a packed Attachment: text is its caption */
	size_t			 attlen;
	int			 upload;	/* its blob first (outbox_uploaded) */
	int			 uploading;
	uint8_t			*hist;		/* a packed HistoryChunk */
	size_t			 histlen;
	uint32_t		 only;		/* history, leave: the device of ours */
	int			 leave;		/* a DeviceLeave for only */
	int			 resend;	/* text again for (to, only) */
	int			 held;		/* OUTBOX_HELD, and told so */
	uint8_t			 send_id[CORE_IDBYTES];	/* resend's */
	uint8_t			*read_ids;	/* nread ids of CORE_IDBYTES */
	size_t			 nread;
	int64_t			 ts;
	int			 tries;
	int			 looked_up;	/* devices fetched for a mismatch */
	Natter__DeviceRef	*skip[PEERS_MAX_DEVICES];	/* left out */
	size_t			 nskip;
	int			 inflight;	/* sent, no answer yet */
	void			*job;		/* the group path's */
	core_sent_cb		*cb;
	void			*arg;
	TAILQ_ENTRY(outbox_msg)	 entry;
};
TAILQ_HEAD(outbox_msgs, outbox_msg);

struct outbox {
	struct core		*c;
	struct store		*st;
	struct account		*acct;
	struct conn		*cn;
	struct devices		*devs;
	struct peers		*peers;
	struct event_sink	*ev;
	struct outbox_msgs	 msgs;
	int			 inflight;	/* at most OUTBOX_WINDOW */
	int			 fetching;	/* bundles being fetched */
	void			(*empty_cb)(void *);
	void			*empty_arg;
	outbox_upload_cb	*upload;	/* puts a file's blob on the server */
	void			*upload_arg;
	outbox_group_cb		*group_try;	/* group messages (groupsend.c) */
	void			(*group_release)(void *);
	void			*group_arg;
};

static int	outbox_try(struct outbox *, struct outbox_msg *);
static int	outbox_hold(struct outbox *, struct outbox_msg *,
		    const struct core_error *);

struct outbox *
outbox_create(struct core *c, struct store *st, struct account *acct,
    struct conn *cn, struct devices *devs, struct peers *peers,
    struct event_sink *ev)
{
	struct outbox	*ob;

	ob = xcalloc(1, sizeof *ob);
	ob->c = c;
	ob->st = st;
	ob->acct = acct;
	ob->cn = cn;
	ob->devs = devs;
	ob->peers = peers;
	ob->ev = ev;
	TAILQ_INIT(&ob->msgs);
	return (ob);
}

static void
outbox_msg_free(struct outbox *ob, struct outbox_msg *s)
{
	size_t	i;

	TAILQ_REMOVE(&ob->msgs, s, entry);
	if (s->job != NULL && ob->group_release != NULL)
		ob->group_release(s->job);
	for (i = 0; i < s->nskip; i++) {
		free(s->skip[i]->name);
		free(s->skip[i]);
	}
	free(s->to);
	free(s->read_ids);
	if (s->att != NULL) {
		sodium_memzero(s->att, s->attlen);
		free(s->att);
	}
	if (s->hist != NULL) {
		sodium_memzero(s->hist, s->histlen);
		free(s->hist);
	}
	if (s->text != NULL) {
		sodium_memzero(s->text, strlen(s->text));
		free(s->text);
	}
	free(s);
}

void
outbox_free(struct outbox *ob)
{
	if (ob == NULL)
		return;
	while (!TAILQ_EMPTY(&ob->msgs))
		outbox_msg_free(ob, TAILQ_FIRST(&ob->msgs));
	free(ob);
}

struct outbox_msg *
outbox_queue(struct outbox *ob, int64_t oid, const Natter__OutboxItem *o,
    core_sent_cb *cb, void *arg)
{
	struct outbox_msg	*s;
	size_t			 i;

	s = xcalloc(1, sizeof *s);
	s->ob = ob;
	s->oid = oid;
	memcpy(s->id, o->message_id.data, CORE_IDBYTES);
	s->to = xstrdup(o->to);
	if (o->n_read_ids > 0) {
		s->read_ids = xcalloc(o->n_read_ids, CORE_IDBYTES);
		for (i = 0; i < o->n_read_ids; i++)
			memcpy(s->read_ids + i * CORE_IDBYTES,
			    o->read_ids[i].data, CORE_IDBYTES);
		s->nread = o->n_read_ids;
	} else if (o->device != 0 && o->resend_id.len == CORE_IDBYTES &&
	    o->text != NULL) {
		s->text = xstrdup(o->text);
		s->only = o->device;
		s->resend = 1;
		memcpy(s->send_id, o->resend_id.data, CORE_IDBYTES);
	} else if (o->device != 0 && o->leave) {
		s->leave = 1;
		s->only = o->device;
	} else if (o->device != 0) {
		s->hist = xmalloc(o->history.len);
		memcpy(s->hist, o->history.data, o->history.len);
		s->histlen = o->history.len;
		s->only = o->device;
	} else
		s->text = xstrdup(o->text);
	if (o->attachment != NULL && s->text != NULL) {
		s->attlen = natter__attachment__get_packed_size(o->attachment);
		s->att = xmalloc(s->attlen + 1);
		natter__attachment__pack(o->attachment, s->att);
		s->upload = o->upload;
	}
	s->ts = o->ts;
	s->cb = cb;
	s->arg = arg;
	TAILQ_INSERT_TAIL(&ob->msgs, s, entry);
	return (s);
}

void
outbox_notify(struct outbox_msg *s, core_sent_cb *cb, void *arg)
{
	s->cb = cb;
	s->arg = arg;
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
	if (o->n_read_ids == 0 && o->text == NULL && ((o->history.len == 0 &&
	    !o->leave) || o->device == 0))
		return (0);	/* none of the four kinds */
	(void)outbox_queue(arg, oid, o, NULL, NULL);
	return (0);
}

int
outbox_load(struct outbox *ob, struct core_error *err)
{
	if (store_outbox_each(ob->st, outbox_load_cb, ob) != 0) {
		err_set(err, CORE_ERR_IO, "cannot read the outbox of the profile "
		    "%s", store_dir(ob->st));
		return (-1);
	}
	return (0);
}

void
outbox_set_group(struct outbox *ob, outbox_group_cb *try,
    void (*release)(void *), void *arg)
{
	ob->group_try = try;
	ob->group_release = release;
	ob->group_arg = arg;
}

void
outbox_msg_view(struct outbox_msg *s, struct outbox_view *v)
{
	v->id = s->id;
	v->ts = s->ts;
	v->to = s->to;
	v->text = s->text;
	v->att = s->att;
	v->attlen = s->attlen;
}

void **
outbox_msg_job(struct outbox_msg *s)
{
	return (&s->job);
}

void
outbox_set_upload(struct outbox *ob, outbox_upload_cb *cb, void *arg)
{
	ob->upload = cb;
	ob->upload_arg = arg;
}

int
outbox_add(struct outbox *ob, const char *to, const char *text,
    const Natter__Attachment *att, core_sent_cb *sent, void *arg,
    char idhex[CORE_IDHEXBYTES], struct core_error *err)
{
	Natter__OutboxItem	o = NATTER__OUTBOX_ITEM__INIT;
	uint8_t			id[CORE_IDBYTES];
	int64_t			oid;

	randombytes_buf(id, sizeof id);
	o.message_id.data = id;
	o.message_id.len = sizeof id;
	o.to = (char *)to;
	o.text = (char *)text;
	o.attachment = (Natter__Attachment *)att;
	o.upload = att != NULL;
	o.ts = time_now_ms();
	if (store_outbox_add(ob->st, &o, &oid) != 0) {
		err_set(err, CORE_ERR_IO, "cannot save the message in the "
		    "profile %s", store_dir(ob->st));
		return (-1);
	}
	if (idhex != NULL)
		event_id_hex(idhex, id, sizeof id);
	(void)outbox_queue(ob, oid, &o, sent, arg);
	return (0);
}

void
outbox_on_empty(struct outbox *ob, void (*cb)(void *), void *arg)
{
	ob->empty_cb = cb;
	ob->empty_arg = arg;
}

int
outbox_pending(struct outbox *ob)
{
	struct outbox_msg	*s;

	TAILQ_FOREACH(s, &ob->msgs, entry) {
		if (!s->held)
			return (1);
	}
	return (0);
}

/* Nothing left that could be sent now: tell whoever waits (the core). */
static void
outbox_check_empty(struct outbox *ob)
{
	if (!outbox_pending(ob) && ob->empty_cb != NULL)
		ob->empty_cb(ob->empty_arg);
}

int
outbox_count(struct outbox *ob)
{
	struct outbox_msg	*s;
	int			 n = 0;

	TAILQ_FOREACH(s, &ob->msgs, entry) {
		if (s->text != NULL && !s->resend)
			n++;
	}
	return (n);
}

void
outbox_each_queued(struct outbox *ob, const char *peer, core_event_cb *each,
    void *arg)
{
	Natter__StoredMessage	 m = NATTER__STORED_MESSAGE__INIT;
	struct outbox_msg	*q;
	struct core_event	 ev;
	uint8_t			 gid[GROUPS_IDBYTES];

	TAILQ_FOREACH(q, &ob->msgs, entry) {
		if (q->text == NULL || q->resend ||
		    (peer != NULL && strcmp(q->to, peer) != 0))
			continue;
		memset(&ev, 0, sizeof ev);
		ev.type = CORE_EV_MESSAGE;
		event_id_hex(ev.id, q->id, sizeof q->id);
		ev.from = account_name(ob->acct);
		ev.from_device = account_device(ob->acct);
		ev.to = q->to;
		ev.ts = q->ts;
		ev.text = q->text;
		ev.outgoing = 1;
		ev.status = "queued";
		m.attachment = q->att == NULL ? NULL :
		    natter__attachment__unpack(NULL, q->attlen, q->att);
		m.group.len = groups_peer_id(q->to, gid) == 0 ? sizeof gid : 0;
		m.group.data = gid;
		/* A file's state; a group's name. */
		event_decorate(ob->ev, &ev, &m);
		each(ob->c, &ev, arg);
		if (m.attachment != NULL)
			natter__attachment__free_unpacked(m.attachment, NULL);
	}
}

/* Report s done (err NULL: stored by the server) and forget it. */
static void
outbox_finish(struct outbox *ob, struct outbox_msg *s,
    const struct core_error *err)
{
	char		 hex[CORE_IDHEXBYTES];
	core_sent_cb	*cb = s->cb;
	void		*arg = s->arg;
	int64_t		 ts = s->ts;

	event_id_hex(hex, s->id, sizeof s->id);
	if (err != NULL)
		log_info("message %s to %s failed: %s", hex, s->to, err->msg);
	(void)store_outbox_del(ob->st, s->oid);
	outbox_msg_free(ob, s);
	if (cb != NULL)
		cb(ob->c, err, err == NULL ? hex : NULL, ts, arg);
	outbox_check_empty(ob);
}

/* The server stored it: history row + outbox deletion in one commit. */
static void
outbox_stored(struct outbox *ob, struct outbox_msg *s)
{
	Natter__StoredMessage	m = NATTER__STORED_MESSAGE__INIT;
	uint8_t			gid[GROUPS_IDBYTES];
	int64_t			seq;
	int			rc;

	if (s->text == NULL || s->resend) {
		outbox_finish(ob, s, NULL);	/* no (new) history row */
		return;
	}
	m.message_id.data = s->id;
	m.message_id.len = sizeof s->id;
	m.peer = s->to;
	m.from = (char *)account_name(ob->acct);
	m.from_device = account_device(ob->acct);
	m.to = s->to;
	m.ts = s->ts;
	m.text = s->text;
	m.outgoing = 1;
	if (groups_peer_id(s->to, gid) == 0) {
		m.group.data = gid;
		m.group.len = sizeof gid;
	}
	if (s->att != NULL)
		m.attachment = natter__attachment__unpack(NULL, s->attlen, s->att);
	if (store_begin(ob->st) != 0)
		goto fail;
	rc = msglog_add(ob->st, STORE_MESSAGE, STORE_ST_SENT, &m, &seq);
	if (rc == 0 && msglog_mark_printed(ob->st, seq) != 0)
		rc = -1;
	if (rc == -1 || store_outbox_del(ob->st, s->oid) != 0 ||
	    store_commit(ob->st) != 0) {
		store_rollback(ob->st);
		goto fail;
	}
	if (m.attachment != NULL)
		natter__attachment__free_unpacked(m.attachment, NULL);
	outbox_finish(ob, s, NULL);
	return;
fail:
	if (m.attachment != NULL)
		natter__attachment__free_unpacked(m.attachment, NULL);
	log_warn("message stored by the server but not saved in history");
	outbox_finish(ob, s, NULL);
}

/* The bundles for s are in (or not): s again, first in line. */
static void
outbox_fetched(void *arg, const struct core_error *err)
{
	struct outbox_msg	*s = arg;
	struct outbox		*ob = s->ob;
	struct core_error	 e;

	ob->fetching = 0;
	if (err != NULL && err->code == CORE_ERR_UNREACHABLE) {
		/* The lookup never finished: it does not count as a try. */
		if (s->tries > 0)
			s->tries--;
	} else if (err != NULL && devices_usable(ob->devs, s->to, &e) != 0)
		(void)outbox_hold(ob, s, &e);	/* the lookup found a new key */
	else if (err != NULL)
		outbox_finish(ob, s, err);
	outbox_kick(ob);
}

/* Fetch the bundles of names (distinct) for s.  OUTBOX_WAIT. */
static int
outbox_fetch(struct outbox *ob, struct outbox_msg *s, char **names, size_t n)
{
	if (devices_fetch(ob->devs, names, n, DEVICES_SESSIONS, outbox_fetched,
	    s) == 0)
		ob->fetching = 1;
	return (OUTBOX_WAIT);
}

/* The padded plaintext of s: its text, read receipt, history part or
 * DeviceLeave.  0 or -1. */
static int
outbox_plaintext(struct outbox *ob, struct outbox_msg *s, uint8_t **pt,
    size_t *ptlen)
{
	Natter__Content		 ct = NATTER__CONTENT__INIT;
	Natter__DeviceLeave	 dl = NATTER__DEVICE_LEAVE__INIT;
	Natter__ReadReceipt	 rr = NATTER__READ_RECEIPT__INIT;
	ProtobufCBinaryData	 ids[OUTBOX_READ_MAX];
	Natter__HistoryChunk	*hc;
	size_t			 i;
	int			 rc;

	ct.message_id.data = s->id;
	ct.message_id.len = sizeof s->id;
	ct.ts = s->ts;
	ct.to = s->to;
	if (s->leave) {
		dl.device = account_device(ob->acct);
		ct.body_case = NATTER__CONTENT__BODY_DEVICE_LEAVE;
		ct.device_leave = &dl;
		return (content_encode(&ct, pt, ptlen));
	}
	if (s->hist != NULL) {
		if ((hc = natter__history_chunk__unpack(NULL, s->histlen,
		    s->hist)) == NULL)
			return (-1);
		ct.body_case = NATTER__CONTENT__BODY_HISTORY;
		ct.history = hc;
		rc = content_encode(&ct, pt, ptlen);
		natter__history_chunk__free_unpacked(hc, NULL);
		return (rc);
	}
	if (s->att != NULL) {
		if ((ct.attachment = natter__attachment__unpack(NULL, s->attlen,
		    s->att)) == NULL)
			return (-1);
		ct.body_case = NATTER__CONTENT__BODY_ATTACHMENT;
		rc = content_encode(&ct, pt, ptlen);
		natter__attachment__free_unpacked(ct.attachment, NULL);
		return (rc);
	}
	if (s->text != NULL) {
		ct.body_case = NATTER__CONTENT__BODY_TEXT;
		ct.text = s->text;
	} else {
		for (i = 0; i < s->nread && i < OUTBOX_READ_MAX; i++) {
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

/* Envelopes for every device with a session: to's and our other ones. */
static int
outbox_envelopes(struct outbox *ob, struct outbox_msg *s, Natter__Send *snd,
    struct core_error *err)
{
	const char	*self = account_name(ob->acct);
	uint8_t		*pt;
	size_t		 ptlen;

	if (outbox_plaintext(ob, s, &pt, &ptlen) != 0) {
		err_set(err, CORE_ERR_TOO_LARGE, "message too long");
		return (-1);
	}
	if (s->resend)
		(void)devices_envelope_one(ob->devs, s->to, s->only, pt, ptlen,
		    snd);
	else if (s->only != 0)
		(void)devices_envelope_to(ob->devs, s->only, pt, ptlen, snd);
	else {
		(void)devices_envelopes(ob->devs, s->to, pt, ptlen, snd);
		if (strcmp(s->to, self) != 0)
			(void)devices_envelopes(ob->devs, self, pt, ptlen,
			    snd);
	}
	sodium_memzero(pt, ptlen);
	free(pt);
	return (0);
}

/*
 * A device the server says is missing that the account's signed list (as
 * looked up for this message) does not have, or any but the one a resend
 * is for: left out on purpose, and said so in Send.skipped from now on.
 */
static int
outbox_skip(struct outbox *ob, struct outbox_msg *s, const char *name,
    uint32_t device)
{
	size_t	i;
	int	target = strcmp(name, s->to) == 0 && device == s->only;

	if (s->resend ? target : (!s->looked_up ||
	    devices_is_listed(ob->devs, name, device)))
		return (0);
	for (i = 0; i < s->nskip; i++) {
		if (s->skip[i]->device == device &&
		    strcmp(s->skip[i]->name, name) == 0)
			return (1);
	}
	if (s->nskip == PEERS_MAX_DEVICES)
		return (1);
	s->skip[s->nskip] = xmalloc(sizeof *s->skip[0]);
	natter__device_ref__init(s->skip[s->nskip]);
	s->skip[s->nskip]->name = xstrdup(name);
	s->skip[s->nskip++]->device = device;
	return (1);
}

static void
outbox_mismatch(struct outbox *ob, struct outbox_msg *s,
    const Natter__Response *r)
{
	struct core_error	 err;
	char			*names[PEERS_MAX_DEVICES];
	size_t			 i, j, n = 0;

	for (i = 0; i < r->n_extra; i++)
		(void)devices_forget(ob->devs, r->extra[i]->name,
		    r->extra[i]->device);
	for (i = 0; i < r->n_missing && n < PEERS_MAX_DEVICES; i++) {
		const char *nm = r->missing[i]->name;

		if (nm == NULL || !wire_name_valid(nm) ||
		    outbox_skip(ob, s, nm, r->missing[i]->device))
			continue;
		for (j = 0; j < n && strcmp(names[j], nm) != 0; j++)
			;
		if (j == n)
			names[n++] = (char *)nm;
	}
	if (++s->tries > OUTBOX_MAX_TRIES) {
		err_set(&err, CORE_ERR_PROTOCOL, "the server keeps reporting a "
		    "changed device list for %s", s->to);
		outbox_finish(ob, s, &err);
	} else if (n > 0 && !ob->fetching) {
		/* The window's later sends report the same: one fetch. */
		s->looked_up = 1;
		(void)outbox_fetch(ob, s, names, n);
		return;
	}
	outbox_kick(ob);
}

static void
outbox_sent(void *arg, const Natter__Response *resp)
{
	struct outbox_msg	*s = arg;
	struct outbox		*ob = s->ob;
	struct core_error	 err;

	s->inflight = 0;
	ob->inflight--;
	if (resp == NULL)
		return;		/* resent after reconnecting */
	if (resp->code == NATTER__CODE__OK) {
		outbox_stored(ob, s);
		outbox_kick(ob);
		return;
	}
	if (resp->code == NATTER__CODE__DEVICE_MISMATCH) {
		outbox_mismatch(ob, s, resp);
		return;
	}
	err_from_resp(&err, resp, "send");
	if (resp->code == NATTER__CODE__UNKNOWN_USER)
		err_set(&err, CORE_ERR_UNKNOWN_USER, "no user %s on %s: check "
		    "the name", s->to, conn_server(ob->cn));
	outbox_finish(ob, s, &err);
	outbox_kick(ob);
}

/*
 * s's recipient has a changed key that nobody verified or accepted yet.
 * A send someone waits for fails with that error (they still have the
 * text); a message queued earlier stays in the outbox, skipped, until
 * the key is settled (told once): nothing queued is lost.
 */
static int
outbox_hold(struct outbox *ob, struct outbox_msg *s,
    const struct core_error *err)
{
	struct core_event	ev;
	struct core_error	e;

	if (s->cb != NULL || s->text == NULL || s->resend) {
		outbox_finish(ob, s, err);
		return (OUTBOX_DONE);
	}
	if (!s->held) {
		s->held = 1;
		err_set(&e, err->code, "a message queued for %s waits in the "
		    "outbox: %s", s->to, err->msg);
		memset(&ev, 0, sizeof ev);
		ev.type = CORE_EV_ERROR;
		ev.from = s->to;
		ev.error = &e;
		event_emit(ob->ev, &ev);
	}
	outbox_check_empty(ob);
	return (OUTBOX_HELD);
}

/* s's file goes to the server first: OUTBOX_WAIT until outbox_uploaded. */
static int
outbox_upload(struct outbox *ob, struct outbox_msg *s)
{
	Natter__Attachment	*a;
	char			 hex[CORE_IDHEXBYTES];

	if (s->uploading || ob->upload == NULL)
		return (OUTBOX_WAIT);
	if ((a = natter__attachment__unpack(NULL, s->attlen, s->att)) == NULL)
		return (OUTBOX_WAIT);
	s->uploading = 1;
	event_id_hex(hex, s->id, sizeof s->id);
	ob->upload(ob->upload_arg, s, hex, a);
	natter__attachment__free_unpacked(a, NULL);
	return (OUTBOX_WAIT);
}

void
outbox_uploaded(struct outbox_msg *s, const struct core_error *err)
{
	struct outbox	*ob = s->ob;
	core_sent_cb	*cb = s->cb;

	s->uploading = 0;
	if (err == NULL)
		s->upload = 0;	/* (again after a restart: a HEAD says so) */
	else if (err->code == CORE_ERR_UNREACHABLE ||
	    err->code == CORE_ERR_CLOSED) {
		/* It stays queued; the caller hears now. */
		s->cb = NULL;
		if (cb != NULL)
			cb(ob->c, err, NULL, 0, s->arg);
		return;
	} else {
		outbox_finish(ob, s, err);
		return;
	}
	outbox_kick(ob);
}

/* Encrypt s for every device and send it; OUTBOX_SENT, _DONE, _WAIT or
 * _HELD. */
static int
outbox_try(struct outbox *ob, struct outbox_msg *s)
{
	Natter__Frame		fr = NATTER__FRAME__INIT;
	Natter__Send		snd = NATTER__SEND__INIT;
	struct core_error	err;
	uint32_t		dev;
	size_t			i;
	int			rc = OUTBOX_SENT;

	if (s->upload)
		return (outbox_upload(ob, s));
	if (s->to[0] == '#' && s->text != NULL && !s->resend)
		return (ob->group_try != NULL ? ob->group_try(ob->group_arg, s) :
		    OUTBOX_WAIT);
	if (devices_usable(ob->devs, s->to, &err) != 0)
		return (outbox_hold(ob, s, &err));
	s->held = 0;
	if (peers_devices(ob->peers, s->to, &dev, 1) <= 0) {
		if (s->tries++ > 0) {
			err_set(&err, CORE_ERR_UNKNOWN_USER, "no devices of %s to "
			    "send to", s->to);
			outbox_finish(ob, s, &err);
			return (OUTBOX_DONE);
		}
		return (outbox_fetch(ob, s, &s->to, 1));
	}
	if (outbox_envelopes(ob, s, &snd, &err) != 0) {
		outbox_finish(ob, s, &err);
		return (OUTBOX_DONE);
	}
	for (i = 0; i < s->nskip; i++)
		peers_skip(&snd, s->skip[i]->name, s->skip[i]->device);
	snd.message_id.data = s->resend ? s->send_id : s->id;
	snd.message_id.len = sizeof s->id;
	snd.to = s->to;
	fr.body_case = NATTER__FRAME__BODY_SEND;
	fr.send = &snd;
	if (conn_request(ob->cn, &fr, outbox_sent, s) == 0) {
		s->inflight = 1;
		ob->inflight++;
	} else
		rc = OUTBOX_WAIT;
	peers_envelopes_free(&snd);
	return (rc);
}

/*
 * Send what the window allows, in outbox order.  A message that has to go
 * again (device list changed, connection lost) waits until every message
 * after it has been answered, so the server stores them in order.
 */
void
outbox_kick(struct outbox *ob)
{
	struct outbox_msg	*s, *next;
	int			 before = 0;

	for (s = TAILQ_FIRST(&ob->msgs); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		if (!conn_ready(ob->cn) || ob->fetching ||
		    ob->inflight >= OUTBOX_WINDOW)
			return;
		if (s->inflight) {
			before++;
			continue;
		}
		if (before < ob->inflight)
			return;		/* in flight behind s */
		switch (outbox_try(ob, s)) {
		case OUTBOX_SENT:
			before++;
			break;
		case OUTBOX_WAIT:
			return;
		}
	}
}

int
outbox_group_fail(struct outbox_msg *s, const struct core_error *err)
{
	if (err->code == CORE_ERR_UNTRUSTED_IDENTITY)
		return (outbox_hold(s->ob, s, err));
	outbox_finish(s->ob, s, err);
	return (OUTBOX_DONE);
}

void
outbox_group_done(struct outbox_msg *s, const struct core_error *err)
{
	struct outbox	*ob = s->ob;

	if (err == NULL)
		outbox_stored(ob, s);
	else
		(void)outbox_group_fail(s, err);
	outbox_kick(ob);
}

void
outbox_fail_all(struct outbox *ob, const struct core_error *err, int forget)
{
	struct outbox_msg	*s;
	struct core_error	 e = *err;

	ob->inflight = 0;
	ob->fetching = 0;
	if (err->code == CORE_ERR_UNREACHABLE || err->code == CORE_ERR_CLOSED ||
	    err->code == CORE_ERR_TIMEOUT)
		snprintf(e.msg + strlen(e.msg), sizeof e.msg - strlen(e.msg),
		    " (the message stays in the outbox and goes out with the "
		    "next connection)");
	for (;;) {
		core_sent_cb	*cb;
		void		*arg;

		/* From the top each time: a callback may close the core. */
		TAILQ_FOREACH(s, &ob->msgs, entry) {
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
			outbox_msg_free(ob, s);
		if (cb != NULL)
			cb(ob->c, &e, NULL, 0, arg);
	}
}
