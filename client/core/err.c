/* err: the core's errors: a code and one sentence for the user; server codes mapped; errors reported on the next loop turn. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "client/core/err.h"
#include "shared/util/utf8.h"
#include "shared/util/xmalloc.h"

/* A callback to be called on the next loop turn (errors found up front). */
struct err_later {
	uv_timer_t		 t;
	struct core		*c;
	struct err_cb		 cb;
	void			*arg;
	struct core_error	 err;
};

void
err_set(struct core_error *err, enum core_err code, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL)
		return;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
}

enum core_err
err_from_code(uint32_t code)
{
	switch (code) {
	case NATTER__CODE__OK:
		return (CORE_OK);
	case NATTER__CODE__NAME_TAKEN:
		return (CORE_ERR_NAME_TAKEN);
	case NATTER__CODE__NAME_INVALID:
		return (CORE_ERR_NAME_INVALID);
	case NATTER__CODE__UNKNOWN_USER:
		return (CORE_ERR_UNKNOWN_USER);
	case NATTER__CODE__RATE_LIMITED:
		return (CORE_ERR_RATE_LIMITED);
	case NATTER__CODE__TOO_LARGE:
		return (CORE_ERR_TOO_LARGE);
	case NATTER__CODE__QUEUE_FULL:
		return (CORE_ERR_QUEUE_FULL);
	case NATTER__CODE__INTERNAL:
		return (CORE_ERR_SERVER);
	case NATTER__CODE__BAD_SIGNATURE:
		return (CORE_ERR_CRYPTO);
	case NATTER__CODE__UNKNOWN_GROUP:
		return (CORE_ERR_UNKNOWN_GROUP);
	case NATTER__CODE__NOT_ADMIN:
		return (CORE_ERR_NOT_ADMIN);
	case NATTER__CODE__GROUP_FULL:
		return (CORE_ERR_GROUP_FULL);
	default:
		return (CORE_ERR_PROTOCOL);
	}
}

/*
 * Copy s into out, at most outlen - 1 bytes and never half a character:
 * what a terminal would obey (C0, DEL, C1 controls) and bytes that are not
 * UTF-8 become '?'.  Server-chosen text passes through here before it
 * reaches a terminal or a log.
 */
void
err_clean(char *out, size_t outlen, const char *s)
{
	size_t		i = 0, n, len = strlen(s);
	uint32_t	cp;

	while (*s != '\0') {
		n = utf8_decode(s, len, &cp);
		if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ||
		    (cp == UTF8_REPLACEMENT && n == 1)) {
			if (i + 1 >= outlen)
				break;
			out[i++] = '?';
		} else {
			if (i + n >= outlen)
				break;
			memcpy(out + i, s, n);
			i += n;
		}
		s += n;
		len -= n;
	}
	out[i] = '\0';
}

void
err_from_resp(struct core_error *err, const Natter__Response *r,
    const char *what)
{
	char	detail[121];

	if (r->message != NULL && *r->message != '\0')
		err_clean(detail, sizeof detail, r->message);
	else
		snprintf(detail, sizeof detail, "no detail");
	err_set(err, err_from_code(r->code), "%s failed: server said %s "
	    "(code %u)", what, detail, r->code);
}

static void
err_later_close(uv_handle_t *h)
{
	free(h->data);
}

static void
err_later_cb(uv_timer_t *t)
{
	struct err_later	*l = t->data;
	const struct err_cb	*cb = &l->cb;

	if (cb->done != NULL)
		cb->done(l->c, &l->err, l->arg);
	else if (cb->sent != NULL)
		cb->sent(l->c, &l->err, NULL, 0, l->arg);
	else if (cb->fingerprint != NULL)
		cb->fingerprint(l->c, &l->err, NULL, l->arg);
	else if (cb->linked != NULL)
		cb->linked(l->c, &l->err, NULL, 0, l->arg);
	else if (cb->approved != NULL)
		cb->approved(l->c, &l->err, 0, NULL, 0, l->arg);
	else if (cb->devices != NULL)
		cb->devices(l->c, &l->err, NULL, 0, l->arg);
	else if (cb->file_sent != NULL)
		cb->file_sent(l->c, &l->err, NULL, 0, NULL, l->arg);
	else if (cb->saved != NULL)
		cb->saved(l->c, &l->err, NULL, 0, NULL, l->arg);
	else if (cb->group != NULL)
		cb->group(l->c, &l->err, NULL, l->arg);
	else if (cb->groups != NULL)
		cb->groups(l->c, &l->err, NULL, 0, l->arg);
	uv_close((uv_handle_t *)&l->t, err_later_close);
}

void
err_later(uv_loop_t *loop, struct core *c, const struct core_error *err,
    struct err_cb cb, void *arg)
{
	struct err_later	*l;

	l = xcalloc(1, sizeof *l);
	l->c = c;
	l->cb = cb;
	l->arg = arg;
	l->err = *err;
	uv_timer_init(loop, &l->t);
	l->t.data = l;
	uv_timer_start(&l->t, err_later_cb, 0, 0);
}
