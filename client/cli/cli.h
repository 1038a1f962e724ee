/* cli: the command table shared by the one-shot CLI, JSON-RPC and the TUI, and argument parsing. */
#ifndef NATTER_CLIENT_CLI_CLI_H
#define NATTER_CLIENT_CLI_CLI_H

#include <stddef.h>

#include <jansson.h>

#include "client/core/core.h"

struct call;

/* Parameter types. */
enum cli_ptype {
	CLI_STRING,
	CLI_COUNT,		/* a non-negative integer */
	CLI_LIST,		/* strings: the last operand, takes the rest */
};

/* Parameter flags. */
#define CLI_POSITIONAL	0x1	/* an operand on the command line, in order */
#define CLI_REQUIRED	0x2
#define CLI_NONEMPTY	0x4	/* a string that may not be empty */
#define CLI_STDIN	0x8	/* on the command line, "-" reads standard input */

/* Standard input read for a CLI_STDIN param: at most this many bytes. */
#define CLI_STDIN_MAX	CORE_TEXT_MAX

/* Whose words a usage error speaks: the command line's or JSON-RPC's. */
enum cli_words {
	CLI_WORDS_ARGV,		/* send: missing TEXT */
	CLI_WORDS_RPC,		/* send: missing param "text" */
};

/* One named parameter: a JSON-RPC param and a CLI operand or --option. */
struct cli_param {
	const char	*name;		/* JSON name; --name for options */
	const char	*metavar;	/* TO, TEXT, N, SEC */
	enum cli_ptype	 type;
	int		 flags;
	long long	 max;		/* CLI_COUNT upper bound */
};

/* Command flags. */
#define CLI_CREATE	0x1	/* creates the profile (register) */
#define CLI_NO_RPC	0x2	/* a CLI-only command (recv, listen, rpc) */
#define CLI_STREAM	0x4	/* prints events as they come */
#define CLI_ACCOUNT	0x8	/* its "name" operand names a new account */

/*
 * One command.  run starts it on an open core; it ends with exactly one
 * call_done() (possibly from a core callback).  human prints the result
 * of a successful call for people (NULL: print nothing).
 */
struct cli_cmd {
	const char		*name;		/* CLI name ("devices list") */
	const char		*method;	/* JSON-RPC method */
	const char		*summary;
	const struct cli_param	*params;	/* NULL-name terminated */
	int			 flags;
	void			 (*run)(struct call *);
	void			 (*human)(const json_t *);
};

/* The command table, ended by a NULL name. */
extern const struct cli_cmd	cli_cmds[];

/* Find a command by CLI name or JSON-RPC method; NULL if none. */
const struct cli_cmd	*cli_find(const char *name);
const struct cli_cmd	*cli_find_method(const char *method);
/* 1 if word starts two-word commands ("devices" of "devices list"). */
int			 cli_is_group(const char *word);

/*
 * The command that the words of argv name: one word ("send") or, for a
 * group, two ("devices list"); *words says how many it took.  NULL if
 * none.
 */
const struct cli_cmd	*cli_find_argv(int argc, char **argv, int *words);

/* Write "COMMAND OPERANDS [--opt V]" for cmd into buf. */
void	cli_usage_line(const struct cli_cmd *, char *buf, size_t len);

/*
 * Write "natter COMMAND OPERANDS [--opt V]" for every command whose name
 * is prefix or starts with prefix and a space, one per line (no newline
 * after the last).
 */
void	cli_usage(const char *prefix, char *buf, size_t len);

/*
 * Parse a command's arguments (argv[0] is the command name) into a new
 * JSON object of params.  Options may come before, between or after
 * operands; "--" ends them.  --json anywhere sets *json.  A CLI_STDIN
 * operand given as "-" is read from standard input (at most
 * CLI_STDIN_MAX bytes, one trailing newline dropped).  NULL with err set
 * on an error: CORE_ERR_USAGE, or CORE_ERR_TOO_LARGE for standard input
 * over the bound.
 */
json_t	*cli_parse_argv(const struct cli_cmd *, int argc, char **argv,
	    int *json, struct core_error *err);

/*
 * Check params against cmd: every required one present, each of the
 * right type, no unknown ones, no empty CLI_NONEMPTY string.  0, or -1
 * with a sentence in errbuf in the words of the front end.
 */
int	 cli_check_params(const struct cli_cmd *, const json_t *params,
	    enum cli_words, char *errbuf, size_t errlen);

/*
 * A CLI_LIST param as a NULL-terminated array (from xcalloc; the strings
 * are params'), or NULL if absent.
 */
const char	**cli_list(const json_t *params, const char *name);

/* A string / count param, or NULL / dflt if absent. */
const char	*cli_str(const json_t *params, const char *name);
long long	 cli_count(const json_t *params, const char *name,
		    long long dflt);

#endif
