/* bodies: group bodies, stored once and freed with their last reference. */
#ifndef NATTER_SERVER_BODIES_H
#define NATTER_SERVER_BODIES_H

#include <stddef.h>
#include <stdint.h>

struct db;

#define BODIES_IDBYTES	16	/* group ids and message ids */

/* One group message (type 3) or membership change (type 4, content the
 * encoded GroupChange), as queue.c hands it out. Pointers are borrowed. */
struct bodies_row {
	const uint8_t	*group_id;		/* BODIES_IDBYTES */
	int64_t		 from_account;		/* 0: natterd (a change) */
	const char	*from_name;
	uint32_t	 from_device;
	const uint8_t	*message_id;		/* BODIES_IDBYTES */
	uint32_t	 type;
	const uint8_t	*content;
	size_t		 content_len;
	int64_t		 server_ts;
	int64_t		 expires;
};

/* Store row once, counted as held by refs references that the caller
 * pushes next (queue_push_refs with *body); *body is set. 0 or
 * -1. */
int	bodies_put(struct db *, const struct bodies_row *, uint64_t refs,
	    int64_t *body);
/* Load the counts if they are not (call before deleting queue rows that
 * may refer to bodies, so the count does not see the deletion): 0 or
 * -1. On PostgreSQL the counts are group_bodies.refs: nothing to do. */
int	bodies_ready(struct db *);
/* n references to body went: at none left the body is deleted. 0 or
 * -1. */
int	bodies_unref(struct db *, int64_t body, uint64_t n);
/* Delete the bodies expired at now (ms; their references expire with
 * them, queue_purge): 0 or -1. */
int	bodies_purge(struct db *, int64_t now);
/* Bodies with references (for tests): memory's count, or on PostgreSQL
 * the rows with refs > 0. 0 or -1. */
int	bodies_total(struct db *, uint64_t *n);

#endif
