/* event: the core's events to its front end: one sink, events made from stored rows. */
#ifndef NATTER_CLIENT_CORE_EVENT_H
#define NATTER_CLIENT_CORE_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "client/core/core.h"
#include "shared/proto/content.pb-c.h"
#include "shared/proto/natter.pb-c.h"

/*
 * Where events go: the front end's callback, given the struct core it
 * registered with (passed through, never looked into).
 */
struct event_sink;

struct event_sink	*event_sink_create(struct core *);
void			 event_sink_free(struct event_sink *);
/* Set (or with NULL, clear) the callback. */
void			 event_sink_set(struct event_sink *, core_event_cb *,
			    void *);
int			 event_sink_has(struct event_sink *);
/*
 * A message with a file: decorate sets ev->attachment (pointing into
 * ev->attachment_buf) from the pointer and what this device has of it.
 * event_emit_row calls it; so do views made of rows (event_decorate).
 */
typedef void	event_decorate_cb(void *, struct core_event *,
		    const Natter__Attachment *);
void			 event_sink_decorate(struct event_sink *,
			    event_decorate_cb *, void *);
void			 event_decorate(struct event_sink *, struct core_event *,
			    const Natter__StoredMessage *);

/*
 * Rows of a group keep its id: group_name writes the group's name now
 * into name (namelen bytes) or leaves it empty, and its member count
 * (but us) into *members.  event_decorate sets ev->group and ev->to
 * ("#NAME") from it, the counts of our group messages and of receipts
 * for them (delivered_n of members_n), and makes a change's row a
 * CORE_EV_GROUP_CHANGE.
 */
typedef void	event_group_cb(void *, const uint8_t *id, char *name,
		    size_t namelen, int *members);
void			 event_sink_groups(struct event_sink *,
			    event_group_cb *, void *);

void	event_emit(struct event_sink *, const struct core_event *);
/* Emit a stored row (STORE_MESSAGE or STORE_RECEIPT) as an event. */
void	event_emit_row(struct event_sink *, int64_t seq, int kind, int status,
	    const Natter__StoredMessage *);
/* Fill ev from a stored row; its strings point into m. */
void	event_from_row(struct core_event *, int64_t seq, int kind, int status,
	    const Natter__StoredMessage *);
/* The documented name of a stored status (natter(1)). */
const char *event_status_name(int status);
/* Hex of a message id; "" unless len is CORE_IDBYTES. */
void	event_id_hex(char out[CORE_IDHEXBYTES], const uint8_t *, size_t len);

#endif
