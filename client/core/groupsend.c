/* groupsend: a group message's way out: the device check, sender-key rotation and distribution over pairwise sessions, then one GroupSend. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/core/account.h"
#include "client/core/conn.h"
#include "client/core/content.h"
#include "client/core/devices.h"
#include "client/core/err.h"
#include "client/core/groups.h"
#include "client/core/groupsend.h"
#include "client/core/outbox.h"
#include "client/core/peers.h"
#include "client/core/senderkeys.h"
#include "client/store/store.h"
#include "shared/crypto/senderkey.h"
#include "shared/util/log.h"
#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"

/* Device mismatches (and lookups) one message may cost before it fails. */
#define GS_MAX_TRIES	5

struct groupsend {
	struct store	*st;
	struct account	*acct;
	struct conn	*cn;
	struct devices	*devs;
	struct peers	*peers;
	struct outbox	*ob;
};

/* One group message on its way (outbox_msg_job). */
struct gsjob {
	struct groupsend	*gs;
	struct outbox_msg	*m;
	uint8_t			 gid[GROUPS_IDBYTES];
	int			 busy;		/* a request or lookup is out */
	int			 fetched;	/* lists looked up for this set */
	int			 tries;
	int			 pending;	/* distributions unanswered */
	int			 redo;		/* one of them mismatched */
	int			 dist_none;	/* nothing could be given */
	struct skown		*own;		/* while distributing */
};

/* One distribution Send: who it went to. */
struct gsdist {
	struct gsjob		*j;
	Natter__DeviceKey	**to;
	size_t			 nto;
};

static int	gs_try(void *, struct outbox_msg *);

static void
gs_release(void *arg)
{
	struct gsjob	*j = arg;

	if (j == NULL)
		return;
	if (j->busy) {
		j->m = NULL;	/* an answer is still to come: it frees j */
		return;
	}
	senderkeys_own_free(j->own);
	free(j);
}

struct groupsend *
groupsend_create(struct store *st, struct account *acct, struct conn *cn,
    struct devices *devs, struct peers *peers, struct outbox *ob)
{
	struct groupsend	*gs;

	gs = xcalloc(1, sizeof *gs);
	gs->st = st;
	gs->acct = acct;
	gs->cn = cn;
	gs->devs = devs;
	gs->peers = peers;
	gs->ob = ob;
	outbox_set_group(ob, gs_try, gs_release, gs);
	return (gs);
}

void
groupsend_free(struct groupsend *gs)
{
	free(gs);
}

static int
gs_cmp(const void *a, const void *b)
{
	const Natter__DeviceKey	*x = *(Natter__DeviceKey *const *)a;
	const Natter__DeviceKey	*y = *(Natter__DeviceKey *const *)b;
	int			 c = strcmp(x->name, y->name);

	if (c != 0)
		return (c);
	return (x->device < y->device ? -1 : x->device > y->device);
}

void
groupsend_hash(uint8_t out[32], Natter__DeviceKey *const *devs, size_t n)
{
	crypto_hash_sha256_state	 h;
	Natter__DeviceKey		**v;
	uint8_t				 len, be[4];
	size_t				 i;

	v = xcalloc(n + 1, sizeof *v);
	if (n > 0) {
		memcpy(v, devs, n * sizeof *v);
		qsort(v, n, sizeof *v, gs_cmp);
	}
	crypto_hash_sha256_init(&h);
	for (i = 0; i < n; i++) {
		len = (uint8_t)strlen(v[i]->name);
		be[0] = (uint8_t)(v[i]->device >> 24);
		be[1] = (uint8_t)(v[i]->device >> 16);
		be[2] = (uint8_t)(v[i]->device >> 8);
		be[3] = (uint8_t)v[i]->device;
		crypto_hash_sha256_update(&h, &len, 1);
		crypto_hash_sha256_update(&h, (const uint8_t *)v[i]->name, len);
		crypto_hash_sha256_update(&h, be, 4);
	}
	crypto_hash_sha256_final(&h, out);
	free(v);
}

/* The job of m (made at its first try). */
static struct gsjob *
gs_job(struct groupsend *gs, struct outbox_msg *m, const uint8_t *gid)
{
	void		**jp = outbox_msg_job(m);
	struct gsjob	 *j = *jp;

	if (j == NULL) {
		j = xcalloc(1, sizeof *j);
		j->gs = gs;
		j->m = m;
		memcpy(j->gid, gid, GROUPS_IDBYTES);
		*jp = j;
	}
	return (j);
}

/* Is this one of our own device (the sending one)? */
static int
gs_self(struct groupsend *gs, const Natter__DeviceKey *d)
{
	return (strcmp(d->name, account_name(gs->acct)) == 0 &&
	    d->device == account_device(gs->acct));
}

/*
 * Trust: may this device get our sender key?  Only a device on its
 * account's signed device list, verified against the pinned account key,
 * whose pairwise session is with the identity key that list names
 * (devices_may_encrypt: the 1:1 path's gate).  A device the server added
 * on its own is counted in devices_hash but never given a key.
 */
static int
gs_may_give(struct groupsend *gs, const struct group *g,
    const Natter__DeviceKey *d)
{
	/*
	 * And only to a member in our own view of the group: the device set
	 * kept from the last mismatch may be older than a removal we have
	 * seen since, and a removed member must not get the new key.
	 */
	return (!gs_self(gs, d) && groups_is_member(g->info, d->name) &&
	    devices_may_encrypt(gs->devs, d->name, d->device));
}

/*
 * Trust: a member whose identity key changed and that nobody verified
 * or accepted blocks the group send, as a 1:1 send to it is blocked.
 */
static int
gs_trusted(struct groupsend *gs, const struct group *g,
    struct core_error *err)
{
	size_t	i;

	for (i = 0; i < g->info->n_members; i++)
		if (devices_usable(gs->devs, g->info->members[i], err) != 0)
			return (-1);
	return (0);
}

/*
 * Does d hold our current key?  Given to it over a session with the
 * identity key its session has now: after a key change the user
 * accepted, the device is new to our key.
 */
static int
gs_holds(struct groupsend *gs, struct skown *own, const Natter__DeviceKey *d)
{
	uint8_t	ik[32];

	if (peers_identity(gs->peers, d->name, d->device, ik) != 0)
		return (senderkeys_own_holds(own, d->name, d->device, NULL));
	/* A session its signed list no longer vouches for (a key change
	 * the user accepted): looked up again, then given the key anew. */
	return (senderkeys_own_holds(own, d->name, d->device, ik) &&
	    devices_may_encrypt(gs->devs, d->name, d->device));
}

/* The names (distinct) with a device in the set that lacks our key. */
static size_t
gs_lacking(struct gsjob *j, const struct group *g, struct skown *own,
    int need_listed, char **names, size_t max)
{
	Natter__DeviceKey	*d;
	size_t			 i, k, n = 0;

	for (i = 0; i < g->local->n_devices && n < max; i++) {
		d = g->local->devices[i];
		if (d->name == NULL || gs_self(j->gs, d) ||
		    gs_holds(j->gs, own, d))
			continue;
		if (!groups_is_member(g->info, d->name) ||
		    (need_listed && !gs_may_give(j->gs, g, d)))
			continue;
		for (k = 0; k < n && strcmp(names[k], d->name) != 0; k++)
			;
		if (k == n)
			names[n++] = d->name;
	}
	return (n);
}

static void
gs_kick_later(struct gsjob *j)
{
	struct outbox	*ob = j->gs->ob;

	j->busy = 0;
	if (j->m == NULL) {
		gs_release(j);
		return;
	}
	outbox_kick(ob);
}

static void
gs_fetched(void *arg, const struct core_error *err)
{
	struct gsjob	*j = arg;

	/* Unreachable: the next connection starts again; any other error
	 * (a name that is gone): what is known now decides. */
	if (err == NULL || err->code != CORE_ERR_UNREACHABLE)
		j->fetched = 1;
	gs_kick_later(j);
}

static void
gs_dist_free(struct gsdist *d)
{
	size_t	i;

	for (i = 0; i < d->nto; i++) {
		free(d->to[i]->name);
		free(d->to[i]->identity_key.data);
		free(d->to[i]);
	}
	free(d->to);
	free(d);
}

/* One distribution answered (or the last one sent): the last goes on. */
static void
gs_dist_put(struct gsjob *j)
{
	if (--j->pending > 0)
		return;
	/* Who holds the key now is kept before the message goes. */
	if (j->own != NULL && senderkeys_own_save(j->gs->st, j->own) != 0)
		log_warn("cannot save who holds our sender key");
	senderkeys_own_free(j->own);
	j->own = NULL;
	if (j->redo) {
		j->redo = 0;
		j->fetched = 0;
		j->tries++;
	}
	gs_kick_later(j);
}

static void
gs_dist_answered(void *arg, const Natter__Response *resp)
{
	struct gsdist	*d = arg;
	struct gsjob	*j = d->j;
	size_t		 i;

	/* Only a stored distribution makes its devices holders. */
	if (resp != NULL && resp->code == NATTER__CODE__OK && j->own != NULL)
		for (i = 0; i < d->nto; i++)
			senderkeys_own_add_holder(j->own, d->to[i]->name,
			    d->to[i]->device, d->to[i]->identity_key.data);
	else
		j->redo = 1;
	gs_dist_free(d);
	gs_dist_put(j);
}

/*
 * One Send of our distribution message to name: an envelope for each of
 * its devices in the set that lacks our key and may get it; every other
 * device of the set (of name, and ours) skipped.  0 sent, 1 nothing to
 * send, -1 not connected.
 */
static int
gs_dist_one(struct gsjob *j, const struct group *g, struct skown *own,
    const char *name, const uint8_t *pt, size_t ptlen)
{
	Natter__Frame		 fr = NATTER__FRAME__INIT;
	Natter__Send		 snd = NATTER__SEND__INIT;
	struct groupsend	*gs = j->gs;
	struct gsdist		*dd;
	Natter__DeviceKey	*d, *h;
	uint8_t			 id[CORE_IDBYTES], h_ik[32];
	size_t			 i;
	int			 self = strcmp(name, account_name(gs->acct)) == 0;

	dd = xcalloc(1, sizeof *dd);
	dd->j = j;
	for (i = 0; i < g->local->n_devices; i++) {
		d = g->local->devices[i];
		if (d->name == NULL || gs_self(gs, d))
			continue;
		if (strcmp(d->name, name) != 0) {
			if (!self && strcmp(d->name, account_name(gs->acct)) == 0)
				peers_skip(&snd, d->name, d->device);
			continue;
		}
		if (gs_holds(gs, own, d) || !gs_may_give(gs, g, d) ||
		    peers_identity(gs->peers, d->name, d->device, h_ik) != 0 ||
		    peers_seal(gs->peers, d->name,
		    d->device, pt, ptlen, &snd) != 0) {
			peers_skip(&snd, d->name, d->device);
			continue;
		}
		h = xmalloc(sizeof *h);
		natter__device_key__init(h);
		h->name = xstrdup(d->name);
		h->device = d->device;
		h->identity_key.data = xmalloc(32);
		memcpy(h->identity_key.data, h_ik, 32);
		h->identity_key.len = 32;
		dd->to = xreallocarray(dd->to, dd->nto + 1, sizeof *dd->to);
		dd->to[dd->nto++] = h;
	}
	if (dd->nto == 0) {
		peers_envelopes_free(&snd);
		gs_dist_free(dd);
		return (1);
	}
	randombytes_buf(id, sizeof id);
	snd.message_id.data = id;
	snd.message_id.len = sizeof id;
	snd.to = (char *)name;
	fr.body_case = NATTER__FRAME__BODY_SEND;
	fr.send = &snd;
	if (conn_request(gs->cn, &fr, gs_dist_answered, dd) != 0) {
		peers_envelopes_free(&snd);
		gs_dist_free(dd);
		return (-1);
	}
	peers_envelopes_free(&snd);
	j->pending++;
	return (0);
}

/* The pairwise plaintext carrying our current distribution message. */
static int
gs_dist_plaintext(struct gsjob *j, struct skown *own, uint8_t **pt,
    size_t *ptlen)
{
	Natter__Content		ct = NATTER__CONTENT__INIT;
	Natter__SenderKey	sk = NATTER__SENDER_KEY__INIT;
	uint8_t			dist[SENDERKEY_DISTMAX], id[CORE_IDBYTES];
	size_t			dlen;
	int			rc;

	senderkey_distribution(senderkeys_own_key(own), dist, &dlen);
	randombytes_buf(id, sizeof id);
	ct.message_id.data = id;
	ct.message_id.len = sizeof id;
	ct.ts = time_now_ms();
	ct.to = (char *)"";
	ct.group.data = j->gid;
	ct.group.len = GROUPS_IDBYTES;
	sk.group.data = j->gid;
	sk.group.len = GROUPS_IDBYTES;
	sk.distribution.data = dist;
	sk.distribution.len = dlen;
	ct.body_case = NATTER__CONTENT__BODY_SENDER_KEY;
	ct.sender_key = &sk;
	rc = content_encode(&ct, pt, ptlen);
	sodium_memzero(dist, sizeof dist);
	return (rc);
}

/*
 * Give our current key to every device of names that lacks it and may
 * have it (docs/groups.md, step 3).  The group message waits for every
 * answer: the server queues per device in order, so each device has the
 * key before the message.  OUTBOX_WAIT.
 */
static int
gs_distribute(struct gsjob *j, const struct group *g, struct skown *own,
    char **names, size_t n)
{
	uint8_t	*pt;
	size_t	 ptlen, i;
	int	 rc = 0;

	if (gs_dist_plaintext(j, own, &pt, &ptlen) != 0) {
		senderkeys_own_free(own);
		return (OUTBOX_WAIT);
	}
	j->own = own;
	j->busy = 1;
	j->pending = 1;		/* held until all are out */
	for (i = 0; i < n && rc >= 0; i++)
		rc = gs_dist_one(j, g, own, names[i], pt, ptlen);
	sodium_memzero(pt, ptlen);
	free(pt);
	if (rc < 0)
		j->redo = 1;
	if (j->pending == 1)
		j->dist_none = 1;	/* nobody could take it: go on */
	gs_dist_put(j);
	return (OUTBOX_WAIT);
}

/* The sender-key message for m: its Content (bound to the group by
 * Content.group), padded, encrypted with our chain.  0 or -1. */
static int
gs_encrypt(struct gsjob *j, struct skown *own, uint8_t **out, size_t *outlen)
{
	Natter__Content		 ct = NATTER__CONTENT__INIT;
	struct outbox_view	 v;
	uint8_t			*pt;
	size_t			 ptlen;
	int			 rc;

	outbox_msg_view(j->m, &v);
	ct.message_id.data = (uint8_t *)v.id;
	ct.message_id.len = CORE_IDBYTES;
	ct.ts = v.ts;
	ct.to = (char *)"";
	ct.group.data = j->gid;
	ct.group.len = GROUPS_IDBYTES;
	if (v.att != NULL) {
		if ((ct.attachment = natter__attachment__unpack(NULL, v.attlen,
		    v.att)) == NULL)
			return (-1);
		ct.body_case = NATTER__CONTENT__BODY_ATTACHMENT;
	} else {
		ct.body_case = NATTER__CONTENT__BODY_TEXT;
		ct.text = (char *)v.text;
	}
	rc = content_encode(&ct, &pt, &ptlen);
	if (ct.body_case == NATTER__CONTENT__BODY_ATTACHMENT)
		natter__attachment__free_unpacked(ct.attachment, NULL);
	if (rc != 0)
		return (-1);
	*out = xmalloc(ptlen + SENDERKEY_OVERHEAD(GROUPS_IDBYTES));
	rc = senderkey_encrypt(senderkeys_own_key(own), *out, outlen, pt,
	    ptlen);
	sodium_memzero(pt, ptlen);
	free(pt);
	if (rc != 0)
		free(*out);
	return (rc);
}

/* The server took the group's message (or said why not). */
static void
gs_sent(void *arg, const Natter__Response *resp)
{
	struct gsjob		*j = arg;
	struct core_error	 err;
	struct group		*g;
	const char		*self = account_name(j->gs->acct);

	j->busy = 0;
	if (j->m == NULL) {
		gs_release(j);
		return;
	}
	if (resp == NULL)
		return;		/* tried again with the next connection */
	if (resp->code == NATTER__CODE__OK) {
		outbox_group_done(j->m, NULL);
		return;
	}
	if (resp->code != NATTER__CODE__DEVICE_MISMATCH) {
		err_from_resp(&err, resp, "group send");
		if (resp->code == NATTER__CODE__UNKNOWN_GROUP)
			err_set(&err, CORE_ERR_UNKNOWN_GROUP, "you are not a "
			    "member of that group (any more)");
		outbox_group_done(j->m, &err);
		return;
	}
	/* Step 1 of the device check: the server's set from now on. */
	if (resp->n_groups > 0 && groups_update(j->gs->st, resp->groups[0],
	    self) < 0)
		log_warn("a malformed group in a device mismatch");
	if ((g = groups_by_id(j->gs->st, j->gid, GROUPS_IDBYTES)) != NULL &&
	    groups_set_devices(j->gs->st, g, resp->devices,
	    resp->n_devices) != 0)
		log_warn("cannot keep a group's devices");
	groups_free_one(g);
	j->fetched = 0;
	j->dist_none = 0;
	if (++j->tries > GS_MAX_TRIES) {
		err_set(&err, CORE_ERR_PROTOCOL, "the server keeps reporting "
		    "changed devices in the group");
		outbox_group_done(j->m, &err);
		return;
	}
	outbox_kick(j->gs->ob);
}

/* Encrypt m with our key and send one GroupSend.  OUTBOX_SENT or _WAIT. */
static int
gs_send(struct gsjob *j, const struct group *g, struct skown *own)
{
	Natter__Frame		 fr = NATTER__FRAME__INIT;
	Natter__GroupSend	 gsnd = NATTER__GROUP_SEND__INIT;
	struct outbox_view	 v;
	struct core_error	 err;
	uint8_t			 hash[32], *ct;
	size_t			 ctlen;

	if (gs_encrypt(j, own, &ct, &ctlen) != 0) {
		err_set(&err, CORE_ERR_TOO_LARGE, "group message too long");
		senderkeys_own_free(own);
		return (outbox_group_fail(j->m, &err));
	}
	/* The chain moved on: kept before the message leaves. */
	if (senderkeys_own_save(j->gs->st, own) != 0) {
		free(ct);
		senderkeys_own_free(own);
		err_set(&err, CORE_ERR_IO, "cannot save the group's sender key");
		return (outbox_group_fail(j->m, &err));
	}
	senderkeys_own_free(own);
	groupsend_hash(hash, g->local->devices, g->local->n_devices);
	outbox_msg_view(j->m, &v);
	gsnd.message_id.data = (uint8_t *)v.id;
	gsnd.message_id.len = CORE_IDBYTES;
	gsnd.group.data = j->gid;
	gsnd.group.len = GROUPS_IDBYTES;
	gsnd.devices_hash.data = hash;
	gsnd.devices_hash.len = sizeof hash;
	gsnd.content.data = ct;
	gsnd.content.len = ctlen;
	fr.body_case = NATTER__FRAME__BODY_GROUP_SEND;
	fr.group_send = &gsnd;
	if (conn_request(j->gs->cn, &fr, gs_sent, j) != 0) {
		free(ct);
		return (OUTBOX_WAIT);
	}
	free(ct);
	j->busy = 1;
	return (OUTBOX_WAIT);
}

/* Look up the lists (and sessions) of names; OUTBOX_WAIT. */
static int
gs_fetch(struct gsjob *j, char **names, size_t n)
{
	if (devices_fetch(j->gs->devs, names, n, DEVICES_SESSIONS, gs_fetched,
	    j) == 0)
		j->busy = 1;
	return (OUTBOX_WAIT);
}

/* Our key for the group, rotated first if it must be.  NULL on error. */
static struct skown *
gs_own(struct gsjob *j, const struct group *g)
{
	struct skown	*own;

	if ((own = senderkeys_own_load(j->gs->st, j->gid)) == NULL)
		return (NULL);
	/*
	 * Trust: a member that left or was removed, or a device that went,
	 * still holds our current chain: a new one before this message.
	 */
	if (senderkeys_own_stale(own, g->local->devices,
	    g->local->n_devices)) {
		senderkeys_own_rotate(own);
		if (senderkeys_own_save(j->gs->st, own) != 0) {
			senderkeys_own_free(own);
			return (NULL);
		}
	}
	return (own);
}

static int
gs_step(struct gsjob *j, const struct group *g)
{
	struct core_error	 err;
	struct skown		*own;
	char			*names[GROUPS_MAXMEMBERS + 1];
	size_t			 n;

	if (g == NULL || g->local->gone) {
		err_set(&err, CORE_ERR_UNKNOWN_GROUP, "you are not a member of "
		    "that group (any more)");
		return (outbox_group_fail(j->m, &err));
	}
	if (gs_trusted(j->gs, g, &err) != 0)
		return (outbox_group_fail(j->m, &err));
	if ((own = gs_own(j, g)) == NULL) {
		err_set(&err, CORE_ERR_IO, "cannot read the group's sender key");
		return (outbox_group_fail(j->m, &err));
	}
	/* Step 2: verify the lists of those with devices lacking our key. */
	if (!j->fetched && (n = gs_lacking(j, g, own, 0, names,
	    GROUPS_MAXMEMBERS)) > 0) {
		senderkeys_own_free(own);
		return (gs_fetch(j, names, n));
	}
	/* Step 3: our key to each listed, verified device without it. */
	if (!j->dist_none && (n = gs_lacking(j, g, own, 1, names,
	    GROUPS_MAXMEMBERS)) > 0)
		return (gs_distribute(j, g, own, names, n));
	/* Step 4. */
	return (gs_send(j, g, own));
}

static int
gs_try(void *arg, struct outbox_msg *m)
{
	struct groupsend	*gs = arg;
	struct outbox_view	 v;
	struct core_error	 err;
	struct gsjob		*j;
	struct group		*g;
	uint8_t			 gid[GROUPS_IDBYTES];
	int			 rc;

	outbox_msg_view(m, &v);
	if (groups_peer_id(v.to, gid) != 0) {
		err_set(&err, CORE_ERR_USAGE, "not a group: %s", v.to);
		return (outbox_group_fail(m, &err));
	}
	j = gs_job(gs, m, gid);
	if (j->busy)
		return (OUTBOX_WAIT);
	if (j->tries > GS_MAX_TRIES) {
		err_set(&err, CORE_ERR_PROTOCOL, "cannot give the group's "
		    "members our sender key");
		return (outbox_group_fail(m, &err));
	}
	g = groups_by_id(gs->st, gid, GROUPS_IDBYTES);
	rc = gs_step(j, g);
	groups_free_one(g);
	return (rc);
}
