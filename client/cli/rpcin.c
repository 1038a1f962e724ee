/* rpcin: stdin as a stream of lines on the libuv loop, whether it is a pipe, a terminal or a file. */
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "client/cli/rpc.h"
#include "client/cli/rpcin.h"
#include "shared/util/xmalloc.h"

#define RPCIN_CHUNK	(64 * 1024)

struct rpcin {
	union {
		uv_handle_t	h;
		uv_stream_t	s;
		uv_pipe_t	pipe;
		uv_tty_t	tty;
		uv_idle_t	idle;	/* files: a handle to close */
	} u;
	int		 stream;	/* 0: read with uv_fs_read */
	uv_fs_t		 fsreq;
	int		 fsbusy;
	int		 hclosed;
	int		 closed;
	int		 paused;
	int		 eof;		/* input ended */
	int		 eofsent;
	char		*line;		/* the line being assembled */
	size_t		 linelen;
	int		 discarding;	/* skipping an overlong line */
	char		*raw;		/* read but not yet split */
	size_t		 rawoff, rawlen;
	char		 chunk[RPCIN_CHUNK];
	rpcin_line_cb	*linecb;
	rpcin_note_cb	*overlongcb, *eofcb;
	void		*arg;
};

static void	rpcin_read(struct rpcin *);

static void
rpcin_maybe_free(struct rpcin *in)
{
	if (in->closed && in->hclosed && !in->fsbusy) {
		free(in->line);
		free(in->raw);
		free(in);
	}
}

/* Add bytes to the current line; one whole line goes to linecb. */
static void
rpcin_add(struct rpcin *in, const char *p, size_t n, int end)
{
	if (!in->discarding && in->linelen + n > RPC_LINE_MAX) {
		in->discarding = 1;
		in->overlongcb(in->arg);
	}
	if (!in->discarding) {
		memcpy(in->line + in->linelen, p, n);
		in->linelen += n;
	}
	if (end) {
		if (!in->discarding)
			in->linecb(in->line, in->linelen, in->arg);
		in->linelen = 0;
		in->discarding = 0;
	}
}

/* Split buffered input into lines until paused or out of input. */
static void
rpcin_split(struct rpcin *in)
{
	char	*p, *nl;
	size_t	 n;

	while (!in->paused && !in->closed && in->rawoff < in->rawlen) {
		p = in->raw + in->rawoff;
		n = in->rawlen - in->rawoff;
		nl = memchr(p, '\n', n);
		if (nl != NULL)
			n = (size_t)(nl - p);
		in->rawoff += n + (nl != NULL);
		rpcin_add(in, p, n, nl != NULL);
	}
	if (in->closed || in->paused || in->rawoff < in->rawlen)
		return;
	in->rawoff = in->rawlen = 0;
	if (in->eof && !in->eofsent) {
		if (in->linelen > 0 || in->discarding)
			rpcin_add(in, "", 0, 1);
		in->eofsent = 1;
		if (!in->closed)
			in->eofcb(in->arg);
		return;
	}
	if (!in->closed && !in->eof)
		rpcin_read(in);
}

static void
rpcin_feed(struct rpcin *in, const char *p, size_t n)
{
	in->raw = xrealloc(in->raw, in->rawlen + n);
	memcpy(in->raw + in->rawlen, p, n);
	in->rawlen += n;
}

static void
rpcin_alloc_cb(uv_handle_t *h, size_t want, uv_buf_t *buf)
{
	struct rpcin	*in = h->data;

	*buf = uv_buf_init(in->chunk, sizeof in->chunk);
}

static void
rpcin_stream_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct rpcin	*in = s->data;

	if (n == 0)
		return;
	uv_read_stop(s);
	if (n < 0)
		in->eof = 1;
	else
		rpcin_feed(in, buf->base, (size_t)n);
	rpcin_split(in);
}

static void
rpcin_fs_cb(uv_fs_t *req)
{
	struct rpcin	*in = req->data;
	ssize_t		 n = req->result;

	uv_fs_req_cleanup(req);
	in->fsbusy = 0;
	if (in->closed) {
		rpcin_maybe_free(in);
		return;
	}
	if (n <= 0)
		in->eof = 1;
	else
		rpcin_feed(in, in->chunk, (size_t)n);
	rpcin_split(in);
}

static void
rpcin_read(struct rpcin *in)
{
	uv_buf_t	buf;

	if (in->stream) {
		if (uv_read_start(&in->u.s, rpcin_alloc_cb,
		    rpcin_stream_cb) != 0) {
			in->eof = 1;
			rpcin_split(in);
		}
		return;
	}
	if (in->fsbusy)
		return;
	buf = uv_buf_init(in->chunk, sizeof in->chunk);
	in->fsreq.data = in;
	in->fsbusy = 1;
	if (uv_fs_read(in->u.h.loop, &in->fsreq, 0, &buf, 1, -1,
	    rpcin_fs_cb) != 0) {
		in->fsbusy = 0;
		in->eof = 1;
		rpcin_split(in);
	}
}

struct rpcin *
rpcin_open(uv_loop_t *loop, rpcin_line_cb *line, rpcin_note_cb *overlong,
    rpcin_note_cb *eof, void *arg)
{
	struct rpcin	*in = xcalloc(1, sizeof *in);

	in->line = xmalloc(RPC_LINE_MAX);
	in->linecb = line;
	in->overlongcb = overlong;
	in->eofcb = eof;
	in->arg = arg;
	switch (uv_guess_handle(0)) {
	case UV_TTY:
		in->stream = uv_tty_init(loop, &in->u.tty, 0, 1) == 0;
		break;
	case UV_NAMED_PIPE:
		in->stream = uv_pipe_init(loop, &in->u.pipe, 0) == 0 &&
		    uv_pipe_open(&in->u.pipe, 0) == 0;
		break;
	default:
		break;
	}
	if (!in->stream)
		uv_idle_init(loop, &in->u.idle);
	in->u.h.data = in;
	rpcin_read(in);
	return (in);
}

void
rpcin_pause(struct rpcin *in)
{
	if (in == NULL || in->paused)
		return;
	in->paused = 1;
	if (in->stream)
		uv_read_stop(&in->u.s);
}

void
rpcin_resume(struct rpcin *in)
{
	if (in == NULL || !in->paused || in->closed)
		return;
	in->paused = 0;
	rpcin_split(in);
}

static void
rpcin_closed_cb(uv_handle_t *h)
{
	struct rpcin	*in = h->data;

	in->hclosed = 1;
	rpcin_maybe_free(in);
}

void
rpcin_close(struct rpcin *in)
{
	if (in == NULL || in->closed)
		return;
	in->closed = 1;
	if (in->fsbusy)
		uv_cancel((uv_req_t *)&in->fsreq);
	uv_close(&in->u.h, rpcin_closed_cb);
}
