/* ws: the libwebsockets context: its listening port and the /v1/ws protocol. */
#ifndef NATTER_SERVER_WS_H
#define NATTER_SERVER_WS_H

#include <uv.h>

struct session_config;

struct ws_config {
	const char	*host;
	int		 port;
	const char	*tls_cert;	/* both or neither */
	const char	*tls_key;
	int		 verbose;	/* lws logs too */
	uint64_t	 per_ip;	/* connections per address, 0: any */
	const struct session_config *session;	/* kept until ws_stop */
};

/* Create the lws context on loop and listen. On failure returns -1 and
 * sets *err to a sentence (caller frees). */
int	ws_start(const struct ws_config *, uv_loop_t *, char **err);
/* Close every connection and destroy the context. */
void	ws_stop(void);

#endif
