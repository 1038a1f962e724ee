/* core: the client's engine (profile, keys, sessions, send/receive, outbox); one API for every front end. */
#ifndef NATTER_CLIENT_CORE_CORE_H
#define NATTER_CLIENT_CORE_CORE_H

#include <stddef.h>
#include <stdint.h>

/*
 * The core knows nothing of ncurses or JSON.  It runs on the caller's libuv
 * loop: every network operation is asynchronous and reports through a
 * callback called from that loop (never from inside the call that started
 * it, unless documented).  Strings handed to callbacks are valid only for
 * the duration of the callback.
 *
 * A struct core is one open profile, i.e. one device of one account.  The
 * profile directory is locked for as long as the core is open.
 */

struct core;
struct uv_loop_s;

#define CORE_DEFAULT_SERVER	"ws://127.0.0.1:7878"
#define CORE_TEXT_MAX		(64 * 1024)	/* bytes of UTF-8 per message */
#define CORE_IDBYTES		16		/* message ids */
#define CORE_IDHEXBYTES		(2 * CORE_IDBYTES + 1)
#define CORE_ERRMSG_MAX		256
/* A safety number as shown: 12 groups of 5 digits, spaces, NUL. */
#define CORE_SAFETY_BYTES	72

/* Values are part of natter-rpc(5) (error code 1000 + value): append only. */
enum core_err {
	CORE_OK = 0,
	CORE_ERR_USAGE,			/* bad argument (exit 2) */
	CORE_ERR_PASSPHRASE,		/* wrong passphrase; nothing changed */
	CORE_ERR_NO_PROFILE,		/* no profile / not registered yet */
	CORE_ERR_PROFILE_EXISTS,	/* register on a registered profile */
	CORE_ERR_LOCKED,		/* another process holds the profile */
	CORE_ERR_UNREACHABLE,		/* cannot connect to the server */
	CORE_ERR_NAME_TAKEN,
	CORE_ERR_NAME_INVALID,
	CORE_ERR_UNKNOWN_USER,
	CORE_ERR_UNTRUSTED_IDENTITY,	/* contact's identity key changed */
	CORE_ERR_MISMATCH,		/* verify: safety number differs */
	CORE_ERR_RATE_LIMITED,
	CORE_ERR_TOO_LARGE,
	CORE_ERR_QUEUE_FULL,		/* recipient's server queue is full */
	CORE_ERR_SERVER,		/* server-side failure; retry later */
	CORE_ERR_PROTOCOL,		/* unexpected or malformed frame */
	CORE_ERR_CRYPTO,		/* bad signature, undecryptable message */
	CORE_ERR_IO,			/* disk or database failure */
	CORE_ERR_CORRUPT,		/* damaged profile */
	CORE_ERR_CLOSED,		/* core closed before the operation ended */
	CORE_ERR_UNSUPPORTED,		/* not implemented by this version */
	CORE_ERR_TIMEOUT,		/* the server did not answer in time */
	CORE_ERR_REMOVED,		/* this device was removed from its account */
	CORE_ERR_LIMIT,			/* too many devices (5 per account) */
	CORE_ERR_UNKNOWN_GROUP,		/* no such group, or not a member */
	CORE_ERR_NOT_ADMIN,		/* only a group's admins may do that */
	CORE_ERR_GROUP_FULL,		/* over 1,024 members */
};

/* One line for the user: what happened and what to do about it. */
struct core_error {
	enum core_err	code;
	char		msg[CORE_ERRMSG_MAX];
};

enum core_event_type {
	CORE_EV_MESSAGE,		/* a message (incoming, or ours from another device) */
	CORE_EV_RECEIPT,		/* delivered / read receipt for one of ours */
	CORE_EV_CONNECTED,		/* authenticated to the server */
	CORE_EV_DISCONNECTED,		/* lost; retry_in_ms > 0 unless one-shot
					 * or given up (final) */
	CORE_EV_BACKLOG_DRAINED,	/* the server has delivered all it held */
	CORE_EV_IDENTITY_CHANGED,	/* from's identity key changed: sending blocked */
	CORE_EV_ERROR,			/* e.g. an undecryptable message; error set */
	CORE_EV_SEEN,			/* our other device read to's messages */
	CORE_EV_DEVICES,		/* our account's device list changed */
	/*
	 * History for a new device: a part came in from our primary, or
	 * (outgoing) a part for our device from_device is on the server.
	 */
	CORE_EV_HISTORY,
	/*
	 * A file: its attachment changed state (downloaded and verified,
	 * refused, ...): the message event again, attachment set.
	 */
	CORE_EV_ATTACHMENT,
	/*
	 * Bytes of a file done so far (bytes of bytes_total; text: its
	 * name; status: "encrypting", "uploading" or "downloading").
	 */
	CORE_EV_PROGRESS,
	/*
	 * A group's membership changed (created, added, removed, left,
	 * renamed, admin): group, change, by, users, ts set.  Also stored
	 * as a line of the group's conversation (seq > 0).
	 */
	CORE_EV_GROUP_CHANGE,
};

/*
 * A message's file (natter(1) "send-file").  state: "ready" (here,
 * verified, still encrypted in the profile), "downloading", "waiting"
 * (over the automatic download size: core_save fetches it), "pending"
 * (to download when connected), "refused" (the blob did not match its
 * hashes: never shown as a file).
 */
struct core_attachment {
	const char	*name;
	uint64_t	 size;
	const char	*mime;
	char		 sha256[65];		/* of the file, hex */
	char		 blob[65];		/* its id on the server, hex */
	const char	*state;
	const char	*saved;			/* where core_save wrote it, or NULL */
};

/*
 * What an event carries; unused fields are NULL / 0.  seq is the event's
 * local sequence number (> 0 for MESSAGE and RECEIPT events that were
 * stored): pass it to core_mark_printed once the front end has shown it.
 */
struct core_event {
	enum core_event_type	 type;
	int64_t			 seq;
	char			 id[CORE_IDHEXBYTES];	/* message id, hex */
	const char		*from;
	uint32_t		 from_device;
	const char		*to;
	const char		*group;			/* NULL for 1:1 */
	int64_t			 ts;			/* ms since the epoch */
	const char		*text;
	const char		*status;		/* receipts / history: "sent", "delivered", "read", "received" */
	const char		*by;			/* receipts */
	int			 outgoing;		/* 1 if we sent it */
	int			 unseen;		/* received, no read receipt yet */
	int64_t			 retry_in_ms;		/* DISCONNECTED */
	int			 received, total;	/* HISTORY: messages so far, of */
	const struct core_error	*error;			/* DISCONNECTED, ERROR */
	const struct core_attachment *attachment;	/* a file, or NULL */
	uint64_t		 bytes, bytes_total;	/* PROGRESS */
	const char		*change;		/* GROUP_CHANGE: "created", "added", ... */
	const char * const	*users;			/* GROUP_CHANGE: NULL-terminated */
	/* Group messages of ours: members that have it / have read it, of
	 * members (receipts and history; 0 of 0 for one-to-one). */
	int			 delivered_n, read_n, members_n;
	struct core_attachment	 attachment_buf;	/* storage for attachment */
	char			 group_buf[40];		/* storage for group */
	char			 to_buf[41];		/* storage for to ("#NAME") */
};

/* Flags for core_open. */
#define CORE_OPEN_CREATE	0x1	/* create the profile if it does not exist */

/* Flags for core_start. */
#define CORE_START_ONESHOT	0x1	/* no reconnect: the first failure is final */
#define CORE_START_REPLAY	0x2	/* first emit stored events not yet printed */

typedef void	core_event_cb(struct core *, const struct core_event *, void *);
/* err is NULL on success. */
typedef void	core_done_cb(struct core *, const struct core_error *, void *);
/* err is NULL on success; id is the hex message id, ts the sender timestamp. */
typedef void	core_sent_cb(struct core *, const struct core_error *,
		    const char *id, int64_t ts, void *);
/* Linking a new device (core_devices_link): its one-time code, to show. */
typedef void	core_link_code_cb(struct core *, const char *code, void *);
/* err is NULL once linked: account and device are this device's. */
typedef void	core_linked_cb(struct core *, const struct core_error *,
		    const char *account, uint32_t device, void *);
/*
 * err is NULL once approved and the history for the new device is on the
 * server: device and label are the new device's, history the number of
 * messages sent to it.
 */
typedef void	core_approved_cb(struct core *, const struct core_error *,
		    uint32_t device, const char *label, int history, void *);

/* One device of our account (core_devices_list). */
struct core_device {
	uint32_t	 device;
	const char	*label;		/* NULL if unknown here */
	int		 primary;	/* device 1: holds the account key */
	int		 current;	/* this device */
	char		 fingerprint[40];	/* of its identity key, hex groups */
	int64_t		 added;		/* ms; 0 if unknown here */
};
typedef void	core_devices_cb(struct core *, const struct core_error *,
		    const struct core_device *, size_t n, void *);

/* A group as the server last told this device (core_group_*). */
struct core_group {
	const char		*name;
	const char * const	*members;	/* NULL-terminated, sorted */
	const char * const	*admins;	/* NULL-terminated, sorted */
	size_t			 nmembers, nadmins;
	int64_t			 created;	/* ms */
};
/* err is NULL on success; g is NULL after a leave. */
typedef void	core_group_cb(struct core *, const struct core_error *,
		    const struct core_group *g, void *);
typedef void	core_groups_cb(struct core *, const struct core_error *,
		    const struct core_group *, size_t n, void *);

/* number is the formatted safety number (NULL on error). */
typedef void	core_fingerprint_cb(struct core *, const struct core_error *,
		    const char *number, void *);

/*
 * Open (or, with CORE_OPEN_CREATE, create) the profile in home: take its
 * lock (waiting up to ~2 s, then CORE_ERR_LOCKED), unwrap the store with
 * passphrase, open the database.  A profile this call created that has no
 * account when the core is closed (a register or link that failed) is
 * removed by core_close.  server overrides the saved server URL
 * (NULL: saved one, else CORE_DEFAULT_SERVER).  loop is borrowed and must
 * outlive the core.  0 and *corep set, or -1 with *err filled in.
 */
int		 core_open(struct core **corep, struct uv_loop_s *loop,
		    const char *home, const char *passphrase, size_t passlen,
		    const char *server, int flags, struct core_error *err)
		    __attribute__((warn_unused_result));

/*
 * core_open over another transport than the WebSocket (client/core/conn.h's
 * struct conn_net): tests play the server with it, without a socket.
 */
struct conn_net;
int		 core_open_net(struct core **corep, struct uv_loop_s *loop,
		    const char *home, const char *passphrase, size_t passlen,
		    const char *server, int flags, const struct conn_net *,
		    struct core_error *err) __attribute__((warn_unused_result));

/*
 * Close the connection, fail pending operations with CORE_ERR_CLOSED (their
 * callbacks are called from here), release the lock, wipe keys.  The loop
 * needs to run a few more iterations afterwards so that libuv handles
 * close (uv_run(loop, UV_RUN_DEFAULT) returns once they have); the lock
 * and the store are released then.  May be called from inside any core
 * callback.  core_close(NULL) is a no-op.
 */
void		 core_close(struct core *);

/*
 * 1 if the core has nothing it could send now: not connected, or its
 * outbox empty and no device leave to publish.  core_on_settled: cb(arg)
 * once that is so (perhaps deep inside a core callback: defer real work),
 * at most once; a one-shot command waits for it before it closes, so that
 * a message queued offline goes out with the next command that connects.
 */
int		 core_settled(struct core *);
void		 core_on_settled(struct core *, void (*cb)(void *), void *arg);

/* The account name (NULL if not registered), device id, and server URL. */
const char	*core_account(struct core *);
uint32_t	 core_device(struct core *);
const char	*core_server(struct core *);

/*
 * Create the account name with this profile as device 1: generate keys,
 * connect, register, upload prekeys, save.  done is called once.  After a
 * successful register the connection stays up (as after core_start with
 * the flags given to a later core_start, or one-shot if none).
 */
void		 core_register(struct core *, const char *name, core_done_cb *done,
		    void *arg);

/*
 * Connect and authenticate, receive (events go to cb), keep the outbox
 * flowing.  Without CORE_START_ONESHOT the core reconnects with exponential
 * backoff and jitter (0.5 s doubling to 30 s) and never gives up; with it,
 * a connection failure emits CORE_EV_DISCONNECTED with error set (code
 * CORE_ERR_UNREACHABLE etc.) and pending sends fail.  0, or -1 with err
 * (e.g. CORE_ERR_NO_PROFILE).
 */
int		 core_start(struct core *, int flags, core_event_cb *cb, void *arg,
		    struct core_error *err) __attribute__((warn_unused_result));

/*
 * After core_start (not one-shot), while waiting to reconnect: try now
 * instead of when the backoff ends.  0 if a connection is being made,
 * -1 if there is nothing to do (connected, never started, one-shot).
 */
int		 core_reconnect(struct core *);

/*
 * Send text to a user, or to a group as "#NAME" (a group this device
 * knows and is a member of, else CORE_ERR_UNKNOWN_GROUP; docs/groups.md:
 * one sender-key message, our key given first to member devices on
 * their verified signed lists; a member with an unaccepted key change
 * fails it with CORE_ERR_UNTRUSTED_IDENTITY naming the member).  The
 * message is written to the durable outbox before anything goes out;
 * sent is called once the server has stored it (or on failure).  Starts
 * the connection if core_start was not called (one-shot).  Messages are
 * sent in order.
 */
void		 core_send_text(struct core *, const char *to, const char *text,
		    core_sent_cb *sent, void *arg);

/*
 * Send the file at path to a user, with caption (NULL or "": none): the
 * file is read, compressed when that helps, encrypted into the profile
 * (CRYPTO.md "Media") a slice each loop turn; then its message joins the
 * durable outbox, which uploads the blob to the asset service (unless
 * the server has it already: the same file sent before, to anyone,
 * reuses its key and blob) before it sends the pointer, as it sends
 * core_send_text's messages.  progress gets CORE_EV_PROGRESS events
 * while uploading (may be NULL).  sent is called once, as for
 * core_send_text, with the attachment (NULL on failure).
 */
typedef void	core_file_sent_cb(struct core *, const struct core_error *,
		    const char *id, int64_t ts, const struct core_attachment *,
		    void *);
void		 core_send_file(struct core *, const char *to, const char *path,
		    const char *caption, core_event_cb *progress,
		    core_file_sent_cb *sent, void *arg);

/*
 * Write the file of message id (hex) decrypted to path: NULL means
 * ./NAME, a directory DIR/NAME (NAME made unique there: "name (1).ext");
 * an existing file is replaced.  A file not downloaded yet is fetched
 * first (connecting one-shot if needed; progress as for core_send_file).
 * The file is checked (every chunk, its size, its SHA-256) before it is renamed
 * into place; nothing is left behind on failure.
 */
typedef void	core_saved_cb(struct core *, const struct core_error *,
		    const char *path, uint64_t size, const char *sha256, void *);
void		 core_save(struct core *, const char *id, const char *path,
		    core_event_cb *progress, core_saved_cb *done, void *arg);

/*
 * Downloads start by themselves for files up to this many bytes (default
 * CORE_AUTO_DOWNLOAD, or $NATTER_AUTO_DOWNLOAD); larger ones wait for
 * core_save.
 */
#define CORE_AUTO_DOWNLOAD	(100 * 1024 * 1024)
void		 core_set_auto_download(struct core *, uint64_t bytes);

/*
 * Everywhere a peer names a conversation (history, mark_read, mark_seen,
 * queued, ...), "#NAME" names a group's: its rows keep the group's id,
 * so a rename keeps it.  core_mark_read on "#NAME" sends each sender in
 * the group a read receipt for its messages (pairwise, as in a 1:1
 * conversation); the sender counts each reader once (read_n).
 *
 * Mark the received messages with peer whose seq lies in [from, to] (to 0:
 * no bound) as read: in one commit their status becomes seen and encrypted
 * read receipts (CORE_READ_MAX ids each) join the outbox, for peer's
 * devices and our other ones.  Returns how many messages were marked, or
 * -1 with err.  If some were and sent is not NULL, sent is called once the
 * server has stored the last receipt (starting a one-shot connection if
 * core_start was not called, as core_send_text does).
 */
int		 core_mark_read(struct core *, const char *peer, int64_t from,
		    int64_t to, core_sent_cb *sent, void *arg,
		    struct core_error *err) __attribute__((warn_unused_result));

/*
 * Linked devices (natter(1) "devices"; CRYPTO.md "Linked devices").
 * core_devices_link runs on a new, unregistered profile: it offers this
 * device's keys, calls code_cb with the one-time code to type on the
 * primary, and done once the primary approved (or on failure, or after
 * timeout_s: 0 means 600).  core_devices_approve runs on the primary with
 * that code, sends the new device the recent history (progress gets a
 * CORE_EV_HISTORY event as it starts and as each part is on the server)
 * and calls done once all of it is.  core_devices_remove on the primary
 * takes device off the signed list (the server then refuses it); on a
 * linked device, with its own id, the device leaves: its primary is told
 * and takes it off the list, the server forgets it at once (a
 * CORE_EV_DEVICES event with from_device set tells the primary's user).
 * core_devices_list gives the
 * account's devices as its signed list has them (looked up first when the
 * server can be reached).
 */
void		 core_devices_link(struct core *, const char *label,
		    int timeout_s, core_link_code_cb *code_cb,
		    core_linked_cb *done, void *arg);
void		 core_devices_approve(struct core *, const char *code,
		    core_event_cb *progress, core_approved_cb *done, void *arg);
void		 core_devices_remove(struct core *, uint32_t device,
		    core_done_cb *done, void *arg);
void		 core_devices_list(struct core *, core_devices_cb *done,
		    void *arg);

/*
 * Groups (docs/groups.md).  name is the group's name without '#'.  Each
 * call connects one-shot if core_start was not called, asks the server,
 * updates this device's copy of the group, and calls done once with the
 * group as it now is.  create makes this account the first admin with
 * users (NULL-terminated) as the other members; add, remove and admin
 * take users; leave calls done with g NULL.  Errors: CORE_ERR_UNKNOWN_GROUP,
 * CORE_ERR_NOT_ADMIN, CORE_ERR_GROUP_FULL, CORE_ERR_NAME_TAKEN,
 * CORE_ERR_NAME_INVALID, CORE_ERR_UNKNOWN_USER (msg names the user).
 * Sending to a group: core_send_text / core_send_file with to "#NAME".
 */
enum core_group_op {
	CORE_GROUP_CREATE = 1,
	CORE_GROUP_ADD,
	CORE_GROUP_REMOVE,
	CORE_GROUP_LEAVE,
	CORE_GROUP_RENAME,		/* users[0] is the new name */
	CORE_GROUP_ADMIN,
};
void		 core_group_op(struct core *, enum core_group_op,
		    const char *name, const char * const *users,
		    core_group_cb *done, void *arg);
/* One group from the server (CORE_ERR_UNKNOWN_GROUP if not a member). */
void		 core_group_info(struct core *, const char *name,
		    core_group_cb *done, void *arg);
/* Every group this account is a member of, from the server, by name. */
void		 core_group_list(struct core *, core_groups_cb *done,
		    void *arg);
/*
 * This device's copy of the groups it knows (no network), for the TUI's
 * conversation list and Tab completion: each is called once per group.
 * 0 or -1.
 */
int		 core_groups_local(struct core *,
		    void (*each)(struct core *, const struct core_group *,
		    void *), void *arg);

/*
 * Rotate this device's signed prekey now (it also rotates weekly): a new
 * one becomes current at once, for new sessions; the old private key
 * stays for messages already on their way and is wiped 30 days later.
 * done is called once the server has it (connecting one-shot if not
 * started).  core_keys_spk_id is the current signed prekey's id.
 */
void		 core_keys_rotate(struct core *, core_done_cb *done, void *arg);
uint32_t	 core_keys_spk_id(struct core *);

/* Number of messages still in the outbox (not yet stored by the server). */
int		 core_outbox_count(struct core *);

/*
 * Call each for the last limit messages with peer, oldest first
 * (synchronously).  0, or -1 with err.
 */
int		 core_history(struct core *, const char *peer, int limit,
		    core_event_cb *each, void *arg, struct core_error *err)
		    __attribute__((warn_unused_result));

/*
 * Call each for every stored message and receipt not yet marked printed,
 * in arrival order (synchronously).  0, or -1 with err.
 */
int		 core_unprinted(struct core *, core_event_cb *each, void *arg,
		    struct core_error *err) __attribute__((warn_unused_result));

/* Record that the event with local sequence seq has been shown. */
int		 core_mark_printed(struct core *, int64_t seq)
		    __attribute__((warn_unused_result));

/*
 * The safety number between us and peer.  Uses the pinned identity key, or
 * fetches it from the server first (pinning it: trust on first use).
 */
void		 core_fingerprint(struct core *, const char *peer,
		    core_fingerprint_cb *cb, void *arg);

/*
 * Compare number (as typed: spaces ignored) with the safety number of peer;
 * on a match mark peer verified and accept its current identity key.
 * done gets CORE_ERR_MISMATCH if they differ.
 */
void		 core_verify(struct core *, const char *peer, const char *number,
		    core_done_cb *done, void *arg);

/*
 * Accept peer's current (changed) identity key without verifying it.
 * 0, or -1 with err (e.g. CORE_ERR_UNKNOWN_USER if never seen).
 */
int		 core_trust_accept(struct core *, const char *peer,
		    struct core_error *err) __attribute__((warn_unused_result));

/*
 * Ask the server whether the user name exists (its keys, without a
 * one-time prekey; a first sight pins its identity key as sending would).
 * done gets NULL, CORE_ERR_UNKNOWN_USER, or CORE_ERR_UNREACHABLE when not
 * connected (no connection is started for it).
 */
void		 core_user_check(struct core *, const char *name,
		    core_done_cb *done, void *arg);

/* "verified", "trusted" (TOFU), "changed" or "unknown". */
const char	*core_trust_state(struct core *, const char *peer);

/* A static name for code ("passphrase", "unreachable", ...). */
const char	*core_strerror(enum core_err);

/*
 * Read-side views of the history for a full-screen front end (history.c).
 * All are synchronous and read only the local database.
 */

/* One conversation: its peer, last message and count of unread ones. */
struct core_conv {
	const char	*peer;
	int64_t		 last_seq;
	int64_t		 ts;
	const char	*text;		/* the last message */
	int		 outgoing;	/* the last message is ours */
	int		 unread;	/* received and not yet marked seen */
};
typedef void	core_conv_cb(struct core *, const struct core_conv *, void *);

/* Call each for every conversation, most recent first.  0, or -1 with err. */
int		 core_conversations(struct core *, core_conv_cb *each, void *arg,
		    struct core_error *err) __attribute__((warn_unused_result));

/*
 * Like core_history, but only messages with seq below before (0: no
 * bound): a page further back.  0, or -1 with err.
 */
int		 core_history_before(struct core *, const char *peer,
		    int64_t before, int limit, core_event_cb *each, void *arg,
		    struct core_error *err) __attribute__((warn_unused_result));

/*
 * The seq of the n-th message (n >= 1) with peer after seq, or 0 if there
 * are fewer; -1 on error.
 */
int64_t		 core_history_after(struct core *, const char *peer,
		    int64_t seq, int n);

/*
 * Find the newest message (any conversation) with seq below before (0:
 * no bound) whose text contains text, both folded by Unicode's
 * NFKC_Casefold (shared/util/fold.h); call each for it.  1 if found, 0
 * if not, -1 with err.
 */
int		 core_search(struct core *, const char *text, int64_t before,
		    core_event_cb *each, void *arg, struct core_error *err)
		    __attribute__((warn_unused_result));

/*
 * Call each for at most limit messages (any conversation) with seq above
 * after, oldest first: for building a search index.  The count, or -1
 * with err.
 */
int		 core_messages_after(struct core *, int64_t after, int limit,
		    core_event_cb *each, void *arg, struct core_error *err);

/*
 * Call each for every message to peer (NULL: anyone) still in the outbox,
 * oldest first, with status "queued" (seq 0).
 */
void		 core_queued(struct core *, const char *peer, core_event_cb *each,
		    void *arg);

/* Mark every message with peer as seen (printed).  0 or -1. */
int		 core_mark_seen(struct core *, const char *peer);

#endif
