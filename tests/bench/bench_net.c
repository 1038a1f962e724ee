/* bench_net: many non-blocking natter protocol clients on one epoll loop.
 *
 * Each connection has a read and a write buffer. Frames queued by the
 * callbacks are appended to the write buffer and written once at the end
 * of the loop turn, so several frames share one system call. At most
 * BENCH_HANDSHAKES connections log in at a time; the others wait. */
#include <sys/epoll.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "shared/proto/login.h"
#include "shared/util/log.h"
#include "shared/util/xmalloc.h"
#include "tests/bench/bench_net.h"
#include "tests/tools/wsframe.h"

#define BENCH_HANDSHAKES	256
#define BENCH_MAXFRAME		(16 << 20)
#define BENCH_ARENA		(1 << 20)
#define BENCH_READ		(256 * 1024)

enum bench_state {
	BENCH_WAITING,		/* not connected yet */
	BENCH_CONNECTING,
	BENCH_UPGRADING,	/* request sent, waiting for 101 */
	BENCH_CHALLENGE,	/* waiting for the Challenge */
	BENCH_LOGIN,		/* Register/Auth sent */
	BENCH_READY,
	BENCH_CLOSED
};

struct bench_conn {
	struct bench_net		*net;
	int				 fd;
	enum bench_state		 state;
	char				 name[33];
	uint8_t				 pk[32], sk[64];
	int				 have_key, registered;
	uint8_t				 nonce[32];
	const struct bench_handlers	*h;
	void				*arg;
	uint8_t				*rbuf, *wbuf;
	size_t				 rlen, rcap, wlen, wcap;
	int				 dirty, pollout;
	TAILQ_ENTRY(bench_conn)		 wait_entry;
	TAILQ_ENTRY(bench_conn)		 dirty_entry;
};
TAILQ_HEAD(bench_connq, bench_conn);

struct bench_chunk {
	struct bench_chunk	*next;
	size_t			 used, cap;
	uint8_t			 data[];
};

struct bench_net {
	int			 epfd;
	char			 host[64];
	int			 port;
	struct sockaddr_in	 sin;
	size_t			 handshaking;
	size_t			 pending;
	struct bench_connq	 waitq;
	struct bench_connq	 dirtyq;
	struct bench_conn	**all;
	size_t			 nall, capall;
	struct bench_chunk	*arena;
	ProtobufCAllocator	 alloc;
};

int64_t
bench_now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec);
}

/* The decode arena: protobuf-c allocations bump a pointer; everything is
 * dropped at once after the frame's callback. */
static void *
bench_arena_alloc(void *data, size_t size)
{
	struct bench_net	*net = data;
	struct bench_chunk	*c = net->arena;
	size_t			 cap;
	void			*p;

	size = (size + 15) & ~(size_t)15;
	if (c == NULL || c->cap - c->used < size) {
		cap = size > BENCH_ARENA ? size : BENCH_ARENA;
		c = xmalloc(sizeof *c + cap);
		c->used = 0;
		c->cap = cap;
		c->next = net->arena;
		net->arena = c;
	}
	p = c->data + c->used;
	c->used += size;
	return (p);
}

static void
bench_arena_free(void *data, void *p)
{
}

static void
bench_arena_reset(struct bench_net *net)
{
	struct bench_chunk	*c;

	while (net->arena != NULL && net->arena->next != NULL) {
		c = net->arena;
		net->arena = c->next;
		free(c);
	}
	if (net->arena != NULL)
		net->arena->used = 0;
}

/* Room for want descriptors: 0, or -1 after saying what to do. */
static int
bench_raise_nofile(size_t want)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return (0);
	if (rl.rlim_cur >= want)
		return (0);
	rl.rlim_cur = want;
	if (rl.rlim_max < want)
		rl.rlim_max = want;
	if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
		return (0);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	fprintf(stderr, "natter-bench: %zu connections need %zu open files, "
	    "but the limit is %llu (raise ulimit -n)\n", want - 64, want,
	    (unsigned long long)rl.rlim_max);
	return (-1);
}

struct bench_net *
bench_net_create(const char *url, size_t maxconns)
{
	struct bench_net	*net = xcalloc(1, sizeof *net);

	if (sscanf(url, "ws://%63[0-9.]:%d", net->host, &net->port) != 2 ||
	    net->port <= 0 || net->port > 65535 ||
	    inet_pton(AF_INET, net->host, &net->sin.sin_addr) != 1) {
		fprintf(stderr, "natter-bench: --server wants ws://IPV4:PORT, "
		    "not %s\n", url);
		free(net);
		return (NULL);
	}
	net->sin.sin_family = AF_INET;
	net->sin.sin_port = htons((uint16_t)net->port);
	if (bench_raise_nofile(maxconns + 64) != 0) {
		free(net);
		return (NULL);
	}
	if ((net->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("epoll_create1: %s", strerror(errno));
	TAILQ_INIT(&net->waitq);
	TAILQ_INIT(&net->dirtyq);
	net->alloc.alloc = bench_arena_alloc;
	net->alloc.free = bench_arena_free;
	net->alloc.allocator_data = net;
	return (net);
}

static void
bench_conn_drop(struct bench_conn *c)
{
	struct bench_net	*net = c->net;

	if (c->fd != -1) {
		close(c->fd);
		c->fd = -1;
	}
	if (c->state >= BENCH_CONNECTING && c->state <= BENCH_LOGIN)
		net->handshaking--;
	if (c->state == BENCH_WAITING)
		TAILQ_REMOVE(&net->waitq, c, wait_entry);
	if (c->state != BENCH_READY && c->state != BENCH_CLOSED)
		net->pending--;
	if (c->dirty) {
		TAILQ_REMOVE(&net->dirtyq, c, dirty_entry);
		c->dirty = 0;
	}
	c->state = BENCH_CLOSED;
	c->rlen = c->wlen = 0;
	c->pollout = 0;
}

void
bench_net_free(struct bench_net *net)
{
	size_t	i;

	if (net == NULL)
		return;
	for (i = 0; i < net->nall; i++) {
		bench_conn_drop(net->all[i]);
		free(net->all[i]->rbuf);
		free(net->all[i]->wbuf);
		sodium_memzero(net->all[i]->sk, sizeof net->all[i]->sk);
		free(net->all[i]);
	}
	free(net->all);
	bench_arena_reset(net);
	free(net->arena);
	close(net->epfd);
	free(net);
}

static void
bench_conn_fail(struct bench_conn *c, const char *why)
{
	bench_conn_drop(c);
	if (c->h->on_error != NULL)
		c->h->on_error(c, why, c->arg);
}

static void
bench_conn_reserve(uint8_t **buf, size_t *cap, size_t need)
{
	if (*cap >= need)
		return;
	*cap = need < 4096 ? 4096 : need * 2;
	*buf = xrealloc(*buf, *cap);
}

static void
bench_conn_dirty(struct bench_conn *c)
{
	if (!c->dirty) {
		c->dirty = 1;
		TAILQ_INSERT_TAIL(&c->net->dirtyq, c, dirty_entry);
	}
}

static void
bench_conn_write_raw(struct bench_conn *c, const void *p, size_t len)
{
	bench_conn_reserve(&c->wbuf, &c->wcap, c->wlen + len);
	memcpy(c->wbuf + c->wlen, p, len);
	c->wlen += len;
	bench_conn_dirty(c);
}

void
bench_conn_send(struct bench_conn *c, const Natter__Frame *f)
{
	size_t	len = natter__frame__get_packed_size(f), off;
	uint8_t	mask[4];

	if (c->state == BENCH_CLOSED || c->state == BENCH_WAITING)
		return;
	bench_conn_reserve(&c->wbuf, &c->wcap, c->wlen + WSFRAME_MAXHDR + len);
	off = wsframe_header(c->wbuf + c->wlen, WSFRAME_BINARY, len, mask);
	natter__frame__pack(f, c->wbuf + c->wlen + off);
	wsframe_mask(c->wbuf + c->wlen + off, len, mask);
	c->wlen += off + len;
	bench_conn_dirty(c);
}

void
bench_conn_ack(struct bench_conn *c, const Natter__Deliver *d, uint64_t id)
{
	Natter__Frame	 f = NATTER__FRAME__INIT;
	Natter__Ack	 a = NATTER__ACK__INIT;
	uint64_t	 buf[64], *seqs = buf;
	size_t		 i;

	if (d->n_items > sizeof buf / sizeof buf[0])
		seqs = xreallocarray(NULL, d->n_items, sizeof *seqs);
	for (i = 0; i < d->n_items; i++)
		seqs[i] = d->items[i]->seq;
	f.id = id;
	a.n_seqs = d->n_items;
	a.seqs = seqs;
	f.body_case = NATTER__FRAME__BODY_ACK;
	f.ack = &a;
	bench_conn_send(c, &f);
	if (seqs != buf)
		free(seqs);
}

static void
bench_conn_control(struct bench_conn *c, int opcode, const uint8_t *p,
    size_t len)
{
	uint8_t	mask[4];
	size_t	off;

	if (len > 125)
		len = 125;
	bench_conn_reserve(&c->wbuf, &c->wcap, c->wlen + WSFRAME_MAXHDR + len);
	off = wsframe_header(c->wbuf + c->wlen, opcode, len, mask);
	memcpy(c->wbuf + c->wlen + off, p, len);
	wsframe_mask(c->wbuf + c->wlen + off, len, mask);
	c->wlen += off + len;
	bench_conn_dirty(c);
}

static void
bench_sign(struct bench_conn *c, const char *label, int with_device,
    uint8_t sig[64])
{
	static const uint32_t	device = 1;
	uint8_t			msg[LOGIN_MESSAGEMAX];
	size_t			len;

	len = login_message(msg, label, c->nonce, c->name,
	    with_device ? &device : NULL);
	crypto_sign_detached(sig, NULL, msg, len, c->sk);
}

static void
bench_conn_login(struct bench_conn *c)
{
	Natter__Frame		f = NATTER__FRAME__INIT;
	Natter__Register	r = NATTER__REGISTER__INIT;
	Natter__SignedPrekey	spk = NATTER__SIGNED_PREKEY__INIT;
	Natter__Auth		a = NATTER__AUTH__INIT;
	uint8_t			sig[64], spkey[32], spsig[64];

	f.id = 1;
	c->state = BENCH_LOGIN;
	if (c->registered) {
		bench_sign(c, LOGIN_AUTH_DOMAIN, 1, sig);
		a.name = c->name;
		a.device = 1;
		a.signature.data = sig;
		a.signature.len = sizeof sig;
		f.body_case = NATTER__FRAME__BODY_AUTH;
		f.auth = &a;
		bench_conn_send(c, &f);
		return;
	}
	if (!c->have_key) {
		crypto_sign_keypair(c->pk, c->sk);
		c->have_key = 1;
	}
	randombytes_buf(spkey, sizeof spkey);
	crypto_sign_detached(spsig, NULL, spkey, sizeof spkey, c->sk);
	spk.id = 1;
	spk.key.data = spkey;
	spk.key.len = sizeof spkey;
	spk.signature.data = spsig;
	spk.signature.len = sizeof spsig;
	bench_sign(c, LOGIN_REGISTER_DOMAIN, 0, sig);
	r.name = c->name;
	r.identity_key.data = c->pk;
	r.identity_key.len = sizeof c->pk;
	r.signed_prekey = &spk;
	r.signature.data = sig;
	r.signature.len = sizeof sig;
	f.body_case = NATTER__FRAME__BODY_REGISTER;
	f.register_ = &r;
	bench_conn_send(c, &f);
}

/* A frame before the login completed. */
static void
bench_conn_handshake_frame(struct bench_conn *c, const Natter__Frame *f)
{
	char	why[160];

	if (f->body_case == NATTER__FRAME__BODY_CHALLENGE) {
		if (f->challenge->nonce.len != sizeof c->nonce) {
			bench_conn_fail(c, "malformed challenge");
			return;
		}
		memcpy(c->nonce, f->challenge->nonce.data, sizeof c->nonce);
		if (c->state == BENCH_CHALLENGE)
			bench_conn_login(c);
		return;
	}
	if (c->state != BENCH_LOGIN ||
	    f->body_case != NATTER__FRAME__BODY_RESPONSE || f->id != 1)
		return;
	if (f->response->code != 0) {
		snprintf(why, sizeof why, "%s of %s refused: code %u: %s",
		    c->registered ? "auth" : "register", c->name,
		    f->response->code, f->response->message);
		/* A register that natterd committed before it went away:
		 * the next login authenticates with the same key. */
		if (!c->registered &&
		    f->response->code == NATTER__CODE__NAME_TAKEN)
			c->registered = 1;
		bench_conn_fail(c, why);
		return;
	}
	c->registered = 1;
	c->state = BENCH_READY;
	c->net->handshaking--;
	c->net->pending--;
	if (c->h->on_ready != NULL)
		c->h->on_ready(c, c->arg);
}

/* Handle one WebSocket message; 0, or -1 when the connection is gone. */
static int
bench_conn_message(struct bench_conn *c, int opcode, const uint8_t *p,
    size_t len)
{
	struct bench_net	*net = c->net;
	Natter__Frame		*f;
	char			 why[96];

	if (opcode == WSFRAME_CLOSE) {
		snprintf(why, sizeof why, "%s: closed by natterd (status %d)",
		    c->name, len >= 2 ? p[0] << 8 | p[1] : 0);
		bench_conn_fail(c, why);
		return (-1);
	}
	if (opcode == WSFRAME_PING) {
		/* lws pings idle connections (after 300 s by default) and
		 * hangs up on those that do not answer. */
		bench_conn_control(c, WSFRAME_PONG, p, len);
		return (0);
	}
	if (opcode != WSFRAME_BINARY)
		return (0);
	f = natter__frame__unpack(&net->alloc, len, p);
	if (f == NULL) {
		bench_arena_reset(net);
		bench_conn_fail(c, "undecodable frame from natterd");
		return (-1);
	}
	if (c->state != BENCH_READY)
		bench_conn_handshake_frame(c, f);
	else if (c->h->on_frame != NULL)
		c->h->on_frame(c, f, c->arg);
	bench_arena_reset(net);
	return (c->state == BENCH_CLOSED ? -1 : 0);
}

/* Parse what was read: the upgrade answer, then frames. */
static void
bench_conn_parse(struct bench_conn *c)
{
	const uint8_t	*payload;
	size_t		 off = 0, plen;
	long		 n;
	int		 ok, opcode;

	if (c->state == BENCH_UPGRADING) {
		if ((off = wsframe_response(c->rbuf, c->rlen, &ok)) == 0)
			return;
		if (!ok) {
			bench_conn_fail(c, "natterd refused the upgrade");
			return;
		}
		c->state = BENCH_CHALLENGE;
	}
	for (;;) {
		n = wsframe_parse(c->rbuf + off, c->rlen - off, BENCH_MAXFRAME,
		    &opcode, &payload, &plen);
		if (n < 0) {
			bench_conn_fail(c, "oversized frame from natterd");
			return;
		}
		if (n == 0)
			break;
		off += (size_t)n;
		if (bench_conn_message(c, opcode, payload, plen) != 0)
			return;
	}
	memmove(c->rbuf, c->rbuf + off, c->rlen - off);
	c->rlen -= off;
}

static void
bench_conn_readable(struct bench_conn *c)
{
	ssize_t	n;

	bench_conn_reserve(&c->rbuf, &c->rcap, c->rlen + BENCH_READ);
	n = read(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		bench_conn_fail(c, n == 0 ? "natterd closed the connection" :
		    strerror(errno));
		return;
	}
	if (n > 0) {
		c->rlen += (size_t)n;
		bench_conn_parse(c);
	}
}

static void
bench_conn_set_pollout(struct bench_conn *c, int on)
{
	struct epoll_event	ev;

	if (c->pollout == on)
		return;
	c->pollout = on;
	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLIN | (on ? EPOLLOUT : 0);
	ev.data.ptr = c;
	epoll_ctl(c->net->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void
bench_conn_flush(struct bench_conn *c)
{
	ssize_t	n;

	while (c->wlen > 0) {
		n = send(c->fd, c->wbuf, c->wlen, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			bench_conn_fail(c, strerror(errno));
			return;
		}
		memmove(c->wbuf, c->wbuf + n, c->wlen - (size_t)n);
		c->wlen -= (size_t)n;
	}
	bench_conn_set_pollout(c, c->wlen > 0);
}

static void
bench_conn_start(struct bench_conn *c)
{
	struct bench_net	*net = c->net;
	struct epoll_event	 ev;
	int			 on = 1;

	TAILQ_REMOVE(&net->waitq, c, wait_entry);
	c->state = BENCH_CONNECTING;
	net->handshaking++;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd == -1) {
		bench_conn_fail(c, strerror(errno));
		return;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	if (connect(c->fd, (struct sockaddr *)&net->sin, sizeof net->sin) != 0 &&
	    errno != EINPROGRESS) {
		bench_conn_fail(c, strerror(errno));
		return;
	}
	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLIN | EPOLLOUT;
	ev.data.ptr = c;
	c->pollout = 1;
	if (epoll_ctl(net->epfd, EPOLL_CTL_ADD, c->fd, &ev) != 0)
		bench_conn_fail(c, strerror(errno));
}

static void
bench_conn_connected(struct bench_conn *c)
{
	char		*req;
	int		 err = 0;
	socklen_t	 sl = sizeof err;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &sl) != 0 ||
	    err != 0) {
		bench_conn_fail(c, strerror(err != 0 ? err : errno));
		return;
	}
	c->state = BENCH_UPGRADING;
	req = wsframe_request(c->net->host, c->net->port, "/v1/ws",
	    "natter.v1");
	bench_conn_write_raw(c, req, strlen(req));
	free(req);
}

void
bench_net_poll(struct bench_net *net, int timeout_ms)
{
	struct epoll_event	 evs[256];
	struct bench_conn	*c;
	int			 n, i;

	while (net->handshaking < BENCH_HANDSHAKES &&
	    (c = TAILQ_FIRST(&net->waitq)) != NULL)
		bench_conn_start(c);
	n = epoll_wait(net->epfd, evs, 256, timeout_ms);
	for (i = 0; i < n; i++) {
		c = evs[i].data.ptr;
		if (c->state == BENCH_CLOSED)
			continue;
		if (c->state == BENCH_CONNECTING) {
			if (evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
				bench_conn_connected(c);
			continue;
		}
		if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
			bench_conn_readable(c);
		if (c->state != BENCH_CLOSED && (evs[i].events & EPOLLOUT))
			bench_conn_dirty(c);
	}
	while ((c = TAILQ_FIRST(&net->dirtyq)) != NULL) {
		TAILQ_REMOVE(&net->dirtyq, c, dirty_entry);
		c->dirty = 0;
		bench_conn_flush(c);
	}
}

size_t
bench_net_pending(const struct bench_net *net)
{
	return (net->pending);
}

struct bench_conn *
bench_conn_open(struct bench_net *net, const char *name,
    const struct bench_handlers *h, void *arg)
{
	struct bench_conn	*c = xcalloc(1, sizeof *c);

	c->net = net;
	c->fd = -1;
	c->h = h;
	c->arg = arg;
	snprintf(c->name, sizeof c->name, "%s", name);
	if (net->nall == net->capall) {
		net->capall = net->capall * 2 + 64;
		net->all = xreallocarray(net->all, net->capall,
		    sizeof *net->all);
	}
	net->all[net->nall++] = c;
	c->state = BENCH_CLOSED;
	bench_conn_reopen(c);
	return (c);
}

void
bench_conn_close(struct bench_conn *c)
{
	bench_conn_drop(c);
}

void
bench_conn_reopen(struct bench_conn *c)
{
	bench_conn_drop(c);
	c->state = BENCH_WAITING;
	c->net->pending++;
	TAILQ_INSERT_TAIL(&c->net->waitq, c, wait_entry);
}

int
bench_conn_ready(const struct bench_conn *c)
{
	return (c->state == BENCH_READY);
}

const char *
bench_conn_name(const struct bench_conn *c)
{
	return (c->name);
}

double
bench_net_metric(struct bench_net *net, const char *metric)
{
	struct timeval	 tv = { 5, 0 };
	char		*buf = NULL, *p, req[160];
	size_t		 len = 0, cap = 0, mlen = strlen(metric);
	ssize_t		 n;
	double		 v = -1;
	int		 fd;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	snprintf(req, sizeof req, "GET /metrics HTTP/1.1\r\nHost: %s:%d\r\n"
	    "Connection: close\r\n\r\n", net->host, net->port);
	if (connect(fd, (struct sockaddr *)&net->sin, sizeof net->sin) != 0 ||
	    write(fd, req, strlen(req)) != (ssize_t)strlen(req))
		goto out;
	for (;;) {
		bench_conn_reserve((uint8_t **)&buf, &cap, len + 8192);
		if ((n = read(fd, buf + len, cap - len - 1)) <= 0)
			break;
		len += (size_t)n;
	}
	if (buf == NULL)
		goto out;
	buf[len] = '\0';
	for (p = buf; (p = strstr(p, metric)) != NULL; p += mlen) {
		if ((p == buf || p[-1] == '\n') && p[mlen] == ' ') {
			v = strtod(p + mlen + 1, NULL);
			break;
		}
	}
out:
	free(buf);
	close(fd);
	return (v);
}
