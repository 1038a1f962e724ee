/* test_core: the client core against a real natterd on loopback (register, auth, send, receive, trust). */
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "client/core/core.h"
#include "shared/util/log.h"
#include "tests/unit/unit.h"

#define PASS	"pw"

static char	 tmpdir[] = "/tmp/natter-test-core.XXXXXX";
static char	 url[64];
static pid_t	 server = -1;
static uv_loop_t loop;

/* What the callbacks saw. */
struct seen {
	int			done;
	struct core_error	err;
	int			failed;
	char			id[CORE_IDHEXBYTES];
	char			number[CORE_SAFETY_BYTES];
	int			connected, drained, disconnected, receipts;
	int			messages;
	char			texts[64][32];
	char			from[32];
	struct core_error	discerr;
};

static int
free_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	int			fd, port;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return (port);
}

static int
port_open(int port)
{
	struct sockaddr_in	sin;
	int			fd, rc;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rc = connect(fd, (struct sockaddr *)&sin, sizeof sin);
	close(fd);
	return (rc == 0);
}

static void
setup(void)
{
	const char	*bin = getenv("NATTERD_BIN");
	char		 listen[64], data[256];
	int		 port, i;

	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	ck_assert_int_eq(uv_loop_init(&loop), 0);
	ck_assert_msg(bin != NULL && *bin != '\0', "NATTERD_BIN is not set");
	port = free_port();
	snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
	snprintf(data, sizeof data, "%s/server", tmpdir);
	snprintf(url, sizeof url, "ws://127.0.0.1:%d", port);
	server = fork();
	ck_assert_int_ge(server, 0);
	if (server == 0) {
		execl(bin, bin, "--listen", listen, "--data", data,
		    "--log-level", getenv("NATTER_TEST_DEBUG") != NULL ?
		    "debug" : "warn", (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 200 && !port_open(port); i++)
		usleep(25000);
	ck_assert_msg(port_open(port), "natterd did not start");
}

static void
teardown(void)
{
	char	cmd[512];
	int	status;

	if (server > 0) {
		kill(server, SIGTERM);
		waitpid(server, &status, 0);
		server = -1;
	}
	/* Let closed cores finish; a failed test may leave one open. */
	for (status = 0; status < 500 && uv_run(&loop, UV_RUN_NOWAIT) != 0;
	    status++)
		usleep(10000);
	(void)uv_loop_close(&loop);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
	strcpy(tmpdir, "/tmp/natter-test-core.XXXXXX");
}

/* Run the loop until *flag is set (bounded: 20 s). */
static void
tick_cb(uv_timer_t *t)
{
	(void)t;
}

static void
run_until(int *flag)
{
	uv_timer_t	tick;
	time_t		end = time(NULL) + 20;

	/* A ticking timer bounds each uv_run: the wait is bounded too. */
	uv_timer_init(&loop, &tick);
	uv_timer_start(&tick, tick_cb, 100, 100);
	while (!*flag && time(NULL) < end)
		uv_run(&loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&tick, NULL);
	uv_run(&loop, UV_RUN_NOWAIT);
	ck_assert_msg(*flag, "timed out");
}

static struct core *
open_profile(const char *who, int flags, const char *server_url)
{
	struct core_error	 err;
	struct core		*c;
	char			 home[256];

	snprintf(home, sizeof home, "%s/%s", tmpdir, who);
	ck_assert_msg(core_open(&c, &loop, home, PASS, strlen(PASS),
	    server_url, flags, &err) == 0, "core_open: %s", err.msg);
	return (c);
}

static void
close_core(struct core *c)
{
	int	i;

	core_close(c);
	for (i = 0; i < 20; i++) {
		uv_run(&loop, UV_RUN_NOWAIT);
		usleep(5000);
	}
}

static void
done_cb(struct core *c, const struct core_error *err, void *arg)
{
	struct seen	*s = arg;

	(void)c;
	s->done = 1;
	if (err != NULL) {
		s->failed = 1;
		s->err = *err;
	}
}

static void
sent_cb(struct core *c, const struct core_error *err, const char *id,
    int64_t ts, void *arg)
{
	struct seen	*s = arg;

	(void)c;
	(void)ts;
	s->done++;
	if (err != NULL) {
		s->failed = 1;
		s->err = *err;
	} else
		snprintf(s->id, sizeof s->id, "%s", id);
}

static void
fpr_cb(struct core *c, const struct core_error *err, const char *number,
    void *arg)
{
	struct seen	*s = arg;

	(void)c;
	s->done = 1;
	if (err != NULL) {
		s->failed = 1;
		s->err = *err;
	} else
		snprintf(s->number, sizeof s->number, "%s", number);
}

static void
event_cb(struct core *c, const struct core_event *ev, void *arg)
{
	struct seen	*s = arg;

	switch (ev->type) {
	case CORE_EV_CONNECTED:
		s->connected++;
		break;
	case CORE_EV_BACKLOG_DRAINED:
		s->drained++;
		break;
	case CORE_EV_DISCONNECTED:
		s->disconnected++;
		if (ev->error != NULL)
			s->discerr = *ev->error;
		break;
	case CORE_EV_MESSAGE:
		if (s->messages < 64)
			snprintf(s->texts[s->messages], sizeof s->texts[0],
			    "%s", ev->text);
		s->messages++;
		snprintf(s->from, sizeof s->from, "%s", ev->from);
		ck_assert_int_eq(core_mark_printed(c, ev->seq), 0);
		break;
	case CORE_EV_RECEIPT:
		s->receipts++;
		ck_assert_str_eq(ev->status, "delivered");
		ck_assert_int_eq(core_mark_printed(c, ev->seq), 0);
		break;
	default:
		break;
	}
}

static void
do_register(const char *who, const char *name, enum core_err want)
{
	struct core	*c;
	struct seen	 s;

	memset(&s, 0, sizeof s);
	c = open_profile(who, CORE_OPEN_CREATE, url);
	core_register(c, name, done_cb, &s);
	run_until(&s.done);
	if (want == CORE_OK) {
		ck_assert_msg(!s.failed, "register %s: %s", name, s.err.msg);
		ck_assert_str_eq(core_account(c), name);
		ck_assert_uint_eq(core_device(c), 1);
	} else {
		ck_assert(s.failed);
		ck_assert_int_eq(s.err.code, want);
	}
	close_core(c);
}

static void	recv_all(const char *, struct seen *);

START_TEST(test_register_auth)
{
	struct core		*c;
	struct core_error	 err;
	struct seen		 s;
	char			 home[256];

	do_register("alice", "alice", CORE_OK);
	do_register("mallory", "alice", CORE_ERR_NAME_TAKEN);
	do_register("mallory2", "Not A Name!", CORE_ERR_NAME_INVALID);
	do_register("alice", "alice2", CORE_ERR_PROFILE_EXISTS);

	/* Sign in again later, with the saved server URL. */
	memset(&s, 0, sizeof s);
	c = open_profile("alice", 0, NULL);
	ck_assert_str_eq(core_server(c), url);
	ck_assert_int_eq(core_start(c, CORE_START_ONESHOT, event_cb, &s,
	    &err), 0);
	run_until(&s.drained);
	ck_assert_int_eq(s.connected, 1);
	close_core(c);

	/* Wrong passphrase. */
	snprintf(home, sizeof home, "%s/alice", tmpdir);
	ck_assert_int_eq(core_open(&c, &loop, home, "nope", 4, NULL, 0, &err),
	    -1);
	ck_assert_int_eq(err.code, CORE_ERR_PASSPHRASE);
	/* No profile. */
	snprintf(home, sizeof home, "%s/nobody", tmpdir);
	ck_assert_int_eq(core_open(&c, &loop, home, PASS, 2, NULL, 0, &err),
	    -1);
	ck_assert_int_eq(err.code, CORE_ERR_NO_PROFILE);
}
END_TEST

START_TEST(test_unreachable)
{
	struct core		*c;
	struct core_error	 err;
	struct seen		 s;

	do_register("alice", "alice", CORE_OK);
	memset(&s, 0, sizeof s);
	c = open_profile("alice", 0, "ws://127.0.0.1:1");
	ck_assert_int_eq(core_start(c, CORE_START_ONESHOT, event_cb, &s,
	    &err), 0);
	core_send_text(c, "bob", "hello", sent_cb, &s);
	run_until(&s.done);
	ck_assert(s.failed);
	ck_assert_int_eq(s.err.code, CORE_ERR_UNREACHABLE);
	ck_assert_msg(strstr(s.err.msg, "cannot reach ws://127.0.0.1:1") !=
	    NULL, "%s", s.err.msg);
	ck_assert_int_eq(s.disconnected, 1);
	ck_assert_int_eq(s.discerr.code, CORE_ERR_UNREACHABLE);
	/* The message waits in the outbox for the next connection. */
	ck_assert_int_eq(core_outbox_count(c), 1);
	close_core(c);

	/* A later process sends it (same id) once the server is reachable. */
	do_register("bob", "bob", CORE_OK);
	memset(&s, 0, sizeof s);
	c = open_profile("alice", 0, NULL);
	ck_assert_int_eq(core_outbox_count(c), 1);
	ck_assert_int_eq(core_start(c, CORE_START_ONESHOT, event_cb, &s,
	    &err), 0);
	{
		uv_timer_t	tick;
		time_t		end = time(NULL) + 20;

		uv_timer_init(&loop, &tick);
		uv_timer_start(&tick, tick_cb, 50, 50);
		while (core_outbox_count(c) > 0 && time(NULL) < end)
			uv_run(&loop, UV_RUN_ONCE);
		uv_close((uv_handle_t *)&tick, NULL);
		ck_assert_int_eq(core_outbox_count(c), 0);
		ck_assert_int_eq(s.connected, 1);
	}
	close_core(c);
	{
		struct seen	r;

		recv_all("bob", &r);
		ck_assert_int_eq(r.messages, 1);
		ck_assert_str_eq(r.texts[0], "hello");
	}
}
END_TEST

START_TEST(test_fingerprint_verify)
{
	struct core	*a, *b;
	struct seen	 s1, s2, s3;

	do_register("alice", "alice", CORE_OK);
	do_register("bob", "bob", CORE_OK);
	a = open_profile("alice", 0, NULL);
	memset(&s1, 0, sizeof s1);
	core_fingerprint(a, "bob", fpr_cb, &s1);
	run_until(&s1.done);
	ck_assert_msg(!s1.failed, "%s", s1.err.msg);
	ck_assert_uint_eq(strlen(s1.number), 71);
	ck_assert_str_eq(core_trust_state(a, "bob"), "trusted");
	close_core(a);

	b = open_profile("bob", 0, NULL);
	memset(&s2, 0, sizeof s2);
	core_fingerprint(b, "alice", fpr_cb, &s2);
	run_until(&s2.done);
	ck_assert_msg(!s2.failed, "%s", s2.err.msg);
	ck_assert_str_eq(s1.number, s2.number);
	/* A wrong number does not verify, the right one does. */
	memset(&s3, 0, sizeof s3);
	core_verify(b, "alice", "12345 67890", done_cb, &s3);
	run_until(&s3.done);
	ck_assert(s3.failed);
	ck_assert_int_eq(s3.err.code, CORE_ERR_MISMATCH);
	ck_assert_str_eq(core_trust_state(b, "alice"), "trusted");
	memset(&s3, 0, sizeof s3);
	core_verify(b, "alice", s1.number, done_cb, &s3);
	run_until(&s3.done);
	ck_assert_msg(!s3.failed, "%s", s3.err.msg);
	ck_assert_str_eq(core_trust_state(b, "alice"), "verified");
	memset(&s3, 0, sizeof s3);
	core_fingerprint(b, "nosuchuser", fpr_cb, &s3);
	run_until(&s3.done);
	ck_assert(s3.failed);
	ck_assert_int_eq(s3.err.code, CORE_ERR_UNKNOWN_USER);
	close_core(b);
}
END_TEST

/* Send n texts from -> to as one-shot sends (each in a fresh core). */
static void
send_texts(const char *who, const char *to, const char *prefix, int n)
{
	struct core	*c;
	struct seen	 s;
	char		 text[32];
	int		 i;

	memset(&s, 0, sizeof s);
	c = open_profile(who, 0, NULL);
	for (i = 0; i < n; i++) {
		snprintf(text, sizeof text, "%s-%d", prefix, i);
		core_send_text(c, to, text, sent_cb, &s);
	}
	for (i = 0; i < 20 * 50 && s.done < n; i++)
		uv_run(&loop, UV_RUN_ONCE);
	ck_assert_int_eq(s.done, n);
	ck_assert_msg(!s.failed, "send: %s", s.err.msg);
	ck_assert_int_eq(core_outbox_count(c), 0);
	close_core(c);
}

/* recv: connect, take everything, stop at backlog drained. */
static void
recv_all(const char *who, struct seen *s)
{
	struct core_error	 err;
	struct core		*c;

	memset(s, 0, sizeof *s);
	c = open_profile(who, 0, NULL);
	ck_assert_int_eq(core_start(c, CORE_START_ONESHOT | CORE_START_REPLAY,
	    event_cb, s, &err), 0);
	run_until(&s->drained);
	close_core(c);
}

/* How many files of a profile contain needle. */
static int
profile_grep(const char *who, const char *needle)
{
	char	cmd[512];
	FILE	*p;
	int	n = 0;

	snprintf(cmd, sizeof cmd, "grep -rlaF '%s' '%s/%s' | wc -l", needle,
	    tmpdir, who);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(fscanf(p, "%d", &n), 1);
	pclose(p);
	return (n);
}

START_TEST(test_send_receive)
{
	struct seen	s;
	int		i;
	char		want[32];

	do_register("alice", "alice", CORE_OK);
	do_register("bob", "bob", CORE_OK);
	send_texts("alice", "bob", "zebra-plaintext", 30);
	recv_all("bob", &s);
	ck_assert_int_eq(s.messages, 30);
	for (i = 0; i < 30; i++) {
		snprintf(want, sizeof want, "zebra-plaintext-%d", i);
		ck_assert_str_eq(s.texts[i], want);
	}
	/* Neither profile holds the text in the clear (db, WAL, files). */
	ck_assert_int_eq(profile_grep("alice", "zebra-plaintext"), 0);
	ck_assert_int_eq(profile_grep("bob", "zebra-plaintext"), 0);
	ck_assert_int_ge(profile_grep("bob", "SQLite format 3"), 1);
	ck_assert_str_eq(s.from, "alice");
	/* Nothing twice. */
	recv_all("bob", &s);
	ck_assert_int_eq(s.messages, 0);
	/* Replies go over the established session. */
	send_texts("bob", "alice", "b", 3);
	recv_all("alice", &s);
	ck_assert_int_eq(s.messages, 3);
	ck_assert_str_eq(s.texts[2], "b-2");
	ck_assert_int_ge(s.receipts, 1);
	send_texts("alice", "bob", "c", 2);
	recv_all("bob", &s);
	ck_assert_int_eq(s.messages, 2);
	ck_assert_int_ge(s.receipts, 1);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("core");
	TCase	*tc = tcase_create("core");

	signal(SIGPIPE, SIG_IGN);
	if (getenv("NATTER_TEST_DEBUG") != NULL)
		log_set_level(LOG_DEBUG);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_register_auth);
	tcase_add_test(tc, test_unreachable);
	tcase_add_test(tc, test_fingerprint_verify);
	tcase_add_test(tc, test_send_receive);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
