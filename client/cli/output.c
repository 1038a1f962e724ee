/* output: events and results as contract JSON lines or as text for people. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/core/core.h"
#include "client/cli/output.h"
#include "shared/util/utf8.h"
#include "shared/util/xmalloc.h"

json_t *
output_string(const char *s)
{
	size_t		 n = strlen(s), i = 0, k, o = 0;
	uint32_t	 cp;
	char		*buf;
	json_t		*j;

	if ((j = json_string(s)) != NULL)
		return (j);
	buf = xmalloc(3 * n + 1);
	while (i < n) {
		k = utf8_decode(s + i, n - i, &cp);
		if (cp == UTF8_REPLACEMENT) {	/* a bad byte, or U+FFFD */
			memcpy(buf + o, "\xef\xbf\xbd", 3);
			o += 3;
		} else {
			memcpy(buf + o, s + i, k);
			o += k;
		}
		i += k;
	}
	buf[o] = '\0';
	j = json_string(buf);
	free(buf);
	return (j != NULL ? j : json_string(""));
}

static json_t *
output_str_or_null(const char *s)
{
	return (s != NULL ? output_string(s) : json_null());
}

json_t *
output_attachment_json(const struct core_attachment *a)
{
	json_t	*o;

	if (a == NULL)
		return (json_null());
	o = json_pack("{s:o, s:I, s:o, s:s, s:s, s:s, s:o, s:o}",
	    "name", output_str_or_null(a->name), "size", (json_int_t)a->size,
	    "mime", output_str_or_null(a->mime), "sha256", a->sha256,
	    "blob", a->blob, "state", a->state != NULL ? a->state : "ready",
	    "saved", output_str_or_null(a->saved),
	    "path", output_str_or_null(a->saved));
	return (o != NULL ? o : json_null());
}

/* A group message of ours: how many members have it, have read it. */
static void
output_counts(json_t *o, const struct core_event *ev)
{
	json_object_set_new(o, "delivered_n", json_integer(ev->delivered_n));
	json_object_set_new(o, "read_n", json_integer(ev->read_n));
	json_object_set_new(o, "members_n", json_integer(ev->members_n));
}

/* {"type":"group_change","group","change","by","users","ts"} */
static json_t *
output_change_json(const struct core_event *ev)
{
	json_t	*users = json_array();
	size_t	 i;

	for (i = 0; ev->users != NULL && ev->users[i] != NULL; i++)
		json_array_append_new(users, output_string(ev->users[i]));
	return (json_pack("{s:s, s:o, s:o, s:o, s:o, s:I}", "type",
	    "group_change", "group", output_str_or_null(ev->group), "change",
	    output_str_or_null(ev->change), "by", output_str_or_null(ev->by),
	    "users", users, "ts", (json_int_t)ev->ts));
}

json_t *
output_event_json(const struct core_event *ev)
{
	json_t	*o;

	switch (ev->type) {
	case CORE_EV_MESSAGE:
		o = json_pack("{s:s, s:s, s:o, s:I, s:o, s:o, s:I, s:o, s:o}",
		    "type", "message", "id", ev->id,
		    "from", output_str_or_null(ev->from),
		    "from_device", (json_int_t)ev->from_device,
		    "to", output_str_or_null(ev->to),
		    "group", output_str_or_null(ev->group),
		    "ts", (json_int_t)ev->ts,
		    "text", output_str_or_null(ev->text),
		    "attachment", output_attachment_json(ev->attachment));
		if (o != NULL && ev->status != NULL)
			json_object_set_new(o, "status",
			    json_string(ev->status));
		if (o != NULL)
			json_object_set_new(o, "outgoing",
			    json_boolean(ev->outgoing));
		if (o != NULL && ev->members_n > 0)
			output_counts(o, ev);
		return (o);
	case CORE_EV_RECEIPT:
		o = json_pack("{s:s, s:s, s:o, s:o, s:I}", "type",
		    "receipt", "id", ev->id, "status",
		    output_str_or_null(ev->status), "by",
		    output_str_or_null(ev->by), "ts", (json_int_t)ev->ts);
		if (o != NULL && ev->members_n > 0)
			output_counts(o, ev);
		return (o);
	case CORE_EV_GROUP_CHANGE:
		return (output_change_json(ev));
	default:
		return (NULL);
	}
}

/*
 * Write s (json_dumps' output) with DEL and the C1 controls (U+0080 to
 * U+009F, UTF-8 C2 80 to C2 9F) escaped as \u00XX: jansson escapes only
 * C0, and a terminal obeys C1 too.  Outside strings the JSON is ASCII, so
 * every such byte is inside a string.
 */
static int
output_json_safe(FILE *f, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;

	for (; *p != '\0'; p++) {
		if (*p == 0x7f) {
			if (fputs("\\u007f", f) == EOF)
				return (-1);
		} else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			if (fprintf(f, "\\u%04x", p[1]) < 0)
				return (-1);
			p++;
		} else if (putc(*p, f) == EOF)
			return (-1);
	}
	return (putc('\n', f) == EOF ? -1 : 0);
}

int
output_json_line(FILE *f, const json_t *o)
{
	char	*s;
	int	 rc;

	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (s == NULL)
		return (-1);
	rc = output_json_safe(f, s);
	free(s);
	if (fflush(f) != 0)
		rc = -1;
	return (rc);
}

void
output_text(FILE *f, const char *s, int indent)
{
	size_t		n = strlen(s), i = 0, k;
	uint32_t	cp;

	while (i < n) {
		k = utf8_decode(s + i, n - i, &cp);
		if (cp == '\n')
			fprintf(f, "\n%*s", indent, "");
		else if (cp == '\t')
			fputc(' ', f);
		else if (cp < 0x20 || cp == 0x7f)
			fprintf(f, "^%c", (int)(cp ^ 0x40));
		else if ((cp >= 0x80 && cp < 0xa0) || cp == UTF8_REPLACEMENT)
			fputs("\xef\xbf\xbd", f);	/* or a bad byte */
		else
			fwrite(s + i, 1, k, f);
		i += k;
	}
}

/* "HH:MM:SS" today, "YYYY-MM-DD HH:MM" on another day (local time). */
static void
output_when(char *buf, size_t len, int64_t ms)
{
	time_t		t = (time_t)(ms / 1000), now = time(NULL);
	struct tm	tm, today;

	localtime_r(&t, &tm);
	localtime_r(&now, &today);
	if (tm.tm_year == today.tm_year && tm.tm_yday == today.tm_yday)
		strftime(buf, len, "%H:%M:%S", &tm);
	else
		strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
}

static const char *
output_get(const json_t *o, const char *k)
{
	const char	*s = json_string_value(json_object_get(o, k));

	return (s != NULL ? s : "?");
}

/* "[file NAME, SIZE, STATE] " or "[file NAME, SIZE, saved PATH] ". */
static void
output_attachment_human(FILE *f, const json_t *a)
{
	double		 n = (double)json_integer_value(json_object_get(a,
			    "size"));
	const char	*unit = "bytes";

	if (n >= 1024 * 1024) {
		n /= 1024 * 1024;
		unit = "MiB";
	} else if (n >= 1024) {
		n /= 1024;
		unit = "KiB";
	}
	fputs("[file ", f);
	output_text(f, output_get(a, "name"), 0);
	fprintf(f, strcmp(unit, "bytes") == 0 ? ", %.0f %s, " : ", %.1f %s, ",
	    n, unit);
	if (json_is_string(json_object_get(a, "saved"))) {
		fputs("saved ", f);
		output_text(f, output_get(a, "saved"), 0);
	} else
		output_text(f, output_get(a, "state"), 0);
	fputs("] ", f);
}

void
output_message_human(FILE *f, const json_t *m)
{
	char		when[32];
	const char	*from = output_get(m, "from");
	int		 head;

	output_when(when, sizeof when, json_integer_value(json_object_get(m,
	    "ts")));
	head = fprintf(f, "[%s] ", when);
	output_text(f, from, 0);
	if (json_is_string(json_object_get(m, "group"))) {
		fputs(" in ", f);
		output_text(f, output_get(m, "group"), 0);
	}
	fputs(": ", f);
	if (strcmp(output_get(m, "status"), "undecryptable") == 0)
		fputs("(a message that could not be decrypted: its sender was "
		    "asked to send it again)", f);
	else if (strcmp(output_get(m, "status"), "key_changed") == 0)
		fputs("(the identity key changed here: natter fingerprint, then "
		    "verify or trust)", f);
	else {
		if (json_is_object(json_object_get(m, "attachment")))
			output_attachment_human(f, json_object_get(m,
			    "attachment"));
		output_text(f, output_get(m, "text"), head > 0 ? head : 0);
	}
	if (json_is_true(json_object_get(m, "outgoing")))
		fprintf(f, " [%s]", output_get(m, "status"));
	fputc('\n', f);
}

void
output_change_human(FILE *f, const json_t *ev)
{
	json_t	*u;
	size_t	 i;
	char	 when[32];

	output_when(when, sizeof when,
	    json_integer_value(json_object_get(ev, "ts")));
	fprintf(f, "[%s] #", when);
	output_text(f, output_get(ev, "group"), 0);
	fputs(": ", f);
	output_text(f, output_get(ev, "by"), 0);
	fputc(' ', f);
	output_text(f, output_get(ev, "change"), 0);
	json_array_foreach(json_object_get(ev, "users"), i, u) {
		fputs(i == 0 ? " " : ", ", f);
		output_text(f, json_string_value(u), 0);
	}
	fputc('\n', f);
}

int
output_event_human(FILE *f, const json_t *ev)
{
	char	when[32];

	if (strcmp(output_get(ev, "type"), "message") == 0)
		output_message_human(f, ev);
	else if (strcmp(output_get(ev, "type"), "group_change") == 0)
		output_change_human(f, ev);
	else {
		output_when(when, sizeof when,
		    json_integer_value(json_object_get(ev, "ts")));
		fprintf(f, "[%s] message %.12s %s by ", when,
		    output_get(ev, "id"), output_get(ev, "status"));
		output_text(f, output_get(ev, "by"), 0);
		if (json_integer_value(json_object_get(ev, "members_n")) > 0)
			fprintf(f, " (delivered %lld/%lld)", (long long)
			    json_integer_value(json_object_get(ev,
			    "delivered_n")), (long long)json_integer_value(
			    json_object_get(ev, "members_n")));
		fputc('\n', f);
	}
	return (fflush(f) != 0 || ferror(f) ? -1 : 0);
}
