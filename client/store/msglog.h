/* msglog: the profile's message log (messages and receipts, sealed), history and printed-once state. */
#ifndef NATTER_CLIENT_STORE_MSGLOG_H
#define NATTER_CLIENT_STORE_MSGLOG_H

#include <stddef.h>
#include <stdint.h>

#include "client/store/store.h"
#include "shared/proto/content.pb-c.h"

/*
 * Messages (kind STORE_MESSAGE, unique by message id) and receipts
 * (STORE_RECEIPT), each sealed as a StoredMessage; looked up by keyed
 * hashes of the message id and the peer.  add: 0 with *seq set, 1 if a
 * message with that id already exists, -1 on error.
 */
int		 msglog_add(struct store *, int kind, int status,
		    const Natter__StoredMessage *, int64_t *seq)
		    __attribute__((warn_unused_result));
int		 msglog_exists(struct store *, const uint8_t *id, size_t idlen);
/*
 * Raise the status of the message id (with peer, unless peer is NULL):
 * ours SENT -> DELIVERED -> READ, received RECEIVED -> SEEN.  0 if raised,
 * 2 if it already had that status or a later one (or is of the other
 * family), 1 if there is no such message, -1 on error.
 */
int		 msglog_set_status(struct store *, const uint8_t *id,
		    size_t idlen, const char *peer, int status, int64_t *seq);
/*
 * The message row of id (kind 1): 0 with *seq, *status and *m (free with
 * natter__stored_message__free_unpacked), 1 if there is none, -1.
 */
int		 msglog_get(struct store *, const uint8_t *id, size_t idlen,
		    int64_t *seq, int *status, Natter__StoredMessage **m)
		    __attribute__((warn_unused_result));
/*
 * m arrived whole after all: the row of its id, kept as undecryptable,
 * becomes m with status (unprinted again).  0 with *seq, 1 if there is no
 * such undecryptable row, -1.
 */
int		 msglog_redo(struct store *, int status,
		    const Natter__StoredMessage *m, int64_t *seq)
		    __attribute__((warn_unused_result));
typedef int	 msglog_cb(int64_t seq, int kind, int status,
		    const Natter__StoredMessage *, void *);
/* Last limit messages with peer, oldest first.  -1 on error. */
int		 msglog_history(struct store *, const char *peer, int limit,
		    msglog_cb *, void *) __attribute__((warn_unused_result));
/* The same, only messages with seq below before. */
int		 msglog_history_before(struct store *, const char *peer,
		    int64_t before, int limit, msglog_cb *, void *)
		    __attribute__((warn_unused_result));
/*
 * Received messages with peer still RECEIVED, seq in [from, to] (to 0: no
 * bound), oldest first, at most limit.  -1 on error.
 */
int		 msglog_unseen(struct store *, const char *peer, int64_t from,
		    int64_t to, int limit, msglog_cb *, void *)
		    __attribute__((warn_unused_result));
/* Replace the value of the message row seq with m (status kept).  0 or -1. */
int		 msglog_replace(struct store *, int64_t seq,
		    const Natter__StoredMessage *m)
		    __attribute__((warn_unused_result));
/* Set the status of the row seq.  0 or -1. */
int		 msglog_set_status_seq(struct store *, int64_t seq, int status)
		    __attribute__((warn_unused_result));
/* Every row not marked printed, in order. */
int		 msglog_unprinted(struct store *, msglog_cb *, void *)
		    __attribute__((warn_unused_result));
int		 msglog_mark_printed(struct store *, int64_t seq)
		    __attribute__((warn_unused_result));

#endif
