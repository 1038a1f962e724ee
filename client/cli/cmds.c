/* cmds: the request/answer commands (register, send, read, history, fingerprint, verify, trust, status). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "client/cli/call.h"
#include "client/cli/cli.h"
#include "client/cli/cmds.h"
#include "client/core/core.h"
#include "client/cli/output.h"

/* Every message of a conversation by default (bounded by the param's max). */
#define CMDS_HISTORY_ALL	1000000

static void
cmds_register_done(struct core *core, const struct core_error *err, void *arg)
{
	struct call	*c = arg;

	if (err != NULL) {
		call_done(c, err, NULL);
		return;
	}
	call_done(c, NULL, json_pack("{s:s, s:s, s:I}", "type", "registered",
	    "account", core_account(core), "device",
	    (json_int_t)core_device(core)));
}

void
cmds_register(struct call *c)
{
	core_register(c->core, cli_str(c->params, "name"), cmds_register_done,
	    c);
}

void
cmds_register_human(const json_t *r)
{
	printf("registered %s as device %lld\n",
	    json_string_value(json_object_get(r, "account")),
	    (long long)json_integer_value(json_object_get(r, "device")));
}

static void
cmds_send_done(struct core *core, const struct core_error *err,
    const char *id, int64_t ts, void *arg)
{
	struct call	*c = arg;

	if (err != NULL) {
		call_done(c, err, NULL);
		return;
	}
	call_done(c, NULL, json_pack("{s:s, s:s, s:s, s:I}", "type", "sent",
	    "id", id, "to", cli_str(c->params, "to"), "ts", (json_int_t)ts));
}

/* The table's CLI_NONEMPTY has refused an empty text already. */
void
cmds_send(struct call *c)
{
	core_send_text(c->core, cli_str(c->params, "to"),
	    cli_str(c->params, "text"), cmds_send_done, c);
}

void
cmds_send_human(const json_t *r)
{
	printf("sent to %s (id %.12s)\n",
	    json_string_value(json_object_get(r, "to")),
	    json_string_value(json_object_get(r, "id")));
}

static json_t *
cmds_read_result(struct call *c, int count)
{
	return (json_pack("{s:s, s:s, s:i}", "type", "read", "peer",
	    cli_str(c->params, "to"), "count", count));
}

static void
cmds_read_sent(struct core *core, const struct core_error *err,
    const char *id, int64_t ts, void *arg)
{
	struct call	*c = arg;

	(void)core;
	(void)id;
	(void)ts;
	if (err != NULL)
		call_done(c, err, NULL);
	else
		call_done(c, NULL, cmds_read_result(c, (int)(intptr_t)c->priv));
}

void
cmds_read(struct call *c)
{
	struct core_error	err;
	int			n;

	n = core_mark_read(c->core, cli_str(c->params, "to"), 0, 0,
	    cmds_read_sent, c, &err);
	if (n < 0)
		call_done(c, &err, NULL);
	else if (n == 0 || cli_str(c->params, "to")[0] == '#')
		/* A group's are marked here only: no receipts to wait for. */
		call_done(c, NULL, cmds_read_result(c, n));
	else
		c->priv = (void *)(intptr_t)n;	/* done once stored */
}

void
cmds_read_human(const json_t *r)
{
	long long	n = (long long)json_integer_value(json_object_get(r,
			    "count"));

	if (n == 0)
		printf("nothing unread from %s\n",
		    json_string_value(json_object_get(r, "peer")));
	else
		printf("marked %lld message%s from %s read\n", n,
		    n == 1 ? "" : "s",
		    json_string_value(json_object_get(r, "peer")));
}

static void
cmds_history_each(struct core *core, const struct core_event *ev, void *arg)
{
	json_array_append_new(arg, output_event_json(ev));
}

void
cmds_history(struct call *c)
{
	struct core_error	 err;
	const char		*to = cli_str(c->params, "to");
	json_t			*msgs = json_array();
	int			 limit;

	limit = (int)cli_count(c->params, "limit", CMDS_HISTORY_ALL);
	if (core_history(c->core, to, limit, cmds_history_each, msgs,
	    &err) != 0) {
		json_decref(msgs);
		call_done(c, &err, NULL);
		return;
	}
	/* What is still in the outbox comes last, as the newest. */
	core_queued(c->core, to, cmds_history_each, msgs);
	while (json_array_size(msgs) > (size_t)limit)
		json_array_remove(msgs, 0);
	call_done(c, NULL, json_pack("{s:s, s:s, s:o}", "type", "history",
	    "peer", to, "messages", msgs));
}

void
cmds_history_human(const json_t *r)
{
	size_t	 i;
	json_t	*m;

	json_array_foreach(json_object_get(r, "messages"), i, m)
		output_message_human(stdout, m);
}

static void
cmds_fingerprint_done(struct core *core, const struct core_error *err,
    const char *number, void *arg)
{
	struct call	*c = arg;
	const char	*to = cli_str(c->params, "to");

	if (err != NULL) {
		call_done(c, err, NULL);
		return;
	}
	call_done(c, NULL, json_pack("{s:s, s:s, s:s, s:s}", "type",
	    "fingerprint", "peer", to, "safety_number", number, "trust",
	    core_trust_state(core, to)));
}

void
cmds_fingerprint(struct call *c)
{
	core_fingerprint(c->core, cli_str(c->params, "to"),
	    cmds_fingerprint_done, c);
}

/* What each trust state means, for people. */
static const char *
cmds_trust_words(const char *state)
{
	if (strcmp(state, "verified") == 0)
		return ("verified");
	if (strcmp(state, "changed") == 0)
		return ("IDENTITY KEY CHANGED: compare the number in person, "
		    "then natter verify");
	return ("trusted on first use, not verified");
}

void
cmds_fingerprint_human(const json_t *r)
{
	const char	*num = json_string_value(json_object_get(r,
			    "safety_number"));
	size_t		 i, len = strlen(num);

	printf("Safety number with %s (%s):\n",
	    json_string_value(json_object_get(r, "peer")),
	    cmds_trust_words(json_string_value(json_object_get(r, "trust"))));
	/* Three rows of four groups of five digits. */
	for (i = 0; i < len; i += 24)
		printf("    %.23s\n", num + i);
}

static void
cmds_peer_done(struct core *core, const struct core_error *err, void *arg)
{
	struct call	*c = arg;

	if (err != NULL) {
		call_done(c, err, NULL);
		return;
	}
	call_done(c, NULL, json_pack("{s:s, s:s}", "type", c->cmd->name[0] ==
	    'v' ? "verified" : "trusted", "peer", cli_str(c->params, "to")));
}

void
cmds_verify(struct call *c)
{
	core_verify(c->core, cli_str(c->params, "to"),
	    cli_str(c->params, "number"), cmds_peer_done, c);
}

void
cmds_verify_human(const json_t *r)
{
	printf("%s is verified: the safety numbers match\n",
	    json_string_value(json_object_get(r, "peer")));
}

void
cmds_trust(struct call *c)
{
	struct core_error	err;

	if (core_trust_accept(c->core, cli_str(c->params, "to"), &err) != 0) {
		call_done(c, &err, NULL);
		return;
	}
	cmds_peer_done(c->core, NULL, c);
}

void
cmds_trust_human(const json_t *r)
{
	printf("%s's current identity key is accepted (not verified)\n",
	    json_string_value(json_object_get(r, "peer")));
}

void
cmds_status(struct call *c)
{
	const char	*acct = core_account(c->core);

	call_done(c, NULL, json_pack("{s:s, s:s?, s:I, s:s, s:i}", "type",
	    "status", "account", acct, "device",
	    (json_int_t)core_device(c->core), "server", core_server(c->core),
	    "queued", core_outbox_count(c->core)));
}

void
cmds_status_human(const json_t *r)
{
	const char	*acct = json_string_value(json_object_get(r, "account"));

	printf("account %s, device %lld, server %s, %lld queued\n",
	    acct != NULL ? acct : "(none)",
	    (long long)json_integer_value(json_object_get(r, "device")),
	    json_string_value(json_object_get(r, "server")),
	    (long long)json_integer_value(json_object_get(r, "queued")));
}
