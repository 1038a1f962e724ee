/* net: the client's WebSocket connection to natterd (lws on the caller's libuv loop). */
#ifndef NATTER_CLIENT_NET_WS_H
#define NATTER_CLIENT_NET_WS_H

#include <stddef.h>

#include "shared/proto/natter.pb-c.h"

struct net;
struct uv_loop_s;

#define NET_MAX_FRAME	(1024 * 1024)	/* largest frame accepted */

/*
 * Callbacks, all called from the loop.  frame gets a decoded frame that it
 * must free with wire_free.  closed is called once per net_connect that
 * did not end in net_disconnect; why says what failed ("connection
 * refused", ...).  established says whether the connection had come up.
 */
struct net_cb {
	void	(*up)(void *arg);
	void	(*frame)(void *arg, Natter__Frame *);
	void	(*closed)(void *arg, int established, const char *why);
};

/*
 * Create the lws context (no listener) on loop; tls sets up TLS for wss://
 * (which loads the system CA bundle).  NULL on failure.
 */
struct net	*net_create(struct uv_loop_s *, const struct net_cb *, void *arg,
		    int tls);

/*
 * Free: close the connection without calling back, destroy the context.
 * The loop must run afterwards for libuv handles to close.  NULL is a no-op.
 */
void		 net_free(struct net *);

/*
 * Start connecting to url (ws://HOST[:PORT][/PATH] or wss://, an IPv6
 * HOST in brackets; the port defaults to 80 or 443, the path to /v1/ws:
 * see url.h).  0, or -1 with a sentence in err for a bad URL.
 */
int		 net_connect(struct net *, const char *url, char *err,
		    size_t errlen) __attribute__((warn_unused_result));

/* Queue one frame for sending.  -1 if not connected or too large. */
int		 net_send(struct net *, const Natter__Frame *);

/* Close the connection now; no closed callback follows. */
void		 net_disconnect(struct net *);

/* 1 while a connection is open (after up, before closed). */
int		 net_is_up(struct net *);

#endif
