/* bench_crypto: natter-bench crypto, the speed of natter's crypto on one core. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "shared/crypto/sealed.h"
#include "shared/crypto/senderkey.h"
#include "tests/bench/bench.h"
#include "tests/bench/bench_crypto.h"

#define BC_MSGBYTES	100
#define BC_ROWBYTES	4096
#define BC_BUDGET_NS	1000000000ULL	/* CPU time per workload */
#define BC_SMOKE_OPS	20

/* Sender keys: one sender, one receiving member. */
struct bc_senderkey {
	struct senderkey	*s;
	struct senderkey_peer	*p;
};

static void *
bc_senderkey_init(void)
{
	struct bc_senderkey	*b = calloc(1, sizeof *b);
	uint8_t			 d[SENDERKEY_DISTMAX];
	size_t			 n;

	b->s = senderkey_create((const uint8_t *)"bench-group", 11);
	b->p = senderkey_peer_create();
	senderkey_distribution(b->s, d, &n);
	if (senderkey_peer_process(b->p, d, n) != 0)
		abort();
	return (b);
}

static int
bc_senderkey_run(void *arg, uint64_t n)
{
	struct bc_senderkey	*b = arg;
	uint8_t			 m[BC_MSGBYTES], c[BC_MSGBYTES + 200];
	uint8_t			 out[sizeof c];
	size_t			 clen, mlen;
	uint64_t		 i;

	randombytes_buf(m, sizeof m);
	for (i = 0; i < n; i++) {
		m[0] = (uint8_t)i;
		if (senderkey_encrypt(b->s, c, &clen, m, sizeof m) != 0 ||
		    senderkey_peer_decrypt(b->p, out, &mlen, c, clen) != 0 ||
		    mlen != sizeof m || memcmp(out, m, mlen) != 0)
			return (-1);
	}
	return (0);
}

static void
bc_senderkey_fini(void *arg)
{
	struct bc_senderkey	*b = arg;

	senderkey_free(b->s);
	senderkey_peer_free(b->p);
	free(b);
}

/* At-rest sealing: seal then open 4 KiB rows of one table. */
struct bc_seal {
	struct sealed	*s;
	char		 dir[64];
};

static void *
bc_seal_init(void)
{
	struct bc_seal	*b = calloc(1, sizeof *b);
	char		 path[96];

	snprintf(b->dir, sizeof b->dir, "/tmp/natter-bench.XXXXXX");
	if (mkdtemp(b->dir) == NULL)
		abort();
	snprintf(path, sizeof path, "%s/key", b->dir);
	if ((b->s = sealed_create(path, "bench", 5, NULL)) == NULL)
		abort();
	unlink(path);
	rmdir(b->dir);
	return (b);
}

static int
bc_seal_run(void *arg, uint64_t n)
{
	struct bc_seal	*b = arg;
	static uint8_t	 row[BC_ROWBYTES], box[BC_ROWBYTES +
			    SEALED_COLUMN_OVERHEAD], out[BC_ROWBYTES];
	uint64_t	 i;

	randombytes_buf(row, sizeof row);
	for (i = 0; i < n; i++) {
		row[0] = (uint8_t)i;
		if (sealed_column_seal(b->s, box, row, sizeof row, "messages",
		    (int64_t)i, "body") != 0 ||
		    sealed_column_open(b->s, out, box, sizeof box, "messages",
		    (int64_t)i, "body") != 0 || memcmp(out, row, sizeof row) != 0)
			return (-1);
	}
	return (0);
}

static void
bc_seal_fini(void *arg)
{
	struct bc_seal	*b = arg;

	sealed_free(b->s);
	free(b);
}

static const struct bc_workload bc_workloads[] = {
	{ "ratchet_msgs_per_s", 1, bc_ratchet_init, bc_ratchet_run,
	  bc_ratchet_fini },
	{ "ratchet_pingpong_msgs_per_s", 1, bc_pingpong_init, bc_pingpong_run,
	  bc_ratchet_fini },
	{ "x3dh_per_s", 1, bc_x3dh_init, bc_x3dh_run, bc_x3dh_fini },
	{ "x3dh_cold_per_s", 1, bc_x3dh_init, bc_x3dh_cold_run, bc_x3dh_fini },
	{ "forged_msgs_per_s", 1, bc_forged_init, bc_forged_run,
	  bc_forged_fini },
	{ "sender_key_msgs_per_s", 1, bc_senderkey_init, bc_senderkey_run,
	  bc_senderkey_fini },
	{ "seal_mb_per_s", BC_ROWBYTES / 1e6, bc_seal_init, bc_seal_run,
	  bc_seal_fini },
};
#define BC_NWORKLOADS	(sizeof bc_workloads / sizeof bc_workloads[0])

/*
 * Run a workload in doubling batches until it has used the CPU budget (or
 * BC_SMOKE_OPS operations when smoke); *rate gets units per CPU second.
 * -1 if any operation failed.
 */
static int
bc_measure(const struct bc_workload *w, int smoke, double *rate)
{
	void		*ctx = w->init();
	uint64_t	 batch = smoke ? BC_SMOKE_OPS : 16, ops = 0, t0, ns;
	int		 rc = 0;

	t0 = bench_cpu_ns();
	for (;;) {
		if (w->run(ctx, batch) != 0) {
			rc = -1;
			break;
		}
		ops += batch;
		ns = bench_cpu_ns() - t0;
		if (smoke || ns >= BC_BUDGET_NS)
			break;
		if (ns < BC_BUDGET_NS / 4 && batch < (1U << 20))
			batch *= 2;
	}
	ns = bench_cpu_ns() - t0;
	*rate = ns == 0 ? 0 : ops * w->unit * 1e9 / ns;
	w->fini(ctx);
	return (rc);
}

int
bench_crypto(int argc, char **argv)
{
	double	rate[BC_NWORKLOADS];
	int	json = 0, smoke = 0, failed = 0, i;
	size_t	k;

	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--smoke") == 0)
			smoke = 1;
		else {
			fprintf(stderr, "natter-bench crypto: unknown option "
			    "%s\nusage: natter-bench crypto [--json] [--smoke]\n",
			    argv[i]);
			return (2);
		}
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "natter-bench: sodium_init failed\n");
		return (1);
	}
	for (k = 0; k < BC_NWORKLOADS; k++) {
		if (bc_measure(&bc_workloads[k], smoke, &rate[k]) != 0) {
			fprintf(stderr, "natter-bench crypto: %s: a decrypt "
			    "failed\n", bc_workloads[k].name);
			failed = 1;
		}
	}
	for (k = 0; k < BC_NWORKLOADS; k++) {
		if (json)
			printf("%s\"%s\":%.1f", k == 0 ? "{" : ",",
			    bc_workloads[k].name, rate[k]);
		else
			printf("%-30s %12.1f\n", bc_workloads[k].name, rate[k]);
	}
	if (json)
		printf("}\n");
	return (failed ? 1 : 0);
}
