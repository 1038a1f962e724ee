/* directory_redis: the directory in a Redis shared by N natterd nodes.
 *
 * In Redis (DESIGN.md section 11):
 *   dev:ACCOUNT:DEVICE   the name of the node that serves the device
 *   natter:node:NAME     node NAME's channel: "wake A D [A D]...",
 *                        "moved A D"
 *   natter:dev           every node's channel: "A D" when dev:A:D changed
 *   natter:list          every node's channel: "A" when account A's device
 *                        list changed (pgcache.h), "all" when a node
 *                        comes up (it may have missed telling), "low A D
 *                        N" when device D of A has N one-time prekeys
 *                        left (its node warns it)
 *
 * Two connections on natterd's loop (hiredis' libuv adapter; nothing here
 * blocks, not even a host name lookup): cmd for commands, sub SUBSCRIBEd
 * to this node's channel, natter:dev and natter:list. Writes are Lua
 * scripts, so that
 * a key and the messages about it change in one step, in Redis' order.
 * The directory is up once cmd answered PING and sub confirmed both
 * subscriptions; whatever goes wrong on either connection takes both
 * down, and a timer tries again with backoff. One log line per change
 * of state, none per attempt.
 *
 * The same timer watches: an attempt not up after DIRREDIS_DEADLINE_MS
 * is abandoned, and once up, cmd PUBLISHes "ping" to this node's own
 * channel every DIRREDIS_BEAT_MS, which must come back on sub before
 * the next two. hiredis 0.14's libuv adapter ignores a poll error (a
 * refused connect, a reset): without the watch such a connection would
 * hang unnoticed; with it, a Redis that stops answering is noticed too.
 *
 * Down, it still keeps what this node serves (served), and wake-ups are
 * dropped and counted: the device's node finds the rows when its session
 * reads the queue. Coming up, it clears the cache (changes may have been
 * missed) and announces again every device it serves, unless another
 * node took one over meanwhile: that device's session here is then
 * closed (hooks.moved), as if "moved" had arrived.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netdb.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#include <hiredis/adapters/libuv.h>

#include "server/dircache.h"
#include "server/directory.h"
#include "server/dirmsg.h"
#include "server/dirwake.h"
#include "server/itab.h"
#include "server/metrics.h"
#include "shared/util/log.h"
#include "shared/util/xmalloc.h"

#define DIRREDIS_CACHEMAX	65536		/* cached devices */
#define DIRREDIS_RETRY_MIN_MS	100
#define DIRREDIS_RETRY_MAX_MS	2000
#define DIRREDIS_DEADLINE_MS	1000		/* to connect */
#define DIRREDIS_BEAT_MS	1000		/* heartbeat, once up */
#define DIRREDIS_BEATS_MISSED	2		/* then down */
#define DIRREDIS_NODECHAN	DIRMSG_NODECHAN
#define DIRREDIS_CHANGED	"natter:dev"
#define DIRREDIS_LISTS		"natter:list"
#define DIRREDIS_CHANMAX	(sizeof DIRREDIS_NODECHAN + DIRECTORY_NODEMAX)
#define DIRREDIS_KEYMAX		48		/* "dev:A:D", "A D", ... */

/*
 * The scripts: KEYS[1] is dev:A:D, ARGV[1] this node, ARGV[2] "A D".
 *
 * announce: take the key, tell the node it named before (if another) that
 * the device moved, and every node that the key changed.
 */
static const char dirredis_announce_lua[] =
    "local prev = redis.call('SET', KEYS[1], ARGV[1], 'GET') "
    "if prev ~= ARGV[1] then "
    "  if prev then "
    "    redis.call('PUBLISH', '" DIRREDIS_NODECHAN "' .. prev, "
    "        'moved ' .. ARGV[2]) "
    "  end "
    "  redis.call('PUBLISH', '" DIRREDIS_CHANGED "', ARGV[2]) "
    "end "
    "return prev";
/* forget: delete the key only while it names this node. */
static const char dirredis_forget_lua[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then "
    "  redis.call('DEL', KEYS[1]) "
    "  redis.call('PUBLISH', '" DIRREDIS_CHANGED "', ARGV[2]) "
    "  return 1 "
    "end "
    "return 0";
/* reannounce, after a reconnect: take the key if nobody holds it; answer
 * who holds it now. Unlike announce it never takes a device from
 * another node: that node got it while this one could not hear. */
static const char dirredis_reannounce_lua[] =
    "local v = redis.call('GET', KEYS[1]) "
    "if v then return v end "
    "redis.call('SET', KEYS[1], ARGV[1]) "
    "redis.call('PUBLISH', '" DIRREDIS_CHANGED "', ARGV[2]) "
    "return ARGV[1]";

struct dirredis {
	uv_loop_t		*loop;
	struct directory_hooks	 hooks;
	char			 where[DIRMSG_HOSTMAX + 32];	/* for logs */
	char			 host[DIRMSG_HOSTMAX];
	int			 port;
	char			 node[DIRECTORY_NODEMAX];
	char			 chan[DIRREDIS_CHANMAX];	/* our channel */

	redisAsyncContext	*cmd, *sub;
	int			 pinged;	/* cmd answered PING */
	int			 subscribed;	/* of 3 channels */
	int			 up;
	int			 said_down;	/* its last line says down */
	int			 dialing;	/* an attempt is under way */
	int			 beats_missed;
	uv_timer_t		 timer;		/* retry, deadline, beat */
	uint64_t		 backoff_ms;
	uv_getaddrinfo_t	 resolve;
	int			 resolving;	/* resolve is in flight */

	struct itab		*served;	/* devices announced here */
	struct dircache		*cache;
	struct dirwake		*wakes;		/* to send: dirwake.h */
	int			 closing;
	int			 timer_open;
};

/* A script's caller (dirredis_eval). */
struct dirredis_eval {
	directory_eval_cb	*cb;
	void			*arg;
};

/* A question whose answer needs the device it was about. */
struct dirredis_req {
	int64_t		account;
	uint32_t	device;
	uint64_t	ticket;
};

static void	dirredis_down(struct dirredis *, const char *why);
static void	dirredis_free(struct dirredis *);
static void	dirredis_tick(uv_timer_t *);

int
directory_redis_check(const char *where)
{
	char	host[DIRMSG_HOSTMAX];
	int	port;

	return (dirmsg_address(where, host, &port));
}

/* What Redis said that this code did not expect: say so, carry on. */
static void
dirredis_odd(const char *what, const char *s, size_t len)
{
	char	shown[65];
	size_t	i;

	for (i = 0; i < len && i < sizeof shown - 1; i++)
		shown[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
	shown[i] = '\0';
	log_warn("directory: ignored %s from Redis: \"%s\"%s", what, shown,
	    len > i ? "..." : "");
}

static void
dirredis_odd_reply(const char *what, const redisReply *rep)
{
	char	type[32];

	if (rep->type == REDIS_REPLY_ERROR || rep->type == REDIS_REPLY_STRING ||
	    rep->type == REDIS_REPLY_STATUS) {
		dirredis_odd(what, rep->str, rep->len);
		return;
	}
	snprintf(type, sizeof type, "reply of type %d", rep->type);
	dirredis_odd(what, type, strlen(type));
}

/* Send a command on cmd; fn(privdata) gets its reply (NULL if the
 * connection goes first). 0, or -1 when it cannot be sent: privdata is
 * still the caller's. */
static int
dirredis_command(struct dirredis *r, redisCallbackFn *fn, void *privdata,
    const char *fmt, ...)
{
	va_list	ap;
	int	rc;

	if (r->cmd == NULL)
		return (-1);
	va_start(ap, fmt);
	rc = redisvAsyncCommand(r->cmd, fn, privdata, fmt, ap);
	va_end(ap);
	if (rc != REDIS_OK)
		return (-1);
	metrics_add(METRICS_DIRECTORY_COMMANDS, 1);
	return (0);
}

/* The reply of a command that only has to work. */
static void
dirredis_checked(redisAsyncContext *ac, void *reply, void *privdata)
{
	redisReply	*rep = reply;

	if (rep != NULL && rep->type == REDIS_REPLY_ERROR)
		dirredis_odd_reply("an error", rep);
}

/* Run script on (account, device), fn(privdata) getting the reply. */
static int
dirredis_script(struct dirredis *r, const char *script, int64_t account,
    uint32_t device, redisCallbackFn *fn, void *privdata)
{
	char	key[DIRREDIS_KEYMAX], dev[DIRREDIS_KEYMAX];

	snprintf(key, sizeof key, "dev:%lld:%u", (long long)account, device);
	snprintf(dev, sizeof dev, "%lld %u", (long long)account, device);
	return (dirredis_command(r, fn, privdata, "EVAL %s 1 %s %s %s",
	    script, key, r->node, dev));
}

/* Wake node for (account, device) with the next flush, unless node is
 * this one: the key still names it while its forget is on the way. */
static enum directory_where
dirredis_notify(struct dirredis *r, const char *node, int64_t account,
    uint32_t device)
{
	if (strcmp(node, r->node) == 0)
		return (DIRECTORY_OFFLINE);
	dirwake_add(r->wakes, node, account, device);
	return (DIRECTORY_ELSEWHERE);
}

static void
dirredis_publish_wake(const char *node, const char *msg, size_t len,
    void *arg)
{
	struct dirredis	*r = arg;
	char		 chan[DIRREDIS_CHANMAX];

	snprintf(chan, sizeof chan, DIRREDIS_NODECHAN "%s", node);
	if (dirredis_command(r, dirredis_checked, NULL, "PUBLISH %s %b", chan,
	    msg, len) != 0)
		metrics_add(METRICS_DIRECTORY_WAKES_DROPPED, 1);
}

/* Send the wake-ups gathered: one PUBLISH per node. */
static void
dirredis_wake_flush(void *state)
{
	struct dirredis	*r = state;

	if (dirwake_pending(r->wakes) > 0)
		dirwake_drain(r->wakes, dirredis_publish_wake, r);
}

/* A string reply that can be a node's name: 1, else 0. */
static int
dirredis_is_name(const redisReply *rep)
{
	return (rep->type == REDIS_REPLY_STRING && strlen(rep->str) ==
	    rep->len && directory_node_check(rep->str) == 0);
}

/* The answer to a wake's GET: cache it, and wake the node it names. */
static void
dirredis_found(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct dirredis		*r = ac->data;
	struct dirredis_req	*q = privdata;
	redisReply		*rep = reply;

	if (r == NULL || rep == NULL)
		metrics_add(METRICS_DIRECTORY_WAKES_DROPPED, 1);
	else if (rep->type == REDIS_REPLY_NIL)
		(void)dircache_put(r->cache, q->ticket, q->account, q->device,
		    NULL);
	else if (dirredis_is_name(rep)) {
		(void)dircache_put(r->cache, q->ticket, q->account, q->device,
		    rep->str);
		(void)dirredis_notify(r, rep->str, q->account, q->device);
		dirredis_wake_flush(r);
	} else
		dirredis_odd_reply("an answer to GET", rep);
	free(q);
}

/* (account, device) is served by another node now: not ours to announce
 * again (the session here is closed without a forget), and the session
 * here is told. */
static void
dirredis_moved(struct dirredis *r, int64_t account, uint32_t device)
{
	itab_del(r->served, itab_key_pair(account, device));
	if (r->hooks.moved != NULL)
		r->hooks.moved(account, device);
}

/* Who holds a device this node announced again: if another node, the
 * device moved while this one could not hear of it. */
static void
dirredis_reannounced(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct dirredis		*r = ac->data;
	struct dirredis_req	*q = privdata;
	redisReply		*rep = reply;

	if (r != NULL && rep != NULL) {
		if (!dirredis_is_name(rep))
			dirredis_odd_reply("an answer to an announce", rep);
		else if (strcmp(rep->str, r->node) != 0)
			dirredis_moved(r, q->account, q->device);
	}
	free(q);
}

static void
dirredis_reannounce(uint64_t key, uint64_t value, void *arg)
{
	struct dirredis		*r = arg;
	struct dirredis_req	*q = xcalloc(1, sizeof *q);

	q->account = (int64_t)(key >> 32);
	q->device = (uint32_t)key;
	if (dirredis_script(r, dirredis_reannounce_lua, q->account, q->device,
	    dirredis_reannounced, q) != 0)
		free(q);
}

/* Both connections work: serve. */
static void
dirredis_maybe_up(struct dirredis *r)
{
	if (r->up || !r->pinged || r->subscribed < 3)
		return;
	r->up = 1;
	r->beats_missed = 0;
	r->backoff_ms = DIRREDIS_RETRY_MIN_MS;
	metrics_add(METRICS_DIRECTORY_CONNECTED, 1);
	dircache_clear(r->cache);
	if (r->said_down)
		log_warn("directory: connected to %s again as node %s "
		    "(devices served here: %zu)", r->where, r->node,
		    itab_count(r->served));
	else
		log_info("directory: connected to %s as node %s", r->where,
		    r->node);
	r->said_down = 0;
	itab_foreach(r->served, dirredis_reannounce, r);
	/* Lists this node changed while down (or before a crash) were
	 * never told: every node forgets them all. */
	(void)dirredis_command(r, dirredis_checked, NULL, "PUBLISH %s all",
	    DIRREDIS_LISTS);
	if (r->hooks.live != NULL)
		r->hooks.live(1);
}

static void
dirredis_pong(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct dirredis	*r = ac->data;
	redisReply	*rep = reply;

	if (r == NULL || rep == NULL)
		return;
	if (rep->type != REDIS_REPLY_STATUS || strcmp(rep->str, "PONG") != 0) {
		/* -LOADING after a restart, say: try again later. */
		dirredis_down(r, rep->type == REDIS_REPLY_ERROR ? rep->str :
		    "no PONG to PING");
		return;
	}
	r->pinged = 1;
	dirredis_maybe_up(r);
}

/* A wake message, checked whole by dirmsg_order: each of its devices. */
static void
dirredis_woken(struct dirredis *r, const char *s, size_t len)
{
	const char	*p = s + 5, *end = s + len;	/* past "wake " */
	int64_t		 account;
	uint32_t	 device;

	while (r->hooks.wake != NULL &&
	    dirmsg_wake_next(&p, end, &account, &device) == 1)
		r->hooks.wake(account, device);
}

/* A message on this node's channel: an order, or our own heartbeat. */
static void
dirredis_order(struct dirredis *r, const char *s, size_t len)
{
	int64_t		account;
	uint32_t	device;

	switch (dirmsg_order(s, len, &account, &device)) {
	case DIRMSG_PING:
		r->beats_missed = 0;
		break;
	case DIRMSG_WAKE:
		dirredis_woken(r, s, len);
		break;
	case DIRMSG_MOVED:
		dirredis_moved(r, account, device);
		break;
	case DIRMSG_LINK:
		if (r->hooks.link != NULL)
			r->hooks.link(s, len);
		break;
	case DIRMSG_BAD:
		dirredis_odd("a message on " DIRREDIS_NODECHAN "NODE", s, len);
		break;
	}
}

/* A message on natter:dev: "A D" changed. */
static void
dirredis_changed(struct dirredis *r, const char *s, size_t len)
{
	int64_t		account;
	uint32_t	device;

	if (dirmsg_device(s, len, &account, &device) != 0) {
		dirredis_odd("a message on " DIRREDIS_CHANGED, s, len);
		return;
	}
	dircache_drop(r->cache, account, device);
}

/* A message on natter:list: "A", "all" or "low A D N". */
static void
dirredis_list(struct dirredis *r, const char *s, size_t len)
{
	int64_t		account;
	uint32_t	device, count;

	if (dirmsg_low(s, len, &account, &device, &count) == 0) {
		if (r->hooks.prekeys_low != NULL)
			r->hooks.prekeys_low(account, device, count);
		return;
	}
	if (dirmsg_list(s, len, &account) != 0) {
		dirredis_odd("a message on " DIRREDIS_LISTS, s, len);
		return;
	}
	if (r->hooks.devices_changed != NULL)
		r->hooks.devices_changed(account);
}

/* 1 if rep is an array of n elements of these types, else 0. */
static int
dirredis_shape(const redisReply *rep, size_t n, const int *types)
{
	size_t	i;

	if (rep->type != REDIS_REPLY_ARRAY || rep->elements != n)
		return (0);
	for (i = 0; i < n; i++) {
		if (rep->element[i]->type != types[i])
			return (0);
	}
	return (1);
}

/* Everything sub receives: subscribe confirmations, then messages. */
static void
dirredis_message(redisAsyncContext *ac, void *reply, void *privdata)
{
	static const int	 confirm[] = { REDIS_REPLY_STRING,
				    REDIS_REPLY_STRING, REDIS_REPLY_INTEGER };
	static const int	 message[] = { REDIS_REPLY_STRING,
				    REDIS_REPLY_STRING, REDIS_REPLY_STRING };
	struct dirredis		*r = ac->data;
	redisReply		*rep = reply, *body;
	const char		*kind, *chan;

	if (r == NULL || rep == NULL)
		return;
	if (dirredis_shape(rep, 3, confirm) &&
	    strcmp(rep->element[0]->str, "subscribe") == 0) {
		r->subscribed++;
		dirredis_maybe_up(r);
		return;
	}
	if (!dirredis_shape(rep, 3, message) ||
	    strcmp((kind = rep->element[0]->str), "message") != 0) {
		dirredis_odd_reply("a reply on the subscription", rep);
		return;
	}
	chan = rep->element[1]->str;
	body = rep->element[2];
	if (strcmp(chan, r->chan) == 0)
		dirredis_order(r, body->str, body->len);
	else if (strcmp(chan, DIRREDIS_CHANGED) == 0)
		dirredis_changed(r, body->str, body->len);
	else if (strcmp(chan, DIRREDIS_LISTS) == 0)
		dirredis_list(r, body->str, body->len);
	else
		dirredis_odd("a message on another channel", chan,
		    strlen(chan));
}

/* Let go of a connection: it calls nothing of ours any more, and hiredis
 * frees it (once out of its callback, if in one). */
static void
dirredis_drop(redisAsyncContext **acp)
{
	redisAsyncContext	*ac = *acp;

	if (ac == NULL)
		return;
	*acp = NULL;
	ac->data = NULL;
	redisAsyncFree(ac);
}

/* ac failed to connect or closed, and hiredis frees it on return. */
static void
dirredis_lost(const redisAsyncContext *ac)
{
	struct dirredis	*r = ac->data;
	char		 why[160];

	if (r == NULL)
		return;
	snprintf(why, sizeof why, "%s", ac->err != 0 ? ac->errstr :
	    "connection closed");
	if (ac == r->cmd)
		r->cmd = NULL;
	else if (ac == r->sub)
		r->sub = NULL;
	dirredis_down(r, why);
}

static void
dirredis_connected(const redisAsyncContext *ac, int status)
{
	if (status != REDIS_OK)
		dirredis_lost(ac);
}

static void
dirredis_disconnected(const redisAsyncContext *ac, int status)
{
	dirredis_lost(ac);
}

/* Take the directory down, why saying why, and try again later. */
static void
dirredis_down(struct dirredis *r, const char *why)
{
	dirredis_drop(&r->cmd);
	dirredis_drop(&r->sub);
	r->pinged = r->subscribed = r->dialing = 0;
	dircache_clear(r->cache);
	if (r->up) {
		r->up = 0;
		if (r->hooks.live != NULL)
			r->hooks.live(0);
		metrics_sub(METRICS_DIRECTORY_CONNECTED, 1);
		log_warn("directory: lost %s (%s); wake-ups for other nodes "
		    "are dropped until it is back", r->where, why);
	} else if (!r->said_down)
		log_warn("directory: cannot reach %s (%s); serving the "
		    "devices connected here, retrying", r->where, why);
	r->said_down = 1;
	if (r->closing)
		return;
	uv_timer_start(&r->timer, dirredis_tick, r->backoff_ms, 0);
	r->backoff_ms *= 2;
	if (r->backoff_ms > DIRREDIS_RETRY_MAX_MS)
		r->backoff_ms = DIRREDIS_RETRY_MAX_MS;
}

/* A connection to ip, on the loop; NULL with why set if it failed now. */
static redisAsyncContext *
dirredis_open_one(struct dirredis *r, const char *ip, char *why,
    size_t whylen)
{
	redisAsyncContext	*ac = redisAsyncConnect(ip, r->port);

	if (ac == NULL)
		fatal("directory: out of memory");
	if (ac->err != 0) {
		snprintf(why, whylen, "%s", ac->errstr);
		redisAsyncFree(ac);
		return (NULL);
	}
	if (redisLibuvAttach(ac, r->loop) != REDIS_OK) {
		snprintf(why, whylen, "cannot watch its socket");
		redisAsyncFree(ac);
		return (NULL);
	}
	ac->data = r;
	redisAsyncSetConnectCallback(ac, dirredis_connected);
	redisAsyncSetDisconnectCallback(ac, dirredis_disconnected);
	return (ac);
}

/* Connect both to ip; the PING and the SUBSCRIBE go out once the
 * connections are made (and a connection is only known to be made when
 * it has something to write). */
static void
dirredis_dial(struct dirredis *r, const char *ip)
{
	char	why[160];

	if ((r->cmd = dirredis_open_one(r, ip, why, sizeof why)) == NULL ||
	    (r->sub = dirredis_open_one(r, ip, why, sizeof why)) == NULL) {
		dirredis_down(r, why);
		return;
	}
	if (dirredis_command(r, dirredis_pong, NULL, "PING") != 0 ||
	    redisAsyncCommand(r->sub, dirredis_message, NULL,
	    "SUBSCRIBE %s %s %s", r->chan, DIRREDIS_CHANGED,
	    DIRREDIS_LISTS) != REDIS_OK)
		dirredis_down(r, "cannot send a command");
}

static void
dirredis_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct dirredis	*r = req->data;
	char		 ip[INET6_ADDRSTRLEN], why[DIRMSG_HOSTMAX + 64];

	r->resolving = 0;
	if (r->closing)
		dirredis_free(r);
	else if (!r->dialing)
		;	/* that attempt was abandoned */
	else if (status != 0 || getnameinfo(res->ai_addr, res->ai_addrlen, ip,
	    sizeof ip, NULL, 0, NI_NUMERICHOST) != 0) {
		snprintf(why, sizeof why, "cannot look up %s: %s", r->host,
		    status != 0 ? uv_strerror(status) : "no address");
		dirredis_down(r, why);
	} else
		dirredis_dial(r, ip);
	uv_freeaddrinfo(res);
}

/* Connect to the address, or look the host name up first (on libuv's
 * threads: getaddrinfo blocks). */
static void
dirredis_connect(struct dirredis *r)
{
	struct addrinfo	hints;
	unsigned char	a[sizeof(struct in6_addr)];
	int		rc;

	r->dialing = 1;
	uv_timer_start(&r->timer, dirredis_tick, DIRREDIS_DEADLINE_MS,
	    DIRREDIS_BEAT_MS);
	if (r->resolving)
		return;		/* the lookup of an abandoned attempt */
	if (inet_pton(AF_INET, r->host, a) == 1 ||
	    inet_pton(AF_INET6, r->host, a) == 1) {
		dirredis_dial(r, r->host);
		return;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = uv_getaddrinfo(r->loop, &r->resolve, dirredis_resolved, r->host,
	    NULL, &hints);
	if (rc != 0)
		dirredis_down(r, uv_strerror(rc));
	else
		r->resolving = 1;
}

/* Why an attempt is not up by its deadline: a connect's error, which
 * the adapter does not pass on, or silence. */
static void
dirredis_why_late(struct dirredis *r, char *why, size_t len)
{
	int		err = 0;
	socklen_t	sl = sizeof err;

	if (r->cmd != NULL && getsockopt(r->cmd->c.fd, SOL_SOCKET, SO_ERROR,
	    &err, &sl) == 0 && err != 0)
		snprintf(why, len, "%s", strerror(err));
	else
		snprintf(why, len, "no answer within %d ms",
		    DIRREDIS_DEADLINE_MS);
}

/* Down: try again. Trying: the deadline. Up: the heartbeat. */
static void
dirredis_tick(uv_timer_t *t)
{
	struct dirredis	*r = t->data;
	char		 why[128];

	if (!r->dialing)
		dirredis_connect(r);
	else if (!r->up) {
		dirredis_why_late(r, why, sizeof why);
		dirredis_down(r, why);
	} else if (r->beats_missed >= DIRREDIS_BEATS_MISSED) {
		snprintf(why, sizeof why, "no heartbeat for %d ms",
		    DIRREDIS_BEATS_MISSED * DIRREDIS_BEAT_MS);
		dirredis_down(r, why);
	} else {
		r->beats_missed++;
		(void)dirredis_command(r, dirredis_checked, NULL,
		    "PUBLISH %s ping", r->chan);
	}
}

static int
dirredis_open(const struct directory_config *c, void **state, char **err)
{
	struct dirredis	*r;

	if (c->where == NULL || directory_redis_check(c->where) != 0) {
		xasprintf(err, "bad directory address %s (want "
		    "redis://HOST:PORT)", c->where != NULL ? c->where : "");
		return (-1);
	}
	if (c->node == NULL || directory_node_check(c->node) != 0) {
		xasprintf(err, "bad node name %s", c->node != NULL ? c->node :
		    "");
		return (-1);
	}
	r = xcalloc(1, sizeof *r);
	r->loop = c->loop;
	r->hooks = c->hooks;
	(void)dirmsg_address(c->where, r->host, &r->port);
	snprintf(r->where, sizeof r->where, "%s", c->where);
	snprintf(r->node, sizeof r->node, "%s", c->node);
	snprintf(r->chan, sizeof r->chan, DIRREDIS_NODECHAN "%s", c->node);
	r->served = itab_create();
	r->cache = dircache_create(DIRREDIS_CACHEMAX);
	r->wakes = dirwake_create();
	r->backoff_ms = DIRREDIS_RETRY_MIN_MS;
	r->resolve.data = r;
	uv_timer_init(r->loop, &r->timer);
	r->timer.data = r;
	r->timer_open = 1;
	dirredis_connect(r);
	*state = r;
	return (0);
}

/* Free r once nothing of the loop's points at it any more. */
static void
dirredis_free(struct dirredis *r)
{
	if (!r->closing || r->timer_open || r->resolving)
		return;
	itab_free(r->served);
	dircache_free(r->cache);
	dirwake_free(r->wakes);
	free(r);
}

static void
dirredis_timer_closed(uv_handle_t *h)
{
	struct dirredis	*r = h->data;

	r->timer_open = 0;
	dirredis_free(r);
}

/*
 * The forgets of the sessions closed last are on their way: cmd, if up,
 * is closed with redisAsyncDisconnect, which sends what was written and
 * waits for the replies (to nobody: r is gone by then). A connection
 * still being made is let go of at once: it might take a TCP timeout.
 */
static void
dirredis_close(void *state)
{
	struct dirredis		*r = state;
	redisAsyncContext	*ac = r->cmd;

	r->closing = 1;
	if (ac != NULL && r->up) {
		r->cmd = NULL;
		ac->data = NULL;
		redisAsyncDisconnect(ac);
	}
	if (r->up)
		metrics_sub(METRICS_DIRECTORY_CONNECTED, 1);
	r->up = 0;
	dirredis_drop(&r->cmd);
	dirredis_drop(&r->sub);
	uv_close((uv_handle_t *)&r->timer, dirredis_timer_closed);
	if (r->resolving)
		(void)uv_cancel((uv_req_t *)&r->resolve);
}

static void
dirredis_announce(void *state, int64_t account, uint32_t device)
{
	struct dirredis	*r = state;

	itab_put(r->served, itab_key_pair(account, device), 1);
	if (r->up)
		(void)dirredis_script(r, dirredis_announce_lua, account,
		    device, dirredis_checked, NULL);
}

static void
dirredis_forget(void *state, int64_t account, uint32_t device)
{
	struct dirredis	*r = state;

	itab_del(r->served, itab_key_pair(account, device));
	if (r->up)
		(void)dirredis_script(r, dirredis_forget_lua, account, device,
		    dirredis_checked, NULL);
}

/* From the cache, or ask: the wake-up leaves with the answer. */
static enum directory_where
dirredis_wake(void *state, int64_t account, uint32_t device)
{
	struct dirredis		*r = state;
	struct dirredis_req	*q;
	const char		*node;
	char			 key[DIRREDIS_KEYMAX];

	if (!r->up) {
		metrics_add(METRICS_DIRECTORY_WAKES_DROPPED, 1);
		return (DIRECTORY_UNREACHABLE);
	}
	switch (dircache_get(r->cache, account, device, &node)) {
	case DIRCACHE_OFFLINE:
		return (DIRECTORY_OFFLINE);
	case DIRCACHE_NODE:
		return (dirredis_notify(r, node, account, device));
	case DIRCACHE_MISS:
		break;
	}
	q = xcalloc(1, sizeof *q);
	q->account = account;
	q->device = device;
	q->ticket = dircache_ticket(r->cache, account, device);
	snprintf(key, sizeof key, "dev:%lld:%u", (long long)account, device);
	if (dirredis_command(r, dirredis_found, q, "GET %s", key) != 0) {
		free(q);
		metrics_add(METRICS_DIRECTORY_WAKES_DROPPED, 1);
		return (DIRECTORY_UNREACHABLE);
	}
	return (DIRECTORY_PENDING);
}

/* Dropped while down: coming up tells "all" instead. */
static void
dirredis_devices_changed(void *state, int64_t account)
{
	struct dirredis	*r = state;

	if (r->up)
		(void)dirredis_command(r, dirredis_checked, NULL,
		    "PUBLISH %s %lld", DIRREDIS_LISTS, (long long)account);
}

/* Dropped while down: the device is warned at its next sign-in. */
static void
dirredis_prekeys_low(void *state, int64_t account, uint32_t device,
    uint32_t count)
{
	struct dirredis	*r = state;
	char		 msg[DIRREDIS_KEYMAX];

	snprintf(msg, sizeof msg, "low %lld %u %u", (long long)account,
	    device, count);
	if (r->up)
		(void)dirredis_command(r, dirredis_checked, NULL,
		    "PUBLISH %s %s", DIRREDIS_LISTS, msg);
}

/* A script's answer, as directory.h tells it: NULL (the connection went
 * first, or was let go of) is DIRECTORY_REPLY_LOST. */
static void
dirredis_evaled(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct dirredis_eval	*e = privdata;
	struct directory_reply	 out;
	redisReply		*rep = reply;

	memset(&out, 0, sizeof out);
	out.type = DIRECTORY_REPLY_LOST;
	if (rep != NULL) {
		switch (rep->type) {
		case REDIS_REPLY_ERROR:
			out.type = DIRECTORY_REPLY_ERROR;
			break;
		case REDIS_REPLY_NIL:
			out.type = DIRECTORY_REPLY_NIL;
			break;
		case REDIS_REPLY_INTEGER:
			out.type = DIRECTORY_REPLY_INTEGER;
			break;
		case REDIS_REPLY_STRING:
			out.type = DIRECTORY_REPLY_STRING;
			break;
		default:
			out.type = DIRECTORY_REPLY_OTHER;
			break;
		}
		out.integer = rep->integer;
		out.str = rep->type == REDIS_REPLY_ERROR ||
		    rep->type == REDIS_REPLY_STRING ? rep->str : NULL;
		out.len = out.str != NULL ? rep->len : 0;
	}
	e->cb(&out, e->arg);
	free(e);
}

/* EVAL script 1 key node argv...: each argument binary, with its length. */
static int
dirredis_eval(void *state, const char *script, const char *key, int argc,
    const char **argv, const size_t *argvlen, directory_eval_cb *cb,
    void *arg)
{
	struct dirredis		*r = state;
	struct dirredis_eval	*e;
	const char		**av;
	size_t			*al;
	int			 n = argc + 5, i, rc;

	if (!r->up || r->cmd == NULL || argc < 0)
		return (-1);
	av = xcalloc((size_t)n, sizeof *av);
	al = xcalloc((size_t)n, sizeof *al);
	av[0] = "EVAL";
	av[1] = script;
	av[2] = "1";
	av[3] = key;
	av[4] = r->node;
	for (i = 0; i < 5; i++)
		al[i] = strlen(av[i]);
	for (i = 0; i < argc; i++) {
		av[5 + i] = argv[i];
		al[5 + i] = argvlen[i];
	}
	e = xcalloc(1, sizeof *e);
	e->cb = cb;
	e->arg = arg;
	rc = redisAsyncCommandArgv(r->cmd, dirredis_evaled, e, n, av, al);
	free(av);
	free(al);
	if (rc != REDIS_OK) {
		free(e);
		return (-1);
	}
	metrics_add(METRICS_DIRECTORY_COMMANDS, 1);
	return (0);
}

const struct directory_ops directory_redis_ops = {
	"redis", dirredis_open, dirredis_close, dirredis_announce,
	dirredis_forget, dirredis_wake, dirredis_devices_changed,
	dirredis_eval, dirredis_prekeys_low, dirredis_wake_flush
};
