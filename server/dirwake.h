/* dirwake: a commit's wake-ups for other nodes, one message per node. */
#ifndef NATTER_SERVER_DIRWAKE_H
#define NATTER_SERVER_DIRWAKE_H

#include <stddef.h>
#include <stdint.h>

/*
 * The Redis directory (directory_redis.c) wakes a node for every device
 * of its that a commit queued rows for. One PUBLISH per device would
 * cost a Redis command, and natterd two epoll_ctl calls (hiredis' libuv
 * adapter asks to write, then stops asking), per message; so the
 * devices of a commit are gathered here by node and go as one message
 * each, "wake A D A D ..." (dirmsg.h), of at most DIRWAKE_MSGMAX bytes:
 * a node with more to wake gets more messages.
 */

#define DIRWAKE_MSGMAX	8192	/* bytes of one message */

struct dirwake;

/* Called by dirwake_drain with each message (not NUL-terminated). */
typedef void	 dirwake_send_fn(const char *node, const char *msg,
		     size_t len, void *arg);

struct dirwake	*dirwake_create(void);
/* NULL is a no-op. */
void		 dirwake_free(struct dirwake *);
/* Wake (account, device) at node (a valid node name) with the next
 * drain. */
void		 dirwake_add(struct dirwake *, const char *node,
		     int64_t account, uint32_t device);
/* Hand every message gathered to fn, oldest first, and forget them. */
void		 dirwake_drain(struct dirwake *, dirwake_send_fn *fn,
		     void *arg);
/* Devices gathered and not drained. */
size_t		 dirwake_pending(const struct dirwake *);

#endif
