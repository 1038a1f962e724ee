/* xfer: HTTP transfers to the asset service, on libcurl's multi-socket API driven by the caller's libuv loop. */
#ifndef NATTER_CLIENT_NET_XFER_H
#define NATTER_CLIENT_NET_XFER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct xfer;
struct xfer_req;
struct uv_loop_s;

#define XFER_BODYMAX	512	/* bytes of an error answer's body kept */

/*
 * How a request ended.  status is the HTTP status (0: no answer, error
 * says why: "connection refused", ...).  offset is the answer's
 * Upload-Offset header (has_offset 1 if it had one).  body holds the start
 * of the answer's body unless a sink took it.
 */
struct xfer_result {
	long		 status;
	const char	*error;
	uint64_t	 offset;
	int		 has_offset;
	uint64_t	 length;	/* Content-Length, if any (HEAD) */
	const char	*body;
};

typedef void	xfer_done_cb(void *arg, const struct xfer_result *);
/* Upload body: up to max bytes into buf; 0 at the end, -1 to abort. */
typedef ssize_t	xfer_source_cb(void *arg, uint8_t *buf, size_t max);
/*
 * Download body of a 200 or 206 answer (status): 0, -1 to abort, or
 * XFER_PAUSE to take none of these bytes now: they come again after
 * xfer_resume.
 */
#define XFER_PAUSE	1
typedef int	xfer_sink_cb(void *arg, long status, const uint8_t *, size_t);
/* Bytes so far of total (0 if unknown), up or down. */
typedef void	xfer_progress_cb(void *arg, uint64_t now, uint64_t total);

/*
 * One request.  method is "GET", "HEAD" or "POST".  token, if not NULL,
 * goes as "Authorization: Bearer TOKEN".  headers: more "Name: value"
 * lines, NULL-terminated, or NULL.  POST sends body_len bytes from
 * source.  done is called once, from the loop, never from xfer_start.
 */
struct xfer_spec {
	const char		*method;
	const char		*url;
	const char		*token;
	const char *const	*headers;
	uint64_t		 body_len;
	int			 expect;	/* POST: wait for 100 Continue */
	xfer_source_cb		*source;
	xfer_sink_cb		*sink;
	xfer_progress_cb	*progress;
	xfer_done_cb		*done;
	void			*arg;
};

/* A multi handle on loop (borrowed; it must outlive the xfer). */
struct xfer	*xfer_create(struct uv_loop_s *);
/*
 * Cancel every request (no callbacks) and free; libuv handles close on
 * later loop turns.  NULL is a no-op.  Not from inside an xfer callback.
 */
void		 xfer_free(struct xfer *);

/* Start a request; the returned handle is valid until done is called. */
struct xfer_req	*xfer_start(struct xfer *, const struct xfer_spec *);
/* A request whose sink said XFER_PAUSE goes on (not from its sink). */
void		 xfer_resume(struct xfer_req *);
/* Stop a request before it ended: done is not called. */
void		 xfer_cancel(struct xfer_req *);
/* Requests running. */
int		 xfer_active(struct xfer *);

#endif
