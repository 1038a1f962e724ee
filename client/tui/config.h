/* config: the TUI's settings file ($XDG_CONFIG_HOME/natter/config), a bounded line parser. */
#ifndef NATTER_CLIENT_TUI_CONFIG_H
#define NATTER_CLIENT_TUI_CONFIG_H

#include <stddef.h>

#define CONFIG_LINE_MAX		256	/* bytes per line, newline included */
#define CONFIG_TIMEFMT_MAX	32

enum config_notify {
	CONFIG_NOTIFY_NONE,
	CONFIG_NOTIFY_BELL,
	CONFIG_NOTIFY_OSC777,
	CONFIG_NOTIFY_OSC9,
};

/* Colours are curses colour numbers (-1: the terminal's default). */
struct config {
	int			colors;		/* 0: monochrome */
	int			color_own;
	int			color_peer;
	int			color_status;
	int			color_error;
	char			timefmt[CONFIG_TIMEFMT_MAX];	/* strftime */
	int			enter_sends;	/* else Alt-Enter sends */
	enum config_notify	notify;
	int			read_receipts;	/* send them (default on) */
};

/* The defaults. */
void	config_default(struct config *);

/*
 * Apply "key = value" lines of buf (len bytes) to cf; '#' starts a
 * comment.  A bad line (unknown key, bad value, longer than
 * CONFIG_LINE_MAX) is skipped; each is described in err, a line each
 * ("line N: KEY: ..."), as many as fit.  0 if every line was good, else
 * -1.
 */
int	config_parse(struct config *cf, const char *buf, size_t len, char *err,
	    size_t errlen);

/*
 * The file's path: $XDG_CONFIG_HOME/natter/config, else
 * $HOME/.config/natter/config.  0, or -1 if neither is set.
 */
int	config_path(char *buf, size_t size);

/* Load the file (absent: defaults, 0); -1 with err on a bad file or line. */
int	config_load(struct config *cf, char *err, size_t errlen);

#endif
