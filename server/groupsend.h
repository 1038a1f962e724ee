/* groupsend: GroupSend, and queueing a group's bodies to its devices. */
#ifndef NATTER_SERVER_GROUPSEND_H
#define NATTER_SERVER_GROUPSEND_H

#include <stddef.h>
#include <stdint.h>

#include "shared/proto/natter.pb-c.h"

struct bodies_row;
struct fanout_ref;
struct session;

#define GROUPSEND_MESSAGE	3	/* Delivery.type of a group message */
#define GROUPSEND_CHANGE	4	/* Delivery.type of a change */

/* Handle a GroupSend on an authenticated session (no savepoint: it
 * checks everything first, like Send). Returns a Code; on OK and on
 * DEVICE_MISMATCH the answer is queued. */
uint32_t	groupsend_send(struct session *, const Natter__Frame *,
		    const char **why);

/*
 * Store row once and queue a reference to it for each device devs[i] of
 * account accts[i], i < n but not skip (n: none); then answer request
 * id with r (unless r is NULL), then hand the references to their
 * devices. Admitted already: a failed write stops natterd. Returns how
 * many references were queued.
 */
size_t		groupsend_queue(struct session *, const struct bodies_row *row,
		    const int64_t *accts, const struct fanout_ref *devs,
		    size_t n, size_t skip, uint64_t id, Natter__Response *r);

#endif
