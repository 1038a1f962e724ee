/* cli: the command table and the parsing of command-line operands, options and JSON-RPC params. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/cli/cli.h"
#include "client/cli/cmds.h"
#include "client/cli/devcmds.h"
#include "client/cli/filecmds.h"
#include "client/cli/groupcmds.h"
#include "client/cli/keycmds.h"
#include "client/core/core.h"
#include "client/cli/stream.h"
#include "shared/util/xmalloc.h"

static const struct cli_param cli_p_register[] = {
	{ "name", "NAME", CLI_STRING, CLI_POSITIONAL | CLI_REQUIRED, 0 },
	{ NULL, NULL, 0, 0, 0 }
};
static const struct cli_param cli_p_send[] = {
	{ "to", "TO", CLI_STRING, CLI_POSITIONAL | CLI_REQUIRED, 0 },
	{ "text", "TEXT", CLI_STRING, CLI_POSITIONAL | CLI_REQUIRED |
	    CLI_NONEMPTY | CLI_STDIN, 0 },
	{ NULL, NULL, 0, 0, 0 }
};
static const struct cli_param cli_p_group_users[] = {
	{ "name", "NAME", CLI_STRING, CLI_POSITIONAL | CLI_REQUIRED |
	    CLI_NONEMPTY, 0 },
	{ "users", "USER", CLI_LIST, CLI_POSITIONAL | CLI_REQUIRED, 0 },
	{ NULL, NULL, 0, 0, 0 }
};
static const struct cli_param cli_p_group[] = {
	{ "name", "NAME", CLI_STRING, CLI_POSITIONAL | CLI_REQUIRED |
	    CLI_NONEMPTY, 0 },
	{ NULL, NULL, 0, 0, 0 }
};
static const struct cli_param cli_p_group_rename[] = {
	{ "name", "NAME", CLI_STRING, CLI_POSITIONAL | CLI_REQUIRED |
	    CLI_NONEMPTY, 0 },
	{ "new", "NEW", CLI_STRING, CLI_POSITIONAL | CLI_REQUIRED |
	    CLI_NONEMPTY, 0 },
	{ NULL, NULL, 0, 0, 0 }
};
static const struct cli_param cli_p_recv[] = {
	{ "wait", "SEC", CLI_COUNT, 0, 86400 },
	{ "save", "DIR", CLI_STRING, CLI_NONEMPTY, 0 },
	{ NULL, NULL, 0, 0, 0 }
};
static const struct cli_param cli_p_listen[] = {
	{ "save", "DIR", CLI_STRING, CLI_NONEMPTY, 0 },
	{ NULL, NULL, 0, 0, 0 }
};
static const struct cli_param cli_p_send_file[] = {
	{ "to", "TO", CLI_STRING, CLI_POSITIONAL | CLI_REQUIRED, 0 },
	{ "path", "PATH", CLI_STRING, CLI_POSITIONAL | CLI_REQUIRED |
	    CLI_NONEMPTY, 0 },
	{ "caption", "TEXT", CLI_STRING, 0, 0 },
	{ NULL, NULL, 0, 0, 0 }
};
static const struct cli_param cli_p_save[] = {
	{ "id", "ID", CLI_STRING, CLI_POSITIONAL | CLI_REQUIRED, 0 },
	{ "path", "PATH", CLI_STRING, CLI_POSITIONAL | CLI_NONEMPTY, 0 },
	{ NULL, NULL, 0, 0, 0 }
};
static const struct cli_param cli_p_none[] = {
	{ NULL, NULL, 0, 0, 0 }
};
static const struct cli_param cli_p_history[] = {
	{ "to", "TO", CLI_STRING, CLI_POSITIONAL | CLI_REQUIRED, 0 },
	{ "limit", "N", CLI_COUNT, 0, 1000000 },
	{ NULL, NULL, 0, 0, 0 }
};
static const struct cli_param cli_p_peer[] = {
	{ "to", "TO", CLI_STRING, CLI_POSITIONAL | CLI_REQUIRED, 0 },
	{ NULL, NULL, 0, 0, 0 }
};
static const struct cli_param cli_p_verify[] = {
	{ "to", "TO", CLI_STRING, CLI_POSITIONAL | CLI_REQUIRED, 0 },
	{ "number", "SAFETY-NUMBER", CLI_STRING,
	    CLI_POSITIONAL | CLI_REQUIRED, 0 },
	{ NULL, NULL, 0, 0, 0 }
};

static const struct cli_param cli_p_link[] = {
	{ "name", "LABEL", CLI_STRING, 0, 0 },
	{ "timeout", "SEC", CLI_COUNT, 0, 3600 },
	{ NULL, NULL, 0, 0, 0 }
};
static const struct cli_param cli_p_approve[] = {
	{ "code", "CODE", CLI_STRING, CLI_POSITIONAL | CLI_REQUIRED, 0 },
	{ NULL, NULL, 0, 0, 0 }
};
static const struct cli_param cli_p_remove[] = {
	{ "device", "N", CLI_COUNT, CLI_POSITIONAL | CLI_REQUIRED, 4294967295LL },
	{ NULL, NULL, 0, 0, 0 }
};

const struct cli_cmd cli_cmds[] = {
	{ "register", NULL, "create the account NAME with this profile as "
	    "device 1", cli_p_register, CLI_CREATE | CLI_ACCOUNT | CLI_NO_RPC,
	    cmds_register, cmds_register_human },
	{ "send", "send", "send TEXT to the user TO (- reads TEXT from "
	    "standard input); returns once the server stored it", cli_p_send,
	    0, cmds_send, cmds_send_human },
	{ "recv", NULL, "print every message and receipt not printed before, "
	    "then exit", cli_p_recv, CLI_NO_RPC | CLI_STREAM, stream_recv, NULL },
	{ "listen", NULL, "stay connected and print events as they come",
	    cli_p_listen, CLI_NO_RPC | CLI_STREAM, stream_listen, NULL },
	{ "send-file", "sendFile", "send the file at PATH to TO, encrypted, "
	    "through the server's asset service; returns once the server "
	    "stored its message", cli_p_send_file, 0, filecmds_send,
	    filecmds_send_human },
	{ "save", "save", "write the file of message ID decrypted to PATH "
	    "(default ./NAME; a directory: DIR/NAME), fetching it first if "
	    "needed", cli_p_save, 0, filecmds_save, filecmds_save_human },
	{ "read", "read", "mark every message received from TO read and send "
	    "TO a read receipt", cli_p_peer, 0, cmds_read, cmds_read_human },
	{ "history", "history", "print the conversation with TO from the "
	    "local store", cli_p_history, 0, cmds_history,
	    cmds_history_human },
	{ "fingerprint", "fingerprint", "print the safety number shared with "
	    "TO", cli_p_peer, 0, cmds_fingerprint, cmds_fingerprint_human },
	{ "verify", "verify", "mark TO verified if SAFETY-NUMBER matches",
	    cli_p_verify, 0, cmds_verify, cmds_verify_human },
	{ "trust", "trust", "accept TO's changed identity key without "
	    "verifying it", cli_p_peer, 0, cmds_trust, cmds_trust_human },
	{ "status", "status", "print the account, device, server and the "
	    "number of queued messages", cli_p_none, 0, cmds_status,
	    cmds_status_human },
	{ "devices list", "devicesList", "print the devices of this account as "
	    "its signed device list has them", cli_p_none, 0, devcmds_list,
	    devcmds_list_human },
	{ "devices link", "devicesLink", "on a new profile: offer this device "
	    "to an account; prints a code, then waits for approve",
	    cli_p_link, CLI_CREATE, devcmds_link, devcmds_link_human },
	{ "devices approve", "devicesApprove", "on the primary: add the device "
	    "that shows CODE to this account", cli_p_approve, 0,
	    devcmds_approve, devcmds_approve_human },
	{ "devices remove", "devicesRemove", "on the primary: take device N "
	    "off this account; N = this device: leave it", cli_p_remove, 0,
	    devcmds_remove,
	    devcmds_remove_human },
	{ "group create", "groupCreate", "create the group NAME with you as "
	    "its admin and the USERs as members", cli_p_group_users, 0,
	    groupcmds_op, groupcmds_group_human },
	{ "group add", "groupAdd", "admins: add the USERs to the group NAME",
	    cli_p_group_users, 0, groupcmds_op, groupcmds_group_human },
	{ "group remove", "groupRemove", "admins: remove the USERs from the "
	    "group NAME", cli_p_group_users, 0, groupcmds_op,
	    groupcmds_group_human },
	{ "group leave", "groupLeave", "leave the group NAME", cli_p_group, 0,
	    groupcmds_leave, groupcmds_left_human },
	{ "group info", "groupInfo", "print the members and admins of the "
	    "group NAME", cli_p_group, 0, groupcmds_info,
	    groupcmds_group_human },
	{ "group list", "groupList", "print the groups you are a member of",
	    cli_p_none, 0, groupcmds_list, groupcmds_list_human },
	{ "group rename", "groupRename", "admins: rename the group NAME to "
	    "NEW", cli_p_group_rename, 0, groupcmds_op,
	    groupcmds_group_human },
	{ "group admin", "groupAdmin", "admins: make the USERs (members) "
	    "admins of the group NAME", cli_p_group_users, 0, groupcmds_op,
	    groupcmds_group_human },
	{ "keys rotate", "keysRotate", "make a new signed prekey now and upload "
	    "it; the old one is wiped 30 days later", cli_p_none, 0,
	    keycmds_rotate, keycmds_rotate_human },
	{ "rpc", NULL, "JSON-RPC 2.0 on stdin and stdout, one object per line",
	    cli_p_none, CLI_NO_RPC, NULL, NULL },
	{ NULL, NULL, NULL, NULL, 0, NULL, NULL }
};

const struct cli_cmd *
cli_find(const char *name)
{
	const struct cli_cmd	*c;

	for (c = cli_cmds; c->name != NULL; c++) {
		if (strcmp(c->name, name) == 0)
			return (c);
	}
	return (NULL);
}

int
cli_is_group(const char *word)
{
	const struct cli_cmd	*c;
	size_t			 n = strlen(word);

	for (c = cli_cmds; c->name != NULL; c++) {
		if (strncmp(c->name, word, n) == 0 && c->name[n] == ' ')
			return (1);
	}
	return (0);
}

const struct cli_cmd *
cli_find_method(const char *method)
{
	const struct cli_cmd	*c;

	for (c = cli_cmds; c->name != NULL; c++) {
		if (c->method != NULL && strcmp(c->method, method) == 0)
			return (c);
	}
	return (NULL);
}

const struct cli_cmd *
cli_find_argv(int argc, char **argv, int *words)
{
	const struct cli_cmd	*c;
	char			 two[128];

	*words = 1;
	if (argc < 1)
		return (NULL);
	if (argc >= 2 && cli_is_group(argv[0])) {
		snprintf(two, sizeof two, "%s %s", argv[0], argv[1]);
		if ((c = cli_find(two)) != NULL) {
			*words = 2;
			return (c);
		}
	}
	return (cli_find(argv[0]));
}

void
cli_usage(const char *prefix, char *buf, size_t len)
{
	const struct cli_cmd	*c;
	char			 line[256];
	size_t			 n = strlen(prefix), off = 0;

	*buf = '\0';
	for (c = cli_cmds; c->name != NULL && off < len; c++) {
		if (strncmp(c->name, prefix, n) != 0 ||
		    (c->name[n] != '\0' && c->name[n] != ' '))
			continue;
		cli_usage_line(c, line, sizeof line);
		off += (size_t)snprintf(buf + off, len - off, "%snatter %s",
		    off > 0 ? "\n" : "", line);
	}
}

void
cli_usage_line(const struct cli_cmd *cmd, char *buf, size_t len)
{
	const struct cli_param	*p;
	size_t			 off;

	off = (size_t)snprintf(buf, len, "%s", cmd->name);
	for (p = cmd->params; p->name != NULL && off < len; p++) {
		if (p->type == CLI_LIST)
			off += (size_t)snprintf(buf + off, len - off,
			    " %s...", p->metavar);
		else if (p->flags & CLI_POSITIONAL)
			off += (size_t)snprintf(buf + off, len - off,
			    (p->flags & CLI_REQUIRED) ? " %s" : " [%s]",
			    p->metavar);
		else
			off += (size_t)snprintf(buf + off, len - off,
			    " [--%s %s]", p->name, p->metavar);
	}
}

/* Parse a count strictly: digits only, within [0, max]. */
static int
cli_parse_count(const char *s, long long max, long long *out)
{
	char		*end;
	long long	 v;

	if (*s < '0' || *s > '9')
		return (-1);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0 || v > max)
		return (-1);
	*out = v;
	return (0);
}

static void __attribute__((format(printf, 3, 4)))
cli_fail(struct core_error *err, enum core_err code, const char *fmt, ...)
{
	va_list	ap;

	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
}

/* Set param p from the string s; -1 with err on a bad value. */
static int
cli_set(const struct cli_cmd *cmd, json_t *obj, const struct cli_param *p,
    const char *s, struct core_error *err)
{
	long long	v;
	json_t		*j;

	if (p->type == CLI_COUNT) {
		if (cli_parse_count(s, p->max, &v) != 0) {
			cli_fail(err, CORE_ERR_USAGE, "%s: bad value for %s: "
			    "\"%.40s\" (want a whole number from 0 to %lld)",
			    cmd->name, p->metavar, s, p->max);
			return (-1);
		}
		j = json_integer(v);
	} else if (p->type == CLI_LIST) {
		if ((j = json_string(s)) == NULL) {
			cli_fail(err, CORE_ERR_USAGE, "%s: %s is not valid "
			    "UTF-8", cmd->name, p->metavar);
			return (-1);
		}
		if (json_object_get(obj, p->name) == NULL)
			json_object_set_new(obj, p->name, json_array());
		json_array_append_new(json_object_get(obj, p->name), j);
		return (0);
	} else if ((j = json_string(s)) == NULL) {
		cli_fail(err, CORE_ERR_USAGE, "%s: %s is not valid UTF-8",
		    cmd->name, p->metavar);
		return (-1);
	}
	json_object_set_new(obj, p->name, j);
	return (0);
}

/* Read all of standard input, up to max bytes; its length or -1. */
static ssize_t
cli_read_all(char *buf, size_t max)
{
	size_t	n = 0;
	ssize_t	r;

	while (n < max) {
		r = read(STDIN_FILENO, buf + n, max - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return (-1);
		if (r == 0)
			break;
		n += (size_t)r;
	}
	return ((ssize_t)n);
}

/*
 * Set param p from standard input: one trailing newline (or CR LF)
 * dropped, then at most CLI_STDIN_MAX bytes of UTF-8 without NUL.
 */
static int
cli_set_stdin(const struct cli_cmd *cmd, json_t *obj,
    const struct cli_param *p, struct core_error *err)
{
	char	*buf = xmalloc(CLI_STDIN_MAX + 2);
	ssize_t	 n;
	json_t	*j = NULL;

	if ((n = cli_read_all(buf, CLI_STDIN_MAX + 2)) < 0) {
		cli_fail(err, CORE_ERR_IO, "%s: cannot read %s from standard "
		    "input: %s", cmd->name, p->metavar, strerror(errno));
		goto out;
	}
	if (n > 0 && buf[n - 1] == '\n' && --n > 0 && buf[n - 1] == '\r')
		n--;
	if (n > CLI_STDIN_MAX)
		cli_fail(err, CORE_ERR_TOO_LARGE, "%s: %s on standard input is "
		    "too long: at most %d bytes", cmd->name, p->metavar,
		    CLI_STDIN_MAX);
	else if (memchr(buf, '\0', (size_t)n) != NULL)
		cli_fail(err, CORE_ERR_USAGE, "%s: %s on standard input holds "
		    "a NUL byte", cmd->name, p->metavar);
	else if ((j = json_stringn(buf, (size_t)n)) == NULL)
		cli_fail(err, CORE_ERR_USAGE, "%s: %s on standard input is not "
		    "valid UTF-8", cmd->name, p->metavar);
	else
		json_object_set_new(obj, p->name, j);
out:
	free(buf);
	return (j != NULL ? 0 : -1);
}

static const struct cli_param *
cli_option(const struct cli_cmd *cmd, const char *name)
{
	const struct cli_param	*p;

	for (p = cmd->params; p->name != NULL; p++) {
		if (!(p->flags & CLI_POSITIONAL) && strcmp(p->name, name) == 0)
			return (p);
	}
	return (NULL);
}

/* Handle the option at argv[*i] ("--name", "--name=V" or "--name V"). */
static int
cli_parse_option(const struct cli_cmd *cmd, json_t *obj, int argc, char **argv,
    int *i, int *json, struct core_error *err)
{
	const struct cli_param	*p;
	char			 name[64];
	const char		*arg = argv[*i] + 2, *eq, *val;
	size_t			 n;

	eq = strchr(arg, '=');
	n = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
	if (n >= sizeof name)
		n = sizeof name - 1;
	memcpy(name, arg, n);
	name[n] = '\0';
	if (strcmp(name, "json") == 0 && eq == NULL) {
		*json = 1;
		return (0);
	}
	if ((p = cli_option(cmd, name)) == NULL) {
		cli_fail(err, CORE_ERR_USAGE, "%s: unknown option --%s",
		    cmd->name, name);
		return (-1);
	}
	if (eq != NULL)
		val = eq + 1;
	else if (*i + 1 < argc)
		val = argv[++*i];
	else {
		cli_fail(err, CORE_ERR_USAGE, "%s: --%s needs a value (%s)",
		    cmd->name, name, p->metavar);
		return (-1);
	}
	return (cli_set(cmd, obj, p, val, err));
}

/* Set the next operand from arg; -1 with err if there is none left. */
static int
cli_parse_operand(const struct cli_cmd *cmd, json_t *obj,
    const struct cli_param **pp, const char *arg, struct core_error *err)
{
	const struct cli_param	*p = *pp;

	while (p->name != NULL && !(p->flags & CLI_POSITIONAL))
		p++;
	if (p->name == NULL) {
		cli_fail(err, CORE_ERR_USAGE, "%s: unexpected argument "
		    "\"%.40s\" (quote a message with spaces)", cmd->name, arg);
		return (-1);
	}
	*pp = p->type == CLI_LIST ? p : p + 1;	/* a list takes the rest */
	if ((p->flags & CLI_STDIN) && strcmp(arg, "-") == 0)
		return (cli_set_stdin(cmd, obj, p, err));
	return (cli_set(cmd, obj, p, arg, err));
}

json_t *
cli_parse_argv(const struct cli_cmd *cmd, int argc, char **argv, int *json,
    struct core_error *err)
{
	const struct cli_param	*p = cmd->params;
	json_t			*obj = json_object();
	int			 i, dashdash = 0;

	for (i = 1; i < argc; i++) {
		if (!dashdash && strcmp(argv[i], "--") == 0) {
			dashdash = 1;
			continue;
		}
		if (!dashdash && strncmp(argv[i], "--", 2) == 0) {
			if (cli_parse_option(cmd, obj, argc, argv, &i, json,
			    err) != 0)
				goto bad;
			continue;
		}
		if (cli_parse_operand(cmd, obj, &p, argv[i], err) != 0)
			goto bad;
	}
	if (cli_check_params(cmd, obj, CLI_WORDS_ARGV, err->msg,
	    sizeof err->msg) == 0)
		return (obj);
	err->code = CORE_ERR_USAGE;
bad:
	json_decref(obj);
	return (NULL);
}

/* How the front end calls p: TEXT, or param "text". */
static void
cli_param_words(const struct cli_param *p, enum cli_words w, char *buf,
    size_t len)
{
	if (w == CLI_WORDS_RPC)
		snprintf(buf, len, "param \"%s\"", p->name);
	else
		snprintf(buf, len, "%s", p->metavar);
}

/* Is v a non-empty array of strings? */
static int
cli_strings(const json_t *v)
{
	json_t	*e;
	size_t	 i;

	if (!json_is_array(v) || json_array_size(v) == 0)
		return (0);
	json_array_foreach((json_t *)v, i, e)
		if (!json_is_string(e))
			return (0);
	return (1);
}

/* Check the value v of param p; 0, or -1 with a sentence in errbuf. */
static int
cli_check_value(const struct cli_cmd *cmd, const struct cli_param *p,
    const json_t *v, enum cli_words w, char *errbuf, size_t errlen)
{
	const char	*cname = w == CLI_WORDS_RPC ? cmd->method : cmd->name;
	char		 pname[64];

	cli_param_words(p, w, pname, sizeof pname);
	if (p->type == CLI_STRING && !json_is_string(v))
		snprintf(errbuf, errlen, "%s: %s must be a string", cname,
		    pname);
	else if (p->type == CLI_LIST && !cli_strings(v))
		snprintf(errbuf, errlen, "%s: %s must be %s", cname, pname,
		    w == CLI_WORDS_RPC ? "an array of one or more strings" :
		    "given at least once");
	else if (p->type == CLI_COUNT && (!json_is_integer(v) ||
	    json_integer_value(v) < 0 || json_integer_value(v) > p->max))
		snprintf(errbuf, errlen, "%s: %s must be a whole number from 0 "
		    "to %lld", cname, pname, p->max);
	else if ((p->flags & CLI_NONEMPTY) && p->type == CLI_STRING &&
	    *json_string_value(v) == '\0')
		snprintf(errbuf, errlen, "%s: %s is empty", cname, pname);
	else
		return (0);
	return (-1);
}

int
cli_check_params(const struct cli_cmd *cmd, const json_t *params,
    enum cli_words w, char *errbuf, size_t errlen)
{
	const struct cli_param	*p;
	const char		*key, *cname;
	char			 pname[64];
	json_t			*v;

	cname = w == CLI_WORDS_RPC ? cmd->method : cmd->name;
	if (!json_is_object(params)) {
		snprintf(errbuf, errlen, "%s: params must be an object", cname);
		return (-1);
	}
	json_object_foreach((json_t *)params, key, v) {
		for (p = cmd->params; p->name != NULL; p++)
			if (strcmp(p->name, key) == 0)
				break;
		if (p->name == NULL) {
			snprintf(errbuf, errlen, "%s: unknown param \"%.40s\"",
			    cname, key);
			return (-1);
		}
		if (cli_check_value(cmd, p, v, w, errbuf, errlen) != 0)
			return (-1);
	}
	for (p = cmd->params; p->name != NULL; p++) {
		if ((p->flags & CLI_REQUIRED) &&
		    json_object_get(params, p->name) == NULL) {
			cli_param_words(p, w, pname, sizeof pname);
			snprintf(errbuf, errlen, "%s: missing %s", cname, pname);
			return (-1);
		}
	}
	return (0);
}

const char *
cli_str(const json_t *params, const char *name)
{
	return (json_string_value(json_object_get(params, name)));
}

long long
cli_count(const json_t *params, const char *name, long long dflt)
{
	json_t	*v = json_object_get(params, name);

	return (json_is_integer(v) ? json_integer_value(v) : dflt);
}

const char **
cli_list(const json_t *params, const char *name)
{
	json_t		 *v = json_object_get(params, name), *e;
	const char	**a;
	size_t		  i;

	if (!json_is_array(v))
		return (NULL);
	a = xcalloc(json_array_size(v) + 1, sizeof *a);
	json_array_foreach(v, i, e)
		a[i] = json_string_value(e);
	return (a);
}
