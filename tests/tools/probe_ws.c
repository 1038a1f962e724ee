/* probe_ws: a minimal blocking WebSocket client for natter-probe. */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"
#include "tests/tools/probe_ws.h"
#include "tests/tools/wsframe.h"

struct probe_ws {
	int		 fd;
	int		 timeout_ms;
	uint8_t		*buf;		/* received, not yet parsed */
	size_t		 len, cap;
	uint8_t		*msg;
	size_t		 msglen;
};

static int
probe_ws_fill(struct probe_ws *ws, size_t want)
{
	int64_t		deadline = time_now_ms() + ws->timeout_ms;
	struct pollfd	pfd;
	ssize_t		n;

	while (ws->len < want) {
		if (ws->cap - ws->len < 65536) {
			ws->cap = ws->cap * 2 + 65536;
			ws->buf = xrealloc(ws->buf, ws->cap);
		}
		pfd.fd = ws->fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)(deadline - time_now_ms())) <= 0)
			return (-1);
		n = read(ws->fd, ws->buf + ws->len, ws->cap - ws->len);
		if (n <= 0)
			return (-1);
		ws->len += (size_t)n;
	}
	return (0);
}

static void
probe_ws_consume(struct probe_ws *ws, size_t n)
{
	memmove(ws->buf, ws->buf + n, ws->len - n);
	ws->len -= n;
}

static int
probe_ws_handshake(struct probe_ws *ws, const char *host, int port,
    const char *path, const char *proto)
{
	char	*req;
	size_t	 reqlen, hlen;
	int	 ok;

	req = wsframe_request(host, port, path, proto);
	reqlen = strlen(req);
	if (write(ws->fd, req, reqlen) != (ssize_t)reqlen) {
		free(req);
		return (-1);
	}
	free(req);
	while ((hlen = wsframe_response(ws->buf, ws->len, &ok)) == 0) {
		if (probe_ws_fill(ws, ws->len + 1) != 0)
			return (-1);
	}
	if (!ok) {
		fprintf(stderr, "probe: upgrade refused: %.40s\n", ws->buf);
		return (-1);
	}
	probe_ws_consume(ws, hlen);
	return (0);
}

struct probe_ws *
probe_ws_connect(const char *host, int port, const char *path,
    const char *proto, int timeout_ms)
{
	struct probe_ws		*ws = xcalloc(1, sizeof *ws);
	struct sockaddr_in	 sin;
	int			 on = 1;

	ws->timeout_ms = timeout_ms;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1 ||
	    (ws->fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(ws->fd, (struct sockaddr *)&sin, sizeof sin) != 0) {
		fprintf(stderr, "probe: cannot connect to %s:%d: %s\n", host,
		    port, strerror(errno));
		free(ws);
		return (NULL);
	}
	setsockopt(ws->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	if (probe_ws_handshake(ws, host, port, path, proto) != 0) {
		fprintf(stderr, "probe: WebSocket handshake failed\n");
		probe_ws_free(ws);
		return (NULL);
	}
	return (ws);
}

void
probe_ws_free(struct probe_ws *ws)
{
	if (ws == NULL)
		return;
	close(ws->fd);
	free(ws->buf);
	free(ws->msg);
	free(ws);
}

/* Write all of p unless the peer has sent something: 0, 1 stopped, -1. */
static int
probe_ws_write(struct probe_ws *ws, const uint8_t *p, size_t len, int stop)
{
	struct pollfd	pfd;
	ssize_t		n;

	while (len > 0) {
		pfd.fd = ws->fd;
		pfd.events = POLLIN | POLLOUT;
		if (poll(&pfd, 1, ws->timeout_ms) <= 0)
			return (-1);
		if (stop && (pfd.revents & POLLIN))
			return (1);
		n = send(ws->fd, p, len > 65536 ? 65536 : len, MSG_NOSIGNAL);
		if (n <= 0)
			return (-1);
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

static int
probe_ws_frame(struct probe_ws *ws, int opcode, const uint8_t *data,
    size_t len, int stop)
{
	uint8_t	*f = xmalloc(len + WSFRAME_MAXHDR), mask[4];
	size_t	 off;
	int	 rc;

	off = wsframe_header(f, opcode, len, mask);
	memcpy(f + off, data, len);
	wsframe_mask(f + off, len, mask);
	rc = probe_ws_write(ws, f, off + len, stop);
	free(f);
	return (rc);
}

int
probe_ws_send(struct probe_ws *ws, int opcode, const uint8_t *data,
    size_t len)
{
	return (probe_ws_frame(ws, opcode, data, len, 0));
}

int
probe_ws_send_yielding(struct probe_ws *ws, int opcode, const uint8_t *data,
    size_t len)
{
	return (probe_ws_frame(ws, opcode, data, len, 1));
}

int
probe_ws_recv(struct probe_ws *ws, int *opcode, uint8_t **data, size_t *len,
    int *status)
{
	const uint8_t	*payload;
	size_t		 plen;
	long		 n;

	for (;;) {
		while ((n = wsframe_parse(ws->buf, ws->len, 64 << 20, opcode,
		    &payload, &plen)) == 0) {
			if (probe_ws_fill(ws, ws->len + 1) != 0)
				return (-1);
		}
		if (n < 0)
			return (-1);
		free(ws->msg);
		ws->msg = xmalloc(plen + 1);
		memcpy(ws->msg, payload, plen);
		ws->msglen = plen;
		probe_ws_consume(ws, (size_t)n);
		if (*opcode == WSFRAME_PING || *opcode == WSFRAME_PONG)
			continue;
		*data = ws->msg;
		*len = ws->msglen;
		*status = 0;
		if (*opcode == PROBE_WS_CLOSE && plen >= 2)
			*status = ws->msg[0] << 8 | ws->msg[1];
		return (0);
	}
}
