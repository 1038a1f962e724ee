/* session: one WebSocket connection: auth state, output queue, delivery. */
#ifndef NATTER_SERVER_SESSION_H
#define NATTER_SERVER_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "shared/proto/natter.pb-c.h"

struct db;
struct directory;
struct lws;
struct session;

#define SESSION_WINDOW		64		/* unacked deliveries */
#define SESSION_LAZY_MS		2		/* a receipt waits for company */
#define SESSION_OUTMAX		(1024 * 1024)	/* queued output bytes */
#define SESSION_RATE		10000		/* requests per second */
#define SESSION_BURST		20000
#define SESSION_MAXBAD		32		/* bad frames, then 1008 */
#define SESSION_CLOSE_REPLACED	4001		/* same device connected */
#define SESSION_CLOSE_AUTH	4002		/* no login in time */
#define SESSION_CLOSE_REMOVED	4003		/* its device was removed */
#define SESSION_CLOSE_LINK	4004		/* its link offer ended */
#define SESSION_CLOSE_MOVED	4005		/* connected to another node */
#define SESSION_AUTH_TIMEOUT_MS	10000		/* connect to login */

/* What every connection of this node shares. The caller of session_create
 * keeps it, and the db, alive until the last session is freed. */
struct session_config {
	struct db		*db;
	struct directory	*directory;	/* told who logs in and out */
	int64_t			 ttl_ms;	/* queued rows expire after */
	size_t			 max_frame;	/* bytes in one frame */
	int64_t			 link_ttl_ms;	/* a link offer waits */
};

/* Why a connection is not read (session_hold_input). */
#define SESSION_HOLD_OUTPUT	1	/* its output is over SESSION_OUTMAX */
#define SESSION_HOLD_QUEUE	2	/* its requests wait (sessionq.c) */

/* A session for an established connection; sends the Challenge. */
struct session	*session_create(struct lws *, const struct session_config *);
/* Forget the session (connection closed); if it still served its device,
 * take the device out of online.h and the directory. While a request of
 * it waits for the store (sessionq.c), the session is only detached
 * (session_gone) and its worker frees it later. NULL is a no-op. */
void		 session_free(struct session *);
/* 1 once the connection closed under a waiting request. */
int		 session_gone(const struct session *);
/* Handle one complete binary WebSocket message (with a store that waits,
 * queue it for the session's worker). Returns 0, or a WebSocket close
 * status when the connection must be closed. */
int		 session_receive(struct session *, const uint8_t *, size_t);
/* Decode a received message and charge it to the rate limit: the frame
 * to handle (wire_free it), or NULL when it was answered already (an
 * undecodable frame, a refusal) or the session is closing. */
Natter__Frame	*session_decode(struct session *, const uint8_t *, size_t);
/* Stop (on 1) or resume reading the connection for reason why, one of
 * SESSION_HOLD_*; it is read again when no reason is left. */
void		 session_hold_input(struct session *, int why, int on);
/* Read every logged-in session's queue again: rows another node stored
 * reach a device even when its wake-up was lost (directory.h). */
void		 session_rescan_all(void);
/* A commit failed: drop every answer and delivery not yet released and
 * close every connection with code and reason (clients resend). */
void		 session_abort_all(int code, const char *reason);
/* The connection is writable: write one frame. -1 closes it. */
int		 session_writable(struct session *);
/* Release and write the held output of every session whose generation
 * is on disk (durable_synced()). */
void		 session_flush_all(void);
/* Deliver the receipts that have waited SESSION_LAZY_MS. Returns the ms
 * until the next is due, or -1 when none waits. */
int64_t		 session_lazy_due(void);
/* Close connections that have not logged in SESSION_AUTH_TIMEOUT_MS
 * after they were established (at now, in ms). */
void		 session_expire(int64_t now);

/* For request handlers. Frames are queued (bounded) and leave once the
 * commit generation current when they were queued is on disk. */
void		 session_send(struct session *, const Natter__Frame *);
void		 session_respond(struct session *, uint64_t id, uint32_t code,
		     const char *message);
void		 session_send_response(struct session *, uint64_t id,
		     Natter__Response *);
void		 session_send_event(struct session *, Natter__Event *);
/* Close the connection with a WebSocket close status and reason (a
 * string constant) once what was queued before is committed; nothing
 * more is read from it or delivered to it meanwhile. */
void		 session_close(struct session *, int code, const char *reason);
/* The session's config->db, config->directory, config->ttl_ms and
 * config->link_ttl_ms. */
struct db	*session_db(const struct session *);
struct directory *session_directory(const struct session *);
int64_t		 session_ttl_ms(const struct session *);
int64_t		 session_link_ttl_ms(const struct session *);
const uint8_t	*session_nonce(const struct session *);
/* Burn the nonce and send a fresh Challenge. */
void		 session_rechallenge(struct session *);
int		 session_is_authed(const struct session *);
/* on: the connection, not logged in, waits for its link offer to be
 * taken (link.c), which closes it when the offer expires: the login
 * timeout leaves it alone. off: the login timeout applies again,
 * counted from now. */
void		 session_linking(struct session *, int on);
/* Mark authenticated as (account, device), list the session in online.h
 * and announce the device to the directory; an older connection of the
 * same device on this node is closed. */
void		 session_login(struct session *, int64_t account,
		     uint32_t device, const char *name);
int64_t		 session_account(const struct session *);
uint32_t	 session_device(const struct session *);
const char	*session_name(const struct session *);
/* Push queued rows while the window and the output queue have room. */
void		 session_pump(struct session *);
/* Called by a request before it writes or answers: with a store that
 * waits, the requests of a connection that came before it have ended by
 * the time this returns (sessionq.h); otherwise returns at once. */
void		 session_in_order(struct session *);
/* Rows may have been queued for this device by another node (directory.h,
 * hooks.wake): read the queue now. */
void		 session_wake(struct session *);
/* The device connected to another node (directory.h, hooks.moved): it
 * leaves online.h now, so rows for it go to that node, and this
 * connection is closed with SESSION_CLOSE_MOVED. */
void		 session_moved(struct session *);
/* Row it (it->seq set) was just queued for this session's device: send it
 * now if the session is caught up, else read it from the queue later. */
struct queue_item;
void		 session_offer(struct session *, const struct queue_item *);
/* If row seq went out on this connection and was not recalled yet, fill
 * out's seq, from_account, message_id and status and return 1; else 0. */
int		 session_recall(struct session *, uint64_t seq,
		     struct queue_item *out);
/* The device acknowledged seq (deleted): free a window slot. */
void		 session_acked(struct session *, uint64_t seq);
/* Send PrekeysLow{count} unless already sent since the last upload. */
void		 session_prekeys_low(struct session *, uint32_t count);
void		 session_prekeys_refilled(struct session *);

#endif
