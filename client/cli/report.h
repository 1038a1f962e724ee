/* report: what natter says on standard error: sentences for people, or with --json one JSON object per line. */
#ifndef NATTER_CLIENT_CLI_REPORT_H
#define NATTER_CLIENT_CLI_REPORT_H

#include <stdint.h>

struct core_error;

/* From now on write JSON objects (natter --json) if on, else text. */
void	report_set_json(int on);

/*
 * The line that says why a command failed: "natter: MESSAGE", or
 * {"type":"error","code":N,"reason":WORD,"message":MESSAGE} with N and
 * WORD as in natter-rpc(5) (usage errors: -32602, "usage").  usage, if
 * not NULL, is the usage to show with it, lines of "natter ...": printed
 * as "usage: natter ..." for people, its "usage" member in JSON.
 */
void	report_error(const struct core_error *, const char *usage);

/* A warning: "natter: warning: ..." or {"type":"warning","message":...}. */
void	report_warning(const char *, ...)
	    __attribute__((format(printf, 1, 2)));

/* News, not a failure: "natter: ..." or {"type":"notice","message":...}. */
void	report_notice(const char *, ...)
	    __attribute__((format(printf, 1, 2)));
/*
 * A progress bar for a transfer of name on stderr, redrawn in place, only
 * when stderr is a terminal and output is not JSON; at most 10 redraws a
 * second; a line ends it when now reaches total.
 */
void	report_progress(const char *name, uint64_t now, uint64_t total);

#endif
