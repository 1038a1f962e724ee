/* outbox: durable, ordered sending: the outbox table mirrored in memory, a window of Sends in flight, device-mismatch retry. */
#ifndef NATTER_CLIENT_CORE_OUTBOX_H
#define NATTER_CLIENT_CORE_OUTBOX_H

#include <stdint.h>

#include "client/core/core.h"
#include "shared/proto/content.pb-c.h"
#include "shared/proto/natter.pb-c.h"

struct account;
struct conn;
struct devices;
struct event_sink;
struct outbox;
struct peers;
struct store;

/* Ids a read receipt carries at most (content.proto). */
#define OUTBOX_READ_MAX	256

/* c is passed through to the senders' callbacks. */
struct outbox	*outbox_create(struct core *, struct store *, struct account *,
		    struct conn *, struct devices *, struct peers *,
		    struct event_sink *);
/* Forget what is queued in memory (the table keeps it); no callbacks. */
void		 outbox_free(struct outbox *);

/* Queue what an earlier process left in the table.  0, or -1 with err. */
int		 outbox_load(struct outbox *, struct core_error *)
		    __attribute__((warn_unused_result));
/*
 * Save a text for to in the table and queue it; sent is called once, when
 * the server stored it or it failed for good.  0, or -1 with err.
 */
/*
 * Who puts a queued file's blob on the server before its message goes:
 * cb(arg, m, id, a) when m (message id hex) comes up; it must answer
 * outbox_uploaded(m, err) later (never from inside cb): NULL goes on, an
 * unreachable server keeps m queued (a waiting caller hears it), any
 * other error fails m for good.
 */
struct outbox_msg;
typedef void	outbox_upload_cb(void *arg, struct outbox_msg *, const char *id,
		    const Natter__Attachment *);
void		 outbox_set_upload(struct outbox *, outbox_upload_cb *, void *);
void		 outbox_uploaded(struct outbox_msg *, const struct core_error *);

/*
 * Queue a message (text; with att, a file whose caption is text and whose
 * blob is uploaded first); id, if not NULL, gets its id (hex).  0, or -1
 * with err.
 */
int		 outbox_add(struct outbox *, const char *to, const char *text,
		    const Natter__Attachment *att, core_sent_cb *sent,
		    void *arg, char id[CORE_IDHEXBYTES], struct core_error *err)
		    __attribute__((warn_unused_result));
/* Queue a row already saved in the table as oid (a read receipt). */
struct outbox_msg *outbox_queue(struct outbox *, int64_t oid,
		    const Natter__OutboxItem *, core_sent_cb *, void *);
/* Call sent once m is stored or failed for good (instead of before). */
void		 outbox_notify(struct outbox_msg *, core_sent_cb *sent,
		    void *arg);
/*
 * Group messages (to "#HEX", the group's id) go through the group path
 * (groupsend.c) that registers here: try(arg, m) is called when m comes
 * up and answers with an OUTBOX_* code; while m waits (OUTBOX_WAIT)
 * nothing after it goes.  It ends m with outbox_group_done, and frees
 * its per-message state (outbox_msg_job) with release.
 */
#define OUTBOX_SENT	0	/* in flight */
#define OUTBOX_DONE	1	/* finished (an error was reported) */
#define OUTBOX_WAIT	2	/* fetching bundles, or the connection is down */
#define OUTBOX_HELD	3	/* its recipient's key changed: kept, skipped */
typedef int	outbox_group_cb(void *arg, struct outbox_msg *);
void		 outbox_set_group(struct outbox *, outbox_group_cb *try,
		    void (*release)(void *job), void *arg);
/* What a group message is: its fields, valid while m is. */
struct outbox_view {
	const uint8_t	*id;		/* CORE_IDBYTES */
	int64_t		 ts;
	const char	*to;
	const char	*text;		/* a file's caption with att */
	const uint8_t	*att;		/* a packed Attachment, or NULL */
	size_t		 attlen;
};
void		 outbox_msg_view(struct outbox_msg *, struct outbox_view *);
/* The group path's own state for m (NULL at first). */
void		**outbox_msg_job(struct outbox_msg *);
/*
 * m is stored by the server (err NULL: kept in the history), or failed
 * (an untrusted identity keeps a message queued earlier, as for 1:1).
 * m is gone afterwards; the outbox goes on.
 */
void		 outbox_group_done(struct outbox_msg *, const struct core_error *);
/* From inside try: m failed (or is held); the code to return. */
int		 outbox_group_fail(struct outbox_msg *, const struct core_error *);

/* Send what the window allows (the connection is ready, or nothing). */
void		 outbox_kick(struct outbox *);
/*
 * Fail every waiting caller with err.  The messages stay queued (they are
 * still in the table) unless forget is set, as when closing.
 */
void		 outbox_fail_all(struct outbox *, const struct core_error *,
		    int forget);
/* A "queued" message event for each text queued (to peer; NULL: all). */
void		 outbox_each_queued(struct outbox *, const char *peer,
		    core_event_cb *, void *);
/* Texts queued (read receipts not counted). */
int		 outbox_count(struct outbox *);
/* 1 if anything at all is queued (texts, receipts, history, a leave). */
int		 outbox_pending(struct outbox *);
/* cb(arg) each time the last queued item is finished. */
void		 outbox_on_empty(struct outbox *, void (*cb)(void *), void *arg);

#endif
