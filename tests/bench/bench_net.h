/* bench_net: many non-blocking natter protocol clients on one epoll loop. */
#ifndef NATTER_TESTS_BENCH_BENCH_NET_H
#define NATTER_TESTS_BENCH_BENCH_NET_H

#include <stddef.h>
#include <stdint.h>

#include "shared/proto/natter.pb-c.h"

struct bench_net;
struct bench_conn;

/*
 * A connection upgrades to WebSocket, reads the Challenge and then logs in
 * by itself: it registers NAME (a fresh Ed25519 key, a random signed
 * prekey, no one-time prekeys) the first time and authenticates as
 * NAME/1 with that key after bench_conn_reopen(). Once the login Response
 * arrives, on_ready runs; every later frame goes to on_frame (decoded
 * into an arena valid for that call only). A failure (refused login,
 * closed socket) runs on_error with a sentence and closes the socket.
 */
struct bench_handlers {
	void	(*on_ready)(struct bench_conn *, void *arg);
	void	(*on_frame)(struct bench_conn *, const Natter__Frame *,
		    void *arg);
	void	(*on_error)(struct bench_conn *, const char *why, void *arg);
};

/* The server at URL (ws://HOST:PORT), with the open file limit raised to
 * room for maxconns; NULL with a message on stderr for a bad URL or when
 * the limit cannot be raised that far. */
struct bench_net	*bench_net_create(const char *url, size_t maxconns);
void			 bench_net_free(struct bench_net *);
/* One loop turn: wait at most timeout_ms for the sockets, handle what
 * is ready, write what was queued. */
void			 bench_net_poll(struct bench_net *, int timeout_ms);
/* Connections that are neither logged in nor failed yet. */
size_t			 bench_net_pending(const struct bench_net *);

/* A connection for account name; connects as soon as fewer than a
 * bounded number of handshakes are under way. */
struct bench_conn	*bench_conn_open(struct bench_net *, const char *name,
			    const struct bench_handlers *, void *arg);
/* Close the socket, keep the key; bench_conn_reopen logs in again. */
void			 bench_conn_close(struct bench_conn *);
void			 bench_conn_reopen(struct bench_conn *);
/* Queue one frame; written when the loop turn ends. */
void			 bench_conn_send(struct bench_conn *,
			    const Natter__Frame *);
/* Queue one Ack (frame id) for every item of d, however many. */
void			 bench_conn_ack(struct bench_conn *,
			    const Natter__Deliver *d, uint64_t id);
int			 bench_conn_ready(const struct bench_conn *);
const char		*bench_conn_name(const struct bench_conn *);

/* One GET of natterd's /metrics: the value of metric, or -1. */
double			 bench_net_metric(struct bench_net *,
			    const char *metric);
/* Monotonic clock in nanoseconds. */
int64_t			 bench_now_ns(void);

#endif
