/* bench_relay: natter-bench --mode relay and --mode offline.
 *
 * N sender/receiver pairs, each a real account (Register, then Auth on
 * reconnect). A sender keeps at most --window Sends without a Response;
 * each Send carries one envelope of --size random bytes to its receiver.
 * The message id names the pair and the message's index, so the receiver
 * counts duplicates and the bench knows when (on its one clock) the
 * message was sent or, with --rate, scheduled. Receivers ack every
 * Deliver at once; senders ack the delivered receipts.
 *
 * With --reconnect (for the crash tests) a dropped connection logs in
 * again after RELAY_BACKOFF_NS; a sender then resends, with the same ids,
 * everything natterd has not answered; receivers ack with a request id,
 * and a message delivered again after natterd confirmed its ack counts as
 * a duplicate (before that it is a permitted redelivery). A message whose
 * first delivery comes before an earlier message's counts as disorder. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "shared/util/xmalloc.h"
#include "tests/bench/bench.h"
#include "tests/bench/bench_args.h"
#include "tests/bench/bench_net.h"

#define RELAY_STALL_NS	(15 * 1000000000LL)	/* no progress: give up */
#define RELAY_MAXERRORS	5			/* error lines printed */
#define RELAY_BACKOFF_NS	(200 * 1000000LL)

struct relay;

struct relay_pair {
	struct relay		*r;
	uint32_t		 index;
	struct bench_conn	*sender, *receiver;
	uint32_t		 next;		/* the next message to send */
	uint32_t		 inflight;	/* sent, not answered */
	uint32_t		 unstored;	/* the first not answered OK */
	int64_t			*sent_ns;	/* send or scheduled time */
	uint8_t			*seen, *stored;
	uint64_t		*ack_id;	/* the Ack that acked it */
	uint32_t		*ack_conn;	/* on which connection */
	uint64_t		*seq;		/* natterd's seq, last seen */
	uint64_t		 next_ack;
	uint64_t		*confirmed;	/* per connection: last answer */
	uint32_t		 rconn;		/* receiver connections */
	int64_t			 last_first;	/* last first delivery */
	int64_t			 sender_down, receiver_down;
};

struct relay {
	struct bench_net	*net;
	int			 offline, json, reconnect;
	const char		*server;
	int64_t			 pairs, messages, window, size, rate;
	struct relay_pair	*p;
	uint64_t		 total, stored, delivered, dup, receipts;
	uint64_t		 errors, ready, progress;
	uint64_t		 reconnects, redelivered, disorder;
	double			*lat;
	int64_t			 t0, tlast;
	uint8_t			*body;
	uint8_t			 nonce[8];
};

static void
relay_error(struct relay *r, const char *what)
{
	if (r->errors++ < RELAY_MAXERRORS)
		fprintf(stderr, "natter-bench: %s\n", what);
}

static int64_t
relay_sched(struct relay *r, struct relay_pair *p, uint32_t k)
{
	return (r->t0 + (int64_t)(((double)k * r->pairs + p->index) * 1e9 /
	    r->rate));
}

static void
relay_send_one(struct relay *r, struct relay_pair *p, int64_t now)
{
	Natter__Frame		 f = NATTER__FRAME__INIT;
	Natter__Send		 s = NATTER__SEND__INIT;
	Natter__Envelope	 e = NATTER__ENVELOPE__INIT, *ep = &e;
	uint8_t			 id[16];
	uint32_t		 k = p->next++;

	/* Pair, index and the run's nonce: a resend keeps its id. */
	memcpy(id, &p->index, 4);
	memcpy(id + 4, &k, 4);
	memcpy(id + 8, r->nonce, 8);
	randombytes_buf(r->body, (size_t)r->size);
	e.name = (char *)bench_conn_name(p->receiver);
	e.device = 1;
	e.type = 1;
	e.content.data = r->body;
	e.content.len = (size_t)r->size;
	s.message_id.data = id;
	s.message_id.len = sizeof id;
	s.to = e.name;
	s.n_envelopes = 1;
	s.envelopes = &ep;
	f.id = (uint64_t)k + 2;		/* 1 is the login */
	f.body_case = NATTER__FRAME__BODY_SEND;
	f.send = &s;
	p->sent_ns[k] = r->rate > 0 ? relay_sched(r, p, k) : now;
	p->inflight++;
	bench_conn_send(p->sender, &f);
}

/* Send what the window (and with --rate, the schedule) allows. */
static void
relay_fill(struct relay *r, struct relay_pair *p, int64_t now)
{
	if (r->t0 == 0 || !bench_conn_ready(p->sender))
		return;
	while (p->next < r->messages && p->inflight < r->window) {
		if (r->rate > 0 && relay_sched(r, p, p->next) > now)
			break;
		relay_send_one(r, p, now);
	}
}

static void
relay_ready(struct bench_conn *c, void *arg)
{
	struct relay_pair	*p = arg;

	p->r->ready++;
	if (c == p->receiver) {
		/* An ack is confirmed only by an answer on its connection. */
		p->confirmed = xreallocarray(p->confirmed, ++p->rconn + 1,
		    sizeof *p->confirmed);
		p->confirmed[p->rconn] = 0;
	}
	if (c == p->sender) {
		/* Resend what natterd has not answered (same ids). */
		p->next = p->unstored;
		p->inflight = 0;
	}
	relay_fill(p->r, p, bench_now_ns());
}

static void
relay_conn_error(struct bench_conn *c, const char *why, void *arg)
{
	struct relay_pair	*p = arg;
	int64_t			 at = bench_now_ns() + RELAY_BACKOFF_NS;

	if (!p->r->reconnect) {
		relay_error(p->r, why);
		return;
	}
	if (getenv("NATTER_BENCH_DEBUG") != NULL)
		fprintf(stderr, "natter-bench: %s (reconnecting)\n", why);
	if (c == p->sender)
		p->sender_down = at;
	else
		p->receiver_down = at;
}

/* --reconnect: log in again whatever dropped and waited its backoff. */
static void
relay_reopen(struct relay *r, int64_t now)
{
	struct relay_pair	*p;
	int64_t			 i;

	for (i = 0; i < r->pairs; i++) {
		p = &r->p[i];
		if (p->sender_down != 0 && now >= p->sender_down) {
			p->sender_down = 0;
			r->reconnects++;
			bench_conn_reopen(p->sender);
		}
		if (p->receiver_down != 0 && now >= p->receiver_down) {
			p->receiver_down = 0;
			r->reconnects++;
			bench_conn_reopen(p->receiver);
		}
	}
}

static void
relay_sender_frame(struct bench_conn *c, const Natter__Frame *f, void *arg)
{
	struct relay_pair	*p = arg;
	struct relay		*r = p->r;
	size_t			 i;
	uint32_t		 k;
	char			 why[160];

	if (f->body_case == NATTER__FRAME__BODY_DELIVER) {
		for (i = 0; i < f->deliver->n_items; i++) {
			if (f->deliver->items[i]->receipt != NULL)
				r->receipts++;
		}
		r->progress++;
		bench_conn_ack(c, f->deliver, 0);
		return;
	}
	if (f->body_case != NATTER__FRAME__BODY_RESPONSE || f->id < 2 ||
	    f->id - 2 >= (uint64_t)r->messages)
		return;
	k = (uint32_t)(f->id - 2);
	if (f->response->code != 0) {
		snprintf(why, sizeof why, "send %u of %s: code %u: %s", k,
		    bench_conn_name(c), f->response->code,
		    f->response->message);
		relay_error(r, why);
	} else if (!p->stored[k]) {
		p->stored[k] = 1;
		r->stored++;
		while (p->unstored < r->messages && p->stored[p->unstored])
			p->unstored++;
	}
	r->progress++;
	if (p->inflight > 0)
		p->inflight--;
	relay_fill(r, p, bench_now_ns());
}

static void
relay_delivery(struct relay *r, const Natter__Delivery *d, int64_t now,
    uint64_t ack)
{
	struct relay_pair	*p;
	uint32_t		 pair, k;

	if (d->receipt != NULL || d->message_id.len != 16)
		return;
	memcpy(&pair, d->message_id.data, 4);
	memcpy(&k, d->message_id.data + 4, 4);
	if (pair >= r->pairs || k >= r->messages) {
		relay_error(r, "a delivery names no message that was sent");
		return;
	}
	p = &r->p[pair];
	if (p->seen[k]) {
		if (!r->reconnect || (p->ack_id[k] != 0 &&
		    p->ack_id[k] <= p->confirmed[p->ack_conn[k]])) {
			r->dup++;
			if (getenv("NATTER_BENCH_DEBUG") != NULL)
				fprintf(stderr, "dup pair %u msg %u seq %llu: "
				    "acked by %llu on connection %u (answered "
				    "up to %llu), now connection %u, seq was "
				    "%llu\n", pair, k, (unsigned long long)d->seq,
				    (unsigned long long)p->ack_id[k],
				    p->ack_conn[k], (unsigned long long)
				    p->confirmed[p->ack_conn[k]], p->rconn,
				    (unsigned long long)p->seq[k]);
		} else
			r->redelivered++;
		p->ack_id[k] = ack;
		p->ack_conn[k] = p->rconn;
		p->seq[k] = d->seq;
		return;
	}
	p->seq[k] = d->seq;
	p->seen[k] = 1;
	p->ack_id[k] = ack;
	p->ack_conn[k] = p->rconn;
	if ((int64_t)k < p->last_first)
		r->disorder++;
	p->last_first = k;
	r->lat[r->delivered++] = (double)(now - p->sent_ns[k]) / 1e6;
	r->tlast = now;
}

static void
relay_receiver_frame(struct bench_conn *c, const Natter__Frame *f, void *arg)
{
	struct relay_pair	*p = arg;
	int64_t			 now = bench_now_ns();
	uint64_t		 ack = 0;
	size_t			 i;

	if (f->body_case == NATTER__FRAME__BODY_RESPONSE) {
		/* Ack answers come in order: all up to this one hold. */
		if (f->response->code == 0 && f->id > p->confirmed[p->rconn])
			p->confirmed[p->rconn] = f->id;
		return;
	}
	if (f->body_case != NATTER__FRAME__BODY_DELIVER)
		return;
	if (p->r->reconnect)
		ack = ++p->next_ack + 1;
	for (i = 0; i < f->deliver->n_items; i++)
		relay_delivery(p->r, f->deliver->items[i], now, ack);
	p->r->progress++;
	bench_conn_ack(c, f->deliver, ack);
}

static const struct bench_handlers relay_sender = {
	relay_ready, relay_sender_frame, relay_conn_error
};
static const struct bench_handlers relay_receiver = {
	relay_ready, relay_receiver_frame, relay_conn_error
};

/* Poll until done(r) or nothing moved for RELAY_STALL_NS. 0 or -1. */
static int
relay_wait(struct relay *r, int (*done)(struct relay *))
{
	int64_t		last = bench_now_ns(), now;
	uint64_t	seen = r->progress + r->ready;
	int64_t		i;

	while (!done(r)) {
		bench_net_poll(r->net, r->rate > 0 || r->reconnect ? 1 : 100);
		now = bench_now_ns();
		if (r->reconnect)
			relay_reopen(r, now);
		if (r->rate > 0) {
			for (i = 0; i < r->pairs; i++)
				relay_fill(r, &r->p[i], now);
		}
		if (r->progress + r->ready != seen) {
			seen = r->progress + r->ready;
			last = now;
		} else if (now - last > RELAY_STALL_NS)
			return (-1);
	}
	return (0);
}

static int
relay_all_ready(struct relay *r)
{
	int64_t	i;

	if (bench_net_pending(r->net) != 0)
		return (0);
	/* With --reconnect, a connection that dropped before it logged in
	 * waits out its backoff counted as neither pending nor ready: an
	 * offline receiver closed now would never register. */
	for (i = 0; i < r->pairs; i++) {
		if (r->p[i].sender_down != 0 || r->p[i].receiver_down != 0)
			return (0);
	}
	return (1);
}

static int
relay_all_stored(struct relay *r)
{
	return (r->stored + r->errors >= r->total);
}

static int
relay_all_delivered(struct relay *r)
{
	return (r->delivered >= r->total && r->receipts >= r->total);
}

static int
relay_senders_only(struct relay *r)
{
	return (bench_net_metric(r->net, "natter_online_devices") ==
	    (double)r->pairs);
}

static void
relay_print(struct relay *r, double seconds, double store_s, double drain_s,
    double cpu)
{
	double		lost = (double)(r->total - r->delivered);
	const char	*mode = r->offline ? "offline" : "relay";
	struct {
		const char	*key;
		double		 v;
		int		 digits;
	} f[] = {
		{ "pairs", (double)r->pairs, 0 },
		{ "messages", (double)r->messages, 0 },
		{ "seconds", seconds, 3 },
		{ "msgs_per_s", seconds > 0 ? (double)r->delivered / seconds :
		    0, 0 },
		{ "p50_ms", bench_pct(r->lat, r->delivered, 0.50), 3 },
		{ "p99_ms", bench_pct(r->lat, r->delivered, 0.99), 3 },
		{ "max_ms", bench_pct(r->lat, r->delivered, 1.0), 3 },
		{ "lost", lost, 0 },
		{ "dup", (double)r->dup, 0 },
		{ "server_cpu_us_per_msg", cpu, 2 },
		{ "store_msgs_per_s", store_s > 0 ? (double)r->stored /
		    store_s : 0, 0 },
		{ "drain_msgs_per_s", drain_s > 0 ? (double)r->delivered /
		    drain_s : 0, 0 },
	};
	size_t	i, n = sizeof f / sizeof f[0] - (r->offline ? 0 : 2);

	if (r->json)
		printf("{\"mode\":\"%s\"", mode);
	else
		printf("%-24s %s\n", "mode", mode);
	for (i = 0; i < n; i++) {
		if (r->json)
			printf(",\"%s\":%.*f", f[i].key, f[i].digits, f[i].v);
		else
			printf("%-24s %.*f\n", f[i].key, f[i].digits, f[i].v);
	}
	if (r->reconnect && r->json)
		printf(",\"reconnects\":%llu,\"redelivered\":%llu,"
		    "\"disorder\":%llu", (unsigned long long)r->reconnects,
		    (unsigned long long)r->redelivered,
		    (unsigned long long)r->disorder);
	else if (r->reconnect)
		printf("%-24s %llu\n%-24s %llu\n%-24s %llu\n", "reconnects",
		    (unsigned long long)r->reconnects, "redelivered",
		    (unsigned long long)r->redelivered, "disorder",
		    (unsigned long long)r->disorder);
	if (r->json)
		printf("}\n");
	fflush(stdout);
}

/* Register every account; with offline, receivers log out again. */
static int
relay_setup(struct relay *r)
{
	char	 prefix[12], name[40];
	uint8_t	 rnd[4];
	int64_t	 i;

	randombytes_buf(rnd, sizeof rnd);
	snprintf(prefix, sizeof prefix, "b%02x%02x%02x%02x", rnd[0], rnd[1],
	    rnd[2], rnd[3]);
	r->p = xcalloc((size_t)r->pairs, sizeof *r->p);
	for (i = 0; i < r->pairs; i++) {
		r->p[i].r = r;
		r->p[i].index = (uint32_t)i;
		r->p[i].sent_ns = xcalloc((size_t)r->messages, sizeof(int64_t));
		r->p[i].seen = xcalloc((size_t)r->messages, 1);
		r->p[i].stored = xcalloc((size_t)r->messages, 1);
		r->p[i].ack_id = xcalloc((size_t)r->messages, sizeof(uint64_t));
		r->p[i].ack_conn = xcalloc((size_t)r->messages,
		    sizeof(uint32_t));
		r->p[i].seq = xcalloc((size_t)r->messages, sizeof(uint64_t));
		r->p[i].last_first = -1;
		snprintf(name, sizeof name, "%s-s%lld", prefix, (long long)i);
		r->p[i].sender = bench_conn_open(r->net, name, &relay_sender,
		    &r->p[i]);
		snprintf(name, sizeof name, "%s-r%lld", prefix, (long long)i);
		r->p[i].receiver = bench_conn_open(r->net, name,
		    &relay_receiver, &r->p[i]);
	}
	if (relay_wait(r, relay_all_ready) != 0 || r->errors > 0) {
		fprintf(stderr, "natter-bench: could not log in %llu of %lld "
		    "accounts\n", (unsigned long long)(2 * r->pairs - r->ready),
		    (long long)(2 * r->pairs));
		return (-1);
	}
	if (!r->offline)
		return (0);
	for (i = 0; i < r->pairs; i++) {
		r->p[i].receiver_down = 0;
		bench_conn_close(r->p[i].receiver);
	}
	if (relay_wait(r, relay_senders_only) != 0) {
		fprintf(stderr, "natter-bench: natterd still counts the "
		    "receivers online\n");
		return (-1);
	}
	return (0);
}

/* Time the run; seconds, store and drain times out. 0 or -1 (stalled). */
static int
relay_measure(struct relay *r, double *seconds, double *store_s,
    double *drain_s)
{
	int64_t	i, t1;
	int	rc;

	r->t0 = bench_now_ns();
	for (i = 0; i < r->pairs; i++)
		relay_fill(r, &r->p[i], r->t0);
	if (!r->offline) {
		rc = relay_wait(r, relay_all_delivered);
		*seconds = (double)(r->tlast - r->t0) / 1e9;
		return (rc);
	}
	rc = relay_wait(r, relay_all_stored);
	t1 = bench_now_ns();
	*store_s = (double)(t1 - r->t0) / 1e9;
	if (rc != 0)
		return (rc);
	for (i = 0; i < r->pairs; i++)
		bench_conn_reopen(r->p[i].receiver);
	rc = relay_wait(r, relay_all_delivered);
	*drain_s = (double)(r->tlast - t1) / 1e9;
	*seconds = (double)(r->tlast - r->t0) / 1e9;
	return (rc);
}

static int
relay_run(struct relay *r)
{
	double	cpu0, cpu1, seconds = 0, store_s = 0, drain_s = 0;
	int64_t	i;
	int	failed = 0;

	r->total = (uint64_t)(r->pairs * r->messages);
	randombytes_buf(r->nonce, sizeof r->nonce);
	r->lat = xcalloc(r->total + 1, sizeof *r->lat);
	r->body = xmalloc((size_t)r->size + 1);
	if ((r->net = bench_net_create(r->server,
	    (size_t)(2 * r->pairs))) == NULL)
		return (2);
	if (relay_setup(r) != 0) {
		failed = 1;
		goto out;
	}
	cpu0 = bench_net_metric(r->net, "process_cpu_seconds_total");
	if (relay_measure(r, &seconds, &store_s, &drain_s) != 0)
		fprintf(stderr, "natter-bench: stalled: %llu of %llu messages "
		    "delivered, %llu of %llu receipts\n",
		    (unsigned long long)r->delivered,
		    (unsigned long long)r->total,
		    (unsigned long long)r->receipts,
		    (unsigned long long)r->total);
	cpu1 = bench_net_metric(r->net, "process_cpu_seconds_total");
	bench_sort(r->lat, r->delivered);
	relay_print(r, seconds, store_s, drain_s, cpu0 < 0 || cpu1 < 0 ? -1 :
	    (cpu1 - cpu0) * 1e6 / (double)(r->delivered ? r->delivered : 1));
	failed = r->delivered != r->total || r->dup != 0 || r->errors != 0 ||
	    r->disorder != 0;
out:
	bench_net_free(r->net);
	for (i = 0; r->p != NULL && i < r->pairs; i++) {
		free(r->p[i].sent_ns);
		free(r->p[i].seen);
		free(r->p[i].stored);
		free(r->p[i].ack_id);
		free(r->p[i].ack_conn);
		free(r->p[i].seq);
		free(r->p[i].confirmed);
	}
	free(r->p);
	free(r->lat);
	free(r->body);
	return (failed);
}

static int
relay_main(int argc, char **argv, int offline)
{
	struct relay	r;
	int		usage = 0;
	const struct bench_arg args[] = {
		{ "--server", BENCH_ARG_STRING, &r.server, 0, 0 },
		{ "--pairs", BENCH_ARG_INT, &r.pairs, 1, 100000 },
		{ "--messages", BENCH_ARG_INT, &r.messages, 1, 100000000 },
		{ "--window", BENCH_ARG_INT, &r.window, 1, 1000000 },
		{ "--size", BENCH_ARG_INT, &r.size, 1, 16 << 20 },
		{ "--rate", BENCH_ARG_INT, &r.rate, 1, 100000000 },
		{ "--json", BENCH_ARG_FLAG, &r.json, 0, 0 },
		{ "--reconnect", BENCH_ARG_FLAG, &r.reconnect, 0, 0 },
	};

	memset(&r, 0, sizeof r);
	r.offline = offline;
	r.server = "ws://127.0.0.1:7878";
	r.pairs = 50;
	r.messages = 2000;
	r.window = 32;
	r.size = 100;
	if (bench_args_parse(argc, argv, args, sizeof args / sizeof args[0])
	    != 0)
		usage = 1;
	else if (offline && r.rate != 0) {
		fprintf(stderr, "natter-bench: --rate is for --mode relay\n");
		usage = 1;
	}
	if (usage) {
		fprintf(stderr, "usage: %s\n", offline ? BENCH_USAGE_OFFLINE :
		    BENCH_USAGE_RELAY);
		return (2);
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "natter-bench: sodium_init failed\n");
		return (1);
	}
	return (relay_run(&r));
}

int
bench_relay(int argc, char **argv)
{
	return (relay_main(argc, argv, 0));
}

int
bench_offline(int argc, char **argv)
{
	return (relay_main(argc, argv, 1));
}
