/* transfer: history for a newly linked device: the primary sends its recent messages in parts; the new device takes them in. */
#ifndef NATTER_CLIENT_CORE_TRANSFER_H
#define NATTER_CLIENT_CORE_TRANSFER_H

#include <stdint.h>

#include "shared/proto/content.pb-c.h"

struct account;
struct core_event;
struct event_sink;
struct outbox;
struct store;
struct transfer;

#define TRANSFER_MAX_MESSAGES	10000	/* the newest, of all conversations */
#define TRANSFER_PART_MESSAGES	200	/* messages per part at most */
#define TRANSFER_PART_BYTES	(48 * 1024)	/* text per part at most */

/* A part is stored on the server (a CORE_EV_HISTORY event, outgoing). */
typedef void	transfer_progress_cb(void *arg, const struct core_event *);
/* Every part is stored on the server, or failed for good. */
typedef void	transfer_done_cb(void *arg);

struct transfer	*transfer_create(struct store *, struct account *,
		    struct outbox *, struct event_sink *);
void		 transfer_free(struct transfer *);

/*
 * On the primary, after device was added: queue the history for it in
 * the outbox (one commit), oldest first, each part over the pairwise
 * session with that device only.  progress (if not NULL) as it starts
 * and as each part is stored; done once the last one is.  The number of
 * messages, or 0 (no history) or -1 (nothing queued; neither is called
 * then).
 */
int	transfer_send(struct transfer *, uint32_t device,
	    transfer_progress_cb *progress, transfer_done_cb *done, void *arg);

/*
 * On the new device, inside the delivery's transaction: take a part in
 * (messages already here are skipped; none is shown as new or unread).
 * Only a part from our own primary may come here: the caller checks the
 * sender.  0, or -1.  transfer_taken emits the progress once committed.
 */
int	transfer_take(struct transfer *, const Natter__HistoryChunk *);
void	transfer_taken(struct transfer *, const Natter__HistoryChunk *);

#endif
