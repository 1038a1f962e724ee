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

#include <sodium.h>

#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"
#include "tests/tools/probe_ws.h"

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
	uint8_t	 key[16];
	char	 b64[32], *req, *end;
	size_t	 reqlen;

	randombytes_buf(key, sizeof key);
	sodium_bin2base64(b64, sizeof b64, key, sizeof key,
	    sodium_base64_VARIANT_ORIGINAL);
	xasprintf(&req, "GET %s HTTP/1.1\r\nHost: %s:%d\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
	    "Sec-WebSocket-Protocol: %s\r\n\r\n", path, host, port, b64, proto);
	reqlen = strlen(req);
	if (write(ws->fd, req, reqlen) != (ssize_t)reqlen) {
		free(req);
		return (-1);
	}
	free(req);
	for (;;) {
		if (probe_ws_fill(ws, ws->len + 1) != 0)
			return (-1);
		ws->buf[ws->len] = '\0';
		if ((end = memmem(ws->buf, ws->len, "\r\n\r\n", 4)) != NULL)
			break;
	}
	if (strncmp((char *)ws->buf, "HTTP/1.1 101", 12) != 0) {
		fprintf(stderr, "probe: upgrade refused: %.40s\n", ws->buf);
		return (-1);
	}
	probe_ws_consume(ws, (size_t)(end + 4 - (char *)ws->buf));
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
	uint8_t	*f = xmalloc(len + 14), mask[4];
	size_t	 off = 0, i;
	int	 rc;

	f[off++] = (uint8_t)(0x80 | opcode);
	if (len < 126)
		f[off++] = (uint8_t)(0x80 | len);
	else if (len < 65536) {
		f[off++] = 0x80 | 126;
		f[off++] = (uint8_t)(len >> 8);
		f[off++] = (uint8_t)len;
	} else {
		f[off++] = 0x80 | 127;
		for (i = 0; i < 8; i++)
			f[off++] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
	}
	randombytes_buf(mask, sizeof mask);
	memcpy(f + off, mask, 4);
	off += 4;
	for (i = 0; i < len; i++)
		f[off + i] = data[i] ^ mask[i & 3];
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
	uint64_t	plen;
	size_t		hdr, i;

	for (;;) {
		if (probe_ws_fill(ws, 2) != 0)
			return (-1);
		hdr = 2;
		plen = ws->buf[1] & 0x7f;
		if (plen == 126) {
			if (probe_ws_fill(ws, 4) != 0)
				return (-1);
			plen = (uint64_t)ws->buf[2] << 8 | ws->buf[3];
			hdr = 4;
		} else if (plen == 127) {
			if (probe_ws_fill(ws, 10) != 0)
				return (-1);
			for (plen = 0, i = 0; i < 8; i++)
				plen = plen << 8 | ws->buf[2 + i];
			hdr = 10;
		}
		if (plen > (64 << 20) || probe_ws_fill(ws, hdr + plen) != 0)
			return (-1);
		*opcode = ws->buf[0] & 0x0f;
		free(ws->msg);
		ws->msg = xmalloc(plen + 1);
		memcpy(ws->msg, ws->buf + hdr, plen);
		ws->msglen = plen;
		probe_ws_consume(ws, hdr + plen);
		if (*opcode == 0x9 || *opcode == 0xa)
			continue;	/* ping / pong */
		*data = ws->msg;
		*len = ws->msglen;
		*status = 0;
		if (*opcode == PROBE_WS_CLOSE && plen >= 2)
			*status = ws->msg[0] << 8 | ws->msg[1];
		return (0);
	}
}
