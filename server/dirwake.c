/* dirwake: a commit's wake-ups for other nodes, one message per node.
 *
 * What and why: dirwake.h. A message is kept as the text that goes out,
 * so a drain formats nothing; a commit reaches few nodes, so finding a
 * node's open message is a look along a short array. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/directory.h"
#include "server/dirwake.h"
#include "shared/util/xmalloc.h"

/* " A D": a space and two decimal numbers, 20 and 10 digits at most. */
#define DIRWAKE_PAIRMAX	(1 + 20 + 1 + 10)

struct dirwake_msg {
	char	node[DIRECTORY_NODEMAX];
	char	text[DIRWAKE_MSGMAX];
	size_t	len;
};

struct dirwake {
	struct dirwake_msg	*msgs;
	size_t			 n, cap;
	size_t			 devices;
};

struct dirwake *
dirwake_create(void)
{
	return (xcalloc(1, sizeof (struct dirwake)));
}

void
dirwake_free(struct dirwake *w)
{
	if (w == NULL)
		return;
	free(w->msgs);
	free(w);
}

/* The message for node with room for one more pair: the newest one for
 * it, or a new one. */
static struct dirwake_msg *
dirwake_open(struct dirwake *w, const char *node)
{
	struct dirwake_msg	*m;
	size_t			 i;

	for (i = w->n; i-- > 0; ) {
		m = &w->msgs[i];
		if (strcmp(m->node, node) != 0)
			continue;
		if (m->len + DIRWAKE_PAIRMAX < sizeof m->text)
			return (m);
		break;
	}
	if (w->n == w->cap) {
		w->cap = w->cap == 0 ? 4 : 2 * w->cap;
		w->msgs = xreallocarray(w->msgs, w->cap, sizeof *w->msgs);
	}
	m = &w->msgs[w->n++];
	snprintf(m->node, sizeof m->node, "%s", node);
	memcpy(m->text, "wake", 4);
	m->len = 4;
	return (m);
}

void
dirwake_add(struct dirwake *w, const char *node, int64_t account,
    uint32_t device)
{
	struct dirwake_msg	*m = dirwake_open(w, node);
	int			 n;

	n = snprintf(m->text + m->len, sizeof m->text - m->len, " %lld %u",
	    (long long)account, device);
	if (n > 0 && (size_t)n < sizeof m->text - m->len) {
		m->len += (size_t)n;
		w->devices++;
	}
}

void
dirwake_drain(struct dirwake *w, dirwake_send_fn *fn, void *arg)
{
	size_t	i;

	for (i = 0; i < w->n; i++)
		fn(w->msgs[i].node, w->msgs[i].text, w->msgs[i].len, arg);
	w->n = 0;
	w->devices = 0;
}

size_t
dirwake_pending(const struct dirwake *w)
{
	return (w->devices);
}
