/* bench_idle: natter-bench --mode idle: natterd's memory per connection.
 *
 * Reads natterd's RSS from /metrics, opens N connections that each
 * register an account (so each is authenticated), holds them idle for
 * IDLE_HOLD_MS while answering nothing but what natterd sends, reads the
 * RSS again and reports the slope over the baseline. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tests/bench/bench.h"
#include "tests/bench/bench_args.h"
#include "tests/bench/bench_net.h"

#define IDLE_HOLD_MS	10000
#define IDLE_STALL_NS	(30 * 1000000000LL)

struct idle {
	uint64_t	ready, errors;
};

static void
idle_ready(struct bench_conn *c, void *arg)
{
	struct idle	*st = arg;

	st->ready++;
}

static void
idle_error(struct bench_conn *c, const char *why, void *arg)
{
	struct idle	*st = arg;

	if (st->errors++ < 5)
		fprintf(stderr, "natter-bench: %s\n", why);
}

static const struct bench_handlers idle_handlers = {
	idle_ready, NULL, idle_error
};

/* Open n connections; 0 once all are logged in, -1 on a stall or error. */
static int
idle_open(struct bench_net *net, struct idle *st, int64_t n)
{
	char	 name[40];
	uint8_t	 rnd[4];
	int64_t	 i, last = bench_now_ns();
	uint64_t seen = 0;

	randombytes_buf(rnd, sizeof rnd);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof name, "i%02x%02x%02x%02x-%lld", rnd[0],
		    rnd[1], rnd[2], rnd[3], (long long)i);
		bench_conn_open(net, name, &idle_handlers, st);
	}
	while (bench_net_pending(net) > 0) {
		bench_net_poll(net, 100);
		if (st->ready + st->errors != seen) {
			seen = st->ready + st->errors;
			last = bench_now_ns();
		} else if (bench_now_ns() - last > IDLE_STALL_NS)
			return (-1);
	}
	return (st->errors == 0 ? 0 : -1);
}

int
bench_idle(int argc, char **argv)
{
	struct bench_net	*net;
	struct idle		 st;
	const char		*server = "ws://127.0.0.1:7878";
	int64_t			 n = 1000, end;
	double			 base, rss;
	int			 json = 0, failed = 0;
	const struct bench_arg	 args[] = {
		{ "--server", BENCH_ARG_STRING, &server, 0, 0 },
		{ "--connections", BENCH_ARG_INT, &n, 1, 1000000 },
		{ "--json", BENCH_ARG_FLAG, &json, 0, 0 },
	};

	if (bench_args_parse(argc, argv, args, sizeof args /
	    sizeof args[0]) != 0) {
		fprintf(stderr, "usage: %s\n", BENCH_USAGE_IDLE);
		return (2);
	}
	if (sodium_init() < 0)
		return (1);
	if ((net = bench_net_create(server, (size_t)n)) == NULL)
		return (2);
	memset(&st, 0, sizeof st);
	base = bench_net_metric(net, "process_resident_memory_bytes");
	if (base < 0) {
		fprintf(stderr, "natter-bench: cannot read natterd's /metrics "
		    "at %s\n", server);
		bench_net_free(net);
		return (1);
	}
	if (idle_open(net, &st, n) != 0) {
		fprintf(stderr, "natter-bench: %llu of %lld connections logged "
		    "in\n", (unsigned long long)st.ready, (long long)n);
		failed = 1;
	}
	end = bench_now_ns() + IDLE_HOLD_MS * 1000000LL;
	while (!failed && bench_now_ns() < end)
		bench_net_poll(net, 100);
	rss = bench_net_metric(net, "process_resident_memory_bytes");
	if (st.errors > 0 || rss < 0)
		failed = 1;
	if (json)
		printf("{\"mode\":\"idle\",\"connections\":%llu,"
		    "\"server_rss_bytes\":%.0f,\"rss_per_conn_bytes\":%.0f}\n",
		    (unsigned long long)st.ready, rss,
		    st.ready > 0 ? (rss - base) / (double)st.ready : 0);
	else
		printf("%-24s idle\n%-24s %llu\n%-24s %.0f\n%-24s %.0f\n",
		    "mode", "connections", (unsigned long long)st.ready,
		    "server_rss_bytes", rss, "rss_per_conn_bytes",
		    st.ready > 0 ? (rss - base) / (double)st.ready : 0);
	bench_net_free(net);
	return (failed);
}
