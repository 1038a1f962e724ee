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
	int		 json;
	int		 status;
};

static void
main_usage(FILE *f)
{
	const struct cli_cmd	*c;
	char			 line[256];

	fprintf(f, "usage: natter [--home DIR] [--server URL] [--json] "
	    "[--passphrase-file FILE] [COMMAND [ARGS]]\n"
	    "       natter --help | --version\n\ncommands:\n");
	for (c = cli_cmds; c->name != NULL; c++) {
		cli_usage_line(c, line, sizeof line);
		fprintf(f, "  %-32s %s\n", line, c->summary);
	}
	fprintf(f, "\nWith no command on a terminal, natter opens the "
	    "full-screen interface.\nSee natter(1) and natter-rpc(5).\n");
}

static int
main_usage_error(const char *msg)
{
	fprintf(stderr, "natter: %s\n", msg);
	fprintf(stderr, "natter: run natter --help for usage\n");
	return (2);
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

static int
main_exit_code(const struct core_error *err)
{
	return (err->code == CORE_ERR_USAGE ? 2 : 1);
}

static void
main_finish(struct main_cli *m)
{
	int	i;

	for (i = 0; i < m->nsigs; i++)
		uv_close((uv_handle_t *)&m->sigs[i], NULL);
	m->nsigs = 0;
	core_close(m->core);
	m->core = NULL;
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

	if (err != NULL) {
		fprintf(stderr, "natter: %s\n", err->msg);
		m->status = main_exit_code(err);
	} else if (result != NULL && main_print_result(m, result) != 0) {
		fprintf(stderr, "natter: cannot write to standard output\n");
		m->status = 1;
	}
	json_decref(result);
	main_finish(m);
}

static void
main_event(struct call *c, const struct core_event *ev)
{
	struct main_cli	*m = c->fe;
	json_t		*o;
	int		 rc;

	switch (ev->type) {
	case CORE_EV_IDENTITY_CHANGED:
		fprintf(stderr, "natter: warning: the identity key of %s "
		    "changed; sending to them is blocked until you run "
		    "natter verify %s NUMBER or natter trust %s\n", ev->from,
		    ev->from, ev->from);
		return;
	case CORE_EV_ERROR:
		if (ev->error != NULL)
			fprintf(stderr, "natter: warning: %s\n", ev->error->msg);
		return;
	case CORE_EV_HISTORY:
		if (ev->outgoing)
			fprintf(stderr, "natter: history for device %u: %d of "
			    "%d messages on the server\n", ev->from_device,
			    ev->received, ev->total);
		else
			fprintf(stderr, "natter: history from the primary "
			    "device: %d of %d messages\n", ev->received,
			    ev->total);
		return;
	case CORE_EV_DEVICES:
		if (ev->from_device != 0)
			fprintf(stderr, "natter: device %u left this account: "
			    "it is off the signed list\n", ev->from_device);
		else
			fprintf(stderr, "natter: this account's devices "
			    "changed (natter devices list)\n");
		return;
	case CORE_EV_DISCONNECTED:
		fprintf(stderr, "natter: %s; reconnecting in %.1f s\n",
		    ev->error != NULL ? ev->error->msg : "disconnected",
		    (double)ev->retry_in_ms / 1000);
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
		fprintf(stderr, "natter: warning: cannot record that a message "
		    "was printed; it may be printed again\n");
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
		fprintf(stderr, "natter: %s\n", errbuf);
		free(home);
		return (1);
	}
#ifdef NATTER_HAVE_TUI
	if (cmd == NULL) {
		m.status = tui_run(home, o->server, pass, passlen);
		goto out;
	}
#endif
	uv_loop_init(&m.loop);
	if (core_open(&m.core, &m.loop, home, pass, passlen, o->server,
	    create ? CORE_OPEN_CREATE : 0, &err) != 0) {
		fprintf(stderr, "natter: %s\n", err.msg);
		m.status = main_exit_code(&err);
	} else if (strcmp(cmd->name, "rpc") == 0)
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
			*rc = main_usage_error(errbuf);
			return (-1);
		}
	}
	return (optind);
}

int
main(int argc, char **argv)
{
	struct main_opts	 o;
	const struct cli_cmd	*cmd;
	json_t			*params;
	char			 errbuf[MAIN_ERRLEN];
	int			 i, rc = 0;

	umask(077);		/* whatever the profile gains is ours alone */
	signal(SIGPIPE, SIG_IGN);
	if (sodium_init() < 0) {
		fprintf(stderr, "natter: cannot initialise libsodium\n");
		return (1);
	}
	if (main_test_clock() != 0)
		return (main_usage_error("NATTER_TEST_CLOCK_OFFSET_MS is not "
		    "an integer (milliseconds)"));
	memset(&o, 0, sizeof o);
	if ((i = main_options(argc, argv, &o, &rc)) == -1)
		return (rc);
	if (i == argc) {
#ifdef NATTER_HAVE_TUI
		if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
			return (main_open_and_run(&o, NULL, NULL));
#endif
		return (main_usage_error("no command given (and not on a "
		    "terminal, so no full-screen interface)"));
	}
	if (strcmp(argv[i], "help") == 0) {
		main_usage(stdout);
		return (0);
	}
	/* Two-word commands ("devices list"): the group, then the verb. */
	if (cli_is_group(argv[i]) && i + 1 < argc) {
		snprintf(errbuf, sizeof errbuf, "%s %s", argv[i], argv[i + 1]);
		cmd = cli_find(errbuf);
		i++;
	} else
		cmd = cli_find(argv[i]);
	if (cmd == NULL) {
		snprintf(errbuf, sizeof errbuf, "unknown command \"%.40s\"",
		    argv[i]);
		return (main_usage_error(errbuf));
	}
	params = cli_parse_argv(cmd, argc - i, argv + i, &o.json, errbuf,
	    sizeof errbuf);
	if (params == NULL)
		return (main_usage_error(errbuf));
	if ((cmd->flags & CLI_ACCOUNT) &&
	    !wire_name_valid(cli_str(params, "name"))) {
		snprintf(errbuf, sizeof errbuf, "invalid name \"%.40s\": use 1 "
		    "to 32 of a-z 0-9 . _ -", cli_str(params, "name"));
		json_decref(params);
		return (main_usage_error(errbuf));
	}
	rc = main_open_and_run(&o, cmd, params);
	json_decref(params);
	return (rc);
}
