/* filecmds: the handlers of send-file and save and their human-readable output. */
#include <stdint.h>
#include <stdio.h>

#include "client/cli/call.h"
#include "client/cli/cli.h"
#include "client/cli/filecmds.h"
#include "client/cli/output.h"
#include "client/core/core.h"
#include "shared/util/timeutil.h"

/*
 * Progress of a transfer: to the front end like any event, or as a
 * progress line (JSON-RPC) at most every 200 ms and at the end.
 */
static void
filecmds_progress(struct core *core, const struct core_event *ev, void *arg)
{
	struct call	*c = arg;
	int64_t		 now = time_now_ms();

	(void)core;
	if (c->finished)
		return;
	if (c->ops->event != NULL) {
		c->ops->event(c, ev);
		return;
	}
	if (c->ops->progress == NULL || (ev->bytes < ev->bytes_total &&
	    now - (int64_t)(intptr_t)c->priv < 200))
		return;
	c->priv = (void *)(intptr_t)now;
	c->ops->progress(c, json_pack("{s:s, s:s, s:o, s:I, s:I}", "type",
	    "transfer", "phase", ev->status != NULL ? ev->status : "",
	    "name", output_string(ev->text != NULL ? ev->text : ""), "bytes",
	    (json_int_t)ev->bytes, "total", (json_int_t)ev->bytes_total), NULL);
}

static void
filecmds_sent(struct core *core, const struct core_error *err, const char *id,
    int64_t ts, const struct core_attachment *a, void *arg)
{
	struct call	*c = arg;

	(void)core;
	if (err != NULL) {
		call_done(c, err, NULL);
		return;
	}
	call_done(c, NULL, json_pack("{s:s, s:s, s:s, s:I, s:o}", "type",
	    "sent", "id", id, "to", cli_str(c->params, "to"), "ts",
	    (json_int_t)ts, "attachment", output_attachment_json(a)));
}

void
filecmds_send(struct call *c)
{
	core_send_file(c->core, cli_str(c->params, "to"),
	    cli_str(c->params, "path"), cli_str(c->params, "caption"),
	    filecmds_progress, filecmds_sent, c);
}

void
filecmds_send_human(const json_t *r)
{
	const json_t	*a = json_object_get(r, "attachment");

	printf("sent %s (%lld bytes) to %s (id %.12s)\n",
	    json_string_value(json_object_get(a, "name")),
	    (long long)json_integer_value(json_object_get(a, "size")),
	    json_string_value(json_object_get(r, "to")),
	    json_string_value(json_object_get(r, "id")));
}

static void
filecmds_saved(struct core *core, const struct core_error *err,
    const char *path, uint64_t size, const char *sha256, void *arg)
{
	struct call	*c = arg;

	(void)core;
	if (err != NULL) {
		call_done(c, err, NULL);
		return;
	}
	call_done(c, NULL, json_pack("{s:s, s:s, s:o, s:I, s:s}", "type",
	    "saved", "id", cli_str(c->params, "id"), "path",
	    output_string(path), "size", (json_int_t)size, "sha256", sha256));
}

void
filecmds_save(struct call *c)
{
	core_save(c->core, cli_str(c->params, "id"), cli_str(c->params, "path"),
	    filecmds_progress, filecmds_saved, c);
}

void
filecmds_save_human(const json_t *r)
{
	fputs("saved ", stdout);
	output_text(stdout, json_string_value(json_object_get(r, "path")), 0);
	printf(" (%lld bytes)\n",
	    (long long)json_integer_value(json_object_get(r, "size")));
}
