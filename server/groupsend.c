/* groupsend: GroupSend, and queueing a group's bodies to its devices.
 *
 * A group message is stored once (bodies.c) and each member device's
 * queue gets a reference row, in the turn's transaction and before the
 * answer, which, like every answer, leaves only once that commit is on
 * disk (session.c): the durability rule of Send. Like Send it runs
 * without a savepoint: it claims the message id, checks everything that
 * can refuse it (membership, the device set's hash, every queue's room)
 * and forgets the id if refused; a write that fails after that stops
 * natterd (server_write_failed). The device set and its hash come from
 * groupdb.c's cache, so a send reads no member or device list. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/bodies.h"
#include "server/db.h"
#include "server/fanout.h"
#include "server/groupdb.h"
#include "server/groupops.h"
#include "server/groupsend.h"
#include "server/metrics.h"
#include "server/queue.h"
#include "server/relay.h"
#include "server/server.h"
#include "server/session.h"
#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"

#define C(x)	NATTER__CODE__##x

/* it becomes the row that a reference to row hands out (but its seq
 * and body). */
static void
groupsend_item(const struct bodies_row *row, struct queue_item *it)
{
	it->from_account = row->from_account;
	snprintf(it->from, sizeof it->from, "%s", row->from_name);
	it->from_device = row->from_device;
	memcpy(it->message_id, row->message_id, QUEUE_IDBYTES);
	memcpy(it->group, row->group_id, QUEUE_IDBYTES);
	it->type = row->type;
	it->content = (uint8_t *)row->content;
	it->content_len = row->content_len;
	it->server_ts = row->server_ts;
}

size_t
groupsend_queue(struct session *s, const struct bodies_row *row,
    const int64_t *accts, const struct fanout_ref *devs, size_t n,
    size_t skip, uint64_t id, Natter__Response *r)
{
	struct queue_item	 it;
	struct queue_ref	*refs;
	size_t			 i, nrefs = 0;

	refs = xcalloc(n + 1, sizeof *refs);
	for (i = 0; i < n; i++) {
		if (i == skip)
			continue;
		refs[nrefs].account = accts[i];
		refs[nrefs++].device = devs[i].device;
	}
	memset(&it, 0, sizeof it);
	groupsend_item(row, &it);
	if (nrefs > 0 && (bodies_put(session_db(s), row, nrefs,
	    &it.body) != 0 || queue_push_refs(session_db(s), &it,
	    row->expires, refs, nrefs) != 0))
		server_write_failed("a group message");
	metrics_add(METRICS_GROUP_DELIVERIES, nrefs);
	if (r != NULL)
		session_send_response(s, id, r);
	for (i = 0; i < nrefs; i++) {
		it.seq = refs[i].seq;
		relay_deliver(s, refs[i].account, refs[i].device, &it);
	}
	free(refs);
	return (nrefs);
}

/* Answer DEVICE_MISMATCH: the device set less the sender's, and g. */
static void
groupsend_mismatch(struct session *s, uint64_t id,
    const struct groupdb_group *g, size_t skip)
{
	Natter__Response	 r = NATTER__RESPONSE__INIT;
	Natter__GroupInfo	 gi, *gp = &gi;
	Natter__DeviceRef	*refs, **pp;
	size_t			 i, n = 0;

	refs = xcalloc(g->ndevs + 1, sizeof *refs);
	pp = xcalloc(g->ndevs + 1, sizeof *pp);
	for (i = 0; i < g->ndevs; i++) {
		if (i == skip)
			continue;
		natter__device_ref__init(&refs[n]);
		refs[n].name = (char *)g->devs[i].name;
		refs[n].device = g->devs[i].device;
		pp[n] = &refs[n];
		n++;
	}
	groupops_info(g, &gi);
	r.code = C(DEVICE_MISMATCH);
	r.message = (char *)"devices_hash does not match the group's devices";
	r.n_devices = n;
	r.devices = pp;
	r.n_groups = 1;
	r.groups = &gp;
	session_send_response(s, id, &r);
	groupops_info_clear(&gi);
	free(refs);
	free(pp);
}

/* Device i of g (not skip) has room for one more message from s, with
 * depth rows queued: OK or QUEUE_FULL, as relay.c's rule. */
static uint32_t
groupsend_room_one(struct session *s, const struct groupdb_group *g,
    size_t i, uint64_t depth, const char **why)
{
	static char	full[96];
	uint64_t	mine;

	if (depth >= QUEUE_MAXDEPTH) {
		snprintf(full, sizeof full, "the queue of %s/%u is full",
		    g->devs[i].name, g->devs[i].device);
		*why = full;
		return (C(QUEUE_FULL));
	}
	/* A share is part of the depth (relay_room). */
	if (g->devaccts[i] == session_account(s) || depth < QUEUE_MAXSHARE)
		return (C(OK));
	if (queue_share(session_db(s), g->devaccts[i], g->devs[i].device,
	    session_account(s), &mine) != 0)
		return (C(INTERNAL));
	if (mine >= QUEUE_MAXSHARE) {
		snprintf(full, sizeof full, "%s has too many of your "
		    "messages waiting; try again once they are read",
		    g->devs[i].name);
		*why = full;
		return (C(QUEUE_FULL));
	}
	return (C(OK));
}

/* OK if every device but skip has room for one more message from s
 * (their depths read at once). */
static uint32_t
groupsend_room(struct session *s, const struct groupdb_group *g,
    size_t skip, const char **why)
{
	uint32_t	*devs, code = C(OK);
	uint64_t	*depths;
	size_t		 i;

	devs = xcalloc(g->ndevs + 1, sizeof *devs);
	depths = xcalloc(g->ndevs + 1, sizeof *depths);
	for (i = 0; i < g->ndevs; i++)
		devs[i] = g->devs[i].device;
	if (queue_depths_of(session_db(s), g->devaccts, devs, g->ndevs,
	    depths) != 0)
		code = C(INTERNAL);
	for (i = 0; i < g->ndevs && code == C(OK); i++) {
		if (i != skip)
			code = groupsend_room_one(s, g, i, depths[i], why);
	}
	free(devs);
	free(depths);
	return (code);
}

/* The index of s's device in g's set, or g->ndevs. */
static size_t
groupsend_self(struct session *s, const struct groupdb_group *g)
{
	size_t	i;

	for (i = 0; i < g->ndevs; i++) {
		if (g->devaccts[i] == session_account(s) &&
		    g->devs[i].device == session_device(s))
			return (i);
	}
	return (g->ndevs);
}

/* Everything that can refuse a GroupSend whose id is claimed: OK with
 * *gp and *skip (the sending device's index) set, or a code (the
 * DEVICE_MISMATCH answer is queued already). */
static uint32_t
groupsend_admit(struct session *s, const Natter__Frame *f,
    struct groupdb_group **gp, size_t *skip, const char **why)
{
	const Natter__GroupSend	*m = f->group_send;
	struct groupdb_group	*g;
	uint8_t			 hash[GROUPDB_HASHBYTES];
	int			 rc;

	rc = groupdb_find_id(session_db(s), m->group.data, &g);
	if (rc == -1)
		return (C(INTERNAL));
	if (rc == 1 || groupdb_member(g, session_account(s)) < 0) {
		*why = "no such group, or you are not a member of it";
		return (C(UNKNOWN_GROUP));
	}
	if (groupdb_devices(session_db(s), g) != 0)
		return (C(INTERNAL));
	*skip = groupsend_self(s, g);
	groupdb_hash(g, session_account(s), session_device(s), hash);
	if (memcmp(hash, m->devices_hash.data, sizeof hash) != 0) {
		groupsend_mismatch(s, f->id, g, *skip);
		return (C(DEVICE_MISMATCH));
	}
	*gp = g;
	return (groupsend_room(s, g, *skip, why));
}

/* Store an admitted GroupSend, answer "stored", hand it out. */
static void
groupsend_store(struct session *s, const Natter__Frame *f,
    const struct groupdb_group *g, size_t skip, int64_t now)
{
	const Natter__GroupSend	*m = f->group_send;
	Natter__Response	 r = NATTER__RESPONSE__INIT;
	struct bodies_row	 row;

	memset(&row, 0, sizeof row);
	row.group_id = g->id;
	row.from_account = session_account(s);
	row.from_name = session_name(s);
	row.from_device = session_device(s);
	row.message_id = m->message_id.data;
	row.type = GROUPSEND_MESSAGE;
	row.content = m->content.data;
	row.content_len = m->content.len;
	row.server_ts = now;
	row.expires = now + session_ttl_ms(s);
	r.code = C(OK);
	r.server_ts = now;
	metrics_add(METRICS_GROUP_MESSAGES, 1);
	(void)groupsend_queue(s, &row, g->devaccts, g->devs, g->ndevs, skip,
	    f->id, &r);
}

uint32_t
groupsend_send(struct session *s, const Natter__Frame *f, const char **why)
{
	const Natter__GroupSend	*m = f->group_send;
	struct groupdb_group	*g = NULL;
	int64_t			 now = time_now_ms();
	size_t			 skip = 0;
	uint32_t		 code;
	int			 rc;

	if (m->message_id.len != QUEUE_IDBYTES ||
	    m->group.len != GROUPDB_IDBYTES ||
	    m->devices_hash.len != GROUPDB_HASHBYTES) {
		*why = "message_id and group must be 16 bytes, devices_hash 32";
		return (C(BAD_REQUEST));
	}
	/* Claim the id first: a resend is answered "stored" again. */
	if ((rc = relay_claim(s, f->id, m->message_id.data, now)) != 0)
		return (rc == 1 ? C(OK) : C(INTERNAL));
	if ((code = groupsend_admit(s, f, &g, &skip, why)) != C(OK)) {
		relay_unclaim(s, m->message_id.data);
		return (code);
	}
	groupsend_store(s, f, g, skip, now);
	return (C(OK));
}
