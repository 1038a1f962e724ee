/* say: the core's sentences for the user, as the TUI says them (its commands, not the CLI's). */
#ifndef NATTER_CLIENT_TUI_SAY_H
#define NATTER_CLIENT_TUI_SAY_H

#include <stddef.h>

/*
 * Copy msg into out (size bytes, NUL-terminated, cut if need be) with the
 * CLI commands it names replaced by the TUI's: "natter fingerprint NAME"
 * by "/fingerprint", "natter verify NAME NUMBER" by "/verify NUMBER",
 * "natter trust NAME" by "/accept", "natter devices remove" by
 * "/devices remove".
 */
void	say_tui(const char *msg, char *out, size_t size);

#endif
