/* groupcmds: the handlers of the group commands (create, add, remove, leave, info, list, rename, admin) and their human-readable output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cli/call.h"
#include "client/cli/cli.h"
#include "client/cli/groupcmds.h"
#include "client/cli/output.h"
#include "client/core/core.h"

/* Which operation each command is (by its JSON-RPC method). */
static const struct {
	const char		*method;
	enum core_group_op	 op;
} groupcmds_ops[] = {
	{ "groupCreate", CORE_GROUP_CREATE },
	{ "groupAdd", CORE_GROUP_ADD },
	{ "groupRemove", CORE_GROUP_REMOVE },
	{ "groupRename", CORE_GROUP_RENAME },
	{ "groupAdmin", CORE_GROUP_ADMIN },
};

/* NAME or #NAME: the name without '#'. */
static const char *
groupcmds_name(const struct call *c, const char *param)
{
	const char	*n = cli_str(c->params, param);

	return (n != NULL && n[0] == '#' ? n + 1 : n);
}

static json_t *
groupcmds_names(const char * const *v)
{
	json_t	*a = json_array();

	while (v != NULL && *v != NULL)
		json_array_append_new(a, output_string(*v++));
	return (a);
}

/* {"type":"group","group":NAME,"members":[...],"admins":[...],"created":MS} */
static json_t *
groupcmds_json(const struct core_group *g)
{
	return (json_pack("{s:s, s:o, s:o, s:o, s:I}", "type", "group", "group",
	    output_string(g->name), "members", groupcmds_names(g->members),
	    "admins", groupcmds_names(g->admins), "created",
	    (json_int_t)g->created));
}

static void
groupcmds_done(struct core *core, const struct core_error *err,
    const struct core_group *g, void *arg)
{
	struct call	*c = arg;

	(void)core;
	if (err != NULL)
		call_done(c, err, NULL);
	else if (g == NULL)
		call_done(c, NULL, json_pack("{s:s, s:o}", "type", "left",
		    "group", output_string(groupcmds_name(c, "name"))));
	else
		call_done(c, NULL, groupcmds_json(g));
}

void
groupcmds_op(struct call *c)
{
	const char	**users, *renamed[2];
	size_t		  i;

	for (i = 0; i < sizeof groupcmds_ops / sizeof groupcmds_ops[0]; i++)
		if (strcmp(groupcmds_ops[i].method, c->cmd->method) == 0)
			break;
	if (groupcmds_ops[i].op == CORE_GROUP_RENAME) {
		renamed[0] = groupcmds_name(c, "new");
		renamed[1] = NULL;
		core_group_op(c->core, CORE_GROUP_RENAME, groupcmds_name(c,
		    "name"), renamed, groupcmds_done, c);
		return;
	}
	users = cli_list(c->params, "users");
	core_group_op(c->core, groupcmds_ops[i].op, groupcmds_name(c, "name"),
	    users, groupcmds_done, c);
	free(users);
}

void
groupcmds_leave(struct call *c)
{
	core_group_op(c->core, CORE_GROUP_LEAVE, groupcmds_name(c, "name"),
	    NULL, groupcmds_done, c);
}

void
groupcmds_info(struct call *c)
{
	core_group_info(c->core, groupcmds_name(c, "name"), groupcmds_done, c);
}

static void
groupcmds_listed(struct core *core, const struct core_error *err,
    const struct core_group *v, size_t n, void *arg)
{
	struct call	*c = arg;
	json_t		*a;
	size_t		 i;

	(void)core;
	if (err != NULL) {
		call_done(c, err, NULL);
		return;
	}
	a = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(a, groupcmds_json(&v[i]));
	call_done(c, NULL, json_pack("{s:s, s:o}", "type", "groups", "groups",
	    a));
}

void
groupcmds_list(struct call *c)
{
	core_group_list(c->core, groupcmds_listed, c);
}

static void
groupcmds_print_names(const char *what, const json_t *a)
{
	json_t	*u;
	size_t	 i;

	printf("  %s:", what);
	json_array_foreach(a, i, u) {
		putchar(' ');
		output_text(stdout, json_string_value(u), 0);
	}
	putchar('\n');
}

void
groupcmds_group_human(const json_t *r)
{
	putchar('#');
	output_text(stdout, json_string_value(json_object_get(r, "group")), 0);
	printf(" (%zu members)\n", json_array_size(json_object_get(r,
	    "members")));
	groupcmds_print_names("members", json_object_get(r, "members"));
	groupcmds_print_names("admins", json_object_get(r, "admins"));
}

void
groupcmds_left_human(const json_t *r)
{
	printf("left #");
	output_text(stdout, json_string_value(json_object_get(r, "group")), 0);
	putchar('\n');
}

void
groupcmds_list_human(const json_t *r)
{
	json_t	*g;
	size_t	 i;

	if (json_array_size(json_object_get(r, "groups")) == 0)
		printf("no groups\n");
	json_array_foreach(json_object_get(r, "groups"), i, g)
		groupcmds_group_human(g);
}
