/* net: the client's WebSocket connection to natterd (lws on the caller's libuv loop). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>
#include <uv.h>

#include "client/net/url.h"
#include "client/net/ws.h"
#include "shared/proto/wire.h"
#include "shared/util/log.h"
#include "shared/util/xmalloc.h"

struct net_out {
	struct net_out	*next;
	size_t		 len;
	uint8_t		 buf[];		/* LWS_PRE headroom, then the frame */
};

struct net {
	uv_loop_t		*loop;
	struct lws_context	*ctx;
	struct lws		*wsi;
	struct net_cb		 cb;
	void			*arg;
	int			 up;
	int			 dying;
	int			 reap_ticks;
	int			 destroyed_twice;

	struct url		 url;		/* the last net_connect's */

	uint8_t			*rx;
	size_t			 rxlen;
	int			 rxbad;

	struct net_out		*head;
	struct net_out		**tail;

	uv_timer_t		 defer;		/* reports closes outside lws */
	int			 closing;
	int			 close_established;
	char			 why[160];
};

static int	net_callback(struct lws *, enum lws_callback_reasons, void *,
		    void *, size_t);

static const struct lws_protocols net_protocols[] = {
	{ "natter.v1", net_callback, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static void
net_log(int level, const char *line)
{
	size_t	len = strlen(line);

	(void)level;
	while (len > 0 && line[len - 1] == '\n')
		len--;
	log_debug("lws: %.*s", (int)len, line);
}

static void
net_flush_out(struct net *n)
{
	struct net_out	*o;

	while ((o = n->head) != NULL) {
		n->head = o->next;
		free(o);
	}
	n->tail = &n->head;
	free(n->rx);
	n->rx = NULL;
	n->rxlen = 0;
	n->rxbad = 0;
}

static void
net_defer_cb(uv_timer_t *t)
{
	struct net	*n = t->data;

	if (!n->closing || n->dying)
		return;
	n->closing = 0;
	if (n->cb.closed != NULL)
		n->cb.closed(n->arg, n->close_established, n->why);
}

/* The connection is gone: report it from the loop, not from inside lws. */
static void
net_gone(struct net *n, int established, const char *why)
{
	n->wsi = NULL;
	n->up = 0;
	net_flush_out(n);
	if (n->dying)
		return;
	n->closing = 1;
	n->close_established = established;
	snprintf(n->why, sizeof n->why, "%s", why);
	uv_timer_start(&n->defer, net_defer_cb, 0, 0);
}

static void
net_receive(struct net *n, struct lws *wsi, const void *in, size_t len)
{
	Natter__Frame	*f;

	if (n->rxbad || n->rxlen + len > NET_MAX_FRAME) {
		n->rxbad = 1;
	} else {
		n->rx = xrealloc(n->rx, n->rxlen + len + 1);
		memcpy(n->rx + n->rxlen, in, len);
		n->rxlen += len;
	}
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
		return;
	if (n->rxbad)
		log_warn("net: dropped a frame over %d bytes", NET_MAX_FRAME);
	else if ((f = wire_decode(n->rx, n->rxlen, NET_MAX_FRAME)) == NULL)
		log_warn("net: dropped an undecodable frame");
	else if (n->cb.frame != NULL)
		n->cb.frame(n->arg, f);
	else
		wire_free(f);
	free(n->rx);
	n->rx = NULL;
	n->rxlen = 0;
	n->rxbad = 0;
}

static int
net_writeable(struct net *n, struct lws *wsi)
{
	struct net_out	*o;

	if ((o = n->head) == NULL)
		return (0);
	if (lws_write(wsi, o->buf + LWS_PRE, o->len, LWS_WRITE_BINARY) <
	    (int)o->len)
		return (-1);
	if ((n->head = o->next) == NULL)
		n->tail = &n->head;
	free(o);
	if (n->head != NULL)
		lws_callback_on_writable(wsi);
	return (0);
}

static int
net_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct net	*n = lws_context_user(lws_get_context(wsi));

	(void)user;
	if (n == NULL)
		return (0);
	if (n->dying || n->wsi != wsi)
		return (0);
	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		net_gone(n, 0, in != NULL && len > 0 ?
		    (const char *)in : "connection failed");
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		n->up = 1;
		if (n->cb.up != NULL && !n->dying)
			n->cb.up(n->arg);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		net_receive(n, wsi, in, len);
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return (net_writeable(n, wsi));
	case LWS_CALLBACK_CLIENT_CLOSED:
		net_gone(n, 1, "connection closed by the server");
		break;
	default:
		break;
	}
	return (0);
}

struct net *
net_create(uv_loop_t *loop, const struct net_cb *cb, void *arg, int tls)
{
	struct lws_context_creation_info	 info;
	struct net				*n;
	void					*loops[1];

	n = xcalloc(1, sizeof *n);
	n->loop = loop;
	n->cb = *cb;
	n->arg = arg;
	n->tail = &n->head;
	lws_set_log_level(0, net_log);
	memset(&info, 0, sizeof info);
	loops[0] = loop;
	info.foreign_loops = loops;
	/* TLS set-up loads the system's CA bundle: only for wss:// URLs. */
	info.options = LWS_SERVER_OPTION_LIBUV |
	    (tls ? LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT : 0);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = net_protocols;
	info.user = n;
	info.pcontext = &n->ctx;
	info.max_http_header_data = 4096;
	info.pt_serv_buf_size = 8192;
	info.timeout_secs = 10;
	info.connect_timeout_secs = 5;
	n->ctx = lws_create_context(&info);
	if (n->ctx == NULL) {
		free(n);
		return (NULL);
	}
	uv_timer_init(loop, &n->defer);
	n->defer.data = n;
	return (n);
}

/*
 * With a foreign loop lws finishes destroying its context on later loop
 * turns (it clears n->ctx through info.pcontext when done) and may call
 * back meanwhile: n is freed only after that.
 */
static void
net_free_cb(uv_handle_t *h)
{
	free(h->data);
}

static void
net_count_closing(uv_handle_t *h, void *arg)
{
	if (uv_is_closing(h))
		(*(int *)arg)++;
}

static void
net_reap_cb(uv_timer_t *t)
{
	struct net	*n = t->data;
	int		 closing = 0;

	if (n->ctx != NULL && ++n->reap_ticks < 2000) {
		/*
		 * lws 4.1 finishes a foreign-loop destroy on a second call,
		 * which unloads its event-library plugin: only once no close
		 * callback (plugin code) is still pending on the loop.
		 */
		uv_walk(t->loop, net_count_closing, &closing);
		if (n->reap_ticks >= 2 && closing == 0 && !n->destroyed_twice) {
			n->destroyed_twice = 1;
			lws_context_destroy(n->ctx);
		}
		return;		/* wait up to 10 s for lws */
	}
	uv_timer_stop(t);
	uv_close((uv_handle_t *)t, net_free_cb);
}

void
net_free(struct net *n)
{
	if (n == NULL)
		return;
	n->dying = 1;
	lws_context_destroy(n->ctx);
	net_flush_out(n);
	url_clear(&n->url);
	uv_timer_stop(&n->defer);
	uv_timer_start(&n->defer, net_reap_cb, 0, 5);
}

int
net_connect(struct net *n, const char *url, char *err, size_t errlen)
{
	struct lws_client_connect_info	 ci;

	net_disconnect(n);
	url_clear(&n->url);
	if (url_parse(&n->url, url, err, errlen) != 0)
		return (-1);
	memset(&ci, 0, sizeof ci);
	ci.context = n->ctx;
	ci.address = n->url.address;
	ci.port = n->url.port;
	ci.path = n->url.path;
	ci.host = n->url.host;
	ci.origin = n->url.host;
	ci.protocol = "natter.v1";
	ci.ssl_connection = n->url.tls ? LCCSCF_USE_SSL : 0;
	ci.pwsi = &n->wsi;
	n->closing = 0;
	if (lws_client_connect_via_info(&ci) == NULL && !n->closing)
		net_gone(n, 0, "connection failed");
	return (0);
}

int
net_send(struct net *n, const Natter__Frame *f)
{
	struct net_out	*o;
	size_t		 len;

	if (n->wsi == NULL || !n->up)
		return (-1);
	len = wire_size(f);
	if (len > NET_MAX_FRAME)
		return (-1);
	o = xmalloc(sizeof *o + LWS_PRE + len);
	o->next = NULL;
	o->len = wire_encode(f, o->buf + LWS_PRE, len);
	if (o->len != len) {
		free(o);
		return (-1);
	}
	*n->tail = o;
	n->tail = &o->next;
	lws_callback_on_writable(n->wsi);
	return (0);
}

void
net_disconnect(struct net *n)
{
	struct lws	*wsi = n->wsi;

	n->wsi = NULL;
	n->up = 0;
	n->closing = 0;
	uv_timer_stop(&n->defer);
	net_flush_out(n);
	if (wsi != NULL)
		lws_set_timeout(wsi, PENDING_TIMEOUT_CLOSE_SEND,
		    LWS_TO_KILL_ASYNC);
}

int
net_is_up(struct net *n)
{
	return (n->wsi != NULL && n->up);
}
