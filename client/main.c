/* main: natter's entry point: global options, profile and passphrase, and the one-shot CLI front end. */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <uv.h>

#include "client/cli/call.h"
#include "client/cli/cli.h"
#include "client/core/core.h"
#include "client/cli/output.h"
#include "client/cli/passphrase.h"
#include "client/cli/report.h"
#include "client/cli/rpc.h"
#include "shared/proto/wire.h"
#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"
#ifdef NATTER_HAVE_TUI
#include "client/tui/tui.h"
#endif

#ifndef NATTER_VERSION
#define NATTER_VERSION "unknown"
#endif

#define MAIN_ERRLEN	512

/* The usage of natter as a whole: --help's first lines, usage errors'. */
static const char main_synopsis[] =
    "natter [--home DIR] [--server URL] [--json] [--passphrase-file FILE] "
    "[COMMAND [ARGS]]\n"
    "natter --help | --version";

/* Global options. */
struct main_opts {
	const char	*home;
	const char	*server;
	const char	*passfile;
	int		 json;
};

/* The one-shot CLI front end: one command on one core. */
struct main_cli {
	uv_loop_t	 loop;
	struct core	*core;
	struct call	 call;
	uv_signal_t	 sigs[3];
	int		 nsigs;
	uv_timer_t	 settle;	/* the outbox's last sends, bounded */
	int		 settling;
	int		 json;
	int		 status;
};

#define MAIN_SETTLE_MS	10000

static void
main_usage(FILE *f)
{
	const struct cli_cmd	*c;
	char			 line[256];

	fprintf(f, "usage: %.*s\n       %s\n\ncommands:\n",
	    (int)strcspn(main_synopsis, "\n"), main_synopsis,
	    strchr(main_synopsis, '\n') + 1);
	for (c = cli_cmds; c->name != NULL; c++) {
		cli_usage_line(c, line, sizeof line);
		fprintf(f, "  %-32s %s\n", line, c->summary);
	}
	fprintf(f, "\nWith no command on a terminal, natter opens the "
	    "full-screen interface.\nSee natter(1) and natter-rpc(5).\n");
}

/* Report a failure: its code, a sentence, the usage to show or NULL. */
static int
main_report(enum core_err code, const char *msg, const char *usage)
{
	struct core_error	err;

	err.code = code;
	snprintf(err.msg, sizeof err.msg, "%s", msg);
	report_error(&err, usage);
	return (code == CORE_ERR_USAGE ? 2 : 1);
}

/* Report a usage error with usage (NULL: natter's); exit status 2. */
static int
main_usage_error(const char *msg, const char *usage)
{
	return (main_report(CORE_ERR_USAGE, msg, usage != NULL ? usage :
	    main_synopsis));
}

/* Report err, with cmd's usage for a usage error; the exit status. */
static int
main_fail(const struct core_error *err, const struct cli_cmd *cmd)
{
	char	usage[MAIN_ERRLEN];

	if (err->code == CORE_ERR_USAGE && cmd != NULL) {
		cli_usage(cmd->name, usage, sizeof usage);
		report_error(err, usage);
	} else
		report_error(err, NULL);
	return (err->code == CORE_ERR_USAGE ? 2 : 1);
}

/* The profile directory: --home, $NATTER_HOME, $XDG_DATA_HOME/natter. */
static char *
main_home(const char *opt)
{
	const char	*env, *home;
	char		*dir;

	if (opt != NULL)
		return (xstrdup(opt));
	if ((env = getenv("NATTER_HOME")) != NULL && *env != '\0')
		return (xstrdup(env));
	if ((env = getenv("XDG_DATA_HOME")) != NULL && *env == '/') {
		xasprintf(&dir, "%s/natter", env);
		return (dir);
	}
	if ((home = getenv("HOME")) == NULL || *home == '\0')
		home = ".";
	xasprintf(&dir, "%s/.local/share/natter", home);
	return (dir);
}

static void
main_finish(struct main_cli *m)
{
	int	i;

	for (i = 0; i < m->nsigs; i++)
		uv_close((uv_handle_t *)&m->sigs[i], NULL);
	m->nsigs = 0;
	if (m->settling)
		uv_close((uv_handle_t *)&m->settle, NULL);
	m->settling = 0;
	core_close(m->core);
	m->core = NULL;
}

static void
main_settle_timer_cb(uv_timer_t *t)
{
	main_finish(t->data);
}

/* The core has nothing left to send now: finish on the next turn. */
static void
main_settled(void *arg)
{
	struct main_cli	*m = arg;

	uv_timer_start(&m->settle, main_settle_timer_cb, 0, 0);
}

/*
 * The command is answered; what the outbox can send now (an older message
 * queued offline, say) goes out before the core closes, for at most
 * MAIN_SETTLE_MS.
 */
static void
main_settle(struct main_cli *m)
{
	if (core_settled(m->core)) {
		main_finish(m);
		return;
	}
	uv_timer_init(&m->loop, &m->settle);
	m->settle.data = m;
	m->settling = 1;
	uv_timer_start(&m->settle, main_settle_timer_cb, MAIN_SETTLE_MS, 0);
	core_on_settled(m->core, main_settled, m);
}

/* Print a result: events one per line, other objects as one line. */
static int
main_print_result(struct main_cli *m, const json_t *r)
{
	json_t	*msgs = json_object_get(r, "messages"), *e;
	size_t	 i;

	if (!m->json) {
		if (m->call.cmd->human != NULL)
			m->call.cmd->human(r);
		return (fflush(stdout) != 0 || ferror(stdout) ? -1 : 0);
	}
	if (!json_is_array(msgs))
		return (output_json_line(stdout, r));
	json_array_foreach(msgs, i, e) {
		if (output_json_line(stdout, e) != 0)
			return (-1);
	}
	return (0);
}

static void
main_done(struct call *c, const struct core_error *err, json_t *result)
{
	struct main_cli	*m = c->fe;

	if (err != NULL)
		m->status = main_fail(err, c->cmd);
	else if (result != NULL && main_print_result(m, result) != 0)
		m->status = main_report(CORE_ERR_IO, "cannot write to "
		    "standard output", NULL);
	json_decref(result);
	main_settle(m);
}

static void
main_event(struct call *c, const struct core_event *ev)
{
	struct main_cli	*m = c->fe;
	json_t		*o;
	char		 label[64];
	int		 rc;

	switch (ev->type) {
	case CORE_EV_IDENTITY_CHANGED:
		report_warning("the identity key of %s changed; sending to "
		    "them is blocked until you run natter verify %s NUMBER or "
		    "natter trust %s", ev->from, ev->from, ev->from);
		return;
	case CORE_EV_ERROR:
		if (ev->error != NULL)
			report_warning("%s", ev->error->msg);
		return;
	case CORE_EV_HISTORY:
		if (ev->outgoing)
			report_notice("history for device %u: %d of %d "
			    "messages on the server", ev->from_device,
			    ev->received, ev->total);
		else
			report_notice("history from the primary device: %d of "
			    "%d messages", ev->received, ev->total);
		return;
	case CORE_EV_DEVICES:
		if (ev->from_device != 0)
			report_notice("device %u left this account: it is off "
			    "the signed list", ev->from_device);
		else
			report_notice("this account's devices changed (natter "
			    "devices list)");
		return;
	case CORE_EV_PROGRESS:
		snprintf(label, sizeof label, "%s %.40s", ev->status != NULL ?
		    ev->status : "", ev->text != NULL ? ev->text : "file");
		report_progress(label, ev->bytes, ev->bytes_total);
		return;
	case CORE_EV_ATTACHMENT:
		if (ev->error != NULL)
			report_warning("%s", ev->error->msg);
		return;
	case CORE_EV_DISCONNECTED:
		if (ev->retry_in_ms > 0)
			report_notice("%s; reconnecting in %.1f s",
			    ev->error != NULL ? ev->error->msg :
			    "disconnected", (double)ev->retry_in_ms / 1000);
		else
			report_notice("%s", ev->error != NULL ?
			    ev->error->msg : "disconnected");
		return;
	default:
		break;
	}
	if ((o = output_event_json(ev)) == NULL)
		return;
	rc = m->json ? output_json_line(stdout, o) :
	    output_event_human(stdout, o);
	json_decref(o);
	if (rc != 0) {
		/* Not marked printed: a later recv prints it again. */
		if (c->cancel != NULL)
			c->cancel(c);
		return;
	}
	if (core_mark_printed(m->core, ev->seq) != 0)
		report_warning("cannot record that a message was printed; it "
		    "may be printed again");
}

/* A line before the result: printed (and flushed) at once. */
static void
main_progress(struct call *c, json_t *obj, const char *text)
{
	struct main_cli	*m = c->fe;

	if (m->json)
		(void)output_json_line(stdout, obj);
	else
		printf("%s\n", text);
	fflush(stdout);
	json_decref(obj);
}

static const struct call_ops main_ops = { main_event, main_progress,
    main_done };

static void
main_signal(uv_signal_t *s, int signum)
{
	struct main_cli	*m = s->data;

	if (m->call.cancel != NULL)
		m->call.cancel(&m->call);
}

/* Run one command on the open core m->core until it is done. */
static void
main_run_command(struct main_cli *m, const struct cli_cmd *cmd,
    json_t *params)
{
	static const int	 signums[] = { SIGINT, SIGTERM, SIGHUP };
	int			 i;

	memset(&m->call, 0, sizeof m->call);
	m->call.cmd = cmd;
	m->call.core = m->core;
	m->call.loop = &m->loop;
	m->call.params = params;
	m->call.ops = &main_ops;
	m->call.fe = m;
	if (cmd->flags & CLI_STREAM) {
		for (i = 0; i < 3; i++) {
			uv_signal_init(&m->loop, &m->sigs[i]);
			m->sigs[i].data = m;
			uv_signal_start(&m->sigs[i], main_signal, signums[i]);
		}
		m->nsigs = 3;
	}
	cmd->run(&m->call);
	uv_run(&m->loop, UV_RUN_DEFAULT);
}

/* Open the profile and run cmd (NULL: the TUI); the exit status. */
static int
main_open_and_run(const struct main_opts *o, const struct cli_cmd *cmd,
    json_t *params)
{
	struct main_cli		 m;
	struct core_error	 err;
	char			 errbuf[MAIN_ERRLEN], *home, *pass = NULL;
	size_t			 passlen;
	int			 create = cmd != NULL && (cmd->flags & CLI_CREATE);

	memset(&m, 0, sizeof m);
	m.json = o->json;
	home = main_home(o->home);
	if (passphrase_get(o->passfile, create, &pass, &passlen, errbuf,
	    sizeof errbuf) != 0) {
		free(home);
		return (main_report(CORE_ERR_PASSPHRASE, errbuf, NULL));
	}
#ifdef NATTER_HAVE_TUI
	if (cmd == NULL) {
		m.status = tui_run(home, o->server, pass, passlen);
		goto out;
	}
#endif
	uv_loop_init(&m.loop);
	if (core_open(&m.core, &m.loop, home, pass, passlen, o->server,
	    create ? CORE_OPEN_CREATE : 0, &err) != 0)
		m.status = main_fail(&err, cmd);
	else if (strcmp(cmd->name, "rpc") == 0)
		m.status = rpc_main(&m.loop, m.core);
	else
		main_run_command(&m, cmd, params);
	uv_run(&m.loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&m.loop) != 0)
		uv_print_all_handles(&m.loop, stderr);
#ifdef NATTER_HAVE_TUI
out:
#endif
	passphrase_free(pass);
	free(home);
	return (m.status);
}

/*
 * NATTER_TEST_CLOCK_OFFSET_MS (tests only): shift this process's wall
 * clock, read once here.  0, or -1 if it is set but not an integer.
 */
static int
main_test_clock(void)
{
	const char	*v = getenv("NATTER_TEST_CLOCK_OFFSET_MS");
	char		*end;
	long long	 ms;

	if (v == NULL || *v == '\0')
		return (0);
	errno = 0;
	ms = strtoll(v, &end, 10);
	if (errno != 0 || *end != '\0')
		return (-1);
	time_set_offset_ms(ms);
	return (0);
}

/* Parse the global options; the index of the command, or -1 (exit *rc). */
static int
main_options(int argc, char **argv, struct main_opts *o, int *rc)
{
	static const struct option	 longopts[] = {
		{ "home", required_argument, NULL, 'H' },
		{ "server", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "passphrase-file", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	char				 errbuf[128];
	int				 ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'H': o->home = optarg; break;
		case 's': o->server = optarg; break;
		case 'j': o->json = 1; break;
		case 'p': o->passfile = optarg; break;
		case 'h':
			main_usage(stdout);
			*rc = 0;
			return (-1);
		case 'V':
			printf("natter %s\n", NATTER_VERSION);
			*rc = 0;
			return (-1);
		default:
			snprintf(errbuf, sizeof errbuf, "%s \"%.40s\"",
			    optopt != 0 ? "missing value for" :
			    "unknown option", argv[optind - 1]);
			*rc = main_usage_error(errbuf, NULL);
			return (-1);
		}
	}
	return (optind);
}

/*
 * Whether --json is among the arguments (before any "--"), so that even
 * the errors found before it is parsed are reported as JSON.
 */
static int
main_wants_json(int argc, char **argv)
{
	int	i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--json") == 0)
			return (1);
	}
	return (0);
}

/* The command that argv[i...] names, or NULL after reporting why not. */
static const struct cli_cmd *
main_find_command(int argc, char **argv, int *i)
{
	const struct cli_cmd	*cmd;
	char			 msg[MAIN_ERRLEN], usage[MAIN_ERRLEN];
	int			 words;

	if ((cmd = cli_find_argv(argc - *i, argv + *i, &words)) != NULL) {
		*i += words - 1;
		return (cmd);
	}
	if (!cli_is_group(argv[*i])) {
		snprintf(msg, sizeof msg, "unknown command \"%.40s\"", argv[*i]);
		(void)main_usage_error(msg, NULL);
		return (NULL);
	}
	if (*i + 1 < argc)
		snprintf(msg, sizeof msg, "%s: unknown command \"%.40s\"",
		    argv[*i], argv[*i + 1]);
	else
		snprintf(msg, sizeof msg, "%s: needs a command", argv[*i]);
	cli_usage(argv[*i], usage, sizeof usage);
	(void)main_usage_error(msg, usage);
	return (NULL);
}

/* Parse cmd's arguments at argv[i...]; NULL after reporting (*rc). */
static json_t *
main_params(const struct cli_cmd *cmd, int argc, char **argv, int i,
    struct main_opts *o, int *rc)
{
	struct core_error	 err;
	json_t			*params;

	if ((params = cli_parse_argv(cmd, argc - i, argv + i, &o->json,
	    &err)) == NULL) {
		*rc = main_fail(&err, cmd);
		return (NULL);
	}
	if ((cmd->flags & CLI_ACCOUNT) &&
	    !wire_name_valid(cli_str(params, "name"))) {
		err.code = CORE_ERR_USAGE;
		snprintf(err.msg, sizeof err.msg, "invalid name \"%.40s\": use "
		    "1 to 32 of a-z 0-9 . _ -", cli_str(params, "name"));
		json_decref(params);
		*rc = main_fail(&err, cmd);
		return (NULL);
	}
	return (params);
}

int
main(int argc, char **argv)
{
	struct main_opts	 o;
	const struct cli_cmd	*cmd;
	json_t			*params;
	int			 i, rc = 0;

	umask(077);		/* whatever the profile gains is ours alone */
	signal(SIGPIPE, SIG_IGN);
	/* A file's three sealing lanes, downloads and their syncs at once
	 * (libuv's default is 4); before the pool's first use. */
	(void)setenv("UV_THREADPOOL_SIZE", "8", 0);
	report_set_json(main_wants_json(argc, argv));
	if (sodium_init() < 0)
		return (main_report(CORE_ERR_CRYPTO, "cannot initialise "
		    "libsodium", NULL));
	if (main_test_clock() != 0)
		return (main_usage_error("NATTER_TEST_CLOCK_OFFSET_MS is not "
		    "an integer (milliseconds)", NULL));
	memset(&o, 0, sizeof o);
	if ((i = main_options(argc, argv, &o, &rc)) == -1)
		return (rc);
	if (i == argc) {
#ifdef NATTER_HAVE_TUI
		if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
			return (main_open_and_run(&o, NULL, NULL));
#endif
		return (main_usage_error("no command given (and not on a "
		    "terminal, so no full-screen interface)", NULL));
	}
	if (strcmp(argv[i], "help") == 0) {
		main_usage(stdout);
		return (0);
	}
	if ((cmd = main_find_command(argc, argv, &i)) == NULL)
		return (2);
	if ((params = main_params(cmd, argc, argv, i, &o, &rc)) == NULL)
		return (rc);
	rc = main_open_and_run(&o, cmd, params);
	json_decref(params);
	return (rc);
}
