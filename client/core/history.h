/* history: read-side views of the message log for the front ends (history, conversations, counts, search, printed-once). */
#ifndef NATTER_CLIENT_CORE_HISTORY_H
#define NATTER_CLIENT_CORE_HISTORY_H

#include <stdint.h>

#include "client/core/core.h"

struct history;
struct event_sink;
struct store;

/* c is passed through to the callbacks.  Contracts: core.h's core_*. */
struct history	*history_create(struct store *, struct core *,
		    struct event_sink *);
void		 history_free(struct history *);

int	history_list(struct history *, const char *peer, int limit,
	    core_event_cb *, void *, struct core_error *);
int	history_before(struct history *, const char *peer, int64_t before,
	    int limit, core_event_cb *, void *, struct core_error *);
int64_t	history_after(struct history *, const char *peer, int64_t seq, int n);
int	history_conversations(struct history *, core_conv_cb *, void *,
	    struct core_error *);
int	history_search(struct history *, const char *text, int64_t before,
	    core_event_cb *, void *, struct core_error *);
int	history_messages_after(struct history *, int64_t after, int limit,
	    core_event_cb *, void *, struct core_error *);
int	history_unprinted(struct history *, core_event_cb *, void *,
	    struct core_error *);
int	history_mark_printed(struct history *, int64_t seq);
int	history_mark_seen(struct history *, const char *peer);

#endif
