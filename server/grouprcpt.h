/* grouprcpt: a group message's delivered receipts, one row per commit. */
#ifndef NATTER_SERVER_GROUPRCPT_H
#define NATTER_SERVER_GROUPRCPT_H

#include <stddef.h>
#include <stdint.h>

#include "shared/proto/natter.pb-c.h"

struct db;
struct directory;
struct queue_item;

/* The most devices one coalesced receipt names (a group's members times
 * their devices is far below it; past it a second row is started). */
#define GROUPRCPT_MAXREFS	4096

/* The device by (from_account, from, from_device) acked the group
 * message acked (its sender and message id) with status: remember it
 * for grouprcpt_flush. dir and expires are the acker's session's
 * directory and the receipt's expiry. Never fails (allocation failure is
 * fatal). */
void	grouprcpt_add(const struct queue_item *acked, uint32_t status,
	    const struct queue_item *by, struct directory *dir,
	    int64_t expires);
/* Queue one receipt row per (message, status) to every device of its
 * sender, naming every acker since the last flush, and hand it out.
 * Called in the open transaction just before it commits, so the
 * receipts are in the commit that deletes the acked rows. 0 or -1. */
int	grouprcpt_flush(struct db *);

/* Fill r->more (r->n_more) from a receipt row's content, the devices
 * after the first; free with grouprcpt_more_free. A malformed content
 * gives what was read before the fault. */
void	grouprcpt_more(Natter__Receipt *r, const uint8_t *content,
	    size_t len);
void	grouprcpt_more_free(Natter__Receipt *r);

#endif
