/* search: an in-memory index of the local history's plaintext, so that /search scans memory, not the database. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/core/core.h"
#include "client/tui/search.h"
#include "shared/util/fold.h"
#include "shared/util/xmalloc.h"

struct search_entry {
	int64_t		 seq;
	int		 peer;		/* index into peers */
	char		*text;		/* folded (fold_text) */
	size_t		 len;
};

struct search {
	struct search_entry	*v;
	size_t			 n;
	size_t			 size;
	char			**peers;
	int			 npeers;
	int64_t			 last;		/* highest seq indexed */
};

struct search *
search_create(void)
{
	return (xcalloc(1, sizeof (struct search)));
}

void
search_free(struct search *s)
{
	size_t	i;
	int	k;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		sodium_memzero(s->v[i].text, s->v[i].len);
		free(s->v[i].text);
	}
	for (k = 0; k < s->npeers; k++)
		free(s->peers[k]);
	free(s->peers);
	free(s->v);
	free(s);
}

static int
search_peer(struct search *s, const char *peer)
{
	int	k;

	for (k = s->npeers - 1; k >= 0; k--) {
		if (strcmp(s->peers[k], peer) == 0)
			return (k);
	}
	s->peers = xreallocarray(s->peers, (size_t)s->npeers + 1,
	    sizeof *s->peers);
	s->peers[s->npeers] = xstrdup(peer);
	return (s->npeers++);
}

static void
search_add(struct core *core, const struct core_event *ev, void *arg)
{
	struct search		*s = arg;
	struct search_entry	*e;
	const char		*peer = ev->outgoing ? ev->to : ev->from;

	(void)core;
	if (ev->seq > s->last)
		s->last = ev->seq;
	if (peer == NULL || ev->text == NULL)
		return;
	if (s->n == s->size) {
		s->size = s->size == 0 ? 1024 : s->size * 2;
		s->v = xreallocarray(s->v, s->size, sizeof *s->v);
	}
	e = &s->v[s->n++];
	e->seq = ev->seq;
	e->peer = search_peer(s, peer);
	e->text = fold_text(ev->text, strlen(ev->text), &e->len);
}

int
search_step(struct search *s, struct core *core)
{
	struct core_error	err;
	int			n;

	n = core_messages_after(core, s->last, SEARCH_CHUNK, search_add, s,
	    &err);
	if (n < 0)
		return (-1);
	return (n == SEARCH_CHUNK);
}

int
search_find(struct search *s, struct core *core, const char *text,
    int64_t from, int dir, int64_t *seq, const char **peer)
{
	struct search_entry	*e;
	char			*needle;
	size_t			 i, nlen;
	int			 rc;

	while ((rc = search_step(s, core)) == 1)
		;
	if (rc < 0)
		return (-1);
	needle = fold_text(text, strlen(text), &nlen);
	rc = 0;
	for (i = 0; nlen > 0 && i < s->n; i++) {
		e = &s->v[dir < 0 ? s->n - 1 - i : i];
		if (dir < 0 && from > 0 && e->seq >= from)
			continue;
		if (dir > 0 && e->seq <= from)
			continue;
		if (fold_find(e->text, e->len, needle, nlen)) {
			*seq = e->seq;
			*peer = s->peers[e->peer];
			rc = 1;
			break;
		}
	}
	sodium_memzero(needle, nlen);
	free(needle);
	return (rc);
}
