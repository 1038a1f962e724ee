/* commands: the TUI's command table (the one source for running, /help, completion and natter(1)). */
#ifndef NATTER_CLIENT_TUI_COMMANDS_H
#define NATTER_CLIENT_TUI_COMMANDS_H

struct tui;

struct commands_entry {
	const char	*name;		/* without the slash */
	const char	*args;		/* usage of the argument, or "" */
	const char	*help;		/* one sentence */
	int		 needs_arg;
	int		 needs_open;	/* acts on the open conversation */
	int		 path_arg;	/* Tab completes its first word as a path */
	void		(*run)(struct tui *, const char *arg);
};

/* The table, ending with a NULL name. */
extern const struct commands_entry commands_table[];

/* The entry named name (without slash), or NULL. */
const struct commands_entry *commands_find(const char *name);

#endif
