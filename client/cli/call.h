/* call: one running command between a front end (CLI, JSON-RPC, TUI) and its handler. */
#ifndef NATTER_CLIENT_CLI_CALL_H
#define NATTER_CLIENT_CLI_CALL_H

#include <jansson.h>

#include "client/core/core.h"

struct call;
struct cli_cmd;

/* What a front end does with a call's output. */
struct call_ops {
	/* An event for a streaming command (recv, listen); may be NULL. */
	void	(*event)(struct call *, const struct core_event *);
	/*
	 * A line before the result (devices link's code): obj (stolen) for
	 * --json and JSON-RPC, text for people.  May be NULL.
	 */
	void	(*progress)(struct call *, json_t *obj, const char *text);
	/*
	 * The call ended: err NULL and result (owned by the callee, may be
	 * NULL) on success.  Called exactly once.
	 */
	void	(*done)(struct call *, const struct core_error *, json_t *);
};

/*
 * A running command.  The front end fills cmd, core, params (it keeps
 * ownership), ops and fe, then calls cmd->run.  The handler may use priv.
 */
struct call {
	const struct cli_cmd	*cmd;
	struct core		*core;
	struct uv_loop_s	*loop;
	json_t			*params;
	const struct call_ops	*ops;
	void			*fe;
	void			*priv;
	/* Set by a handler that can be stopped early (listen, recv). */
	void			 (*cancel)(struct call *);
	int			 finished;
};

/* End c: pass err or result (stolen) to the front end.  Once only. */
void	call_done(struct call *, const struct core_error *, json_t *);

/* End c with an error built from code and a printf format. */
void	call_fail(struct call *, enum core_err, const char *, ...)
	    __attribute__((format(printf, 3, 4)));

#endif
