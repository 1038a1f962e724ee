/* report: what natter says on standard error: sentences for people, or with --json one JSON object per line. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "client/cli/output.h"
#include "client/cli/report.h"
#include "client/cli/rpc.h"
#include "client/core/core.h"
#include "shared/util/timeutil.h"

static int	report_json;

void
report_set_json(int on)
{
	report_json = on;
}

/* Write o (stolen) as one line on standard error. */
static void
report_object(json_t *o)
{
	if (o != NULL)
		(void)output_json_line(stderr, o);
	json_decref(o);
}

/* "usage: natter A", then "       natter B" for each further line. */
static void
report_usage_text(const char *usage)
{
	const char	*prefix = "usage: ";
	size_t		 n;

	while (*usage != '\0') {
		n = strcspn(usage, "\n");
		fprintf(stderr, "%s%.*s\n", prefix, (int)n, usage);
		prefix = "       ";
		usage += n + (usage[n] == '\n');
	}
}

void
report_error(const struct core_error *err, const char *usage)
{
	json_t	*o;

	if (!report_json) {
		fprintf(stderr, "natter: %s\n", err->msg);
		if (usage != NULL)
			report_usage_text(usage);
		fflush(stderr);
		return;
	}
	o = json_pack("{s:s, s:i, s:s, s:o}", "type", "error", "code",
	    rpc_error_code(err->code), "reason", core_strerror(err->code),
	    "message", output_string(err->msg));
	if (o != NULL && usage != NULL)
		json_object_set_new(o, "usage", output_string(usage));
	report_object(o);
}

/* A line of the given type; label goes before the text for people. */
static void __attribute__((format(printf, 3, 0)))
report_line(const char *type, const char *label, const char *fmt,
    va_list ap)
{
	char	buf[1024];

	vsnprintf(buf, sizeof buf, fmt, ap);
	if (report_json)
		report_object(json_pack("{s:s, s:o}", "type", type, "message",
		    output_string(buf)));
	else {
		fprintf(stderr, "natter: %s%s\n", label, buf);
		fflush(stderr);
	}
}

void
report_warning(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	report_line("warning", "warning: ", fmt, ap);
	va_end(ap);
}

void
report_notice(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	report_line("notice", "", fmt, ap);
	va_end(ap);
}

void
report_progress(const char *name, uint64_t now, uint64_t total)
{
	static int64_t	 last;
	int64_t		 t = time_now_ms();
	char		 bar[31];
	int		 i, fill;
	double		 pct;

	if (report_json || !isatty(STDERR_FILENO) || total == 0)
		return;
	if (now < total && t - last < 100)
		return;
	last = t;
	pct = (double)now * 100 / (double)total;
	fill = (int)(pct * 30 / 100);
	for (i = 0; i < 30; i++)
		bar[i] = i < fill ? '#' : ' ';
	bar[30] = '\0';
	fprintf(stderr, "\r%-40.40s [%s] %3.0f%% %.1f/%.1f MiB", name, bar, pct,
	    (double)now / 1048576, (double)total / 1048576);
	if (now >= total)
		fputc('\n', stderr);
	fflush(stderr);
}
