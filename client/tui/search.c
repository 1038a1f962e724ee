/* search: an in-memory index of the local history's plaintext, so that /search scans memory, not the database. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/core/core.h"
#include "client/tui/search.h"
#include "shared/util/xmalloc.h"

struct search_entry {
	int64_t		 seq;
	int		 peer;		/* index into peers */
	char		*text;
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
	e->text = xstrdup(ev->text);
	e->len = strlen(ev->text);
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

/* Does hay (len bytes) contain needle (nlen > 0), ASCII case folded? */
static int
search_match(const char *hay, size_t len, const char *needle, size_t nlen)
{
	int	first = tolower((unsigned char)needle[0]);
	size_t	i, k;

	for (i = 0; i + nlen <= len; i++) {
		if (tolower((unsigned char)hay[i]) != first)
			continue;
		for (k = 1; k < nlen; k++) {
			if (tolower((unsigned char)hay[i + k]) !=
			    tolower((unsigned char)needle[k]))
				break;
		}
		if (k == nlen)
			return (1);
	}
	return (0);
}

int
search_find(struct search *s, struct core *core, const char *text,
    int64_t before, int64_t *seq, const char **peer)
{
	size_t	i, nlen = strlen(text);
	int	rc;

	while ((rc = search_step(s, core)) == 1)
		;
	if (rc < 0)
		return (-1);
	if (nlen == 0)
		return (0);
	for (i = s->n; i > 0; i--) {
		if (before > 0 && s->v[i - 1].seq >= before)
			continue;
		if (search_match(s->v[i - 1].text, s->v[i - 1].len, text,
		    nlen)) {
			*seq = s->v[i - 1].seq;
			*peer = s->peers[s->v[i - 1].peer];
			return (1);
		}
	}
	return (0);
}
