/* call: ending a running command, once. */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>

#include "client/cli/call.h"

void
call_done(struct call *c, const struct core_error *err, json_t *result)
{
	assert(!c->finished);
	c->finished = 1;
	if (err != NULL) {
		json_decref(result);
		result = NULL;
	}
	c->ops->done(c, err, result);
}

void
call_fail(struct call *c, enum core_err code, const char *fmt, ...)
{
	struct core_error	err;
	va_list			ap;

	err.code = code;
	va_start(ap, fmt);
	vsnprintf(err.msg, sizeof err.msg, fmt, ap);
	va_end(ap);
	call_done(c, &err, NULL);
}
