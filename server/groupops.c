/* groupops: GroupOp and GroupQuery: membership, its rules, its changes.
 *
 * docs/groups.md says who may do what. A GroupOp runs in its request's
 * savepoint (handle.c): everything that can refuse it is checked before
 * the first write, and a failed write rolls the request back. What a
 * request answers for a group it cannot see is the same whether the
 * group exists or not (UNKNOWN_GROUP), so names do not leak. A change
 * bumps the epoch and becomes a GroupChange, stored once and queued,
 * after everything queued before, to every device of every member before
 * and after it (groupsend_queue), then the answer carries the group as
 * it is now. A request that changes nothing (adding members, removing
 * non-members, renaming to the same name) is answered OK with the group
 * unchanged and queues no change. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "server/accounts.h"
#include "server/bodies.h"
#include "server/db.h"
#include "server/fanout.h"
#include "server/groupdb.h"
#include "server/groupops.h"
#include "server/groupsend.h"
#include "server/session.h"
#include "shared/proto/wire.h"
#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"

#define C(x)	NATTER__CODE__##x
#define GROUPOPS_NOOP	((uint32_t)-1)	/* an op's "nothing to change" */

static char	groupops_why[128];

/* One GroupOp as it is handled. */
struct groupops_req {
	struct session		*s;
	const Natter__GroupOp	*m;
	uint64_t		 id;
	int64_t			 now;
	/* The group before the change, copied: writes drop the cache. */
	int64_t			 gid;
	uint8_t			 gidbytes[GROUPDB_IDBYTES];
	char			 name[WIRE_NAME_MAX + 1];
	int64_t			 created;
	uint64_t		 epoch;
	int64_t			 before[GROUPDB_MAXMEMBERS];
	size_t			 nbefore;
	int			 admin;		/* the caller is one */
	/* GroupOp.users as accounts, each once, with their names. */
	int64_t			 users[GROUPOPS_MAXUSERS];
	const char		*unames[GROUPOPS_MAXUSERS];
	size_t			 nusers;
	/* The change: its code, GroupChange.users, the accounts added. */
	uint32_t		 change;
	const char		*cnames[GROUPOPS_MAXUSERS];
	size_t			 ncnames;
	int64_t			 added[GROUPOPS_MAXUSERS + 1];
	size_t			 nadded;
};

static uint32_t
groupops_unknown(const char **why)
{
	*why = "no such group, or you are not a member of it";
	return (C(UNKNOWN_GROUP));
}

static uint32_t
groupops_not_admin(struct groupops_req *q, const char **why)
{
	snprintf(groupops_why, sizeof groupops_why, "only an admin of %s "
	    "can do that", q->name);
	*why = groupops_why;
	return (C(NOT_ADMIN));
}

static uint32_t
groupops_full(const char **why)
{
	snprintf(groupops_why, sizeof groupops_why, "a group has at most "
	    "%d members", GROUPDB_MAXMEMBERS);
	*why = groupops_why;
	return (C(GROUP_FULL));
}

/* The frame's fields, before anything is looked up. */
static uint32_t
groupops_check(const Natter__GroupOp *m, const char **why)
{
	size_t	i;

	if (m->op < GROUPOPS_CREATE || m->op > GROUPOPS_ADMIN) {
		*why = "op must be 1 (create) to 6 (admin)";
		return (C(BAD_REQUEST));
	}
	if (m->n_users > GROUPOPS_MAXUSERS) {
		snprintf(groupops_why, sizeof groupops_why, "at most %d users "
		    "in one group operation", GROUPOPS_MAXUSERS);
		*why = groupops_why;
		return (C(TOO_LARGE));
	}
	if (m->group == NULL || !wire_name_valid(m->group)) {
		*why = "group names are 1 to 32 of a-z 0-9 . _ -";
		return (C(NAME_INVALID));
	}
	for (i = 0; i < m->n_users; i++) {
		if (!wire_name_valid(m->users[i])) {
			snprintf(groupops_why, sizeof groupops_why, "%.40s is "
			    "not a user name (1 to 32 of a-z 0-9 . _ -)",
			    m->users[i]);
			*why = groupops_why;
			return (C(NAME_INVALID));
		}
	}
	if (m->op == GROUPOPS_RENAME &&
	    (m->new_name == NULL || !wire_name_valid(m->new_name))) {
		*why = "new_name: group names are 1 to 32 of a-z 0-9 . _ -";
		return (C(NAME_INVALID));
	}
	return (C(OK));
}

/* GroupOp.users as accounts, each once; strict: an unknown name is
 * refused (create, add), else skipped (it is no member). */
static uint32_t
groupops_resolve(struct groupops_req *q, int strict, const char **why)
{
	int64_t	account;
	size_t	i, j;
	int	rc;

	for (i = 0; i < q->m->n_users; i++) {
		rc = accounts_lookup(session_db(q->s), q->m->users[i],
		    &account);
		if (rc == -1)
			return (C(INTERNAL));
		if (rc == 1 && strict) {
			snprintf(groupops_why, sizeof groupops_why, "no user "
			    "named %s", q->m->users[i]);
			*why = groupops_why;
			return (C(UNKNOWN_USER));
		}
		for (j = 0; j < q->nusers && q->users[j] != account; j++)
			;
		if (rc == 1 || j < q->nusers)
			continue;
		q->unames[q->nusers] = q->m->users[i];
		q->users[q->nusers++] = account;
	}
	return (C(OK));
}

/* Copy what the change needs of g before anything is written. */
static void
groupops_before(struct groupops_req *q, const struct groupdb_group *g)
{
	size_t	i;

	q->gid = g->gid;
	memcpy(q->gidbytes, g->id, sizeof q->gidbytes);
	snprintf(q->name, sizeof q->name, "%s", g->name);
	q->created = g->created;
	q->epoch = g->epoch;
	for (i = 0; i < g->nmembers && i < GROUPDB_MAXMEMBERS; i++) {
		q->before[i] = g->members[i].account;
		if (g->members[i].account == session_account(q->s))
			q->admin = g->members[i].admin;
	}
	q->nbefore = i;
}

static int
groupops_was_member(const struct groupops_req *q, int64_t account)
{
	size_t	i;

	for (i = 0; i < q->nbefore; i++) {
		if (q->before[i] == account)
			return (1);
	}
	return (0);
}

static int
groupops_cmp_names(const void *a, const void *b)
{
	return (strcmp(*(const char *const *)a, *(const char *const *)b));
}

/* GroupChange.users: user i of GroupOp.users (resolved). */
static void
groupops_name(struct groupops_req *q, size_t i)
{
	q->cnames[q->ncnames++] = q->unames[i];
}

static uint32_t
groupops_create(struct groupops_req *q, const char **why)
{
	uint8_t	id[GROUPDB_IDBYTES];
	size_t	i;
	int	rc;

	for (i = 0; i < q->nusers; i++) {
		if (q->users[i] != session_account(q->s))
			groupops_name(q, i);
	}
	if (q->ncnames + 1 > GROUPDB_MAXMEMBERS)
		return (groupops_full(why));
	randombytes_buf(id, sizeof id);
	memcpy(q->gidbytes, id, sizeof q->gidbytes);
	rc = groupdb_create(session_db(q->s), q->m->group, id, q->now, &q->gid);
	if (rc == 1) {
		snprintf(groupops_why, sizeof groupops_why, "a group named %s "
		    "exists", q->m->group);
		*why = groupops_why;
		return (C(NAME_TAKEN));
	}
	if (rc != 0 || groupdb_add(session_db(q->s), q->gid,
	    session_account(q->s), 1, q->now) != 0)
		return (C(INTERNAL));
	q->added[q->nadded++] = session_account(q->s);
	for (i = 0; i < q->nusers; i++) {
		if (q->users[i] == session_account(q->s))
			continue;
		if (groupdb_add(session_db(q->s), q->gid, q->users[i], 0,
		    q->now) != 0)
			return (C(INTERNAL));
		q->added[q->nadded++] = q->users[i];
	}
	return (C(OK));
}

static uint32_t
groupops_add(struct groupops_req *q, const char **why)
{
	size_t	i;

	if (!q->admin)
		return (groupops_not_admin(q, why));
	for (i = 0; i < q->nusers; i++) {
		if (!groupops_was_member(q, q->users[i])) {
			groupops_name(q, i);
			q->added[q->nadded++] = q->users[i];
		}
	}
	if (q->nadded == 0)
		return (GROUPOPS_NOOP);
	if (q->nbefore + q->nadded > GROUPDB_MAXMEMBERS)
		return (groupops_full(why));
	for (i = 0; i < q->nadded; i++) {
		if (groupdb_add(session_db(q->s), q->gid, q->added[i], 0,
		    q->now) != 0)
			return (C(INTERNAL));
	}
	return (C(OK));
}

static uint32_t
groupops_leave(struct groupops_req *q, const char **why)
{
	q->cnames[q->ncnames++] = session_name(q->s);
	q->change = GROUPOPS_LEAVE;
	if (groupdb_remove(session_db(q->s), q->gid,
	    session_account(q->s)) != 0)
		return (C(INTERNAL));
	return (C(OK));
}

/* Remove the members named; naming only oneself is leaving. */
static uint32_t
groupops_remove(struct groupops_req *q, const char **why)
{
	size_t	i, self = 0;

	for (i = 0; i < q->m->n_users; i++) {
		if (strcmp(q->m->users[i], session_name(q->s)) == 0)
			self++;
	}
	if (self == q->m->n_users && self > 0)
		return (groupops_leave(q, why));
	if (!q->admin)
		return (groupops_not_admin(q, why));
	for (i = 0; i < q->nusers; i++) {
		if (!groupops_was_member(q, q->users[i]))
			continue;
		groupops_name(q, i);
		if (groupdb_remove(session_db(q->s), q->gid,
		    q->users[i]) != 0)
			return (C(INTERNAL));
	}
	return (q->ncnames == 0 ? GROUPOPS_NOOP : C(OK));
}

static uint32_t
groupops_rename(struct groupops_req *q, const char **why)
{
	int	rc;

	if (!q->admin)
		return (groupops_not_admin(q, why));
	if (strcmp(q->m->new_name, q->name) == 0)
		return (GROUPOPS_NOOP);
	rc = groupdb_rename(session_db(q->s), q->gid, q->m->new_name);
	if (rc == 1) {
		snprintf(groupops_why, sizeof groupops_why, "a group named %s "
		    "exists", q->m->new_name);
		*why = groupops_why;
		return (C(NAME_TAKEN));
	}
	return (rc == 0 ? C(OK) : C(INTERNAL));
}

static uint32_t
groupops_admin(struct groupops_req *q, struct groupdb_group *g,
    const char **why)
{
	int64_t	promote[GROUPOPS_MAXUSERS];
	size_t	i, n = 0;
	int	k;

	if (!q->admin)
		return (groupops_not_admin(q, why));
	for (i = 0; i < q->nusers; i++) {
		k = groupdb_member(g, q->users[i]);
		if (k < 0 || g->members[k].admin)
			continue;
		groupops_name(q, i);
		promote[n++] = q->users[i];
	}
	for (i = 0; i < n; i++) {
		if (groupdb_set_admin(session_db(q->s), q->gid,
		    promote[i]) != 0)
			return (C(INTERNAL));
	}
	return (n == 0 ? GROUPOPS_NOOP : C(OK));
}

/* After members went: no member left, the group goes (1); no admin
 * left, the longest-standing member becomes one. 0, 1, or -1. */
static int
groupops_succession(struct groupops_req *q)
{
	struct groupdb_group	*g;
	const struct groupdb_member *m, *eldest = NULL;
	size_t			 i;

	if (groupdb_find_gid(session_db(q->s), q->gid, &g) != 0)
		return (-1);
	if (g->nmembers == 0)
		return (groupdb_delete(session_db(q->s), q->gid) == 0 ? 1 : -1);
	for (i = 0; i < g->nmembers; i++) {
		m = &g->members[i];
		if (m->admin)
			return (0);
		if (eldest == NULL || m->added < eldest->added ||
		    (m->added == eldest->added && m->account < eldest->account))
			eldest = m;
	}
	return (groupdb_set_admin(session_db(q->s), q->gid, eldest->account));
}

/* Every device of every member before and after: accts/devs (caller
 * frees), *n set. 0 or -1. */
static int
groupops_targets(struct groupops_req *q, int64_t **accts,
    struct fanout_ref **devs, size_t *n)
{
	uint32_t	d[ACCOUNTS_MAXDEVICES];
	size_t		i, j, nd, na = q->nbefore + q->nadded;
	int64_t		a;

	*n = 0;
	*accts = xcalloc(na * ACCOUNTS_MAXDEVICES + 1, sizeof **accts);
	*devs = xcalloc(na * ACCOUNTS_MAXDEVICES + 1, sizeof **devs);
	for (i = 0; i < na; i++) {
		a = i < q->nbefore ? q->before[i] : q->added[i - q->nbefore];
		if (i >= q->nbefore && groupops_was_member(q, a))
			continue;
		if (accounts_devices(session_db(q->s), a, d,
		    ACCOUNTS_MAXDEVICES, &nd) != 0)
			return (-1);
		for (j = 0; j < nd; j++) {
			(*accts)[*n] = a;
			(*devs)[*n].name = "";
			(*devs)[(*n)++].device = d[j];
		}
	}
	return (0);
}

/* Queue the change (its group gi) to the group's devices, answering
 * the request with gi first. 0 or -1. */
static int
groupops_tell(struct groupops_req *q, Natter__GroupInfo *gi)
{
	Natter__GroupChange	 ch = NATTER__GROUP_CHANGE__INIT;
	Natter__Response	 r = NATTER__RESPONSE__INIT;
	struct bodies_row	 row;
	struct fanout_ref	*devs;
	int64_t			*accts;
	uint8_t			 mid[GROUPDB_IDBYTES], *enc;
	size_t			 n;

	if (groupops_targets(q, &accts, &devs, &n) != 0) {
		free(accts);
		free(devs);
		return (-1);
	}
	qsort(q->cnames, q->ncnames, sizeof q->cnames[0], groupops_cmp_names);
	ch.change = q->change;
	ch.by = (char *)session_name(q->s);
	ch.n_users = q->ncnames;
	ch.users = (char **)q->cnames;
	ch.ts = q->now;
	ch.group = gi;
	enc = xmalloc(natter__group_change__get_packed_size(&ch) + 1);
	memset(&row, 0, sizeof row);
	randombytes_buf(mid, sizeof mid);
	row.group_id = q->gidbytes;
	row.from_name = session_name(q->s);	/* from_account 0: natterd */
	row.from_device = session_device(q->s);
	row.message_id = mid;
	row.type = GROUPSEND_CHANGE;
	row.content = enc;
	row.content_len = natter__group_change__pack(&ch, enc);
	row.server_ts = q->now;
	row.expires = q->now + session_ttl_ms(q->s);
	r.code = C(OK);
	r.server_ts = q->now;
	r.n_groups = 1;
	r.groups = &gi;
	(void)groupsend_queue(q->s, &row, accts, devs, n, n, q->id, &r);
	free(enc);
	free(accts);
	free(devs);
	return (0);
}

/* Answer request id with group g as it is, changing nothing. */
static void
groupops_answer(struct session *s, uint64_t id, const struct groupdb_group *g)
{
	Natter__Response	 r = NATTER__RESPONSE__INIT;
	Natter__GroupInfo	 gi, *gp = &gi;

	groupops_info(g, &gi);
	r.code = C(OK);
	r.server_ts = time_now_ms();
	r.n_groups = 1;
	r.groups = &gp;
	session_send_response(s, id, &r);
	groupops_info_clear(&gi);
}

/* The change is written: succession, epoch, then tell everyone. */
static uint32_t
groupops_commit(struct groupops_req *q)
{
	struct groupdb_group	*g, gone;
	Natter__GroupInfo	 gi;
	int			 rc = 0;

	if (q->change == GROUPOPS_REMOVE || q->change == GROUPOPS_LEAVE)
		rc = groupops_succession(q);
	if (rc == -1)
		return (C(INTERNAL));
	if (rc == 1) {
		/* The last member left: the group as it was, empty. */
		memset(&gone, 0, sizeof gone);
		memcpy(gone.id, q->gidbytes, sizeof gone.id);
		snprintf(gone.name, sizeof gone.name, "%s", q->name);
		gone.created = q->created;
		gone.epoch = q->epoch + 1;
		g = &gone;
	} else if ((q->change != GROUPOPS_CREATE &&
	    groupdb_bump(session_db(q->s), q->gid) != 0) ||
	    groupdb_find_gid(session_db(q->s), q->gid, &g) != 0)
		return (C(INTERNAL));	/* a group starts at epoch 1 */
	groupops_info(g, &gi);
	rc = groupops_tell(q, &gi);
	groupops_info_clear(&gi);
	return (rc == 0 ? C(OK) : C(INTERNAL));
}

/* An op on an existing group the caller is a member of. */
static uint32_t
groupops_change(struct groupops_req *q, const char **why)
{
	struct groupdb_group	*g;
	uint32_t		 code;
	int			 rc;

	rc = groupdb_find_name(session_db(q->s), q->m->group, &g);
	if (rc == -1)
		return (C(INTERNAL));
	if (rc == 1 || groupdb_member(g, session_account(q->s)) < 0)
		return (groupops_unknown(why));
	groupops_before(q, g);
	/* Who may is said before what is wrong with the users named. */
	if (!q->admin && (q->m->op == GROUPOPS_ADD ||
	    q->m->op == GROUPOPS_RENAME || q->m->op == GROUPOPS_ADMIN))
		return (groupops_not_admin(q, why));
	code = groupops_resolve(q, q->m->op == GROUPOPS_ADD, why);
	if (code != C(OK))
		return (code);
	switch (q->m->op) {
	case GROUPOPS_ADD:
		code = groupops_add(q, why);
		break;
	case GROUPOPS_REMOVE:
		code = groupops_remove(q, why);
		break;
	case GROUPOPS_LEAVE:
		code = groupops_leave(q, why);
		break;
	case GROUPOPS_RENAME:
		code = groupops_rename(q, why);
		break;
	default:
		code = groupops_admin(q, g, why);
		break;
	}
	if (code == GROUPOPS_NOOP) {
		groupops_answer(q->s, q->id, g);
		return (C(OK));
	}
	return (code != C(OK) ? code : groupops_commit(q));
}

uint32_t
groupops_op(struct session *s, const Natter__Frame *f, const char **why)
{
	struct groupops_req	*q;
	uint32_t		 code;

	if ((code = groupops_check(f->group_op, why)) != C(OK))
		return (code);
	q = xcalloc(1, sizeof *q);
	q->s = s;
	q->m = f->group_op;
	q->id = f->id;
	q->now = time_now_ms();
	q->change = q->m->op;
	if (q->m->op != GROUPOPS_CREATE)
		code = groupops_change(q, why);
	else {
		snprintf(q->name, sizeof q->name, "%s", q->m->group);
		code = groupops_resolve(q, 1, why);
		if (code == C(OK))
			code = groupops_create(q, why);
		if (code == C(OK))
			code = groupops_commit(q);
	}
	free(q);
	return (code);
}

void
groupops_info(const struct groupdb_group *g, Natter__GroupInfo *gi)
{
	size_t	i;

	natter__group_info__init(gi);
	gi->id.data = (uint8_t *)g->id;
	gi->id.len = sizeof g->id;
	gi->name = (char *)g->name;
	gi->epoch = g->epoch;
	gi->created = g->created;
	gi->members = xcalloc(g->nmembers + 1, sizeof *gi->members);
	gi->admins = xcalloc(g->nmembers + 1, sizeof *gi->admins);
	/* g's members are sorted by name: so are both lists. */
	for (i = 0; i < g->nmembers; i++) {
		gi->members[gi->n_members++] = (char *)g->members[i].name;
		if (g->members[i].admin)
			gi->admins[gi->n_admins++] =
			    (char *)g->members[i].name;
	}
}

void
groupops_info_clear(Natter__GroupInfo *gi)
{
	free(gi->members);
	free(gi->admins);
	gi->members = gi->admins = NULL;
	gi->n_members = gi->n_admins = 0;
}

/* GroupQuery for every group of the caller. */
static uint32_t
groupops_list(struct session *s, uint64_t id)
{
	Natter__Response	  r = NATTER__RESPONSE__INIT;
	Natter__GroupInfo	 *gi, **gp;
	struct groupdb_group	 *g;
	int64_t			 *gids;
	size_t			  n, i, k = 0;
	uint32_t		  code = C(OK);

	gids = xcalloc(GROUPOPS_MAXLIST, sizeof *gids);
	gi = xcalloc(GROUPOPS_MAXLIST, sizeof *gi);
	gp = xcalloc(GROUPOPS_MAXLIST, sizeof *gp);
	if (groupdb_of_account(session_db(s), session_account(s), gids,
	    GROUPOPS_MAXLIST, &n) != 0)
		code = C(INTERNAL);
	/* Finding groups writes nothing: those found stay valid. */
	for (i = 0; code == C(OK) && i < n; i++) {
		if (groupdb_find_gid(session_db(s), gids[i], &g) != 0)
			code = C(INTERNAL);
		else {
			groupops_info(g, &gi[k]);
			gp[k] = &gi[k];
			k++;
		}
	}
	if (code == C(OK)) {
		r.code = C(OK);
		r.server_ts = time_now_ms();
		r.n_groups = k;
		r.groups = gp;
		session_send_response(s, id, &r);
	}
	while (k-- > 0)
		groupops_info_clear(&gi[k]);
	free(gids);
	free(gi);
	free(gp);
	return (code);
}

uint32_t
groupops_query(struct session *s, const Natter__Frame *f, const char **why)
{
	const char		*name = f->group_query->group;
	struct groupdb_group	*g;
	int			 rc;

	if (name == NULL || *name == '\0')
		return (groupops_list(s, f->id));
	if (!wire_name_valid(name)) {
		*why = "group names are 1 to 32 of a-z 0-9 . _ -";
		return (C(NAME_INVALID));
	}
	rc = groupdb_find_name(session_db(s), name, &g);
	if (rc == -1)
		return (C(INTERNAL));
	if (rc == 1 || groupdb_member(g, session_account(s)) < 0)
		return (groupops_unknown(why));
	groupops_answer(s, f->id, g);
	return (C(OK));
}
