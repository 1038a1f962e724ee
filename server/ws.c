/* ws: the libwebsockets context: its listening port and the /v1/ws protocol.
 *
 * HTTP requests on the listening port go to http.c's route table
 * (/healthz, /metrics, the asset service). A WebSocket upgrade is
 * accepted only at /v1/ws with the subprotocol natter.v1.
 * Connections (HTTP or WebSocket) are counted per peer address; past the
 * cap a new one is closed as soon as it is accepted. */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "server/http.h"
#include "server/itab.h"
#include "server/metrics.h"
#include "server/session.h"
#include "server/ws.h"
#include "shared/util/log.h"
#include "shared/util/xmalloc.h"

#define WS_PATH		"/v1/ws"
#define WS_RXBUF	(64 * 1024)
#define WS_PER_IP	1024		/* until ws_start sets it */
#define WS_SERVBUF	(64 * 1024)

/* Per WebSocket connection. */
struct ws_conn {
	struct session	*session;
	uint8_t		*buf;		/* fragments of the current message */
	size_t		 len;
	int		 text;
};

static struct lws_context	*ws_context;
static const struct session_config *ws_session;
static struct itab		*ws_peers;	/* address -> connections */
static uint64_t			 ws_per_ip = WS_PER_IP;

/* A key for the peer address of fd (nonzero), or 0. */
static uint64_t
ws_peer_key(int fd)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof ss;
	const void		*a;
	size_t			 len;

	if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &sl) != 0)
		return (0);
	if (ss.ss_family == AF_INET) {
		a = &((struct sockaddr_in *)&ss)->sin_addr;
		len = 4;
	} else if (ss.ss_family == AF_INET6) {
		a = &((struct sockaddr_in6 *)&ss)->sin6_addr;
		len = 16;
	} else
		return (0);
	return (itab_key_bytes(a, len) | 1);
}

/* A new connection: count it against its address, or refuse it (-1)
 * when that address already has ws_per_ip open. */
static int
ws_peer_admit(struct lws *wsi)
{
	uint64_t	key, n = 0;

	if (ws_per_ip == 0 ||
	    (key = ws_peer_key(lws_get_socket_fd(wsi))) == 0)
		return (0);
	(void)itab_get(ws_peers, key, &n);
	if (n >= ws_per_ip) {
		metrics_add(METRICS_REFUSED, 1);
		return (-1);
	}
	itab_put(ws_peers, key, n + 1);
	lws_set_opaque_user_data(wsi, (void *)(uintptr_t)key);
	return (0);
}

static void
ws_peer_release(struct lws *wsi)
{
	uint64_t	key = (uint64_t)(uintptr_t)lws_get_opaque_user_data(wsi);
	uint64_t	n = 0;

	if (key == 0 || ws_peers == NULL)
		return;
	lws_set_opaque_user_data(wsi, NULL);
	(void)itab_get(ws_peers, key, &n);
	if (n <= 1)
		itab_del(ws_peers, key);
	else
		itab_put(ws_peers, key, n - 1);
}

static int
ws_filter(struct lws *wsi)
{
	char	uri[64];

	if (lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) <= 0)
		return (-1);
	return (strcmp(uri, WS_PATH) == 0 ? 0 : -1);
}

/* The "http" protocol: connection accounting and the upgrade filter
 * here, every HTTP request in http.c. */
static int
ws_http_callback(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len)
{
	switch (reason) {
	case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
		return (ws_peer_admit(wsi));
	case LWS_CALLBACK_WSI_DESTROY:
		ws_peer_release(wsi);
		return (0);
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
		/* WebSocket only at WS_PATH; elsewhere hang up. */
		return (ws_filter(wsi));
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		return (-1);	/* no subprotocol: not ours */
	default:
		break;
	}
	return (http_callback(wsi, (int)reason, user, in, len));
}

/* 0 to go on, -1 to close the connection (with a close status set). */
static int
ws_receive(struct lws *wsi, struct ws_conn *c, const uint8_t *in, size_t len)
{
	size_t	remaining = lws_remaining_packet_payload(wsi);
	int	final = lws_is_final_fragment(wsi) && remaining == 0, status;

	if (c->len == 0 && lws_is_first_fragment(wsi))
		c->text = !lws_frame_is_binary(wsi);
	if (c->text) {
		lws_close_reason(wsi, LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE,
		    (unsigned char *)"binary frames only", 18);
		return (-1);
	}
	if (c->len + len + remaining > ws_session->max_frame) {
		lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
		    (unsigned char *)"frame too large", 15);
		return (-1);
	}
	if (final && c->len == 0) {
		status = session_receive(c->session, in, len);
	} else {
		c->buf = xrealloc(c->buf, c->len + len + 1);
		memcpy(c->buf + c->len, in, len);
		c->len += len;
		if (!final)
			return (0);
		status = session_receive(c->session, c->buf, c->len);
		free(c->buf);
		c->buf = NULL;
		c->len = 0;
	}
	if (status != 0) {
		lws_close_reason(wsi, (enum lws_close_status)status,
		    (unsigned char *)"too many bad frames", 19);
		return (-1);
	}
	return (0);
}

static int
ws_natter_callback(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len)
{
	struct ws_conn	*c = user;

	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		return (ws_filter(wsi));
	case LWS_CALLBACK_ESTABLISHED:
		memset(c, 0, sizeof *c);
		c->session = session_create(wsi, ws_session);
		return (0);
	case LWS_CALLBACK_RECEIVE:
		if (c->session == NULL)
			return (-1);
		return (ws_receive(wsi, c, in, len));
	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (c->session == NULL)
			return (-1);
		return (session_writable(c->session));
	case LWS_CALLBACK_CLOSED:
		session_free(c->session);
		c->session = NULL;
		free(c->buf);
		c->buf = NULL;
		return (0);
	default:
		break;
	}
	return (0);
}

static const struct lws_protocols ws_protocols[] = {
	{ "http", ws_http_callback, HTTP_PSS_SIZE, 0, 0, NULL, 0 },
	{ "natter.v1", ws_natter_callback, sizeof(struct ws_conn), WS_RXBUF,
	    0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

/* Try the address ourselves first: lws only logs why it could not. */
static int
ws_probe_listen(const char *host, int port, char **err)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 sl;
	int			 fd, on = 1, saved;

	memset(&ss, 0, sizeof ss);
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		sl = sizeof *sin;
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		sl = sizeof *sin6;
	} else {
		xasprintf(err, "cannot listen on %s:%d: not an IP address",
		    host, port);
		return (-1);
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
	    bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 1) != 0) {
		saved = errno;
		if (fd != -1)
			close(fd);
		xasprintf(err, "cannot listen on %s:%d: %s", host, port,
		    strerror(saved));
		return (-1);
	}
	close(fd);
	return (0);
}

static void
ws_log(int level, const char *line)
{
	size_t	len = strlen(line);

	while (len > 0 && line[len - 1] == '\n')
		len--;
	log_debug("lws: %.*s", (int)len, line);
}

int
ws_start(const struct ws_config *cfg, uv_loop_t *loop, char **err)
{
	struct lws_context_creation_info	 info;
	static void				*loops[1];

	*err = NULL;
	if (ws_probe_listen(cfg->host, cfg->port, err) != 0)
		return (-1);
	ws_per_ip = cfg->per_ip;
	ws_session = cfg->session;
	ws_peers = itab_create();
	http_init(cfg->session->db);
	lws_set_log_level(cfg->verbose ? LLL_ERR | LLL_WARN | LLL_NOTICE : 0,
	    ws_log);
	memset(&info, 0, sizeof info);
	loops[0] = loop;
	info.foreign_loops = loops;
	info.options = LWS_SERVER_OPTION_LIBUV;
	if (strchr(cfg->host, ':') == NULL)
		info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	info.port = cfg->port;
	info.iface = cfg->host;
	info.protocols = ws_protocols;
	/* Also the size of each read of a request body (an upload). */
	info.pt_serv_buf_size = WS_SERVBUF;
	info.max_http_header_data = 4096;
	info.timeout_secs = 10;
	if (cfg->tls_cert != NULL) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.ssl_cert_filepath = cfg->tls_cert;
		info.ssl_private_key_filepath = cfg->tls_key;
	}
	ws_context = lws_create_context(&info);
	if (ws_context == NULL) {
		xasprintf(err, "cannot listen on %s:%d (libwebsockets could "
		    "not start; check --tls-cert/--tls-key)", cfg->host,
		    cfg->port);
		return (-1);
	}
	return (0);
}

void
ws_stop(void)
{
	if (ws_context != NULL)
		lws_context_destroy(ws_context);
	ws_context = NULL;
	itab_free(ws_peers);
	ws_peers = NULL;
}
