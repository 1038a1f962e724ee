/* directory: which node serves each online device, behind an ops table. */
#ifndef NATTER_SERVER_DIRECTORY_H
#define NATTER_SERVER_DIRECTORY_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

/*
 * When a row is queued for a device, natterd asks two questions:
 *
 * 1. Is the device connected to this node? online.h answers from memory
 *    with the session, and the row goes to it (session_offer): the local
 *    path, every delivery's first step, the only one with one natterd.
 * 2. If not, which node serves it? The directory answers, and wakes that
 *    node (directory_wake), which reads the row from the shared queue:
 *    the cross-node path.
 *
 * So the directory maps device -> node, never device -> session: a
 * session pointer means nothing outside the process that holds it. Each
 * node tells the directory which devices it serves (announce, forget);
 * events from the other nodes come back through struct directory_hooks,
 * on the loop thread.
 *
 * struct directory_ops is the seam, like SQLite's VFS: an implementation
 * is one const table. The one built in, directory_local_ops, is a single
 * natterd: every device it serves is in online.h, so no device is served
 * elsewhere; it keeps nothing and wake answers DIRECTORY_OFFLINE.
 *
 * The Redis directory (DESIGN.md section 11, --directory redis://HOST:PORT)
 * is directory_redis_ops, in directory_redis.c:
 *   open      connect on the loop; SUBSCRIBE to this node's channel
 *   announce  SET dev:ACCOUNT:DEVICE NODE; PUBLISH "moved" to the node
 *             it named before, if another
 *   forget    delete the key only while it still names this node
 *   wake      where the device is, from a per-node cache filled by GET
 *             (entries dropped when pub/sub says they changed, no TTL
 *             polling); then PUBLISH "wake A D [A D]..." to that node,
 *             a commit's devices there together (wake_flush, dirwake.h)
 * and a message on this node's channel calls hooks.wake or hooks.moved.
 * A lost wake-up only delays delivery: the device's session reads the
 * queue again when it reconnects.
 *
 * Linking a device across nodes (linkdir.c) uses the same connections:
 * eval runs one of its scripts and hands back the answer, and a message
 * on this node's channel that starts with "link" goes to hooks.link. The
 * local directory has no eval: linking stays on the node.
 *
 * Finding the node is one operation with the wake-up because a shared
 * directory cannot always answer at once: on a cache miss it asks, and
 * the wake-up leaves when the answer arrives (DIRECTORY_PENDING). Callers
 * need not wait for it: nothing they do depends on where the device is.
 */

#define DIRECTORY_NODEMAX	256	/* a node's name, with its NUL */

/* What directory_wake knew about a device not connected to this node. */
enum directory_where {
	DIRECTORY_OFFLINE,	/* no node serves it: nobody to wake */
	DIRECTORY_ELSEWHERE,	/* another node does: it was woken */
	DIRECTORY_PENDING,	/* asked; the node, if any, is woken on the
				   answer */
	DIRECTORY_UNREACHABLE	/* the directory is down: the wake-up was
				   dropped (the device reads its queue when
				   it next connects) */
};

/* What the directory tells this node; called on the loop thread. */
struct directory_hooks {
	/* Another node queued rows for (account, device): read them. */
	void	(*wake)(int64_t account, uint32_t device);
	/* (account, device) connected to another node: close it here. */
	void	(*moved)(int64_t account, uint32_t device);
	/* A node changed account's device list (a node's copy must go);
	 * account -1: any list may have changed. May be NULL. */
	void	(*devices_changed)(int64_t account);
	/* Changes to device lists reach this node from now on (1), or may
	 * not (0). May be NULL. */
	void	(*live)(int up);
	/* A link message (dirmsg.h) s[0..len), undecoded. May be NULL. */
	void	(*link)(const char *s, size_t len);
	/* A node handed out a one-time prekey of (account, device), which
	 * has count left: warn it if it is connected here. May be NULL. */
	void	(*prekeys_low)(int64_t account, uint32_t device,
		    uint32_t count);
};

/* What a script run by directory_eval answered. */
enum directory_reply_type {
	DIRECTORY_REPLY_LOST,	/* no answer: the directory went down */
	DIRECTORY_REPLY_ERROR,	/* the script failed (str says why) */
	DIRECTORY_REPLY_NIL,
	DIRECTORY_REPLY_INTEGER,
	DIRECTORY_REPLY_STRING,
	DIRECTORY_REPLY_OTHER	/* anything else */
};

struct directory_reply {
	enum directory_reply_type	 type;
	long long			 integer;
	const char			*str;	/* valid during the callback */
	size_t				 len;
};

/* Called once with a script's answer, on the loop thread. */
typedef void directory_eval_cb(const struct directory_reply *, void *arg);

struct directory_config {
	uv_loop_t		*loop;	/* where events are delivered */
	const char		*where;	/* redis://HOST:PORT, or NULL */
	const char		*node;	/* this node's name (--node) */
	struct directory_hooks	 hooks;
};

/* One implementation. Members other than name and wake may be NULL
 * (nothing to do). state is what open set. */
struct directory_ops {
	const char	*name;
	/* Start: 0 and *state set, or -1 with *err set (caller frees). */
	int		(*open)(const struct directory_config *, void **state,
			    char **err);
	/* Stop. Handles on the loop may close after it returns (a loop
	 * run finishes them); hooks are not called any more. */
	void		(*close)(void *state);
	/* This node serves (account, device) now. */
	void		(*announce)(void *state, int64_t account,
			    uint32_t device);
	/* It no longer does (unless another node took it over since). */
	void		(*forget)(void *state, int64_t account,
			    uint32_t device);
	/* Rows were queued for (account, device), which is not connected
	 * to this node: have the node that serves it read them. */
	enum directory_where
			(*wake)(void *state, int64_t account, uint32_t device);
	/* This node changed account's device list (committed): tell every
	 * node, this one too, through hooks.devices_changed. */
	void		(*devices_changed)(void *state, int64_t account);
	/* Run a Lua script with KEYS[1] key and ARGV this node's name,
	 * then argv[0..argc) (binary, argvlen long); cb(reply, arg) once
	 * with its answer. 0, or -1 at once if the directory is down (cb
	 * is not called). */
	int		(*eval)(void *state, const char *script,
			    const char *key, int argc, const char **argv,
			    const size_t *argvlen, directory_eval_cb *cb,
			    void *arg);
	/* (account, device), wherever it is connected, has count one-time
	 * prekeys left: tell every node, through hooks.prekeys_low. */
	void		(*prekeys_low)(void *state, int64_t account,
			    uint32_t device, uint32_t count);
	/* Send what wake gathered since the last call (one message per
	 * node). NULL: wake sends at once. */
	void		(*wake_flush)(void *state);
};

struct directory;

/* A single natterd: nothing is served elsewhere. */
extern const struct directory_ops directory_local_ops;
/* N natterd nodes sharing a Redis (directory_redis.c): config->where is
 * redis://HOST:PORT, config->node this node's name. */
extern const struct directory_ops directory_redis_ops;

/* 0 if where is an address directory_redis_ops accepts (redis://HOST:PORT,
 * HOST a name, an IPv4 address or an IPv6 one in brackets), else -1. */
int			 directory_redis_check(const char *where);
/* 0 if name can name a node: 1 to DIRECTORY_NODEMAX - 1 printable ASCII
 * characters, no space. Else -1. */
int			 directory_node_check(const char *name);

/* Open a directory with ops; ops->open reads config and keeps what it
 * needs. NULL with *err set (caller frees) when it cannot start. */
struct directory	*directory_create(const struct directory_ops *,
			     const struct directory_config *, char **err);
/* Close it, once no session is left to call it. NULL is a no-op. */
void			 directory_free(struct directory *);
/* This node serves (account, device) now / no longer. */
void			 directory_announce(struct directory *,
			     int64_t account, uint32_t device);
void			 directory_forget(struct directory *,
			     int64_t account, uint32_t device);
/* Rows were queued for (account, device), which is not connected to this
 * node: wake the node that serves it. Returns what was known at once
 * (enum directory_where); callers may ignore it. */
enum directory_where	 directory_wake(struct directory *,
			     int64_t account, uint32_t device);
/* The same for rows the open transaction queued: the wake-up waits until
 * they are durable (directory_release), so that the node it reaches
 * finds them, and leaves with the others of its commit, one message per
 * node. */
void			 directory_wake_stored(struct directory *,
			     int64_t account, uint32_t device);
/* What is durable up to generation synced (durable.h): its wake-ups
 * leave. */
void			 directory_release(struct directory *,
			     uint64_t synced);
/* This node changed account's device list: tell every node. */
void			 directory_devices_changed(struct directory *,
			     int64_t account);
/* 1 if d tells other nodes of low prekeys (directory_prekeys_low). */
int			 directory_tells_low(const struct directory *);
/* (account, device), not connected here, has count one-time prekeys
 * left: the node it is connected to, if any, warns it. */
void			 directory_prekeys_low(struct directory *,
			     int64_t account, uint32_t device, uint32_t count);
/* 1 if d can run scripts (directory_eval), else 0. */
int			 directory_can_eval(const struct directory *);
/* ops->eval, or -1 when there is none. */
int			 directory_eval(struct directory *, const char *script,
			     const char *key, int argc, const char **argv,
			     const size_t *argvlen, directory_eval_cb *cb,
			     void *arg);

#endif
