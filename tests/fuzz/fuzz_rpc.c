/* fuzz_rpc: natter rpc's request parser (rpc_parse) on any byte string. */
#include <jansson.h>

#include "client/cli/cli.h"
#include "client/cli/rpc.h"
#include "tests/fuzz/fuzz.h"

static const char *const rpc_seed_lines[][2] = {
	{ "send", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"send\","
	    "\"params\":{\"to\":\"bob\",\"text\":\"hi\"}}" },
	{ "history", "{\"jsonrpc\":\"2.0\",\"id\":\"h\",\"method\":\"history\","
	    "\"params\":{\"to\":\"bob\",\"limit\":20}}" },
	{ "status", "{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"status\"}" },
	{ "verify", "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"verify\","
	    "\"params\":{\"to\":\"bob\",\"number\":\"12345 67890\"}}" },
	{ "notification", "{\"jsonrpc\":\"2.0\",\"method\":\"status\"}" },
	{ "batch", "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"status\"}]" },
	{ "dup", "{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":2,\"method\":\"status\"}" },
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	fuzz_seed_texts(rpc_seed_lines, sizeof rpc_seed_lines / sizeof rpc_seed_lines[0]);
	return (0);
}

/*
 * Any line parses to a request (a known command and an object of checked
 * params) or to one of the four standard error codes with a message.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rpc_request	req;
	char			msg[256];
	int			rc;

	if (size > RPC_LINE_MAX)
		return (0);
	msg[0] = '\0';
	rc = rpc_parse((const char *)data, size, &req, msg, sizeof msg);
	if (rc == 0) {
		FUZZ_CHECK(req.cmd != NULL && json_is_object(req.params));
		FUZZ_CHECK(req.id == NULL || json_is_string(req.id) ||
		    json_is_integer(req.id) || json_is_null(req.id));
	} else {
		FUZZ_CHECK(rc == RPC_PARSE_ERROR || rc == RPC_INVALID_REQUEST ||
		    rc == RPC_METHOD_NOT_FOUND || rc == RPC_INVALID_PARAMS);
		FUZZ_CHECK(msg[0] != '\0');
	}
	rpc_request_clear(&req);
	return (0);
}
