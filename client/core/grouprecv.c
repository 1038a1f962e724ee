/* grouprecv: receiving for groups: membership changes (Delivery type 4), sender-key messages (type 3), sender keys that came pairwise. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/core/account.h"
#include "client/core/attach.h"
#include "client/core/content.h"
#include "client/core/devices.h"
#include "client/core/err.h"
#include "client/core/event.h"
#include "client/core/files.h"
#include "client/core/grouprecv.h"
#include "client/core/groups.h"
#include "client/core/senderkeys.h"
#include "client/store/msglog.h"
#include "client/store/store.h"
#include "shared/proto/wire.h"
#include "shared/util/log.h"
#include "shared/util/xmalloc.h"

#define GR_TYPE_MESSAGE	3	/* Delivery.type */
#define GR_TYPE_CHANGE	4
#define GR_CHANGE_REMOVED 3	/* GroupChange.change */
#define GR_CHANGE_LEFT	4
#define GR_CHANGE_MAX	6

struct grouprecv {
	struct store		*st;
	struct account		*acct;
	struct devices		*devs;
	struct files		*files;
	struct event_sink	*ev;
};

struct grouprecv *
grouprecv_create(struct store *st, struct account *acct, struct devices *devs,
    struct files *files, struct event_sink *ev)
{
	struct grouprecv	*gr;

	gr = xcalloc(1, sizeof *gr);
	gr->st = st;
	gr->acct = acct;
	gr->devs = devs;
	gr->files = files;
	gr->ev = ev;
	return (gr);
}

void
grouprecv_free(struct grouprecv *gr)
{
	free(gr);
}

/* Record seq alone (a refused or malformed delivery is acked). */
static void
gr_skip(struct grouprecv *gr, uint64_t seq)
{
	if (store_begin(gr->st) != 0)
		return;
	if (store_seq_add(gr->st, seq) != 0 || store_commit(gr->st) != 0)
		store_rollback(gr->st);
}

/* Refuse d: told to the user (CORE_EV_ERROR), acked, not shown. */
static void
gr_refuse(struct grouprecv *gr, const Natter__Delivery *d, const char *why)
{
	struct core_error	err;
	struct core_event	ev;

	err_set(&err, CORE_ERR_CRYPTO, "refused a group message from %s "
	    "(device %u): %s", d->from != NULL ? d->from : "?",
	    d->from_device, why);
	log_info("%s", err.msg);
	gr_skip(gr, d->seq);
	memset(&ev, 0, sizeof ev);
	ev.type = CORE_EV_ERROR;
	ev.from = d->from;
	ev.from_device = d->from_device;
	event_id_hex(ev.id, d->message_id.data, d->message_id.len);
	ev.error = &err;
	event_emit(gr->ev, &ev);
}

static int
gr_has(const Natter__GroupChange *ch, const char *name)
{
	size_t	i;

	for (i = 0; i < ch->n_users; i++)
		if (ch->users[i] != NULL && strcmp(ch->users[i], name) == 0)
			return (1);
	return (0);
}

/* The sender-key consequences of a change, in the open transaction. */
static int
gr_change_keys(struct grouprecv *gr, const Natter__GroupChange *ch,
    const uint8_t *gid)
{
	const char	*self = account_name(gr->acct);

	if (ch->change != GR_CHANGE_REMOVED && ch->change != GR_CHANGE_LEFT)
		return (0);
	/* We went: our key for the group is of no more use. */
	if (gr_has(ch, self) || !groups_is_member(ch->group, self))
		return (senderkeys_own_drop(gr->st, gid));
	/*
	 * Trust: someone went who holds our current chain: rotate before
	 * our next message to the group (docs/groups.md).
	 */
	return (senderkeys_mark_rotate(gr->st, gid));
}

/* Is the change well formed?  Its group is d's. */
static int
gr_change_valid(const Natter__Delivery *d)
{
	const Natter__GroupChange	*ch = d->change;
	size_t				 i;

	if (ch == NULL || ch->group == NULL || ch->change < 1 ||
	    ch->change > GR_CHANGE_MAX || ch->by == NULL ||
	    !wire_name_valid(ch->by) || d->group.len != GROUPS_IDBYTES ||
	    ch->group->id.len != GROUPS_IDBYTES ||
	    memcmp(ch->group->id.data, d->group.data, GROUPS_IDBYTES) != 0 ||
	    ch->n_users > GROUPS_MAXMEMBERS)
		return (0);
	for (i = 0; i < ch->n_users; i++)
		if (ch->users[i] == NULL || !wire_name_valid(ch->users[i]))
			return (0);
	return (1);
}

/* A membership change: the copy, keys, a line of the conversation. */
static void
gr_change(struct grouprecv *gr, const Natter__Delivery *d)
{
	Natter__StoredMessage		 m = NATTER__STORED_MESSAGE__INIT;
	const Natter__GroupChange	*ch = d->change;
	char				 peer[GROUPS_PEERBYTES];
	uint8_t				 id[crypto_hash_sha256_BYTES];
	int64_t				 seq = 0;
	int				 rc;

	if (!gr_change_valid(d)) {
		gr_refuse(gr, d, "a malformed group change");
		return;
	}
	groups_peer(peer, d->group.data);
	/* A change has no sender's id: one from (group, epoch). */
	crypto_generichash(id, sizeof id, (const uint8_t *)&ch->group->epoch,
	    sizeof ch->group->epoch, d->group.data, GROUPS_IDBYTES);
	m.message_id.data = id;
	m.message_id.len = CORE_IDBYTES;
	m.peer = m.to = peer;
	m.from = m.by = ch->by;
	m.ts = ch->ts;
	m.text = (char *)"";
	m.group = d->group;
	m.change = ch->change;
	m.users = ch->users;
	m.n_users = ch->n_users;
	if (store_begin(gr->st) != 0)
		return;
	/* In order: the copy changes before anything queued after it. */
	rc = groups_update(gr->st, ch->group, account_name(gr->acct)) < 0 ||
	    gr_change_keys(gr, ch, d->group.data) != 0 ? -1 : 0;
	if (rc == 0)
		rc = msglog_add(gr->st, STORE_MESSAGE, STORE_ST_SEEN, &m, &seq);
	if (rc == -1 || store_seq_add(gr->st, d->seq) != 0 ||
	    store_commit(gr->st) != 0) {
		store_rollback(gr->st);
		log_warn("cannot save a change of a group");
		return;
	}
	if (seq > 0)
		event_emit_row(gr->ev, seq, STORE_MESSAGE, STORE_ST_SEEN, &m);
}

/* Store a decrypted group message (open transaction); 0, 1 bad, -1. */
static int
gr_store(struct grouprecv *gr, const Natter__Delivery *d,
    const Natter__Content *ct, Natter__StoredMessage *m, char *peer,
    int64_t *seq)
{
	int	mine = strcmp(d->from, account_name(gr->acct)) == 0;

	m->message_id = ct->message_id;
	m->peer = m->to = peer;
	m->from = d->from;
	m->from_device = d->from_device;
	m->ts = ct->ts;
	m->text = ct->text;
	m->outgoing = mine;	/* ours, from another of our devices */
	m->group = d->group;
	if (ct->body_case == NATTER__CONTENT__BODY_ATTACHMENT) {
		if (attach_valid(ct->attachment) != 0)
			return (1);
		m->attachment = ct->attachment;
		m->text = ct->attachment->caption != NULL ?
		    ct->attachment->caption : (char *)"";
		if (files_incoming(gr->files, ct->attachment) != 0)
			return (-1);
	} else if (ct->body_case != NATTER__CONTENT__BODY_TEXT ||
	    ct->text == NULL || strlen(ct->text) > CORE_TEXT_MAX)
		return (1);
	return (msglog_add(gr->st, STORE_MESSAGE, mine ? STORE_ST_SENT :
	    STORE_ST_RECEIVED, m, seq));
}

/* Decrypt, check and keep a group message (open transaction). */
static const char *
gr_open(struct grouprecv *gr, const Natter__Delivery *d, Natter__Content **ctp)
{
	uint8_t		*pt;
	size_t		 ptlen;
	int		 rc;

	*ctp = NULL;
	rc = senderkeys_decrypt(gr->st, d->group.data, d->from,
	    d->from_device, d->content.data, d->content.len, &pt, &ptlen);
	if (rc == SENDERKEYS_NOKEY)
		return ("that device never gave us its sender key");
	if (rc == SENDERKEYS_BAD)
		return ("its signature or tag does not verify, or a replay");
	if (rc != SENDERKEYS_OK)
		return ("");
	*ctp = content_decode(pt, ptlen);
	sodium_memzero(pt, ptlen);
	free(pt);
	/* Trust: the plaintext names the group it was written for. */
	if (*ctp == NULL || (*ctp)->group.len != GROUPS_IDBYTES ||
	    memcmp((*ctp)->group.data, d->group.data, GROUPS_IDBYTES) != 0)
		return ("malformed content, or for another group");
	return (NULL);
}

static void
gr_message(struct grouprecv *gr, const Natter__Delivery *d)
{
	Natter__StoredMessage	 m = NATTER__STORED_MESSAGE__INIT;
	Natter__Content		*ct = NULL;
	struct group		*g;
	const char		*why = NULL;
	char			 peer[GROUPS_PEERBYTES];
	int64_t			 seq = 0;
	int			 rc;

	if (d->from == NULL || !wire_name_valid(d->from) ||
	    d->group.len != GROUPS_IDBYTES) {
		gr_refuse(gr, d, "malformed");
		return;
	}
	g = groups_by_id(gr->st, d->group.data, d->group.len);
	/*
	 * Trust: only from a member in our own, in-order view of the group
	 * (changes are applied as they arrive, before what follows them).
	 */
	if (g == NULL || g->local->gone || !groups_is_member(g->info, d->from))
		why = "not a member of the group as this device knows it";
	/*
	 * Trust: and only from a device still on its account's verified
	 * signed list.  A device gave us its key while listed; once its
	 * primary takes it off (a stolen laptop), a server that still
	 * routes for it must not get its messages shown.
	 */
	else if (!devices_is_listed(gr->devs, d->from, d->from_device))
		why = "that device is not on its account's signed device list";
	groups_free_one(g);
	if (why != NULL) {
		gr_refuse(gr, d, why);
		return;
	}
	groups_peer(peer, d->group.data);
	if (store_begin(gr->st) != 0)
		return;
	if ((why = gr_open(gr, d, &ct)) != NULL) {
		store_rollback(gr->st);
		content_free(ct);
		if (*why != '\0')
			gr_refuse(gr, d, why);
		return;
	}
	rc = gr_store(gr, d, ct, &m, peer, &seq);
	if (rc == -1 || store_seq_add(gr->st, d->seq) != 0 ||
	    store_commit(gr->st) != 0) {
		store_rollback(gr->st);
		log_warn("cannot save a group message from %s", d->from);
	} else if (rc == 1)
		gr_refuse(gr, d, "malformed content");
	else if (seq > 0) {
		event_emit_row(gr->ev, seq, STORE_MESSAGE, m.outgoing ?
		    STORE_ST_SENT : STORE_ST_RECEIVED, &m);
		if (m.attachment != NULL)
			files_kick(gr->files);
	}
	content_free(ct);
}

void
grouprecv_deliver(struct grouprecv *gr, const Natter__Delivery *d)
{
	if (d->type == GR_TYPE_CHANGE)
		gr_change(gr, d);
	else if (d->type == GR_TYPE_MESSAGE)
		gr_message(gr, d);
	else
		gr_skip(gr, d->seq);
}

int
grouprecv_sender_key(struct grouprecv *gr, const char *from, uint32_t device,
    const Natter__Content *ct)
{
	const Natter__SenderKey	*sk = ct->sender_key;

	/*
	 * Trust: the sender (from, device) was checked against its
	 * account's signed list by the inbox before this; the key is filed
	 * under that device and the group the distribution names, which
	 * must be the one SenderKey (and Content) say.
	 */
	if (sk == NULL || sk->group.len != GROUPS_IDBYTES ||
	    (ct->group.len != 0 && (ct->group.len != GROUPS_IDBYTES ||
	    memcmp(ct->group.data, sk->group.data, GROUPS_IDBYTES) != 0)))
		return (2);
	return (senderkeys_install(gr->st, from, device, sk->group.data,
	    sk->distribution.data, sk->distribution.len) == 0 ? 0 : 2);
}

/*
 * Add by to the names list (n entries) of m, once and never our own
 * account: 1 if added, 0 if there already (or ours, or full).
 */
static int
gr_count_once(char ***names, size_t *n, const char *by, const char *self)
{
	size_t	i;

	for (i = 0; i < *n; i++)
		if (strcmp((*names)[i], by) == 0)
			return (0);
	if (strcmp(by, self) == 0 || *n >= GROUPS_MAXMEMBERS)
		return (0);
	/* Freed with the message: protobuf-c frees what the array holds. */
	*names = xreallocarray(*names, *n + 1, sizeof **names);
	(*names)[(*n)++] = xstrdup(by);
	return (1);
}

int
grouprecv_counted(struct store *st, const char *self, const uint8_t *id,
    size_t idlen, const char *by, int read, Natter__StoredMessage *r,
    uint8_t gid[GROUPS_IDBYTES])
{
	Natter__StoredMessage	*m;
	int64_t			 seq;
	int			 status, rc = 0;

	if ((rc = msglog_get(st, id, idlen, &seq, &status, &m)) != 0)
		return (rc < 0 ? -1 : 0);
	if (m->group.len != GROUPS_IDBYTES || !m->outgoing) {
		natter__stored_message__free_unpacked(m, NULL);
		return (0);
	}
	memcpy(gid, m->group.data, GROUPS_IDBYTES);
	if (read ? gr_count_once(&m->read_by, &m->n_read_by, by, self) :
	    gr_count_once(&m->delivered_by, &m->n_delivered_by, by, self))
		rc = msglog_replace(st, seq, m) == 0 ? 1 : -1;
	r->group.data = gid;
	r->group.len = GROUPS_IDBYTES;
	r->delivered_n = (uint32_t)m->n_delivered_by;
	r->read_n = (uint32_t)m->n_read_by;
	r->recipients_n = m->recipients_n;
	natter__stored_message__free_unpacked(m, NULL);
	return (rc);
}

int
grouprecv_delivered(struct grouprecv *gr, const uint8_t *id, size_t idlen,
    const char *by, Natter__StoredMessage *r, uint8_t gid[GROUPS_IDBYTES])
{
	return (grouprecv_counted(gr->st, account_name(gr->acct), id, idlen,
	    by, 0, r, gid));
}
