/* bench_fanout: natter-bench --mode fanout, group messages to G groups of N.
 *
 * Every member is a real account (Register over bench_net, at most
 * BENCH_HANDSHAKES at a time), online for the whole run. Member 0 of each
 * group creates it (GroupOp create with the other N - 1 names) and is its
 * one sender. Before the clock starts, the sender sends one GroupSend
 * knowing no devices (a devices_hash of 32 zero bytes: natterd wants 32
 * bytes, and no set hashes to zeros), takes the set from the
 * DEVICE_MISMATCH answer and computes the hash a client would
 * (docs/groups.md): SHA-256 over every member device but its own, sorted
 * by (name, device), each as u8 len | name | u32 BE device. It is computed
 * here from the document, not with server/grouphash.c, so a run also
 * checks natterd's rule. A mismatch during the run is handled the same
 * way (new hash, the same message again) and counted.
 *
 * Then each sender keeps at most --window GroupSends without a Response,
 * M in all, each --size random bytes. natterd does not look inside a
 * group message, so the bench does no sender-key crypto: it measures the
 * server's fan-out, not the clients' encryption (natter-bench crypto
 * measures sender_key_msgs_per_s). The message id names the group and the
 * message's index, so each member counts what it got: lost (not arrived
 * when nothing moved for FANOUT_STALL_NS), dup, disorder (a first arrival
 * before an earlier message's). Latency runs from the send (with --rate,
 * the scheduled time) to the arrival at each member, on one clock.
 * Members ack each Deliver at once; senders ack the delivered receipts,
 * and the run ends when every delivery and every receipt arrived: seconds
 * runs from the first send to the last delivery, receipts_seconds to the
 * last receipt, and the CPU figures cover the whole of it. */
#include <sys/resource.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "shared/crypto/sha256.h"
#include "shared/util/xmalloc.h"
#include "tests/bench/bench.h"
#include "tests/bench/bench_args.h"
#include "tests/bench/bench_net.h"

#define FANOUT_STALL_NS		(15 * 1000000000LL)	/* no progress */
#define FANOUT_MAXERRORS	5			/* lines printed */
#define FANOUT_ID_CREATE	(1ULL << 40)		/* frame ids */
#define FANOUT_ID_PROBE		(FANOUT_ID_CREATE + 1)
#define FANOUT_K_PROBE		UINT32_MAX		/* the probe's index */
#define FANOUT_OP_CREATE	1
#define FANOUT_TYPE_GROUP	3			/* Delivery.type */
#define FANOUT_TYPE_CHANGE	4

struct fanout;
struct fanout_group;

struct fanout_member {
	struct fanout_group	*g;
	uint32_t		 index;		/* 0 is the sender */
	struct bench_conn	*conn;
	int64_t			 last_first;	/* last first arrival */
};

struct fanout_group {
	struct fanout		*f;
	uint32_t		 index;
	char			 name[40];
	uint8_t			 id[16];	/* GroupInfo.id */
	int			 created, hashed;
	uint8_t			 hash[SHA256_BYTES];
	struct fanout_member	*m;		/* members, m[0] sends */
	uint32_t		 next;		/* the next message to send */
	uint32_t		 inflight;	/* sent, not answered */
	int64_t			*sent_ns;	/* send or scheduled time */
	uint8_t			*stored;	/* answered OK */
	uint8_t			*seen;		/* member * M + message */
};

struct fanout {
	struct bench_net	*net;
	const char		*server;
	int			 json;
	int64_t			 groups, members, messages, window, size;
	int64_t			 rate;
	struct fanout_group	*g;
	uint64_t		 total;		/* deliveries expected */
	uint64_t		 delivered, dup, disorder, receipts, stored;
	uint64_t		 changes, mismatches, errors, ready, progress;
	uint64_t		 created, hashed;
	double			*lat;
	int64_t			 t0, tlast, treceipt;
	uint8_t			*body;
	uint8_t			 nonce[8];
};

static void
fanout_error(struct fanout *f, const char *what)
{
	if (f->errors++ < FANOUT_MAXERRORS)
		fprintf(stderr, "natter-bench: %s\n", what);
}

static int64_t
fanout_sched(struct fanout *f, struct fanout_group *g, uint32_t k)
{
	return (f->t0 + (int64_t)(((double)k * f->groups + g->index) * 1e9 /
	    f->rate));
}

static int
fanout_devcmp(const void *a, const void *b)
{
	const Natter__DeviceRef	*x = *(Natter__DeviceRef * const *)a;
	const Natter__DeviceRef	*y = *(Natter__DeviceRef * const *)b;
	int			 c = strcmp(x->name, y->name);

	if (c != 0)
		return (c);
	return (x->device < y->device ? -1 : x->device > y->device);
}

/* The hash of a DEVICE_MISMATCH answer's set (docs/groups.md); 0, or -1
 * for a set that cannot be this group's. */
static int
fanout_hash(struct fanout_group *g, const Natter__Response *r)
{
	Natter__DeviceRef	**v;
	struct sha256		 *h;
	uint8_t			  len, be[4];
	size_t			  i, n;

	if (r->n_devices != (size_t)g->f->members - 1)
		return (-1);
	v = xreallocarray(NULL, r->n_devices, sizeof *v);
	memcpy(v, r->devices, r->n_devices * sizeof *v);
	qsort(v, r->n_devices, sizeof *v, fanout_devcmp);
	h = sha256_new();
	for (i = 0; i < r->n_devices; i++) {
		n = strlen(v[i]->name);
		len = (uint8_t)(n > 255 ? 255 : n);
		be[0] = (uint8_t)(v[i]->device >> 24);
		be[1] = (uint8_t)(v[i]->device >> 16);
		be[2] = (uint8_t)(v[i]->device >> 8);
		be[3] = (uint8_t)v[i]->device;
		sha256_update(h, &len, 1);
		sha256_update(h, v[i]->name, len);
		sha256_update(h, be, sizeof be);
	}
	sha256_final(h, g->hash);
	sha256_free(h);
	free(v);
	g->hashed = 1;
	return (0);
}

/* One GroupSend of message k (FANOUT_K_PROBE: the probe, no devices). */
static void
fanout_send(struct fanout *f, struct fanout_group *g, uint32_t k)
{
	static uint8_t		unknown[SHA256_BYTES];
	Natter__Frame		fr = NATTER__FRAME__INIT;
	Natter__GroupSend	s = NATTER__GROUP_SEND__INIT;
	uint8_t			id[16];

	/* Group, index and the run's nonce: a resend keeps its id. */
	memcpy(id, &g->index, 4);
	memcpy(id + 4, &k, 4);
	memcpy(id + 8, f->nonce, 8);
	randombytes_buf(f->body, (size_t)f->size);
	s.message_id.data = id;
	s.message_id.len = sizeof id;
	s.group.data = g->id;
	s.group.len = sizeof g->id;
	s.devices_hash.data = k == FANOUT_K_PROBE ? unknown : g->hash;
	s.devices_hash.len = sizeof g->hash;
	s.content.data = f->body;
	s.content.len = (size_t)f->size;
	fr.id = k == FANOUT_K_PROBE ? FANOUT_ID_PROBE : (uint64_t)k + 2;
	fr.body_case = NATTER__FRAME__BODY_GROUP_SEND;
	fr.group_send = &s;
	bench_conn_send(g->m[0].conn, &fr);
}

/* Send what the window (and with --rate, the schedule) allows. */
static void
fanout_fill(struct fanout *f, struct fanout_group *g, int64_t now)
{
	if (f->t0 == 0)
		return;
	while (g->next < f->messages && g->inflight < f->window) {
		if (f->rate > 0 && fanout_sched(f, g, g->next) > now)
			break;
		g->sent_ns[g->next] = f->rate > 0 ? fanout_sched(f, g,
		    g->next) : now;
		g->inflight++;
		fanout_send(f, g, g->next++);
	}
}

static void
fanout_create(struct fanout *f, struct fanout_group *g)
{
	Natter__Frame	 fr = NATTER__FRAME__INIT;
	Natter__GroupOp	 op = NATTER__GROUP_OP__INIT;
	char		**users;
	int64_t		  i;

	users = xreallocarray(NULL, (size_t)f->members, sizeof *users);
	for (i = 1; i < f->members; i++)
		users[i - 1] = (char *)bench_conn_name(g->m[i].conn);
	op.op = FANOUT_OP_CREATE;
	op.group = g->name;
	op.n_users = (size_t)f->members - 1;
	op.users = users;
	fr.id = FANOUT_ID_CREATE;
	fr.body_case = NATTER__FRAME__BODY_GROUP_OP;
	fr.group_op = &op;
	bench_conn_send(g->m[0].conn, &fr);
	free(users);
}

static void
fanout_ready(struct bench_conn *c, void *arg)
{
	struct fanout_member	*m = arg;

	m->g->f->ready++;
}

static void
fanout_conn_error(struct bench_conn *c, const char *why, void *arg)
{
	struct fanout_member	*m = arg;

	fanout_error(m->g->f, why);
}

/* The answer to the create or the probe (setup, before the clock). */
static void
fanout_setup_answer(struct fanout *f, struct fanout_group *g,
    const Natter__Frame *fr)
{
	const Natter__Response	*r = fr->response;
	char			 why[200];

	if (fr->id == FANOUT_ID_CREATE && r->code == NATTER__CODE__OK &&
	    r->n_groups > 0 && r->groups[0]->id.len == sizeof g->id) {
		memcpy(g->id, r->groups[0]->id.data, sizeof g->id);
		g->created = 1;
		f->created++;
		return;
	}
	if (fr->id == FANOUT_ID_PROBE && r->code ==
	    NATTER__CODE__DEVICE_MISMATCH && fanout_hash(g, r) == 0) {
		f->hashed++;
		return;
	}
	snprintf(why, sizeof why, "%s of group %s: code %u (%zu devices): %s",
	    fr->id == FANOUT_ID_CREATE ? "create" : "first send", g->name,
	    r->code, r->n_devices, r->message);
	fanout_error(f, why);
}

/* A GroupSend's answer during the run. */
static void
fanout_send_answer(struct fanout *f, struct fanout_group *g,
    const Natter__Frame *fr)
{
	const Natter__Response	*r = fr->response;
	uint32_t		 k = (uint32_t)(fr->id - 2);
	char			 why[200];

	if (r->code == NATTER__CODE__DEVICE_MISMATCH && fanout_hash(g, r) ==
	    0) {
		/* A stale view costs one round trip: send it again. */
		f->mismatches++;
		fanout_send(f, g, k);
		return;
	}
	if (r->code != NATTER__CODE__OK) {
		snprintf(why, sizeof why, "send %u to %s: code %u: %s", k,
		    g->name, r->code, r->message);
		fanout_error(f, why);
	} else if (!g->stored[k]) {
		g->stored[k] = 1;
		f->stored++;
	}
	if (g->inflight > 0)
		g->inflight--;
	fanout_fill(f, g, bench_now_ns());
}

/* The sender's frames: answers, receipts (and the group's change). */
static void
fanout_sender_frame(struct bench_conn *c, const Natter__Frame *fr,
    void *arg)
{
	struct fanout_member	*m = arg;
	struct fanout_group	*g = m->g;
	struct fanout		*f = g->f;
	size_t			 i;

	f->progress++;
	if (fr->body_case == NATTER__FRAME__BODY_DELIVER) {
		for (i = 0; i < fr->deliver->n_items; i++) {
			if (fr->deliver->items[i]->receipt != NULL) {
				/* One per (by, device) it names. */
				f->receipts += 1 +
				    fr->deliver->items[i]->receipt->n_more;
				f->treceipt = bench_now_ns();
			}
		}
		bench_conn_ack(c, fr->deliver, 0);
		return;
	}
	if (fr->body_case != NATTER__FRAME__BODY_RESPONSE)
		return;
	if (fr->id == FANOUT_ID_CREATE || fr->id == FANOUT_ID_PROBE)
		fanout_setup_answer(f, g, fr);
	else if (fr->id >= 2 && fr->id - 2 < (uint64_t)f->messages)
		fanout_send_answer(f, g, fr);
	else if (fr->response->code != NATTER__CODE__OK)
		fanout_error(f, fr->response->message);
}

/* One item delivered to member m. */
static void
fanout_delivery(struct fanout *f, struct fanout_member *m,
    const Natter__Delivery *d, int64_t now)
{
	struct fanout_group	*g = m->g;
	uint32_t		 gi, k;
	uint8_t			*seen;

	if (d->type == FANOUT_TYPE_CHANGE) {
		f->changes++;
		return;
	}
	if (d->receipt != NULL)
		return;
	if (d->type != FANOUT_TYPE_GROUP || d->message_id.len != 16 ||
	    d->group.len != sizeof g->id ||
	    memcmp(d->group.data, g->id, sizeof g->id) != 0) {
		fanout_error(f, "a delivery that is not this group's message");
		return;
	}
	memcpy(&gi, d->message_id.data, 4);
	memcpy(&k, d->message_id.data + 4, 4);
	if (gi != g->index || k >= f->messages) {
		fanout_error(f, "a delivery names no message that was sent");
		return;
	}
	seen = &g->seen[(size_t)m->index * (size_t)f->messages + k];
	if (*seen) {
		f->dup++;
		return;
	}
	*seen = 1;
	if ((int64_t)k < m->last_first)
		f->disorder++;
	m->last_first = k;
	f->lat[f->delivered++] = (double)(now - g->sent_ns[k]) / 1e6;
	f->tlast = now;
}

static void
fanout_member_frame(struct bench_conn *c, const Natter__Frame *fr,
    void *arg)
{
	struct fanout_member	*m = arg;
	struct fanout		*f = m->g->f;
	int64_t			 now = bench_now_ns();
	size_t			 i;

	f->progress++;
	if (fr->body_case == NATTER__FRAME__BODY_RESPONSE &&
	    fr->response->code != NATTER__CODE__OK)
		fanout_error(f, fr->response->message);
	if (fr->body_case != NATTER__FRAME__BODY_DELIVER)
		return;
	for (i = 0; i < fr->deliver->n_items; i++)
		fanout_delivery(f, m, fr->deliver->items[i], now);
	bench_conn_ack(c, fr->deliver, 0);
}

static const struct bench_handlers fanout_sender = {
	fanout_ready, fanout_sender_frame, fanout_conn_error
};
static const struct bench_handlers fanout_member = {
	fanout_ready, fanout_member_frame, fanout_conn_error
};

/* Poll until done(f), an error, or nothing moved for FANOUT_STALL_NS:
 * 0 or -1. */
static int
fanout_wait(struct fanout *f, int (*done)(struct fanout *))
{
	int64_t		last = bench_now_ns(), now, i;
	uint64_t	seen = f->progress + f->ready;

	while (!done(f)) {
		bench_net_poll(f->net, f->rate > 0 ? 1 : 100);
		now = bench_now_ns();
		if (f->rate > 0) {
			for (i = 0; i < f->groups; i++)
				fanout_fill(f, &f->g[i], now);
		}
		if (f->progress + f->ready != seen) {
			seen = f->progress + f->ready;
			last = now;
		} else if (now - last > FANOUT_STALL_NS)
			return (-1);
		if (f->errors > 0 && f->t0 == 0)
			return (-1);
	}
	return (0);
}

static int
fanout_all_ready(struct fanout *f)
{
	return (bench_net_pending(f->net) == 0);
}

/* Created, and every other member has seen the change. */
static int
fanout_all_created(struct fanout *f)
{
	return (f->created == (uint64_t)f->groups && f->changes >=
	    (uint64_t)(f->groups * (f->members - 1)));
}

static int
fanout_all_hashed(struct fanout *f)
{
	return (f->hashed == (uint64_t)f->groups);
}

static int
fanout_all_delivered(struct fanout *f)
{
	return (f->delivered >= f->total && f->receipts >= f->total &&
	    f->stored + f->errors >= (uint64_t)(f->groups * f->messages));
}

/* This process's user + system CPU, in seconds. */
static double
fanout_cpu(void)
{
	struct rusage	ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return (0);
	return ((double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
}

static void
fanout_print(struct fanout *f, double seconds, double setup_s,
    double server_cpu, double client_cpu)
{
	double	n = (double)(f->delivered ? f->delivered : 1);
	struct {
		const char	*key;
		double		 v;
		int		 digits;
	} v[] = {
		{ "groups", (double)f->groups, 0 },
		{ "members", (double)f->members, 0 },
		{ "messages", (double)f->messages, 0 },
		{ "deliveries", (double)f->delivered, 0 },
		{ "seconds", seconds, 3 },
		{ "deliveries_per_s", seconds > 0 ? (double)f->delivered /
		    seconds : 0, 0 },
		{ "p50_ms", bench_pct(f->lat, f->delivered, 0.50), 3 },
		{ "p99_ms", bench_pct(f->lat, f->delivered, 0.99), 3 },
		{ "max_ms", bench_pct(f->lat, f->delivered, 1.0), 3 },
		{ "lost", (double)(f->total - f->delivered), 0 },
		{ "dup", (double)f->dup, 0 },
		{ "server_cpu_us_per_delivery", server_cpu < 0 ? -1 :
		    server_cpu * 1e6 / n, 2 },
		/* Beyond the contract: */
		{ "client_cpu_us_per_delivery", client_cpu * 1e6 / n, 2 },
		{ "receipts", (double)f->receipts, 0 },
		{ "receipts_seconds", f->treceipt > f->t0 ? (double)(f->treceipt -
		    f->t0) / 1e9 : 0, 3 },
		{ "disorder", (double)f->disorder, 0 },
		{ "mismatches", (double)f->mismatches, 0 },
		{ "setup_seconds", setup_s, 3 },
	};
	size_t	i;

	if (f->json)
		printf("{\"mode\":\"fanout\"");
	else
		printf("%-28s %s\n", "mode", "fanout");
	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		if (f->json)
			printf(",\"%s\":%.*f", v[i].key, v[i].digits, v[i].v);
		else
			printf("%-28s %.*f\n", v[i].key, v[i].digits, v[i].v);
	}
	if (f->json)
		printf("}\n");
	fflush(stdout);
}

/* Register and log in every member, create the groups, learn their
 * device hashes. 0, or -1 after saying what failed. */
static int
fanout_setup(struct fanout *f)
{
	struct fanout_group	*g;
	char			 prefix[12], name[64];
	uint8_t			 rnd[4];
	int64_t			 i, j;

	randombytes_buf(rnd, sizeof rnd);
	snprintf(prefix, sizeof prefix, "f%02x%02x%02x%02x", rnd[0], rnd[1],
	    rnd[2], rnd[3]);
	f->g = xcalloc((size_t)f->groups, sizeof *f->g);
	for (i = 0; i < f->groups; i++) {
		g = &f->g[i];
		g->f = f;
		g->index = (uint32_t)i;
		snprintf(g->name, sizeof g->name, "%s-g%lld", prefix,
		    (long long)i);
		g->m = xcalloc((size_t)f->members, sizeof *g->m);
		g->sent_ns = xcalloc((size_t)f->messages, sizeof *g->sent_ns);
		g->stored = xcalloc((size_t)f->messages, 1);
		g->seen = xcalloc((size_t)(f->members * f->messages), 1);
		for (j = 0; j < f->members; j++) {
			g->m[j].g = g;
			g->m[j].index = (uint32_t)j;
			g->m[j].last_first = -1;
			snprintf(name, sizeof name, "%s-g%lld-m%lld", prefix,
			    (long long)i, (long long)j);
			g->m[j].conn = bench_conn_open(f->net, name, j == 0 ?
			    &fanout_sender : &fanout_member, &g->m[j]);
		}
	}
	if (fanout_wait(f, fanout_all_ready) != 0 ||
	    f->ready != (uint64_t)(f->groups * f->members)) {
		fprintf(stderr, "natter-bench: could not log in %llu of %lld "
		    "accounts\n", (unsigned long long)(f->groups * f->members -
		    (int64_t)f->ready), (long long)(f->groups * f->members));
		return (-1);
	}
	for (i = 0; i < f->groups; i++)
		fanout_create(f, &f->g[i]);
	if (fanout_wait(f, fanout_all_created) != 0) {
		fprintf(stderr, "natter-bench: %llu of %lld groups created, "
		    "%llu of %lld members told\n", (unsigned long long)
		    f->created, (long long)f->groups, (unsigned long long)
		    f->changes, (long long)(f->groups * (f->members - 1)));
		return (-1);
	}
	for (i = 0; i < f->groups; i++)
		fanout_send(f, &f->g[i], FANOUT_K_PROBE);
	if (fanout_wait(f, fanout_all_hashed) != 0) {
		fprintf(stderr, "natter-bench: no device set for %llu of %lld "
		    "groups\n", (unsigned long long)(f->groups -
		    (int64_t)f->hashed), (long long)f->groups);
		return (-1);
	}
	return (0);
}

/* NATTER_BENCH_DEBUG: natterd's counters over the timed span, to stderr
 * (before: v[] is filled; after: the differences are printed). */
static void
fanout_counters(struct fanout *f, double *v, int after)
{
	static const char	*names[] = { "natter_commits_total",
	    "natter_requests_total", "natter_receipts_stored_total",
	    "natter_group_deliveries_total" };
	size_t			 i;
	double			 x;

	if (getenv("NATTER_BENCH_DEBUG") == NULL)
		return;
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		x = bench_net_metric(f->net, names[i]);
		if (after)
			fprintf(stderr, "natter-bench: %s +%.0f\n", names[i],
			    x - v[i]);
		v[i] = x;
	}
}

static int
fanout_run(struct fanout *f)
{
	double	cpu0, cpu1, ccpu0, ccpu1, seconds = 0, setup_s, counters[4];
	int64_t	i, start = bench_now_ns();
	int	failed = 1;

	f->total = (uint64_t)(f->groups * f->messages * (f->members - 1));
	randombytes_buf(f->nonce, sizeof f->nonce);
	f->lat = xcalloc(f->total + 1, sizeof *f->lat);
	f->body = xmalloc((size_t)f->size);
	if ((f->net = bench_net_create(f->server,
	    (size_t)(f->groups * f->members))) == NULL) {
		free(f->lat);
		free(f->body);
		return (2);
	}
	if (fanout_setup(f) != 0)
		goto out;
	setup_s = (double)(bench_now_ns() - start) / 1e9;
	fanout_counters(f, counters, 0);
	cpu0 = bench_net_metric(f->net, "process_cpu_seconds_total");
	ccpu0 = fanout_cpu();
	f->t0 = bench_now_ns();
	for (i = 0; i < f->groups; i++)
		fanout_fill(f, &f->g[i], f->t0);
	if (fanout_wait(f, fanout_all_delivered) != 0)
		fprintf(stderr, "natter-bench: stalled: %llu of %llu "
		    "deliveries, %llu of %llu receipts\n", (unsigned long long)
		    f->delivered, (unsigned long long)f->total,
		    (unsigned long long)f->receipts,
		    (unsigned long long)f->total);
	seconds = (double)(f->tlast - f->t0) / 1e9;
	ccpu1 = fanout_cpu();
	cpu1 = bench_net_metric(f->net, "process_cpu_seconds_total");
	fanout_counters(f, counters, 1);
	bench_sort(f->lat, f->delivered);
	fanout_print(f, seconds, setup_s, cpu0 < 0 || cpu1 < 0 ? -1 :
	    cpu1 - cpu0, ccpu1 - ccpu0);
	failed = f->delivered != f->total || f->dup != 0 || f->errors != 0 ||
	    f->disorder != 0;
out:
	bench_net_free(f->net);
	for (i = 0; f->g != NULL && i < f->groups; i++) {
		free(f->g[i].m);
		free(f->g[i].sent_ns);
		free(f->g[i].stored);
		free(f->g[i].seen);
	}
	free(f->g);
	free(f->lat);
	free(f->body);
	return (failed);
}

int
bench_fanout(int argc, char **argv)
{
	struct fanout		f;
	const struct bench_arg	args[] = {
		{ "--server", BENCH_ARG_STRING, &f.server, 0, 0 },
		{ "--groups", BENCH_ARG_INT, &f.groups, 1, 10000 },
		{ "--members", BENCH_ARG_INT, &f.members, 2, 1024 },
		{ "--messages", BENCH_ARG_INT, &f.messages, 1, 10000000 },
		{ "--window", BENCH_ARG_INT, &f.window, 1, 1000000 },
		{ "--size", BENCH_ARG_INT, &f.size, 1, 16 << 20 },
		{ "--rate", BENCH_ARG_INT, &f.rate, 1, 100000000 },
		{ "--json", BENCH_ARG_FLAG, &f.json, 0, 0 },
	};

	memset(&f, 0, sizeof f);
	f.server = "ws://127.0.0.1:7878";
	f.groups = 10;
	f.members = 10;
	f.messages = 200;
	f.window = 32;
	f.size = 100;
	if (bench_args_parse(argc, argv, args, sizeof args / sizeof args[0])
	    != 0) {
		fprintf(stderr, "usage: %s\n", BENCH_USAGE_FANOUT);
		return (2);
	}
	if (f.groups * f.members > 100000) {
		fprintf(stderr, "natter-bench: at most 100000 members in all\n");
		return (2);
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "natter-bench: sodium_init failed\n");
		return (1);
	}
	return (fanout_run(&f));
}
