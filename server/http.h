/* http: natterd's HTTP requests: the route table and the answers. */
#ifndef NATTER_SERVER_HTTP_H
#define NATTER_SERVER_HTTP_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct http_txn;	/* one request on a connection, until it is answered */
struct lws;

enum http_method {
	HTTP_GET = 1,
	HTTP_HEAD = 2,
	HTTP_POST = 4,
	HTTP_OTHER = 8
};

/*
 * What a route does with a request. start sees the headers (path is the
 * request's decoded path) and either answers at once (http_reply) or
 * keeps state (http_set_state) for what follows: body gets the request
 * body as it arrives, body_done runs when it is all in (also for an
 * empty body of a POST); more is called whenever the connection can
 * take output after http_stream, and returns 1 once it wrote the last
 * bytes, 0 for more, -1 to drop the connection. end runs once, when the
 * transaction is over (answered, or the connection gone): the route
 * frees its state there and must not use the txn afterwards. Any hook
 * but start may be NULL. -1 from any drops the connection.
 */
struct http_route_ops {
	int	(*start)(struct http_txn *, const char *path);
	int	(*body)(struct http_txn *, const uint8_t *, size_t);
	int	(*body_done)(struct http_txn *);
	int	(*more)(struct http_txn *);
	void	(*end)(struct http_txn *);
};

/* Hooks for ws.c's "http" protocol: db is /metrics's. */
void		 http_init(struct db *);
int		 http_callback(struct lws *, int reason, void *user, void *in,
		     size_t len);
/* The size of the per-connection data http_callback wants. */
#define HTTP_PSS_SIZE	sizeof(void *)

/* The request. */
enum http_method http_method(const struct http_txn *);
/*
 * Copy the value of header name (lowercase, with its colon: "range:")
 * into out (NUL-terminated): its length, -1 when the request has none,
 * -2 when it does not fit.
 */
int		 http_header(struct http_txn *, const char *name, char *out,
		     size_t outlen);
/* The route's state (NULL until set). */
void		*http_state(const struct http_txn *);
void		 http_set_state(struct http_txn *, void *);

/* 1 if the request says "Expect: 100-continue" (HTTP/1.1). */
int		 http_expects_continue(struct http_txn *);
/* A route that will read the body: tell a client that waits for it to
 * send it ("100 Continue"); nothing if it does not wait. */
void		 http_continue(struct http_txn *);

/* on: read no more of the body for now (what lws already read still
 * comes); off: read again. */
void		 http_hold_input(struct http_txn *, int on);

/* Answers. Headers go before the answer: name lowercase with colon. */
void		 http_add_header(struct http_txn *, const char *name,
		     const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * Answer status with body (copied; a one-line text unless ctype says
 * otherwise); from a callback or later (after work on a thread). An answer given before the request body was read closes
 * the connection after it (the body is not read); else the connection
 * is kept for the next request. Without a body for HEAD and 304.
 */
void		 http_reply(struct http_txn *, unsigned status,
		     const char *ctype, const char *body);
/* Answer status with length bytes the route's more hook writes (none
 * for HEAD: only the headers go). */
void		 http_stream(struct http_txn *, unsigned status,
		     const char *ctype, uint64_t length);
/* From more: write len bytes at buf, which has HTTP_PRE bytes free before
 * it; last is 1 for the final piece. 0 or -1. */
#define HTTP_PRE	16	/* >= LWS_PRE, checked in http.c */
int		 http_write(struct http_txn *, uint8_t *buf, size_t len,
		     int last);
#endif
