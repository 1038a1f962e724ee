/* groupops: the group service (core_group_op, _info, _list): GroupOp and GroupQuery requests, answers taken into the local copy. */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include "client/core/account.h"
#include "client/core/conn.h"
#include "client/core/err.h"
#include "client/core/groupops.h"
#include "client/core/groups.h"
#include "client/core/senderkeys.h"
#include "client/store/store.h"
#include "shared/proto/wire.h"
#include "shared/util/log.h"
#include "shared/util/xmalloc.h"

/* One request: a GroupOp (op > 0) or a GroupQuery (op 0). */
struct gop {
	struct groupops		*go;
	uint32_t		 op;
	char			*name;		/* NULL: list every group */
	char			**users;
	size_t			 nusers;
	core_group_cb		*done;
	core_groups_cb		*list;
	void			*arg;
	int			 sent;
	int			 queued;	/* on go->q */
	TAILQ_ENTRY(gop)	 entry;
};
TAILQ_HEAD(gops, gop);

struct groupops {
	struct uv_loop_s	*loop;
	struct core		*c;
	struct store		*st;
	struct account		*acct;
	struct conn		*cn;
	struct gops		 q;
};

struct groupops *
groupops_create(struct uv_loop_s *loop, struct core *c, struct store *st,
    struct account *acct, struct conn *cn)
{
	struct groupops	*go;

	go = xcalloc(1, sizeof *go);
	go->loop = loop;
	go->c = c;
	go->st = st;
	go->acct = acct;
	go->cn = cn;
	TAILQ_INIT(&go->q);
	return (go);
}

/* Free r (taken off the queue first unless gop_detach did). */
static void
gop_free(struct gop *r)
{
	size_t	i;

	if (r->queued)
		TAILQ_REMOVE(&r->go->q, r, entry);
	for (i = 0; i < r->nusers; i++)
		free(r->users[i]);
	free(r->users);
	free(r->name);
	free(r);
}

void
groupops_free(struct groupops *go)
{
	if (go == NULL)
		return;
	while (!TAILQ_EMPTY(&go->q))
		gop_free(TAILQ_FIRST(&go->q));
	free(go);
}

/* The front end's view of info; arrays live until gop_view_free. */
static void
gop_view(const Natter__GroupInfo *info, struct core_group *g)
{
	const char	**m, **a;
	size_t		  i;

	m = xcalloc(info->n_members + 1, sizeof *m);
	a = xcalloc(info->n_admins + 1, sizeof *a);
	for (i = 0; i < info->n_members; i++)
		m[i] = info->members[i];
	for (i = 0; i < info->n_admins; i++)
		a[i] = info->admins[i];
	g->name = info->name;
	g->members = m;
	g->admins = a;
	g->nmembers = info->n_members;
	g->nadmins = info->n_admins;
	g->created = info->created;
}

static void
gop_view_free(struct core_group *g)
{
	free((void *)g->members);
	free((void *)g->admins);
}

/* Keep what the server said of each group; 0 or -1 (malformed). */
static int
gop_take(struct groupops *go, const Natter__Response *r)
{
	const char	*self = account_name(go->acct);
	size_t		 i;
	int		 rc = 0;

	if (store_begin(go->st) != 0)
		return (-1);
	for (i = 0; i < r->n_groups && rc == 0; i++)
		if (groups_update(go->st, r->groups[i], self) < 0)
			rc = -1;
	if (rc != 0 || store_commit(go->st) != 0) {
		store_rollback(go->st);
		return (-1);
	}
	return (0);
}

/*
 * After our own remove or leave our sender key must not reach those who
 * went: rotate before the next message (the change that comes later
 * says so again; this covers the gap).
 */
static void
gop_mark_rotate(struct groupops *go, const Natter__GroupInfo *info)
{
	if (senderkeys_mark_rotate(go->st, info->id.data) != 0)
		log_warn("cannot mark the sender key of %s for rotation",
		    info->name);
	if (!groups_is_member(info, account_name(go->acct)))
		(void)senderkeys_own_drop(go->st, info->id.data);
}

static void
gop_answer_list(struct groupops *go, struct gop *r, const Natter__Response *resp)
{
	struct core_group	*v;
	size_t			 i;

	v = xcalloc(resp->n_groups + 1, sizeof *v);
	for (i = 0; i < resp->n_groups; i++)
		gop_view(resp->groups[i], &v[i]);
	r->list(go->c, NULL, v, resp->n_groups, r->arg);
	for (i = 0; i < resp->n_groups; i++)
		gop_view_free(&v[i]);
	free(v);
}

/* The answer to r: keep it, tell the caller. */
static void
gop_answered(void *arg, const Natter__Response *resp)
{
	struct gop		*r = arg;
	struct groupops		*go = r->go;
	struct core_error	 err;
	struct core_group	 g;

	r->sent = 0;
	if (resp == NULL) {
		/* Not answered: the connection went; the caller hears of
		 * it through groupops_fail_all, or it is asked again. */
		return;
	}
	/* Off the queue before any callback: one may close the core. */
	TAILQ_REMOVE(&go->q, r, entry);
	r->queued = 0;
	if (resp->code != NATTER__CODE__OK) {
		err_from_resp(&err, resp, r->op ? "group change" : "group "
		    "lookup");
		if (resp->code == NATTER__CODE__UNKNOWN_GROUP)
			err_set(&err, CORE_ERR_UNKNOWN_GROUP, "no group #%s "
			    "that you are a member of", r->name);
		else if (resp->code == NATTER__CODE__NOT_ADMIN)
			err_set(&err, CORE_ERR_NOT_ADMIN, "only an admin of #%s "
			    "may do that", r->name);
	} else if (gop_take(go, resp) != 0 || (r->name != NULL &&
	    resp->n_groups < 1)) {
		err_set(&err, CORE_ERR_PROTOCOL, "the server's answer about "
		    "#%s is malformed", r->name != NULL ? r->name : "groups");
	} else {
		err.code = CORE_OK;
		if ((r->op == CORE_GROUP_REMOVE || r->op == CORE_GROUP_LEAVE))
			gop_mark_rotate(go, resp->groups[0]);
	}
	if (err.code != CORE_OK && r->list != NULL)
		r->list(go->c, &err, NULL, 0, r->arg);
	else if (err.code != CORE_OK)
		r->done(go->c, &err, NULL, r->arg);
	else if (r->list != NULL)
		gop_answer_list(go, r, resp);
	else if (r->op == CORE_GROUP_LEAVE)
		r->done(go->c, NULL, NULL, r->arg);
	else {
		gop_view(resp->groups[0], &g);
		r->done(go->c, NULL, &g, r->arg);
		gop_view_free(&g);
	}
	gop_free(r);
}

/* Send r now; -1 if not connected. */
static int
gop_send(struct groupops *go, struct gop *r)
{
	Natter__Frame		fr = NATTER__FRAME__INIT;
	Natter__GroupOp		op = NATTER__GROUP_OP__INIT;
	Natter__GroupQuery	q = NATTER__GROUP_QUERY__INIT;

	if (r->op != 0) {
		op.op = r->op;
		op.group = r->name;
		if (r->op == CORE_GROUP_RENAME)
			op.new_name = r->nusers > 0 ? r->users[0] : NULL;
		else {
			op.users = r->users;
			op.n_users = r->nusers;
		}
		fr.body_case = NATTER__FRAME__BODY_GROUP_OP;
		fr.group_op = &op;
	} else {
		q.group = r->name;
		fr.body_case = NATTER__FRAME__BODY_GROUP_QUERY;
		fr.group_query = &q;
	}
	if (conn_request(go->cn, &fr, gop_answered, r) != 0)
		return (-1);
	r->sent = 1;
	return (0);
}

/* A usage error in the request?  0, or -1 with err. */
static int
gop_check(struct gop *r, struct core_error *err)
{
	size_t	i;

	if (r->name != NULL && !wire_name_valid(r->name)) {
		err_set(err, CORE_ERR_NAME_INVALID, "invalid group name "
		    "\"%.40s\": 1 to 32 of a-z, 0-9, '.', '_', '-'", r->name);
		return (-1);
	}
	for (i = 0; i < r->nusers; i++)
		if (!wire_name_valid(r->users[i])) {
			err_set(err, r->op == CORE_GROUP_RENAME ?
			    CORE_ERR_NAME_INVALID : CORE_ERR_USAGE, "invalid "
			    "name \"%.40s\"", r->users[i]);
			return (-1);
		}
	if (r->nusers > GROUPS_MAXMEMBERS) {
		err_set(err, CORE_ERR_GROUP_FULL, "a group has at most %d "
		    "members", GROUPS_MAXMEMBERS);
		return (-1);
	}
	if (r->nusers == 0 && (r->op == CORE_GROUP_ADD || r->op ==
	    CORE_GROUP_REMOVE || r->op == CORE_GROUP_ADMIN || r->op ==
	    CORE_GROUP_RENAME)) {
		err_set(err, CORE_ERR_USAGE, "name at least one user");
		return (-1);
	}
	return (0);
}

static void
gop_queue(struct groupops *go, struct gop *r)
{
	struct core_error	err;

	r->go = go;
	if (account_name(go->acct) == NULL)
		err_set(&err, CORE_ERR_NO_PROFILE, "this profile has no account "
		    "yet: run natter register NAME first");
	if (account_name(go->acct) == NULL || gop_check(r, &err) != 0) {
		err_later(go->loop, go->c, &err, r->list != NULL ?
		    (struct err_cb){ .groups = r->list } :
		    (struct err_cb){ .group = r->done }, r->arg);
		gop_free(r);
		return;
	}
	TAILQ_INSERT_TAIL(&go->q, r, entry);
	r->queued = 1;
	if (conn_ready(go->cn))
		(void)gop_send(go, r);
	else
		conn_need(go->cn);	/* one-shot if nothing started it */
}

void
groupops_op(struct groupops *go, enum core_group_op op, const char *name,
    const char * const *users, core_group_cb *done, void *arg)
{
	struct gop	*r;
	size_t		 n = 0;

	r = xcalloc(1, sizeof *r);
	r->op = (uint32_t)op;
	r->name = xstrdup(name != NULL ? name : "");
	while (users != NULL && users[n] != NULL)
		n++;
	r->users = xcalloc(n + 1, sizeof *r->users);
	for (r->nusers = 0; r->nusers < n; r->nusers++)
		r->users[r->nusers] = xstrdup(users[r->nusers]);
	r->done = done;
	r->arg = arg;
	gop_queue(go, r);
}

void
groupops_info(struct groupops *go, const char *name, core_group_cb *done,
    void *arg)
{
	struct gop	*r;

	r = xcalloc(1, sizeof *r);
	r->name = xstrdup(name != NULL ? name : "");
	r->done = done;
	r->arg = arg;
	gop_queue(go, r);
}

void
groupops_list(struct groupops *go, core_groups_cb *list, void *arg)
{
	struct gop	*r;

	r = xcalloc(1, sizeof *r);
	r->list = list;
	r->arg = arg;
	gop_queue(go, r);
}

void
groupops_kick(struct groupops *go)
{
	struct gop	*r;

	TAILQ_FOREACH(r, &go->q, entry)
		if (!r->sent && gop_send(go, r) != 0)
			return;
}

void
groupops_fail_all(struct groupops *go, const struct core_error *err)
{
	struct gop	*r;

	while ((r = TAILQ_FIRST(&go->q)) != NULL) {
		core_group_cb	*done = r->done;
		core_groups_cb	*list = r->list;
		void		*arg = r->arg;

		gop_free(r);
		if (list != NULL)
			list(go->c, err, NULL, 0, arg);
		else
			done(go->c, err, NULL, arg);
	}
}

struct gop_walk {
	struct core	*c;
	void		(*each)(struct core *, const struct core_group *,
			    void *);
	void		*arg;
};

static void
gop_local_one(const struct group *g, void *arg)
{
	struct gop_walk		*w = arg;
	struct core_group	 v;

	if (g->local->gone)
		return;
	gop_view(g->info, &v);
	w->each(w->c, &v, w->arg);
	gop_view_free(&v);
}

int
groupops_local(struct groupops *go, void (*each)(struct core *,
    const struct core_group *, void *), void *arg)
{
	struct gop_walk	w = { go->c, each, arg };

	return (groups_each(go->st, gop_local_one, &w));
}
