/* rpc: the JSON-RPC 2.0 front end (natter rpc): requests, responses and notifications, one per line. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "client/cli/call.h"
#include "client/cli/cli.h"
#include "client/core/core.h"
#include "client/cli/output.h"
#include "client/cli/report.h"
#include "client/cli/rpc.h"
#include "client/cli/rpcin.h"
#include "shared/util/xmalloc.h"

struct rpc {
	uv_loop_t		*loop;
	struct core		*core;
	struct rpcin		*in;
	uv_signal_t		 sigs[2];
	int			 pending;	/* calls not answered yet */
	int			 eof;
	int			 closing;
};

/* One request being served. */
struct rpc_call {
	struct call	 call;
	struct rpc	*rpc;
	json_t		*id;
};

void
rpc_request_clear(struct rpc_request *req)
{
	json_decref(req->id);
	json_decref(req->params);
	memset(req, 0, sizeof *req);
}

/* Check the envelope: jsonrpc, id and method members. */
static int
rpc_check_envelope(json_t *o, struct rpc_request *req, const char **method,
    char *msg, size_t msglen)
{
	json_t	*id = json_object_get(o, "id"), *v;

	if (id != NULL) {
		if (!json_is_string(id) && !json_is_integer(id) &&
		    !json_is_null(id)) {
			snprintf(msg, msglen, "id must be a string, an integer "
			    "or null");
			return (RPC_INVALID_REQUEST);
		}
		req->id = json_incref(id);
	}
	v = json_object_get(o, "jsonrpc");
	if (!json_is_string(v) || strcmp(json_string_value(v), "2.0") != 0) {
		snprintf(msg, msglen, "\"jsonrpc\" must be \"2.0\"");
		return (RPC_INVALID_REQUEST);
	}
	v = json_object_get(o, "method");
	if (!json_is_string(v)) {
		snprintf(msg, msglen, "\"method\" must be a string");
		return (RPC_INVALID_REQUEST);
	}
	*method = json_string_value(v);
	return (0);
}

int
rpc_parse(const char *line, size_t len, struct rpc_request *req, char *msg,
    size_t msglen)
{
	json_error_t	 jerr;
	json_t		*o, *params;
	const char	*method;
	int		 rc;

	memset(req, 0, sizeof *req);
	o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (o == NULL) {
		snprintf(msg, msglen, "parse error: %s (column %d)", jerr.text,
		    jerr.column);
		return (RPC_PARSE_ERROR);
	}
	if (!json_is_object(o)) {
		snprintf(msg, msglen, "%s", json_is_array(o) ? "batches are "
		    "not supported: send one request per line" :
		    "a request must be a JSON object");
		rc = RPC_INVALID_REQUEST;
		goto out;
	}
	if ((rc = rpc_check_envelope(o, req, &method, msg, msglen)) != 0)
		goto out;
	if ((req->cmd = cli_find_method(method)) == NULL) {
		snprintf(msg, msglen, "no method \"%.40s\" (see natter-rpc(5))",
		    method);
		rc = RPC_METHOD_NOT_FOUND;
		goto out;
	}
	params = json_object_get(o, "params");
	req->params = params != NULL ? json_incref(params) : json_object();
	if (cli_check_params(req->cmd, req->params, CLI_WORDS_RPC, msg,
	    msglen) != 0)
		rc = RPC_INVALID_PARAMS;
out:
	json_decref(o);
	return (rc);
}

int
rpc_error_code(enum core_err e)
{
	return (e == CORE_ERR_USAGE ? RPC_INVALID_PARAMS :
	    RPC_APP_BASE + (int)e);
}

json_t *
rpc_error_response(const json_t *id, int code, const char *msg,
    const char *reason)
{
	json_t	*err;

	err = json_pack("{s:i, s:o}", "code", code, "message",
	    output_string(msg));
	if (reason != NULL)
		json_object_set_new(err, "data", json_pack("{s:s}", "reason",
		    reason));
	return (json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id",
	    id != NULL ? id : json_null(), "error", err));
}

static void
rpc_write(json_t *o)
{
	if (o != NULL && output_json_line(stdout, o) != 0)
		report_warning("cannot write to standard output");
	json_decref(o);
}

static void
rpc_notify(const char *method, json_t *params)
{
	rpc_write(json_pack("{s:s, s:s, s:o}", "jsonrpc", "2.0", "method",
	    method, "params", params));
}

static void	rpc_maybe_finish(struct rpc *);

static void
rpc_done(struct call *c, const struct core_error *err, json_t *result)
{
	struct rpc_call	*rc = c->fe;
	struct rpc	*r = rc->rpc;

	if (rc->id != NULL && err != NULL)
		rpc_write(rpc_error_response(rc->id, rpc_error_code(err->code),
		    err->msg, core_strerror(err->code)));
	else if (rc->id != NULL)
		rpc_write(json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id",
		    rc->id, "result", result != NULL ? result : json_null()));
	else
		json_decref(result);
	json_decref(rc->id);
	json_decref(c->params);
	free(rc);
	r->pending--;
	if (r->pending < RPC_MAX_PENDING && !r->closing)
		rpcin_resume(r->in);
	rpc_maybe_finish(r);
}

/* A line before the result: a "progress" notification. */
static void
rpc_progress(struct call *c, json_t *obj, const char *text)
{
	(void)c;
	(void)text;
	rpc_write(json_pack("{s:s, s:s, s:o}", "jsonrpc", "2.0", "method",
	    "progress", "params", obj));
}

static const struct call_ops rpc_ops = { NULL, rpc_progress, rpc_done };

/* One line from stdin: answer an error, or start the call. */
static void
rpc_line(const char *line, size_t len, void *arg)
{
	struct rpc		*r = arg;
	struct rpc_request	 req;
	struct rpc_call		*rc;
	char			 msg[256];
	int			 code;

	if (r->closing)
		return;
	if (len == 0 || strspn(line, " \t\r") == len)
		return;
	if ((code = rpc_parse(line, len, &req, msg, sizeof msg)) != 0) {
		/* Answer errors, except to notifications that parsed. */
		if (req.id != NULL || code == RPC_PARSE_ERROR ||
		    code == RPC_INVALID_REQUEST)
			rpc_write(rpc_error_response(req.id, code, msg, NULL));
		rpc_request_clear(&req);
		return;
	}
	rc = xcalloc(1, sizeof *rc);
	rc->rpc = r;
	rc->id = req.id;
	req.id = NULL;
	rc->call.cmd = req.cmd;
	rc->call.core = r->core;
	rc->call.loop = r->loop;
	rc->call.params = req.params;
	rc->call.ops = &rpc_ops;
	rc->call.fe = rc;
	if (++r->pending >= RPC_MAX_PENDING)
		rpcin_pause(r->in);
	/* rc and the params it holds are freed by rpc_done. */
	req.cmd->run(&rc->call);
}

static void
rpc_overlong(void *arg)
{
	rpc_write(rpc_error_response(NULL, RPC_INVALID_REQUEST, "request "
	    "line over 1 MiB: ignored", NULL));
}

static void
rpc_finish(struct rpc *r)
{
	int	i;

	if (r->closing)
		return;
	r->closing = 1;
	for (i = 0; i < 2; i++)
		uv_close((uv_handle_t *)&r->sigs[i], NULL);
	rpcin_close(r->in);
	r->in = NULL;
	core_close(r->core);	/* fails what is still pending */
}

static void
rpc_maybe_finish(struct rpc *r)
{
	if (r->eof && r->pending == 0)
		rpc_finish(r);
}

static void
rpc_eof(void *arg)
{
	struct rpc	*r = arg;

	r->eof = 1;
	rpc_maybe_finish(r);
}

static void
rpc_event(struct core *core, const struct core_event *ev, void *arg)
{
	json_t	*o;

	switch (ev->type) {
	case CORE_EV_MESSAGE:
	case CORE_EV_RECEIPT:
	case CORE_EV_GROUP_CHANGE:
		if ((o = output_event_json(ev)) == NULL)
			return;
		rpc_notify("receive", o);
		if (!ferror(stdout) && core_mark_printed(core, ev->seq) != 0)
			report_warning("cannot record that a message was "
			    "printed");
		return;
	case CORE_EV_CONNECTED:
		rpc_notify("connection", json_pack("{s:s}", "state",
		    "connected"));
		return;
	case CORE_EV_DISCONNECTED:
		rpc_notify("connection", json_pack("{s:s, s:I, s:o}", "state",
		    "disconnected", "retry_in_ms", (json_int_t)ev->retry_in_ms,
		    "reason", output_string(ev->error != NULL ?
		    ev->error->msg : "disconnected")));
		return;
	case CORE_EV_BACKLOG_DRAINED:
		rpc_notify("backlogDrained", json_object());
		return;
	case CORE_EV_IDENTITY_CHANGED:
		rpc_notify("identityChanged", json_pack("{s:o}", "peer",
		    output_string(ev->from != NULL ? ev->from : "")));
		return;
	case CORE_EV_ERROR:
		rpc_notify("warning", json_pack("{s:o}", "message",
		    output_string(ev->error != NULL ? ev->error->msg : "")));
		return;
	case CORE_EV_HISTORY:
		rpc_notify("historyReceived", json_pack("{s:i, s:i}",
		    "messages", ev->received, "total", ev->total));
		return;
	case CORE_EV_DEVICES:
		rpc_notify("devicesChanged", ev->from_device != 0 ?
		    json_pack("{s:I}", "left", (json_int_t)ev->from_device) :
		    json_object());
		return;
	case CORE_EV_SEEN:
		rpc_notify("readElsewhere", json_pack("{s:o}", "peer",
		    output_string(ev->to != NULL ? ev->to : "")));
		return;
	case CORE_EV_ATTACHMENT:
		o = output_attachment_json(ev->attachment);
		if (ev->error != NULL)
			json_object_set_new(o, "error",
			    output_string(ev->error->msg));
		rpc_notify("attachment", o);
		return;
	case CORE_EV_PROGRESS:
		return;		/* a transfer's own call reports it */
	}
}

static void
rpc_signal(uv_signal_t *s, int signum)
{
	rpc_finish(s->data);
}

int
rpc_main(uv_loop_t *loop, struct core *core)
{
	struct rpc		r;
	struct core_error	err;
	static const int	signums[] = { SIGINT, SIGTERM };
	int			i;

	memset(&r, 0, sizeof r);
	r.loop = loop;
	r.core = core;
	if (core_start(core, CORE_START_REPLAY, rpc_event, NULL, &err) != 0) {
		report_error(&err, NULL);
		core_close(core);
		uv_run(loop, UV_RUN_DEFAULT);
		return (1);
	}
	for (i = 0; i < 2; i++) {
		uv_signal_init(loop, &r.sigs[i]);
		r.sigs[i].data = &r;
		uv_signal_start(&r.sigs[i], rpc_signal, signums[i]);
	}
	r.in = rpcin_open(loop, rpc_line, rpc_overlong, rpc_eof, &r);
	uv_run(loop, UV_RUN_DEFAULT);
	return (0);
}
