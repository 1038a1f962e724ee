/* devcmds: the handlers of the devices commands (list, link, approve, remove) and their human-readable output. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "client/cli/call.h"
#include "client/cli/cli.h"
#include "client/cli/devcmds.h"
#include "client/core/core.h"

static void
devcmds_listed(struct core *core, const struct core_error *err,
    const struct core_device *v, size_t n, void *arg)
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
		json_array_append_new(a, json_pack("{s:I, s:s?, s:b, s:b, s:s, "
		    "s:I, s:n}", "device", (json_int_t)v[i].device, "name",
		    v[i].label, "primary", v[i].primary, "current",
		    v[i].current, "fingerprint", v[i].fingerprint, "added",
		    (json_int_t)v[i].added, "last_seen"));
	call_done(c, NULL, json_pack("{s:s, s:o}", "type", "devices",
	    "devices", a));
}

void
devcmds_list(struct call *c)
{
	core_devices_list(c->core, devcmds_listed, c);
}

void
devcmds_list_human(const json_t *r)
{
	json_t	*d;
	size_t	 i;

	json_array_foreach(json_object_get(r, "devices"), i, d) {
		const char *name = json_string_value(json_object_get(d, "name"));

		printf("%lld%s%s  %s  %s\n",
		    (long long)json_integer_value(json_object_get(d, "device")),
		    json_is_true(json_object_get(d, "primary")) ? " primary" : "",
		    json_is_true(json_object_get(d, "current")) ? " (this one)" :
		    "", json_string_value(json_object_get(d, "fingerprint")),
		    name != NULL ? name : "");
	}
}

static void
devcmds_code(struct core *core, const char *code, void *arg)
{
	struct call	*c = arg;

	(void)core;
	if (c->ops->progress != NULL)
		c->ops->progress(c, json_pack("{s:s, s:s}", "type", "link_code",
		    "code", code), code);
}

static void
devcmds_linked(struct core *core, const struct core_error *err,
    const char *account, uint32_t device, void *arg)
{
	struct call	*c = arg;

	(void)core;
	if (err != NULL)
		call_done(c, err, NULL);
	else
		call_done(c, NULL, json_pack("{s:s, s:s, s:I}", "type",
		    "linked", "account", account, "device", (json_int_t)device));
}

void
devcmds_link(struct call *c)
{
	core_devices_link(c->core, cli_str(c->params, "name"),
	    (int)cli_count(c->params, "timeout", 0), devcmds_code,
	    devcmds_linked, c);
}

void
devcmds_link_human(const json_t *r)
{
	printf("linked: this is device %lld of %s\n",
	    (long long)json_integer_value(json_object_get(r, "device")),
	    json_string_value(json_object_get(r, "account")));
}

static void
devcmds_approved(struct core *core, const struct core_error *err,
    uint32_t device, const char *label, int history, void *arg)
{
	struct call	*c = arg;

	(void)core;
	if (err != NULL)
		call_done(c, err, NULL);
	else
		call_done(c, NULL, json_pack("{s:s, s:I, s:s, s:i}", "type",
		    "approved", "device", (json_int_t)device, "name", label,
		    "history", history));
}

/* The history's progress: natter(1) on stderr, rpc a notification. */
static void
devcmds_approve_progress(struct core *core, const struct core_event *ev,
    void *arg)
{
	struct call	*c = arg;

	(void)core;
	if (c->ops->event != NULL)
		c->ops->event(c, ev);
	else if (c->ops->progress != NULL)
		c->ops->progress(c, json_pack("{s:s, s:I, s:i, s:i}", "type",
		    "history", "device", (json_int_t)ev->from_device,
		    "messages", ev->received, "total", ev->total), NULL);
}

void
devcmds_approve(struct call *c)
{
	core_devices_approve(c->core, cli_str(c->params, "code"),
	    devcmds_approve_progress, devcmds_approved, c);
}

void
devcmds_approve_human(const json_t *r)
{
	const char	*name = json_string_value(json_object_get(r, "name"));

	printf("approved device %lld%s%s; %lld messages of history sent to "
	    "it\n", (long long)json_integer_value(json_object_get(r, "device")),
	    name != NULL && *name != '\0' ? ": " : "", name != NULL ? name : "",
	    (long long)json_integer_value(json_object_get(r, "history")));
}

static void
devcmds_removed(struct core *core, const struct core_error *err, void *arg)
{
	struct call	*c = arg;

	(void)core;
	if (err != NULL)
		call_done(c, err, NULL);
	else
		call_done(c, NULL, json_pack("{s:s, s:I}", "type", "removed",
		    "device", (json_int_t)cli_count(c->params, "device", 0)));
}

void
devcmds_remove(struct call *c)
{
	core_devices_remove(c->core, (uint32_t)cli_count(c->params, "device",
	    0), devcmds_removed, c);
}

void
devcmds_remove_human(const json_t *r)
{
	printf("removed device %lld\n",
	    (long long)json_integer_value(json_object_get(r, "device")));
}
