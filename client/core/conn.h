/* conn: the core's connection to natterd: connect, challenge, sign-in handshake, requests with deadlines, reconnect. */
#ifndef NATTER_CLIENT_CORE_CONN_H
#define NATTER_CLIENT_CORE_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "client/net/ws.h"
#include "shared/proto/natter.pb-c.h"

struct conn;
struct core_error;
struct uv_loop_s;

#define CONN_BACKOFF_MIN_MS	500
#define CONN_BACKOFF_MAX_MS	30000
#define CONN_REQ_TIMEOUT_MS	15000

/*
 * The answer to a request: resp is NULL when there will be none (the
 * connection went away, or the request passed its deadline).
 */
typedef void	conn_req_cb(void *arg, const Natter__Response *resp);

/*
 * How conn reaches the layer above it (registered at conn_create; conn
 * never calls the core otherwise).  All are called from the loop.
 * - challenge: the server's nonce arrived; answer with conn_login.
 * - ready: signed in (after conn_authed).
 * - deliver, event: server pushes, only while ready; conn frees them
 *   after the call.
 * - down: the connection is gone; retry_ms > 0 says when conn tries
 *   again, 0 that it gave up (one-shot, stopped, or conn_give_up).  Every
 *   request had its callback (with NULL) before.
 */
struct conn_ops {
	void	(*challenge)(void *arg, const uint8_t *nonce, size_t len);
	void	(*ready)(void *arg);
	void	(*deliver)(void *arg, const Natter__Deliver *);
	void	(*event)(void *arg, const Natter__Event *);
	void	(*down)(void *arg, const struct core_error *, int64_t retry_ms);
};

/*
 * The transport under conn: net/ws.c's functions (conn_net_ws), or a fake
 * one in tests that plays the server without a socket.
 */
struct conn_net {
	struct net	*(*create)(struct uv_loop_s *, const struct net_cb *,
			    void *, int tls);
	void		 (*free)(struct net *);
	int		 (*connect)(struct net *, const char *url, char *err,
			    size_t errlen);
	int		 (*send)(struct net *, const Natter__Frame *);
	void		 (*disconnect)(struct net *);
};
extern const struct conn_net conn_net_ws;

/* Nothing connects until conn_start (or conn_need). */
struct conn	*conn_create(struct uv_loop_s *, const char *server,
		    const struct conn_net *, const struct conn_ops *, void *arg);
/*
 * Stop and free: no callback follows.  Handles close on later loop
 * turns; the loop must run.  NULL is a no-op.
 */
void		 conn_free(struct conn *);

const char	*conn_server(struct conn *);
/* A request unanswered after ms fails and the connection is recycled. */
void		 conn_set_timeout(struct conn *, int ms);
/* One-shot: the first failure is final (no reconnect). */
void		 conn_set_oneshot(struct conn *, int);

/* Connect if down, staying connected (reconnecting) until stopped. */
void		 conn_start(struct conn *);
/*
 * Something needs the server: connect if down; if nothing started the
 * connection before, as one-shot.
 */
void		 conn_need(struct conn *);
/* Disconnect for good; waiting requests get NULL; no down callback. */
void		 conn_stop(struct conn *);

int		 conn_ready(struct conn *);
/* 1 once conn_start or conn_need ran (and until conn_stop). */
int		 conn_started(struct conn *);

/*
 * Send a request frame (its id is set here); cb gets the Response, or
 * NULL.  -1 if not ready (nothing sent, cb never called).
 */
int		 conn_request(struct conn *, Natter__Frame *, conn_req_cb *,
		    void *) __attribute__((warn_unused_result));
/* Send a frame that has no answer.  -1 if not connected. */
int		 conn_send(struct conn *, Natter__Frame *);

/*
 * The sign-in request (Register or Auth), sent in answer to challenge.
 * -1 if it could not go out: the challenge's deadline then recycles the
 * connection, so callers may ignore it.
 */
int		 conn_login(struct conn *, Natter__Frame *, conn_req_cb *,
		    void *);
/* The sign-in was accepted: ready. */
void		 conn_authed(struct conn *);
/* The sign-in was refused: disconnect, down with err, no retry. */
void		 conn_give_up(struct conn *, const struct core_error *);
/* The sign-in was refused for now (the server said retry later):
 * disconnect and sign in again after the backoff, as after a lost
 * connection; a one-shot connection is down with err for good. */
void		 conn_retry_later(struct conn *, const struct core_error *);

#endif
