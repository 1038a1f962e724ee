/* say: the core's sentences for the user, as the TUI says them (its commands, not the CLI's). */
#include <string.h>

#include "client/tui/say.h"

/* A CLI command as the core writes it, and the TUI's in its place. */
struct say_rule {
	const char	*cli;		/* up to the contact's name */
	int		 name;		/* a contact's name follows: drop it */
	const char	*tui;
};

static const struct say_rule say_rules[] = {
	{ "natter fingerprint ", 1, "/fingerprint" },
	{ "natter verify ", 1, "/verify" },
	{ "natter trust ", 1, "/accept" },
	{ "natter devices remove", 0, "/devices remove" },
	{ NULL, 0, NULL }
};

/* The rule that matches at s, or NULL. */
static const struct say_rule *
say_match(const char *s)
{
	const struct say_rule	*r;

	for (r = say_rules; r->cli != NULL; r++) {
		if (strncmp(s, r->cli, strlen(r->cli)) == 0)
			return (r);
	}
	return (NULL);
}

void
say_tui(const char *msg, char *out, size_t size)
{
	const struct say_rule	*r;
	size_t			 n = 0, k;

	if (size == 0)
		return;
	while (*msg != '\0' && n + 1 < size) {
		if ((r = say_match(msg)) == NULL) {
			out[n++] = *msg++;
			continue;
		}
		msg += strlen(r->cli);
		if (r->name)
			msg += strcspn(msg, " ),;");
		k = strlen(r->tui);
		if (n + k >= size)
			break;
		memcpy(out + n, r->tui, k);
		n += k;
	}
	out[n] = '\0';
}
