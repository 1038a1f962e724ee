/* keycmds: the handler of the keys command (rotate) and its human-readable output. */
#include <stdio.h>

#include "client/cli/call.h"
#include "client/cli/keycmds.h"
#include "client/core/core.h"

static void
keycmds_rotated(struct core *core, const struct core_error *err, void *arg)
{
	struct call	*c = arg;

	if (err != NULL)
		call_done(c, err, NULL);
	else
		call_done(c, NULL, json_pack("{s:s, s:I}", "type",
		    "keys_rotated", "spk_id", (json_int_t)core_keys_spk_id(core)));
}

void
keycmds_rotate(struct call *c)
{
	core_keys_rotate(c->core, keycmds_rotated, c);
}

void
keycmds_rotate_human(const json_t *r)
{
	printf("new signed prekey %lld is on the server\n",
	    (long long)json_integer_value(json_object_get(r, "spk_id")));
}
