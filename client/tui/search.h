/* search: an in-memory index of the local history's plaintext, so that /search scans memory, not the database. */
#ifndef NATTER_CLIENT_TUI_SEARCH_H
#define NATTER_CLIENT_TUI_SEARCH_H

#include <stdint.h>

struct core;
struct search;

#define SEARCH_CHUNK	2000	/* messages indexed per step */

struct search	*search_create(void);
/* Free the index, wiping the texts it holds.  NULL is a no-op. */
void		 search_free(struct search *);

/*
 * Index up to SEARCH_CHUNK more messages from the core: 1 if there may be
 * more, 0 once everything stored so far is indexed, -1 on error.
 */
int		 search_step(struct search *, struct core *);

/*
 * Catch up with the core, then find a message whose text contains text,
 * both folded by Unicode's NFKC_Casefold (shared/util/fold.h: "HÉLLO"
 * finds "héllo"): with dir < 0 the newest with seq below from (0: the
 * newest of all), with dir > 0 the oldest with seq above from.  1 with
 * *seq and *peer (valid until search_free) set, 0 if none, -1.
 */
int		 search_find(struct search *, struct core *, const char *text,
		    int64_t from, int dir, int64_t *seq, const char **peer);

#endif
