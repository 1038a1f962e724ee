/* cli: the command table and the parsing of command-line operands, options and JSON-RPC params. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cli/cli.h"
#include "client/cli/cmds.h"
#include "client/cli/devcmds.h"
#include "client/cli/keycmds.h"
#include "client/core/core.h"
#include "client/cli/stream.h"

static const struct cli_param cli_p_register[] = {
	{ "name", "NAME", CLI_STRING, CLI_POSITIONAL | CLI_REQUIRED, 0 },
	{ NULL, NULL, 0, 0, 0 }
};
static const struct cli_param cli_p_send[] = {
	{ "to", "TO", CLI_STRING, CLI_POSITIONAL | CLI_REQUIRED, 0 },
	{ "text", "TEXT", CLI_STRING, CLI_POSITIONAL | CLI_REQUIRED, 0 },
	{ NULL, NULL, 0, 0, 0 }
};
static const struct cli_param cli_p_recv[] = {
	{ "wait", "SEC", CLI_COUNT, 0, 86400 },
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
	{ "send", "send", "send TEXT to the user TO; returns once the server "
	    "stored it", cli_p_send, 0, cmds_send, cmds_send_human },
	{ "recv", NULL, "print every message and receipt not printed before, "
	    "then exit", cli_p_recv, CLI_NO_RPC | CLI_STREAM, stream_recv, NULL },
	{ "listen", NULL, "stay connected and print events as they come",
	    cli_p_none, CLI_NO_RPC | CLI_STREAM, stream_listen, NULL },
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

void
cli_usage_line(const struct cli_cmd *cmd, char *buf, size_t len)
{
	const struct cli_param	*p;
	size_t			 off;

	off = (size_t)snprintf(buf, len, "%s", cmd->name);
	for (p = cmd->params; p->name != NULL && off < len; p++) {
		if (p->flags & CLI_POSITIONAL)
			off += (size_t)snprintf(buf + off, len - off, " %s",
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

/* Set param p from the string s; -1 with errbuf on a bad value. */
static int
cli_set(json_t *obj, const struct cli_param *p, const char *s, char *errbuf,
    size_t errlen)
{
	long long	v;
	json_t		*j;

	if (p->type == CLI_COUNT) {
		if (cli_parse_count(s, p->max, &v) != 0) {
			snprintf(errbuf, errlen, "bad value for %s: \"%.40s\" "
			    "(want a whole number from 0 to %lld)", p->metavar,
			    s, p->max);
			return (-1);
		}
		j = json_integer(v);
	} else
		j = json_string(s);
	if (j == NULL) {
		snprintf(errbuf, errlen, "%s is not valid UTF-8", p->metavar);
		return (-1);
	}
	json_object_set_new(obj, p->name, j);
	return (0);
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
    int *i, int *json, char *errbuf, size_t errlen)
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
		snprintf(errbuf, errlen, "%s: unknown option --%s", cmd->name,
		    name);
		return (-1);
	}
	if (eq != NULL)
		val = eq + 1;
	else if (*i + 1 < argc)
		val = argv[++*i];
	else {
		snprintf(errbuf, errlen, "%s: --%s needs a value (%s)",
		    cmd->name, name, p->metavar);
		return (-1);
	}
	return (cli_set(obj, p, val, errbuf, errlen));
}

json_t *
cli_parse_argv(const struct cli_cmd *cmd, int argc, char **argv, int *json,
    char *errbuf, size_t errlen)
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
			    errbuf, errlen) != 0)
				goto bad;
			continue;
		}
		while (p->name != NULL && !(p->flags & CLI_POSITIONAL))
			p++;
		if (p->name == NULL) {
			snprintf(errbuf, errlen, "%s: unexpected argument "
			    "\"%.40s\" (quote a message with spaces)",
			    cmd->name, argv[i]);
			goto bad;
		}
		if (cli_set(obj, p++, argv[i], errbuf, errlen) != 0)
			goto bad;
	}
	if (cli_check_params(cmd, obj, errbuf, errlen) == 0)
		return (obj);
bad:
	json_decref(obj);
	return (NULL);
}

int
cli_check_params(const struct cli_cmd *cmd, const json_t *params,
    char *errbuf, size_t errlen)
{
	const struct cli_param	*p;
	const char		*key;
	json_t			*v;

	if (!json_is_object(params)) {
		snprintf(errbuf, errlen, "params must be an object");
		return (-1);
	}
	json_object_foreach((json_t *)params, key, v) {
		for (p = cmd->params; p->name != NULL; p++)
			if (strcmp(p->name, key) == 0)
				break;
		if (p->name == NULL) {
			snprintf(errbuf, errlen, "%s: unknown parameter "
			    "\"%.40s\"", cmd->name, key);
			return (-1);
		}
		if ((p->type == CLI_STRING && !json_is_string(v)) ||
		    (p->type == CLI_COUNT && (!json_is_integer(v) ||
		    json_integer_value(v) < 0 ||
		    json_integer_value(v) > p->max))) {
			snprintf(errbuf, errlen, "%s: bad value for %s (want "
			    "%s)", cmd->name, p->name, p->type == CLI_STRING ?
			    "a string" : "a whole number in range");
			return (-1);
		}
	}
	for (p = cmd->params; p->name != NULL; p++) {
		if ((p->flags & CLI_REQUIRED) &&
		    json_object_get(params, p->name) == NULL) {
			snprintf(errbuf, errlen, "%s: missing %s (usage: "
			    "natter %s)", cmd->name, p->metavar, cmd->name);
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
