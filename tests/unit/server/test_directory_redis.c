/* test_directory_redis: the Redis directory against a real redis-server on
 * a loopback port: wake-ups reach the node that serves a device, "moved"
 * reaches the node that lost it, forget deletes only its own key, caches
 * follow a device that moves, Redis killed and restarted (or connections
 * killed) is survived, garbage on the channels is ignored, scripts run
 * (directory_eval) and link messages reach their hook; and the cache and
 * text modules (dircache, dirmsg, with linkdir.c's messages and keys)
 * alone. redis-server comes from scripts/setup: if it is missing the
 * tests fail, they do not skip. */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <uv.h>

#include "server/dircache.h"
#include "server/directory.h"
#include "server/dirmsg.h"
#include "server/dirwake.h"
#include "server/metrics.h"
#include "tests/unit/unit.h"

#define NINST		3
#define MAXEVENTS	64
#define WAIT_MS		10000

/* What one directory instance's hooks were called with. */
struct events {
	int		n;
	int64_t		account[MAXEVENTS];
	uint32_t	device[MAXEVENTS];
};

struct inst {
	struct directory	*d;
	char			 name[16];
	struct events		 wakes, moves;
	struct events		 lists;		/* device 0; -1: "all" */
	struct events		 lows;		/* prekeys low: device */
	uint32_t		 low_count;	/* the last one's count */
	int			 live;
	int			 links;		/* link messages heard */
	char			 link[64];	/* the last, up to 63 bytes */
};

static uv_loop_t	 loop;
static uv_timer_t	 tick;
static struct inst	 inst[NINST];
static char		 tmpdir[64];
static int		 redis_port;
static pid_t		 redis_pid = -1;

static void
record(struct events *e, int64_t account, uint32_t device)
{
	ck_assert_int_lt(e->n, MAXEVENTS);
	e->account[e->n] = account;
	e->device[e->n] = device;
	e->n++;
}

static void
record_link(struct inst *in, const char *s, size_t len)
{
	if (len >= sizeof in->link)
		len = sizeof in->link - 1;
	memcpy(in->link, s, len);
	in->link[len] = '\0';
	in->links++;
}

/* Hooks carry no state pointer: one set per instance. */
#define HOOKS(i)							\
static void wake##i(int64_t a, uint32_t d) { record(&inst[i].wakes, a, d); } \
static void moved##i(int64_t a, uint32_t d) { record(&inst[i].moves, a, d); } \
static void list##i(int64_t a) { record(&inst[i].lists, a, 0); }	\
static void live##i(int up) { inst[i].live = up; }			\
static void link##i(const char *s, size_t n) { record_link(&inst[i], s, n); } \
static void low##i(int64_t a, uint32_t d, uint32_t n)			\
{ record(&inst[i].lows, a, d); inst[i].low_count = n; }
HOOKS(0)
HOOKS(1)
HOOKS(2)
static const struct directory_hooks hooks[NINST] = {
	{ wake0, moved0, list0, live0, link0, low0 },
	{ wake1, moved1, list1, live1, link1, low1 },
	{ wake2, moved2, list2, live2, link2, low2 }
};

/* What a directory_eval answered. */
struct evaled {
	int				n;
	enum directory_reply_type	type;
	long long			integer;
	char				str[64];
	size_t				len;
};

static void
evaled_cb(const struct directory_reply *rep, void *arg)
{
	struct evaled	*e = arg;

	e->n++;
	e->type = rep->type;
	e->integer = rep->integer;
	e->len = rep->len;
	if (rep->str != NULL)	/* an error's sentence may be cut */
		memcpy(e->str, rep->str, rep->len < sizeof e->str ? rep->len :
		    sizeof e->str);
}

static void
tick_cb(uv_timer_t *t)
{
}

/* Run the loop until cond holds; fail after WAIT_MS. A timer ticks so
 * that the loop comes round to test cond again. */
#define WAIT(cond) do {							\
	uint64_t	dl_;						\
	uv_update_time(&loop);						\
	dl_ = uv_now(&loop) + WAIT_MS;					\
	uv_timer_start(&tick, tick_cb, 5, 5);				\
	while (!(cond)) {						\
		uv_update_time(&loop);					\
		ck_assert_msg(uv_now(&loop) < dl_, "timed out: %s", #cond); \
		uv_run(&loop, UV_RUN_ONCE);				\
	}								\
	uv_timer_stop(&tick);						\
} while (0)

static int
free_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	int			fd = socket(AF_INET, SOCK_STREAM, 0), port;

	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return (port);
}

/* A synchronous client for the test's own look at Redis; NULL if it
 * does not answer. */
static redisContext *
redis_client(void)
{
	struct timeval	 tv = { 1, 0 };
	redisContext	*c = redisConnectWithTimeout("127.0.0.1", redis_port, tv);

	if (c != NULL && c->err != 0) {
		redisFree(c);
		return (NULL);
	}
	return (c);
}

/* One command's reply as a string ("(nil)", "(error) ...", the integer
 * or the string); the caller frees. */
static char *
redis_do(const char *fmt, const char *a, const char *b)
{
	redisContext	*c = redis_client();
	redisReply	*r;
	char		*s;

	ck_assert_msg(c != NULL, "redis on port %d does not answer",
	    redis_port);
	r = redisCommand(c, fmt, a, b);
	ck_assert_ptr_nonnull(r);
	if (r->type == REDIS_REPLY_NIL)
		s = strdup("(nil)");
	else if (r->type == REDIS_REPLY_INTEGER) {
		ck_assert_int_ge(asprintf(&s, "%lld", r->integer), 0);
	} else if (r->type == REDIS_REPLY_ERROR) {
		ck_assert_int_ge(asprintf(&s, "(error) %s", r->str), 0);
	} else
		s = strdup(r->str != NULL ? r->str : "?");
	freeReplyObject(r);
	redisFree(c);
	return (s);
}

static int
redis_is(const char *fmt, const char *a, const char *want)
{
	char	*s = redis_do(fmt, a, NULL);
	int	 same = strcmp(s, want) == 0;

	free(s);
	return (same);
}

static int
redis_answers(void)
{
	redisContext	*c;
	int		 status;

	ck_assert_msg(waitpid(redis_pid, &status, WNOHANG) == 0,
	    "redis-server exited (status %d): is it installed? "
	    "(scripts/setup installs it)", status);
	if ((c = redis_client()) == NULL)
		return (0);
	redisFree(c);
	return (redis_is("PING", NULL, "PONG"));
}

/* Start redis-server on redis_port with nothing saved; it dies with
 * this test process even if the test fails before its teardown. */
static void
redis_start(void)
{
	char	port[16];
	int	fd;

	snprintf(port, sizeof port, "%d", redis_port);
	redis_pid = fork();
	ck_assert_int_ge(redis_pid, 0);
	if (redis_pid == 0) {
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		if ((fd = open("/dev/null", O_RDWR)) >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
		}
		execlp("redis-server", "redis-server", "--port", port,
		    "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		    "--dir", tmpdir, (char *)NULL);
		fprintf(stderr, "cannot run redis-server: %s\n",
		    strerror(errno));
		_exit(127);
	}
	WAIT(redis_answers());
}

static void
redis_kill(void)
{
	if (redis_pid <= 0)
		return;
	kill(redis_pid, SIGKILL);
	(void)waitpid(redis_pid, NULL, 0);
	redis_pid = -1;
}

static void
open_inst(int i, const char *where)
{
	struct directory_config	 c;
	char			*err = NULL;

	memset(&inst[i], 0, sizeof inst[i]);
	snprintf(inst[i].name, sizeof inst[i].name, "node%c", 'a' + i);
	memset(&c, 0, sizeof c);
	c.loop = &loop;
	c.where = where;
	c.node = inst[i].name;
	c.hooks = hooks[i];
	inst[i].d = directory_create(&directory_redis_ops, &c, &err);
	ck_assert_msg(inst[i].d != NULL, "open: %s", err);
}

static void
open_all(int n)
{
	char	where[64];
	int	i;

	snprintf(where, sizeof where, "redis://127.0.0.1:%d", redis_port);
	for (i = 0; i < n; i++)
		open_inst(i, where);
}

static void
close_all(void)
{
	int	i;

	for (i = 0; i < NINST; i++) {
		directory_free(inst[i].d);
		inst[i].d = NULL;
	}
	/* Whatever the directories left on the loop closes now. */
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_uint_eq(metrics_get(METRICS_DIRECTORY_CONNECTED), 0);
}

static int
has(const struct events *e, int64_t account, uint32_t device)
{
	int	i;

	for (i = 0; i < e->n; i++) {
		if (e->account[i] == account && e->device[i] == device)
			return (1);
	}
	return (0);
}

/* Everything published to instance i's channel before this has been
 * handled: a wake-up of a marker device, sent after, has arrived. */
static void
barrier(int i)
{
	static uint32_t	marker;
	char		chan[64], msg[64];
	char		*s;

	marker++;
	snprintf(chan, sizeof chan, "natter:node:%s", inst[i].name);
	snprintf(msg, sizeof msg, "wake 999 %u", marker);
	s = redis_do("PUBLISH %s %s", chan, msg);
	free(s);
	WAIT(has(&inst[i].wakes, 999, marker));
	inst[i].wakes.n--;	/* the marker is not an event of the test */
}

static void
setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/natter-unit.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	ck_assert_int_eq(uv_loop_init(&loop), 0);
	uv_timer_init(&loop, &tick);
	redis_port = free_port();
	memset(inst, 0, sizeof inst);
}

static void
teardown(void)
{
	redis_kill();
	uv_close((uv_handle_t *)&tick, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
	(void)rmdir(tmpdir);
}

#define CONNECTED(n)	(metrics_get(METRICS_DIRECTORY_CONNECTED) == (n))

/* Announce on a, wake from b; the device moves to b, then to c; forgets
 * delete only their own node's key. */
START_TEST(test_redis_routing)
{
	redis_start();
	open_all(3);
	WAIT(CONNECTED(3));

	directory_announce(inst[0].d, 1, 1);
	WAIT(redis_is("GET %s", "dev:1:1", "nodea"));
	/* b has heard of the change: an answer it gets now is kept. */
	barrier(1);
	/* A miss asks; the wake-up leaves with the answer. */
	ck_assert_int_eq(directory_wake(inst[1].d, 1, 1), DIRECTORY_PENDING);
	WAIT(inst[0].wakes.n == 1);
	ck_assert(has(&inst[0].wakes, 1, 1));
	/* The answer was cached: the next one goes at once. */
	ck_assert_int_eq(directory_wake(inst[1].d, 1, 1), DIRECTORY_ELSEWHERE);
	WAIT(inst[0].wakes.n == 2);
	ck_assert_int_eq(inst[1].wakes.n + inst[2].wakes.n, 0);

	/* The device connects to b: a hears it moved, b owns the key. */
	directory_announce(inst[1].d, 1, 1);
	WAIT(has(&inst[0].moves, 1, 1));
	ck_assert(redis_is("GET %s", "dev:1:1", "nodeb"));
	ck_assert_int_eq(inst[1].moves.n, 0);
	/* a's session closes: its forget must not delete b's key. A later
	 * announce of a on its connection is the proof a's forget ran. */
	directory_forget(inst[0].d, 1, 1);
	directory_announce(inst[0].d, 9, 9);
	WAIT(redis_is("GET %s", "dev:9:9", "nodea"));
	ck_assert(redis_is("GET %s", "dev:1:1", "nodeb"));
	/* a asks where it is now, and wakes b. */
	ck_assert_int_eq(directory_wake(inst[0].d, 1, 1), DIRECTORY_PENDING);
	WAIT(inst[1].wakes.n == 1);
	ck_assert(has(&inst[1].wakes, 1, 1));

	/* Now a caches "nodeb"; the device moves to c. */
	directory_announce(inst[2].d, 1, 1);
	WAIT(has(&inst[1].moves, 1, 1));
	barrier(0);
	ck_assert_int_eq(directory_wake(inst[0].d, 1, 1), DIRECTORY_PENDING);
	WAIT(inst[2].wakes.n == 1);
	ck_assert(has(&inst[2].wakes, 1, 1));
	ck_assert_int_eq(inst[1].wakes.n, 1);	/* no stale wake-up to b */

	/* c forgets it: offline for everyone. */
	directory_forget(inst[2].d, 1, 1);
	WAIT(redis_is("EXISTS %s", "dev:1:1", "0"));
	barrier(0);
	barrier(1);
	ck_assert_int_eq(directory_wake(inst[1].d, 1, 1), DIRECTORY_PENDING);
	WAIT(directory_wake(inst[1].d, 1, 1) == DIRECTORY_OFFLINE);
	ck_assert_int_eq(inst[2].wakes.n, 1);
	/* A node never wakes itself: its own stale entry is not a node. */
	ck_assert_int_eq(directory_wake(inst[0].d, 9, 9), DIRECTORY_PENDING);
	WAIT(directory_wake(inst[0].d, 9, 9) == DIRECTORY_OFFLINE);
	ck_assert_int_eq(inst[0].wakes.n, 2);

	close_all();
	/* Forgetting is the sessions' job: closing the directory leaves
	 * the keys (natterd's sessions close, and forget, before it). */
	ck_assert(redis_is("GET %s", "dev:9:9", "nodea"));
}
END_TEST

/* Redis is not there at first, is killed, comes back on the same port:
 * the nodes connect, re-announce what they serve, and wake again. */
START_TEST(test_redis_restart)
{
	uint64_t	dropped;

	open_all(2);
	/* Nothing listens yet: natterd serves, and wake-ups are dropped. */
	directory_announce(inst[0].d, 2, 1);
	dropped = metrics_get(METRICS_DIRECTORY_WAKES_DROPPED);
	ck_assert_int_eq(directory_wake(inst[1].d, 2, 1),
	    DIRECTORY_UNREACHABLE);
	ck_assert_uint_eq(metrics_get(METRICS_DIRECTORY_WAKES_DROPPED),
	    dropped + 1);
	redis_start();
	WAIT(CONNECTED(2));
	WAIT(redis_is("GET %s", "dev:2:1", "nodea"));
	ck_assert_int_eq(directory_wake(inst[1].d, 2, 1), DIRECTORY_PENDING);
	WAIT(has(&inst[0].wakes, 2, 1));

	/* Killed: both notice, drop wake-ups, and count them. */
	redis_kill();
	WAIT(CONNECTED(0));
	ck_assert_int_eq(directory_wake(inst[1].d, 2, 1),
	    DIRECTORY_UNREACHABLE);
	ck_assert_uint_eq(metrics_get(METRICS_DIRECTORY_WAKES_DROPPED),
	    dropped + 2);
	/* Back, empty: a announces its device again; b's cache was
	 * cleared, so it asks again and wakes a. */
	redis_start();
	WAIT(CONNECTED(2));
	WAIT(redis_is("GET %s", "dev:2:1", "nodea"));
	inst[0].wakes.n = 0;
	ck_assert_int_eq(directory_wake(inst[1].d, 2, 1), DIRECTORY_PENDING);
	WAIT(has(&inst[0].wakes, 2, 1));
	close_all();
}
END_TEST

/* The connections are cut, and meanwhile the device logs in on b: when
 * a comes back it does not take the device back, it hears it moved. */
START_TEST(test_redis_moved_while_away)
{
	char	*s;

	redis_start();
	open_all(2);
	WAIT(CONNECTED(2));
	directory_announce(inst[0].d, 3, 1);
	directory_announce(inst[0].d, 3, 2);
	WAIT(redis_is("GET %s", "dev:3:2", "nodea"));
	/* Cut every connection of the nodes; a cannot be back before the
	 * device is on b (its first retry waits 100 ms). */
	s = redis_do("CLIENT KILL TYPE pubsub", NULL, NULL);
	free(s);
	s = redis_do("CLIENT KILL TYPE normal", NULL, NULL);
	free(s);
	s = redis_do("SET %s %s", "dev:3:1", "nodeb");
	free(s);
	WAIT(CONNECTED(2) && has(&inst[0].moves, 3, 1));
	ck_assert(redis_is("GET %s", "dev:3:1", "nodeb"));
	ck_assert(redis_is("GET %s", "dev:3:2", "nodea"));
	ck_assert_int_eq(inst[0].moves.n, 1);
	close_all();
}
END_TEST

/* Garbage on a node's channel, on natter:dev and in a key is ignored. */
START_TEST(test_redis_garbage)
{
	static const char	*bad[] = { "", "wake", "wake ", "wake 1",
				    "wake 1 2 3", "wake 1  2", "wake -1 2",
				    "wake 1 x", "wake 99999999999 1",
				    "wake 1 4294967296", "moved", "moved 1",
				    "sleep 1 2", "WAKE 1 2", "wake\t1 2",
				    "wake 1 2\n" };
	char			*s;
	size_t			 i;

	redis_start();
	open_all(2);
	WAIT(CONNECTED(2));
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		s = redis_do("PUBLISH %s %s", "natter:node:nodea", bad[i]);
		free(s);
		s = redis_do("PUBLISH %s %s", "natter:dev", bad[i]);
		free(s);
	}
	s = redis_do("PUBLISH %s %s", "natter:node:nodea", "moved 4 1");
	free(s);
	barrier(0);
	ck_assert_int_eq(inst[0].wakes.n, 0);
	ck_assert_int_eq(inst[0].moves.n, 1);
	ck_assert(has(&inst[0].moves, 4, 1));

	/* A key naming no possible node, or of the wrong type. */
	s = redis_do("SET %s %s", "dev:5:1", "two words");
	free(s);
	s = redis_do("RPUSH %s %s", "dev:5:2", "x");
	free(s);
	ck_assert_int_eq(directory_wake(inst[1].d, 5, 1), DIRECTORY_PENDING);
	ck_assert_int_eq(directory_wake(inst[1].d, 5, 2), DIRECTORY_PENDING);
	/* An announce over the list fails in Redis; natterd carries on. */
	directory_announce(inst[1].d, 5, 2);
	directory_announce(inst[1].d, 5, 3);
	WAIT(redis_is("GET %s", "dev:5:3", "nodeb"));
	ck_assert_int_eq(inst[0].wakes.n + inst[1].wakes.n, 0);
	ck_assert(CONNECTED(2));
	close_all();
}
END_TEST

START_TEST(test_redis_addresses)
{
	static const char	*good[] = { "redis://127.0.0.1:6379",
				    "redis://localhost:1", "redis://[::1]:6379",
				    "redis://redis-1.example_net:65535" };
	static const char	*bad[] = { "", "redis://", "redis://:6379",
				    "redis://host", "redis://host:",
				    "redis://host:0", "redis://host:65536",
				    "redis://host:6379/0", "redis://u@host:1",
				    "rediss://host:1", "http://host:1",
				    "redis://[::1:6379", "redis://[nothex]:1",
				    "redis://::1:6379", "redis://host:+1",
				    "redis://host:123456", "REDIS://host:1" };
	struct directory_config	 c;
	char			*err = NULL;
	size_t			 i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		ck_assert_msg(directory_redis_check(good[i]) == 0, "%s",
		    good[i]);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(directory_redis_check(bad[i]) == -1, "%s",
		    bad[i]);
	ck_assert_int_eq(directory_node_check("n1"), 0);
	ck_assert_int_eq(directory_node_check("127.0.0.1:7878"), 0);
	ck_assert_int_eq(directory_node_check(""), -1);
	ck_assert_int_eq(directory_node_check("two words"), -1);
	ck_assert_int_eq(directory_node_check("tab\there"), -1);

	memset(&c, 0, sizeof c);
	c.loop = &loop;
	c.where = "redis://host";
	c.node = "n1";
	ck_assert_ptr_null(directory_create(&directory_redis_ops, &c, &err));
	ck_assert_str_eq(err, "bad directory address redis://host (want "
	    "redis://HOST:PORT)");
	free(err);
	c.where = "redis://127.0.0.1:1";
	c.node = "a b";
	ck_assert_ptr_null(directory_create(&directory_redis_ops, &c, &err));
	ck_assert_str_eq(err, "bad node name a b");
	free(err);
}
END_TEST

/* Device lists: a change one node tells reaches every node, itself
 * too; a node coming up says "all" (it may have missed telling), and
 * live follows the connection. */
static int
alls(const struct events *e)
{
	int	i, n = 0;

	for (i = 0; i < e->n; i++)
		n += e->account[i] == -1;
	return (n);
}

START_TEST(test_redis_lists)
{
	char	*s;
	int	 i, before[2];

	redis_start();
	open_all(2);
	WAIT(CONNECTED(2) && inst[0].live && inst[1].live);
	/* Each heard both comings up (its own too). */
	WAIT(alls(&inst[0].lists) == 2 && alls(&inst[1].lists) == 2);
	directory_devices_changed(inst[0].d, 42);
	for (i = 0; i < 2; i++)
		WAIT(has(&inst[i].lists, 42, 0));
	/* Garbage on the channel is ignored; what follows still works. */
	s = redis_do("PUBLISH %s %s", "natter:list", "42x");
	free(s);
	directory_devices_changed(inst[1].d, 7);
	WAIT(has(&inst[0].lists, 7, 0));
	ck_assert_int_eq(inst[0].lists.n, 4);
	/* Low prekeys reach every node, and are not a list change. */
	directory_prekeys_low(inst[1].d, 42, 3, 9);
	for (i = 0; i < 2; i++) {
		WAIT(has(&inst[i].lows, 42, 3));
		ck_assert_uint_eq(inst[i].low_count, 9);
	}
	s = redis_do("PUBLISH %s %s", "natter:list", "low 42 3");
	free(s);
	directory_devices_changed(inst[1].d, 8);
	WAIT(has(&inst[0].lists, 8, 0));
	ck_assert_int_eq(inst[0].lows.n, 1);
	ck_assert_int_eq(inst[0].lists.n, 5);
	ck_assert(directory_tells_low(inst[0].d));

	redis_kill();
	WAIT(!inst[0].live && !inst[1].live);
	/* Told while down: lost, and "all" on the way back covers it. */
	directory_devices_changed(inst[0].d, 43);
	for (i = 0; i < 2; i++)
		before[i] = alls(&inst[i].lists);
	redis_start();
	WAIT(inst[0].live && inst[1].live);
	for (i = 0; i < 2; i++) {
		WAIT(alls(&inst[i].lists) == before[i] + 2);
		ck_assert(!has(&inst[i].lists, 43, 0));
	}
	close_all();
}
END_TEST

START_TEST(test_dirmsg)
{
	static const char	*bad[] = { "", "ping ", "wake", "wake 1",
				    "wake 1 2 3", "wake  1 2", "wake +1 2",
				    "wake 01234567890 1", "wake 4294967296 1",
				    "moved 1 2 ", "Moved 1 2", "wake 1 2\n",
				    "wake 1 2 3 4 ", "wake 1 2  3 4",
				    "wake 1 2 3 4 5", "moved 1 2 3 4" };
	static const char	*badlow[] = { "low", "low ", "low 1", "low 1 2",
				    "low 1 2 ", "low 1 2 3 4", "low  1 2 3",
				    "low 1  2 3", "Low 1 2 3", "low 1 2 4294967296",
				    "low a 2 3", "42" };
	int64_t			 a;
	uint32_t		 d, n;
	static const char	 wake_list[] = "wake 1 2 30 4";
	const char		*p;
	char			 host[DIRMSG_HOSTMAX];
	int			 port;
	size_t			 i;

	ck_assert_int_eq(dirmsg_low("low 12 3 45", 11, &a, &d, &n), 0);
	ck_assert(a == 12 && d == 3 && n == 45);
	ck_assert_int_eq(dirmsg_low("low 4294967295 4294967295 0", 27, &a, &d,
	    &n), 0);
	ck_assert(a == 4294967295LL && d == 4294967295U && n == 0);
	for (i = 0; i < sizeof badlow / sizeof badlow[0]; i++)
		ck_assert_msg(dirmsg_low(badlow[i], strlen(badlow[i]), &a, &d,
		    &n) == -1, "%s", badlow[i]);
	ck_assert_int_eq(dirmsg_order("ping", 4, &a, &d), DIRMSG_PING);
	ck_assert_int_eq(dirmsg_order("wake 4294967295 7", 17, &a, &d),
	    DIRMSG_WAKE);
	ck_assert(a == 4294967295LL && d == 7);
	/* A commit's wake-ups for one node: a list of devices. */
	ck_assert_int_eq(dirmsg_order("wake 1 2 30 4", 13, &a, &d),
	    DIRMSG_WAKE);
	ck_assert(a == 1 && d == 2);
	p = wake_list + 5;
	ck_assert_int_eq(dirmsg_wake_next(&p, p + 8, &a, &d), 1);
	ck_assert(a == 1 && d == 2);
	ck_assert_int_eq(dirmsg_wake_next(&p, p + 4, &a, &d), 1);
	ck_assert(a == 30 && d == 4);
	ck_assert_int_eq(dirmsg_wake_next(&p, p, &a, &d), 0);
	ck_assert_int_eq(dirmsg_order("moved 0 0", 9, &a, &d), DIRMSG_MOVED);
	ck_assert(a == 0 && d == 0);
	/* The length rules, not a NUL. */
	ck_assert_int_eq(dirmsg_order("wake 1 2\0x", 10, &a, &d), DIRMSG_BAD);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(dirmsg_order(bad[i], strlen(bad[i]), &a, &d) ==
		    DIRMSG_BAD, "\"%s\"", bad[i]);
	ck_assert_int_eq(dirmsg_device("12 34", 5, &a, &d), 0);
	ck_assert(a == 12 && d == 34);
	ck_assert_int_eq(dirmsg_device("12 34", 4, &a, &d), 0);
	ck_assert(a == 12 && d == 3);
	ck_assert_int_eq(dirmsg_list("all", 3, &a), 0);
	ck_assert_int_eq(a, -1);
	ck_assert_int_eq(dirmsg_list("4294967295", 10, &a), 0);
	ck_assert(a == 4294967295LL);
	ck_assert_int_eq(dirmsg_list("", 0, &a), -1);
	ck_assert_int_eq(dirmsg_list("all ", 4, &a), -1);
	ck_assert_int_eq(dirmsg_list("1 2", 3, &a), -1);
	ck_assert_int_eq(dirmsg_list("-1", 2, &a), -1);
	ck_assert_int_eq(dirmsg_list("4294967296", 10, &a), -1);
	ck_assert_int_eq(dirmsg_address("redis://[::1]:6379", host, &port), 0);
	ck_assert_str_eq(host, "::1");
	ck_assert_int_eq(port, 6379);
}
END_TEST

/* directory_eval runs a script with KEYS[1], the node and binary
 * arguments, and hands every kind of answer back; a "link" message on a
 * node's channel reaches hooks.link as it came, and nothing else does;
 * a directory that is down refuses at once, and one lost mid-question
 * answers DIRECTORY_REPLY_LOST. */
START_TEST(test_redis_eval)
{
	static const char	 echo[] =
	    "redis.call('SET', KEYS[1], ARGV[2]) "
	    "return ARGV[1] .. ':' .. string.len(ARGV[2]) .. ':' .. "
	    "    redis.call('GET', KEYS[1])";
	const char		*argv[1] = { "a\0b" };
	size_t			 argvlen[1] = { 3 };
	struct evaled		 e;
	char			*r;

	redis_start();
	open_all(2);
	WAIT(CONNECTED(2));

	memset(&e, 0, sizeof e);
	ck_assert_int_eq(directory_eval(inst[0].d, echo, "k", 1, argv,
	    argvlen, evaled_cb, &e), 0);
	WAIT(e.n == 1);
	ck_assert_int_eq(e.type, DIRECTORY_REPLY_STRING);
	ck_assert_uint_eq(e.len, 11);
	ck_assert_mem_eq(e.str, "nodea:3:a\0b", 11);

	memset(&e, 0, sizeof e);
	ck_assert_int_eq(directory_eval(inst[1].d, "return 7", "k", 0, NULL,
	    NULL, evaled_cb, &e), 0);
	WAIT(e.n == 1);
	ck_assert_int_eq(e.type, DIRECTORY_REPLY_INTEGER);
	ck_assert_int_eq(e.integer, 7);
	memset(&e, 0, sizeof e);
	ck_assert_int_eq(directory_eval(inst[1].d, "return false", "k", 0,
	    NULL, NULL, evaled_cb, &e), 0);
	WAIT(e.n == 1);
	ck_assert_int_eq(e.type, DIRECTORY_REPLY_NIL);
	memset(&e, 0, sizeof e);
	ck_assert_int_eq(directory_eval(inst[1].d, "return redis.call('x')",
	    "k", 0, NULL, NULL, evaled_cb, &e), 0);
	WAIT(e.n == 1);
	ck_assert_int_eq(e.type, DIRECTORY_REPLY_ERROR);

	/* Link messages go to hooks.link, undecoded; wakes do not. */
	r = redis_do("PUBLISH %s %s", "natter:node:nodeb", "linkgone zz");
	free(r);
	WAIT(inst[1].links == 1);
	ck_assert_str_eq(inst[1].link, "linkgone zz");
	barrier(1);
	ck_assert_int_eq(inst[1].links, 1);
	ck_assert_int_eq(inst[0].links, 0);

	/* Lost while the script runs: answered, as lost. */
	memset(&e, 0, sizeof e);
	ck_assert_int_eq(directory_eval(inst[0].d,
	    "local t = redis.call('TIME') "
	    "while redis.call('TIME')[1] - t[1] < 30 do end return 1", "k", 0,
	    NULL, NULL, evaled_cb, &e), 0);
	redis_kill();
	WAIT(e.n == 1);
	ck_assert_int_eq(e.type, DIRECTORY_REPLY_LOST);
	WAIT(CONNECTED(0));
	ck_assert_int_eq(directory_eval(inst[0].d, "return 1", "k", 0, NULL,
	    NULL, evaled_cb, &e), -1);
	ck_assert_int_eq(e.n, 1);
	close_all();
}
END_TEST

/* The link messages of linkdir.c: each form both ways, and a list of
 * near misses refused. */
/* dirwake's messages, as a drain hands them over. */
struct drained {
	char	node[8][16];
	char	msg[8][DIRWAKE_MSGMAX + 1];
	size_t	n;
};

static void
drained_one(const char *node, const char *msg, size_t len, void *arg)
{
	struct drained	*dr = arg;

	ck_assert_uint_lt(dr->n, 8);
	ck_assert_uint_le(len, DIRWAKE_MSGMAX);
	snprintf(dr->node[dr->n], sizeof dr->node[0], "%s", node);
	memcpy(dr->msg[dr->n], msg, len);
	dr->msg[dr->n++][len] = '\0';
}

/* A commit's wake-ups: one message per node, in the order first named,
 * split where one would pass DIRWAKE_MSGMAX, each one a wake message
 * that dirmsg reads back to the devices added, in order. */
START_TEST(test_dirwake)
{
	static struct drained	 dr;
	struct dirwake		*w = dirwake_create();
	const char		*p, *end;
	int64_t			 a;
	uint32_t		 d, next = 0;
	size_t			 i;

	dirwake_add(w, "n1", 1, 1);
	dirwake_add(w, "n2", 2, 1);
	dirwake_add(w, "n1", 4294967295LL, 4294967295U);
	ck_assert_uint_eq(dirwake_pending(w), 3);
	dirwake_drain(w, drained_one, &dr);
	ck_assert_uint_eq(dirwake_pending(w), 0);
	ck_assert_uint_eq(dr.n, 2);
	ck_assert_str_eq(dr.node[0], "n1");
	ck_assert_str_eq(dr.msg[0], "wake 1 1 4294967295 4294967295");
	ck_assert_str_eq(dr.node[1], "n2");
	ck_assert_str_eq(dr.msg[1], "wake 2 1");
	dr.n = 0;
	dirwake_drain(w, drained_one, &dr);
	ck_assert_uint_eq(dr.n, 0);

	/* 1,000 devices of one node: more than one message. */
	for (i = 0; i < 1000; i++)
		dirwake_add(w, "n3", 1000000000LL + (int64_t)i, (uint32_t)i);
	dirwake_drain(w, drained_one, &dr);
	ck_assert_uint_ge(dr.n, 2);
	for (i = 0; i < dr.n; i++) {
		ck_assert_str_eq(dr.node[i], "n3");
		ck_assert_int_eq(dirmsg_order(dr.msg[i], strlen(dr.msg[i]),
		    &a, &d), DIRMSG_WAKE);
		p = dr.msg[i] + 5;
		end = dr.msg[i] + strlen(dr.msg[i]);
		while (dirmsg_wake_next(&p, end, &a, &d) == 1) {
			ck_assert_int_eq(a, 1000000000LL + next);
			ck_assert_uint_eq(d, next);
			next++;
		}
	}
	ck_assert_uint_eq(next, 1000);
	dirwake_free(w);
	dirwake_free(NULL);
}
END_TEST

START_TEST(test_dirmsg_link)
{
	static const char	*bad[] = { "link", "link ", "linkx 00",
	    "link 00112233445566778899aabbccddeeff",
	    "link 00112233445566778899aabbccddeef 00",
	    "link 00112233445566778899AABBCCDDEEFF ",
	    "link 00112233445566778899aabbccddeeff 0",
	    "link 00112233445566778899aabbccddeeff 0g",
	    "linkp 00112233445566778899aabbccddeeff 00",
	    "linkp 1 00112233445566778899aabbccddeeff",
	    "linkp 4294967296 00112233445566778899aabbccddeeff ",
	    "linked 00112233445566778899aabbccddeeff 2",
	    "linked 00112233445566778899aabbccddeeff 2 ",
	    "linked 00112233445566778899aabbccddeeff x alice",
	    "linked 00112233445566778899aabbccddeeff 2 al ice",
	    "linkgone 00112233445566778899aabbccddeeff ",
	    "linkgone 00112233445566778899aabbccddeeff 00",
	    "linkdrop 00112233445566778899aabbccddee",
	    "linkgone", "linkmore 00112233445566778899aabbccddeeff" };
	static struct dirmsg_link m;
	uint8_t			 fp[DIRMSG_FPBYTES], pl[DIRMSG_PAYLOADMAX + 1];
	char			 buf[DIRMSG_LINKMAX], msg[DIRMSG_LINKMAX + 32];
	size_t			 n, i;
	int64_t			 a;
	uint32_t		 d;

	for (i = 0; i < sizeof fp; i++)
		fp[i] = (uint8_t)(i * 0x11);
	for (i = 0; i < sizeof pl; i++)
		pl[i] = (uint8_t)(i * 7);

	/* "link FP PAYLOAD", the longest payload and the empty one. */
	n = dirmsg_link_tail(buf, sizeof buf, fp, pl, DIRMSG_PAYLOADMAX);
	ck_assert_uint_eq(n, 2 * DIRMSG_FPBYTES + 1 + 2 * DIRMSG_PAYLOADMAX);
	ck_assert_uint_eq(dirmsg_link_tail(buf, sizeof buf, fp, pl,
	    DIRMSG_PAYLOADMAX + 1), 0);
	snprintf(msg, sizeof msg, "link %s", buf);
	ck_assert_int_eq(dirmsg_order(msg, strlen(msg), &a, &d), DIRMSG_LINK);
	ck_assert_int_eq(dirmsg_link_parse(msg, strlen(msg), &m),
	    DIRMSG_LINK_RELAY);
	ck_assert_mem_eq(m.fp, fp, sizeof fp);
	ck_assert_uint_eq(m.payloadlen, DIRMSG_PAYLOADMAX);
	ck_assert_mem_eq(m.payload, pl, DIRMSG_PAYLOADMAX);
	ck_assert_uint_gt(dirmsg_link_tail(buf, sizeof buf, fp, pl, 0), 0);
	snprintf(msg, sizeof msg, "link %s", buf);
	ck_assert_int_eq(dirmsg_link_parse(msg, strlen(msg), &m),
	    DIRMSG_LINK_RELAY);
	ck_assert_uint_eq(m.payloadlen, 0);

	/* "linkp A FP PAYLOAD", as the script builds it. */
	(void)dirmsg_link_tail(buf, sizeof buf, fp, pl, 3);
	snprintf(msg, sizeof msg, "linkp 4294967295 %s", buf);
	ck_assert_int_eq(dirmsg_link_parse(msg, strlen(msg), &m),
	    DIRMSG_LINK_PRIMARY);
	ck_assert(m.account == 4294967295LL && m.payloadlen == 3);
	ck_assert_mem_eq(m.payload, pl, 3);

	/* "linked FP D NAME" */
	n = dirmsg_link_used(buf, sizeof buf, fp, 5, "alice");
	ck_assert_uint_eq(n, strlen(buf));
	ck_assert_int_eq(dirmsg_link_parse(buf, n, &m), DIRMSG_LINK_USED);
	ck_assert_str_eq(m.name, "alice");
	ck_assert_uint_eq(m.device, 5);
	ck_assert_mem_eq(m.fp, fp, sizeof fp);
	ck_assert_uint_eq(dirmsg_link_used(buf, sizeof buf, fp, 5, "a b"), 0);
	ck_assert_uint_eq(dirmsg_link_used(buf, sizeof buf, fp, 5, ""), 0);
	ck_assert_uint_eq(dirmsg_link_used(buf, 20, fp, 5, "alice"), 0);

	/* "linkgone FP", "linkdrop FP" */
	n = dirmsg_link_fp(buf, sizeof buf, "linkgone", fp);
	ck_assert_str_eq(buf, "linkgone 00112233445566778899aabbccddeeff");
	ck_assert_int_eq(dirmsg_link_parse(buf, n, &m), DIRMSG_LINK_GONE);
	ck_assert_mem_eq(m.fp, fp, sizeof fp);
	n = dirmsg_link_fp(buf, sizeof buf, "linkdrop", fp);
	ck_assert_int_eq(dirmsg_link_parse(buf, n, &m), DIRMSG_LINK_DROP);
	/* The length rules, not a NUL. */
	ck_assert_int_eq(dirmsg_link_parse(buf, n - 1, &m), DIRMSG_LINK_BAD);

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(dirmsg_link_parse(bad[i], strlen(bad[i]), &m) ==
		    DIRMSG_LINK_BAD, "\"%s\"", bad[i]);
	/* A payload one byte too long. */
	memset(msg, 'a', sizeof msg);
	memcpy(msg, "link 00112233445566778899aabbccddeeff ", 38);
	ck_assert_int_eq(dirmsg_link_parse(msg,
	    38 + 2 * (DIRMSG_PAYLOADMAX + 1), &m), DIRMSG_LINK_BAD);
	ck_assert_int_eq(dirmsg_link_parse(msg, 38 + 2 * DIRMSG_PAYLOADMAX,
	    &m), DIRMSG_LINK_RELAY);
}
END_TEST

/* An offer's keys in Redis: both ways, and wrong lengths refused. */
START_TEST(test_dirmsg_keys)
{
	static uint8_t		 buf[DIRMSG_KEYSMAX + DIRMSG_KEYSONE];
	struct prekeys_upload	 u, v;
	uint8_t			 ik[DIRMSG_KEYBYTES], ik2[DIRMSG_KEYBYTES];
	const char		*keys;
	size_t			 n, i, keyslen;
	int64_t			 ms;

	memset(&u, 0, sizeof u);
	memset(ik, 0xa5, sizeof ik);
	u.has_signed = 1;
	u.spk_id = 0x01020304;
	memset(u.spk, 1, sizeof u.spk);
	memset(u.spk_sig, 2, sizeof u.spk_sig);
	u.n = PREKEYS_MAXUPLOAD;
	u.opks = calloc(u.n, sizeof *u.opks);
	ck_assert_ptr_nonnull(u.opks);
	for (i = 0; i < u.n; i++) {
		u.opks[i].id = (uint32_t)(1000 + i);
		memset(u.opks[i].key, (int)i, PREKEYS_KEYBYTES);
	}
	n = dirmsg_keys_encode(buf, DIRMSG_KEYSMAX, ik, &u);
	ck_assert_uint_eq(n, DIRMSG_KEYSMAX);
	ck_assert_uint_eq(dirmsg_keys_encode(buf, n - 1, ik, &u), 0);
	ck_assert_int_eq(dirmsg_keys_decode(buf, n, ik2, &v), 0);
	ck_assert_mem_eq(ik2, ik, sizeof ik);
	ck_assert(v.has_signed && v.spk_id == u.spk_id && v.n == u.n);
	ck_assert_mem_eq(v.spk, u.spk, sizeof u.spk);
	ck_assert_mem_eq(v.spk_sig, u.spk_sig, sizeof u.spk_sig);
	for (i = 0; i < u.n; i++) {
		ck_assert_uint_eq(v.opks[i].id, u.opks[i].id);
		ck_assert_mem_eq(v.opks[i].key, u.opks[i].key,
		    PREKEYS_KEYBYTES);
	}
	free(v.opks);
	/* Short, ragged, too many one-time prekeys. */
	ck_assert_int_eq(dirmsg_keys_decode(buf, DIRMSG_KEYSHEAD - 1, ik2, &v),
	    -1);
	ck_assert_int_eq(dirmsg_keys_decode(buf, DIRMSG_KEYSHEAD + 5, ik2, &v),
	    -1);
	ck_assert_int_eq(dirmsg_keys_decode(buf, DIRMSG_KEYSMAX +
	    DIRMSG_KEYSONE, ik2, &v), -1);
	ck_assert_ptr_null(v.opks);
	/* No one-time prekeys; no signed prekey cannot be encoded. */
	u.n = 0;
	n = dirmsg_keys_encode(buf, sizeof buf, ik, &u);
	ck_assert_uint_eq(n, DIRMSG_KEYSHEAD);
	ck_assert_int_eq(dirmsg_keys_decode(buf, n, ik2, &v), 0);
	ck_assert_uint_eq(v.n, 0);
	free(v.opks);
	u.has_signed = 0;
	ck_assert_uint_eq(dirmsg_keys_encode(buf, sizeof buf, ik, &u), 0);
	free(u.opks);

	/* A lookup's answer, "MS KEYS". */
	ck_assert_int_eq(dirmsg_link_found("600000 \x01\x02", 9, &ms, &keys,
	    &keyslen), 0);
	ck_assert(ms == 600000 && keyslen == 2 && keys[0] == 1);
	ck_assert_int_eq(dirmsg_link_found("0 x", 3, &ms, &keys, &keyslen),
	    -1);
	ck_assert_int_eq(dirmsg_link_found("-2 x", 4, &ms, &keys, &keyslen),
	    -1);
	ck_assert_int_eq(dirmsg_link_found("12", 2, &ms, &keys, &keyslen), -1);
}
END_TEST

START_TEST(test_dircache)
{
	struct dircache	*c = dircache_create(4);
	const char	*node;
	uint64_t	 t, t2;
	char		 name[16];
	int		 i;

	ck_assert_int_eq(dircache_get(c, 1, 1, &node), DIRCACHE_MISS);
	t = dircache_ticket(c, 1, 1);
	ck_assert_int_eq(dircache_put(c, t, 1, 1, "n1"), 1);
	ck_assert_int_eq(dircache_get(c, 1, 1, &node), DIRCACHE_NODE);
	ck_assert_str_eq(node, "n1");
	t = dircache_ticket(c, 1, 2);
	ck_assert_int_eq(dircache_put(c, t, 1, 2, NULL), 1);
	ck_assert_int_eq(dircache_get(c, 1, 2, &node), DIRCACHE_OFFLINE);

	/* A drop between the question and the answer: not cached. */
	t = dircache_ticket(c, 2, 1);
	dircache_drop(c, 2, 1);
	ck_assert_int_eq(dircache_put(c, t, 2, 1, "n1"), 0);
	ck_assert_int_eq(dircache_get(c, 2, 1, &node), DIRCACHE_MISS);
	/* Nor across a clear. */
	t = dircache_ticket(c, 2, 1);
	dircache_clear(c);
	ck_assert_int_eq(dircache_put(c, t, 2, 1, "n1"), 0);
	ck_assert_uint_eq(dircache_count(c), 0);

	/* Bounded: the oldest go first. */
	for (i = 1; i <= 6; i++) {
		t = dircache_ticket(c, 3, (uint32_t)i);
		ck_assert_int_eq(dircache_put(c, t, 3, (uint32_t)i, "n2"), 1);
		ck_assert_uint_le(dircache_count(c), 4);
	}
	ck_assert_int_eq(dircache_get(c, 3, 1, &node), DIRCACHE_MISS);
	ck_assert_int_eq(dircache_get(c, 3, 2, &node), DIRCACHE_MISS);
	ck_assert_int_eq(dircache_get(c, 3, 6, &node), DIRCACHE_NODE);
	dircache_drop(c, 3, 6);
	ck_assert_int_eq(dircache_get(c, 3, 6, &node), DIRCACHE_MISS);

	/* More names than it keeps: it starts over, and still answers. */
	for (i = 0; i <= DIRCACHE_NAMES; i++) {
		snprintf(name, sizeof name, "node%d", i);
		t = dircache_ticket(c, 4, 1);
		t2 = dircache_ticket(c, 4, 2);
		ck_assert_int_eq(dircache_put(c, t, 4, 1, name), 1);
		(void)dircache_put(c, t2, 4, 2, NULL);
		ck_assert_int_eq(dircache_get(c, 4, 1, &node), DIRCACHE_NODE);
		ck_assert_str_eq(node, name);
	}
	dircache_free(c);
	dircache_free(NULL);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("directory_redis");
	TCase	*tc = tcase_create("redis");
	TCase	*tp = tcase_create("pure");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_redis_routing);
	tcase_add_test(tc, test_redis_restart);
	tcase_add_test(tc, test_redis_moved_while_away);
	tcase_add_test(tc, test_redis_garbage);
	tcase_add_test(tc, test_redis_lists);
	tcase_add_test(tc, test_redis_eval);
	tcase_add_checked_fixture(tp, setup, teardown);
	tcase_add_test(tp, test_redis_addresses);
	tcase_add_test(tp, test_dirmsg);
	tcase_add_test(tp, test_dirwake);
	tcase_add_test(tp, test_dirmsg_link);
	tcase_add_test(tp, test_dirmsg_keys);
	tcase_add_test(tp, test_dircache);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tp);
	return (unit_run(s));
}
