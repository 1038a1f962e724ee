/* coreint: the client core's private state, shared by core, conn, outbox, inbox and account. */
#ifndef NATTER_COREINT_H
#define NATTER_COREINT_H

#include <sys/queue.h>

#include <stdint.h>

#include <uv.h>

#include "client/core/core.h"
#include "client/net/ws.h"
#include "client/store/store.h"
#include "shared/proto/natter.pb-c.h"

/* Settings in the store's kv table. */
#define CORE_KV_NAME		1
#define CORE_KV_DEVICE		2
#define CORE_KV_SERVER		3
#define CORE_KV_IDENTITY	4	/* Ed25519 secret key, 64 bytes */
#define CORE_KV_SPK_ID		5
#define CORE_KV_OPK_NEXT	6
#define CORE_KV_REGISTERED	7

#define CORE_OPK_TARGET		100
#define CORE_MAX_DEVICES	32
#define CORE_BACKOFF_MIN_MS	500
#define CORE_BACKOFF_MAX_MS	30000
#define CORE_REQ_TIMEOUT_MS	15000

enum conn_state {
	CONN_DOWN,
	CONN_CONNECTING,	/* WebSocket not up yet */
	CONN_CHALLENGE,		/* waiting for the server's challenge */
	CONN_AUTH,		/* Register or Auth sent */
	CONN_READY,
};

struct core_req;
/* resp is NULL if the connection went away before an answer. */
typedef void	core_req_cb(struct core *, struct core_req *,
		    const Natter__Response *);

struct core_req {
	uint64_t		 id;
	core_req_cb		*cb;
	void			*data;
	TAILQ_ENTRY(core_req)	 entry;
};
TAILQ_HEAD(core_reqs, core_req);

/* A message on its way out (mirrors one outbox row). */
struct core_send {
	int64_t			 oid;
	uint8_t			 id[CORE_IDBYTES];
	char			*to;
	char			*text;		/* NULL: a read receipt */
	uint8_t			*read_ids;	/* nread ids of CORE_IDBYTES */
	size_t			 nread;
	int64_t			 ts;
	int			 tries;
	int			 inflight;	/* sent, no answer yet */
	core_sent_cb		*cb;
	void			*arg;
	TAILQ_ENTRY(core_send)	 entry;
};
TAILQ_HEAD(core_sends, core_send);

/* A pending fingerprint / verify request that needs the peer's key. */
struct core_fpr {
	char			*peer;
	char			*number;	/* verify: what the user typed */
	core_fingerprint_cb	*fcb;
	core_done_cb		*dcb;
	void			*arg;
	TAILQ_ENTRY(core_fpr)	 entry;
};
TAILQ_HEAD(core_fprs, core_fpr);

struct core {
	uv_loop_t		*loop;
	struct store		*st;
	struct net		*net;
	char			*server;
	char			*name;		/* NULL until registered */
	uint32_t		 device;
	uint8_t			*ik_sk;		/* sodium_malloc, 64 bytes */
	uint8_t			 ik_pk[32];

	int			 started;
	int			 oneshot;
	core_event_cb		*evcb;
	void			*evarg;

	enum conn_state		 state;
	int			 ever_ready;
	uint64_t		 next_req;
	struct core_reqs	 reqs;
	uv_timer_t		 retry;
	int			 backoff_ms;
	int			 closing;

	/* Register in progress. */
	char			*reg_name;
	core_done_cb		*reg_cb;
	void			*reg_arg;

	struct core_sends	 sends;
	int			 sends_inflight; /* at most OUTBOX_WINDOW */
	int			 send_fetching;	/* bundles being fetched */
	struct core_fprs	 fprs;
	int			 topping_up;

	/* Acks sent and not answered yet; a backlog-drained event waits for them. */
	int			 acks_inflight;
	int			 drained_waiting;
};

/* core.c */
/* Fill ev from a stored row, STORE_MESSAGE or _RECEIPT (strings into m). */
void	core_event_from(struct core_event *, int64_t seq, int kind, int status,
	    const Natter__StoredMessage *);
void	core_emit(struct core *, const struct core_event *);
/* Something joined the outbox: connect (one-shot if not started) or kick. */
void	core_outbox_go(struct core *);
void	core_seterr(struct core_error *, enum core_err, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
enum core_err core_code_err(uint32_t code);
void	core_resp_err(struct core_error *, const Natter__Response *,
	    const char *what);
void	core_id_hex(char out[CORE_IDHEXBYTES], const uint8_t *, size_t);
/* Emit a stored row (message or receipt) as an event. */
void	core_emit_row(struct core *, int64_t seq, int kind, int status,
	    const Natter__StoredMessage *);
/* Report an argument error to a fingerprint/verify callback, later. */
void	core_later_fpr(struct core *, const struct core_error *,
	    core_fingerprint_cb *, core_done_cb *, void *);

/* conn.c: the connection, its auth handshake and request tracking. */
void	conn_init(struct core *);
void	conn_start(struct core *);
void	conn_stop(struct core *);
int	conn_ready(struct core *);
/* Send a request frame; cb gets the Response.  -1 if not ready. */
int	conn_request(struct core *, Natter__Frame *, core_req_cb *, void *);
int	conn_send(struct core *, Natter__Frame *);

/* account.c: identity, prekeys, registration. */
int	account_load(struct core *, struct core_error *);
int	account_kv_put_u32(struct core *, int key, uint32_t);
int	account_kv_get_u32(struct core *, int key, uint32_t *);
int	account_create_keys(struct core *, struct core_error *);
void	account_register_frame(struct core *, const uint8_t *nonce, size_t,
	    Natter__Frame *);
void	account_auth_frame(struct core *, const uint8_t *nonce, size_t,
	    Natter__Frame *);
void	account_frame_free(Natter__Frame *);
int	account_registered(struct core *, const Natter__Response *,
	    struct core_error *);
void	account_topup(struct core *);

/* outbox.c: sending. */
int	outbox_load(struct core *, struct core_error *);
/* Ids a read receipt carries at most (content.proto). */
#define CORE_READ_MAX	256
/* Put an outbox row (already stored as oid) in the sending queue. */
struct core_send *outbox_queue(struct core *, int64_t oid,
	    const Natter__OutboxItem *);
struct core_send *outbox_add(struct core *, const char *to, const char *text,
	    struct core_error *);
void	outbox_kick(struct core *);
/* Apply a BundleRequest answer for peer: check trust, start sessions. */
int	outbox_bundles(struct core *, const char *peer,
	    const Natter__Response *, struct core_error *);
void	outbox_fail_all(struct core *, const struct core_error *,
	    int forget);

/* receipts.c: read receipts arriving (inside inbox's transaction). */
struct receipts_seen;
int	receipts_apply(struct core *, const Natter__Delivery *,
	    const Natter__Content *, struct receipts_seen **);
void	receipts_done(struct core *, struct receipts_seen *, int committed);

/* inbox.c: receiving. */
void	inbox_deliver(struct core *, const Natter__Deliver *);
void	inbox_event(struct core *, const Natter__Event *);

/* trust.c: identity keys of contacts. */
int	trust_check(struct core *, const char *peer, const uint8_t ik[32],
	    struct core_error *);
void	trust_fail_all(struct core *, const struct core_error *);
void	trust_kick(struct core *);

#endif
