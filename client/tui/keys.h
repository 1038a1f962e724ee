/* keys: reading the terminal's input and turning keys into edits, commands and moves. */
#ifndef NATTER_CLIENT_TUI_KEYS_H
#define NATTER_CLIENT_TUI_KEYS_H

struct tui;

/* Codes for the sequences keys_define teaches curses. */
#define KEYS_ALT_UP		(KEY_MAX + 1)
#define KEYS_ALT_DOWN		(KEY_MAX + 2)
#define KEYS_PASTE_START	(KEY_MAX + 3)
#define KEYS_PASTE_END		(KEY_MAX + 4)
#define KEYS_FOCUS_IN		(KEY_MAX + 5)	/* terminal focus reporting */
#define KEYS_FOCUS_OUT		(KEY_MAX + 6)
#define KEYS_ALT_END		(KEY_MAX + 7)

/* One entry of the key map (/help keys, and natter(1) "Keys"). */
struct keys_help {
	const char	*keys;		/* "Ctrl-N, Alt-Down" */
	const char	*help;
};

/* The key map, ending with a NULL keys. */
extern const struct keys_help keys_map[];

/* Teach curses the sequences above (after initscr). */
void	keys_define(void);

/* Read and handle everything waiting on the terminal; how many keys. */
int	keys_read(struct tui *);

#endif
