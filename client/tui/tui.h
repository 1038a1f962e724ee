/* tui: the full-screen front end (ncursesw on the caller's terminal, one libuv loop). */
#ifndef NATTER_CLIENT_TUI_TUI_H
#define NATTER_CLIENT_TUI_TUI_H

#include <stddef.h>

/*
 * Open the profile in home (server: NULL for the saved one) with pass,
 * take over the terminal and run until /quit or a terminating signal.
 * pass stays owned (and is wiped) by the caller.  The exit status.
 */
int	tui_run(const char *home, const char *server, char *pass,
	    size_t passlen);

#endif
