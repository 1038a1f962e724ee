/* probe_ws: a minimal blocking WebSocket client for natter-probe. */
#ifndef NATTER_TESTS_TOOLS_PROBE_WS_H
#define NATTER_TESTS_TOOLS_PROBE_WS_H

#include <stddef.h>
#include <stdint.h>

struct probe_ws;

#define PROBE_WS_BINARY	0x2
#define PROBE_WS_TEXT	0x1
#define PROBE_WS_CLOSE	0x8

/* Connect to host:port and upgrade at path with subprotocol proto. NULL on
 * failure (reason on stderr). */
struct probe_ws	*probe_ws_connect(const char *host, int port, const char *path,
		     const char *proto, int timeout_ms);
void		 probe_ws_free(struct probe_ws *);
/* Send one masked frame. 0, or -1 when the peer went away. */
int		 probe_ws_send(struct probe_ws *, int opcode, const uint8_t *,
		     size_t);
/* The same, but stop early (returning 1) once the peer sends something. */
int		 probe_ws_send_yielding(struct probe_ws *, int opcode,
		     const uint8_t *, size_t);
/* Read one message: 0 and *opcode, *data, *len (data valid until the next
 * call; for CLOSE, *status is the close code), -1 on EOF or timeout. */
int		 probe_ws_recv(struct probe_ws *, int *opcode, uint8_t **data,
		     size_t *len, int *status);

#endif
