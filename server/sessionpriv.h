/* sessionpriv: a connection's state, shared by session.c and sessiondeliver.c. */
#ifndef NATTER_SERVER_SESSIONPRIV_H
#define NATTER_SERVER_SESSIONPRIV_H

#include <sys/queue.h>

#include <stdint.h>

#include "server/auth.h"
#include "server/bucket.h"
#include "server/queue.h"
#include "server/session.h"
#include "shared/proto/wire.h"

/*
 * session.c owns a connection: its output, its state of sign-in, its
 * requests. sessiondeliver.c moves queued rows to it: reading the
 * queue, the rows in flight until acked, lazy receipts. Nothing else
 * sees struct session.
 */

#define SESSION_BATCH		32		/* rows per Deliver */
#define SESSION_DELIVERMAX	(128 * 1024)	/* bytes per Deliver */
#define SESSION_NHOLD		2	/* generations: syncing, current */
#define SESSION_GROUP_CHANGE	4	/* Delivery.type of a group change */

/* What an ack needs to know about a row in flight (see session_recall). */
struct session_sent {
	uint64_t	seq;		/* 0: free */
	int64_t		from_account;
	uint8_t		message_id[QUEUE_IDBYTES];
	uint32_t	status;
	uint32_t	type;
	int64_t		body;
};

/* Output up to end (from out + LWS_PRE) waits for generation gen. */
struct session_hold {
	uint64_t	gen;
	size_t		end;
};

struct session {
	struct lws		*wsi;
	const struct session_config	*cfg;
	uint8_t			*out;		/* LWS_PRE, then framed output */
	size_t			 outlen, outcap;
	size_t			 released;	/* bytes that may leave */
	struct session_hold	 hold[SESSION_NHOLD];
	unsigned		 nhold;
	uint64_t		 flush_pass;
	int			 rx_paused;	/* SESSION_HOLD_* bits */
	int			 kicked;	/* closing with close_code */
	uint64_t		 close_gen;	/* once this is on disk */
	int			 close_code;
	const char		*close_reason;
	int64_t			 created_ms;
	int			 unauthed_listed;
	TAILQ_ENTRY(session)	 unauthed_entry;
	int			 dirty;
	TAILQ_ENTRY(session)	 dirty_entry;

	uint8_t			 nonce[AUTH_NONCEBYTES];
	int			 authed;
	int64_t			 account;
	uint32_t		 device;
	char			 name[WIRE_NAME_MAX + 1];

	struct queue_item	*lazy;		/* [SESSION_BATCH], lazily */
	unsigned		 nlazy;
	int64_t			 lazy_ms;	/* when lazy[0] was queued */
	TAILQ_ENTRY(session)	 lazy_entry;

	uint64_t		 sent_seq;	/* highest seq pushed */
	int			 backlog;	/* rows past sent_seq */
	unsigned		 marks;		/* times backlog was set */
	unsigned		 inflight;
	struct session_sent	*sent;		/* [SESSION_WINDOW], lazily */
	int			 drained_sent;
	int			 low_sent;

	struct bucket		 rate;		/* requests */
	unsigned		 bad_frames;

	struct sessionq		*q;		/* with a store that waits */
	int			 gone;		/* closed, freed after q */
	TAILQ_ENTRY(session)	 all_entry;
};
TAILQ_HEAD(session_list, session);

/* Sessions holding lazy receipts, oldest first (sessiondeliver.c). */
extern struct session_list session_lazy;

/* session.c */
void	session_mark_dirty(struct session *);
int	session_closing(const struct session *);

/* sessiondeliver.c */
void	session_lazy_flush(struct session *);

#endif
