/* groupcmd: groups in the TUI: /group and its subcommands, member lists, how a membership change reads, names' colours. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/core/core.h"
#include "client/tui/groupcmd.h"
#include "client/tui/tuiint.h"
#include "shared/proto/wire.h"
#include "shared/util/xmalloc.h"

#define GROUPCMD_USERS_MAX	64	/* names one /group command takes */

/* A /group request on its way. */
struct groupcmd_req {
	struct tui		*t;
	enum core_group_op	 op;
	char			*group;	/* without '#' */
};

static const struct {
	const char		*name;
	enum core_group_op	 op;
	int			 users;	/* takes names: 1, exactly one: 2 */
} groupcmd_ops[] = {
	{ "create", CORE_GROUP_CREATE, 1 },
	{ "add", CORE_GROUP_ADD, 1 },
	{ "remove", CORE_GROUP_REMOVE, 1 },
	{ "leave", CORE_GROUP_LEAVE, 0 },
	{ "rename", CORE_GROUP_RENAME, 2 },
	{ "admin", CORE_GROUP_ADMIN, 1 },
	{ "info", 0, 0 },
	{ NULL, 0, 0 }
};

int
groupcmd_is_group(const char *peer)
{
	return (peer != NULL && peer[0] == '#');
}

int
groupcmd_name_valid(const char *s)
{
	return (s[0] == '#' ? wire_name_valid(s + 1) : wire_name_valid(s));
}

/* "alice (admin), bob, carol" for g, into buf. */
static void
groupcmd_members(const struct core_group *g, char *buf, size_t size)
{
	size_t	i, j, n = 0;
	int	admin;

	buf[0] = '\0';
	for (i = 0; i < g->nmembers && n < size; i++) {
		for (admin = 0, j = 0; j < g->nadmins && !admin; j++)
			admin = strcmp(g->admins[j], g->members[i]) == 0;
		n += (size_t)snprintf(buf + n, size - n, "%s%s%s",
		    i > 0 ? ", " : "", g->members[i], admin ? " (admin)" : "");
	}
}

static void
groupcmd_show(struct tui *t, const struct core_group *g, const char *what)
{
	char	list[TUI_NOTICE_MAX - 128];

	groupcmd_members(g, list, sizeof list);
	tui_notice(t, 0, "%s#%s, %zu member%s: %s", what, g->name, g->nmembers,
	    g->nmembers == 1 ? "" : "s", list);
}

static void
groupcmd_done(struct core *core, const struct core_error *err,
    const struct core_group *g, void *arg)
{
	struct groupcmd_req	*r = arg;
	struct tui		*t = r->t;
	char			 peer[40];

	(void)core;
	if (err != NULL && err->code == CORE_ERR_CLOSED)
		goto out;
	if (err != NULL)
		tui_notice(t, 1, "#%s: %s", r->group, err->msg);
	else if (g == NULL)
		tui_notice(t, 0, "you left #%s", r->group);
	else {
		groupcmd_show(t, g, r->op == CORE_GROUP_CREATE ? "created " :
		    "");
		snprintf(peer, sizeof peer, "#%s", g->name);
		/* A new group, or a new name: that is the conversation now. */
		if (r->op == CORE_GROUP_CREATE || (r->op == CORE_GROUP_RENAME &&
		    t->open != NULL && strcmp(t->open + 1, r->group) == 0))
			view_open(t, peer);
	}
	t->stale_convs = t->stale_msgs = 1;
out:
	free(r->group);
	free(r);
}

/* Split s (modified) at blanks into at most max names; -1 if one is bad. */
static int
groupcmd_words(struct tui *t, char *s, const char **v, int max)
{
	char	*w, *last;
	int	 n = 0;

	for (w = strtok_r(s, " \n", &last); w != NULL;
	    w = strtok_r(NULL, " \n", &last)) {
		if (n == max) {
			tui_notice(t, 1, "/group: at most %d names at once", max);
			return (-1);
		}
		if (!wire_name_valid(w)) {
			tui_notice(t, 1, "invalid name \"%.40s\": use 1 to 32 "
			    "of a-z 0-9 . _ -", w);
			return (-1);
		}
		v[n++] = w;
	}
	v[n] = NULL;
	return (n);
}

/* The group a subcommand acts on: the open one, without '#'. */
static const char *
groupcmd_open(struct tui *t, const char *sub)
{
	if (!groupcmd_is_group(t->open)) {
		tui_notice(t, 1, "/group %s: open a group first (/open #NAME)",
		    sub);
		return (NULL);
	}
	return (t->open + 1);
}

static void
groupcmd_start(struct tui *t, enum core_group_op op, const char *group,
    const char * const *users)
{
	struct groupcmd_req	*r;

	r = xcalloc(1, sizeof *r);
	r->t = t;
	r->op = op;
	r->group = xstrdup(group);
	if (op == 0)
		core_group_info(t->core, group, groupcmd_done, r);
	else
		core_group_op(t->core, op, group, users, groupcmd_done, r);
}

void
groupcmd_run(struct tui *t, const char *arg)
{
	const char	*users[GROUPCMD_USERS_MAX + 2], *group;
	char		*s, *sub, *rest;
	int		 i, n;

	s = xstrdup(*arg == '\0' ? "info" : arg);
	sub = s;
	rest = s + strcspn(s, " \n");
	if (*rest != '\0')
		*rest++ = '\0';
	for (i = 0; groupcmd_ops[i].name != NULL; i++) {
		if (strcmp(groupcmd_ops[i].name, sub) == 0)
			break;
	}
	if (groupcmd_ops[i].name == NULL) {
		tui_notice(t, 1, "usage: /group %s", GROUPCMD_USAGE);
		goto out;
	}
	if ((n = groupcmd_words(t, rest, users, GROUPCMD_USERS_MAX + 1)) < 0)
		goto out;
	if (groupcmd_ops[i].op == CORE_GROUP_CREATE) {
		/* /group create NAME USER...: the first word is the name. */
		if (n < 1) {
			tui_notice(t, 1, "usage: /group create NAME USER...");
			goto out;
		}
		groupcmd_start(t, CORE_GROUP_CREATE, users[0], users + 1);
		goto out;
	}
	if ((group = groupcmd_open(t, sub)) == NULL)
		goto out;
	if ((groupcmd_ops[i].users == 1 && n < 1) ||
	    (groupcmd_ops[i].users == 2 && n != 1) ||
	    (groupcmd_ops[i].users == 0 && n != 0)) {
		tui_notice(t, 1, "usage: /group %s", GROUPCMD_USAGE);
		goto out;
	}
	groupcmd_start(t, groupcmd_ops[i].op, group, users);
out:
	free(s);
}

/* The subcommand names for Tab, and each group's members. */
int
groupcmd_subcommands(const char *word, size_t len, const char **out, int max)
{
	int	i, n = 0;

	for (i = 0; groupcmd_ops[i].name != NULL && n < max; i++) {
		if (strncmp(groupcmd_ops[i].name, word, len) == 0)
			out[n++] = groupcmd_ops[i].name;
	}
	return (n);
}

/* A membership change as a line of the conversation (the caller frees). */
char *
groupcmd_change_text(const struct core_event *ev)
{
	const char	*by = ev->by != NULL ? ev->by : "?";
	const char	*c = ev->change != NULL ? ev->change : "";
	char		 users[512];
	size_t		 n = 0, i;
	char		*s;

	users[0] = '\0';
	for (i = 0; ev->users != NULL && ev->users[i] != NULL &&
	    n < sizeof users; i++)
		n += (size_t)snprintf(users + n, sizeof users - n, "%s%s",
		    i > 0 ? ", " : "", ev->users[i]);
	if (strcmp(c, "created") == 0)
		xasprintf(&s, "%s created the group%s%s", by, n > 0 ?
		    " with " : "", users);
	else if (strcmp(c, "added") == 0)
		xasprintf(&s, "%s added %s", by, users);
	else if (strcmp(c, "removed") == 0)
		xasprintf(&s, "%s removed %s", by, users);
	else if (strcmp(c, "left") == 0)
		xasprintf(&s, "%s left", n > 0 ? users : by);
	else if (strcmp(c, "renamed") == 0)
		xasprintf(&s, "%s renamed the group to #%s", by, ev->group !=
		    NULL ? ev->group : "?");
	else if (strcmp(c, "admin") == 0)
		xasprintf(&s, "%s made %s admin", by, users);
	else
		xasprintf(&s, "%s changed the group (%s)", by, c);
	return (s);
}

/* A change that concerns this account, told when its group is not open. */
void
groupcmd_change(struct tui *t, const struct core_event *ev)
{
	char	*s;

	t->stale_convs = t->stale_msgs = 1;
	if (ev->group == NULL || (t->open != NULL && t->open[0] == '#' &&
	    strcmp(t->open + 1, ev->group) == 0))
		return;
	s = groupcmd_change_text(ev);
	tui_notice(t, 0, "#%s: %s", ev->group, s);
	free(s);
}

int
groupcmd_name_colour(struct tui *t, const char *name)
{
	uint32_t	h = 2166136261u;
	int		i;

	for (i = 0; i < t->nmembers; i++) {
		if (strcmp(t->members[i], name) == 0)
			return (i % GROUPCMD_COLOURS);
	}

	/* FNV-1a: the same name gets the same colour everywhere. */
	for (; *name != '\0'; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return ((int)(h % GROUPCMD_COLOURS));
}

void
groupcmd_free_members(struct tui *t)
{
	int	i;

	for (i = 0; i < t->nmembers; i++)
		free(t->members[i]);
	free(t->members);
	t->members = NULL;
	t->nmembers = 0;
}

static void
groupcmd_members_cb(struct core *core, const struct core_group *g, void *arg)
{
	struct tui	*t = arg;
	size_t		 i;

	(void)core;
	if (t->members != NULL || strcmp(g->name, t->open + 1) != 0)
		return;
	t->members = xcalloc(g->nmembers + 1, sizeof *t->members);
	for (i = 0; i < g->nmembers; i++)
		t->members[i] = xstrdup(g->members[i]);
	t->nmembers = (int)g->nmembers;
}

void
groupcmd_load_members(struct tui *t)
{
	groupcmd_free_members(t);
	if (groupcmd_is_group(t->open))
		(void)core_groups_local(t->core, groupcmd_members_cb, t);
}
