/* rpc: the JSON-RPC 2.0 front end (natter rpc), one object per line on stdin and stdout. */
#ifndef NATTER_CLIENT_CLI_RPC_H
#define NATTER_CLIENT_CLI_RPC_H

#include <stddef.h>

#include <jansson.h>

#include "client/core/core.h"

struct cli_cmd;
struct uv_loop_s;

/* Standard JSON-RPC 2.0 error codes. */
#define RPC_PARSE_ERROR		-32700
#define RPC_INVALID_REQUEST	-32600
#define RPC_METHOD_NOT_FOUND	-32601
#define RPC_INVALID_PARAMS	-32602
#define RPC_INTERNAL_ERROR	-32603
/* Application errors: RPC_APP_BASE + enum core_err (natter-rpc(5)). */
#define RPC_APP_BASE		1000

/* Longest request line accepted, in bytes. */
#define RPC_LINE_MAX		(1024 * 1024)
/* Requests running at once before natter stops reading stdin. */
#define RPC_MAX_PENDING		256

/* A parsed request. */
struct rpc_request {
	json_t			*id;		/* NULL for a notification */
	const struct cli_cmd	*cmd;
	json_t			*params;	/* a new reference */
};

/*
 * Parse and check one request line.  0 with req filled in, or a JSON-RPC
 * error code with a sentence in msg; req->id is then the request's id if
 * it had a usable one, else NULL (answer with id null).  Release with
 * rpc_request_clear either way.
 */
int	 rpc_parse(const char *line, size_t len, struct rpc_request *req,
	    char *msg, size_t msglen);
void	 rpc_request_clear(struct rpc_request *);

/* The JSON-RPC error code for a core error. */
int	 rpc_error_code(enum core_err);

/* A response object with an error (id NULL: null). */
json_t	*rpc_error_response(const json_t *id, int code, const char *msg,
	    const char *reason);

/*
 * Serve JSON-RPC on stdin/stdout with the open core until stdin ends and
 * every request has been answered (or SIGINT/SIGTERM); closes the core.
 * The exit status.
 */
int	 rpc_main(struct uv_loop_s *, struct core *);

#endif
