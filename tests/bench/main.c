/* natter-bench: entry point; picks a mode from the table and runs it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/bench/bench.h"

static const struct bench_mode bench_modes[] = {
	{ "relay", BENCH_USAGE_RELAY, bench_relay },
	{ "offline", BENCH_USAGE_OFFLINE, bench_offline },
	{ "idle", BENCH_USAGE_IDLE, bench_idle },
	{ "fanout", BENCH_USAGE_FANOUT, bench_fanout },
	{ "assets", BENCH_USAGE_ASSETS, bench_assets },
	{ "crypto", "natter-bench crypto [--json] [--smoke]", bench_crypto },
};

#define BENCH_NMODES	(sizeof bench_modes / sizeof bench_modes[0])

uint64_t
bench_cpu_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec);
}

static int
bench_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

void
bench_sort(double *v, uint64_t n)
{
	qsort(v, (size_t)n, sizeof *v, bench_cmp);
}

double
bench_pct(const double *v, uint64_t n, double q)
{
	uint64_t	i;

	if (n == 0)
		return (0);
	i = (uint64_t)ceil(q * (double)n);
	return (v[i > 0 ? i - 1 : 0]);
}

static int
usage(FILE *f)
{
	size_t	i;

	fprintf(f, "usage:\n");
	for (i = 0; i < BENCH_NMODES; i++)
		fprintf(f, "  %s\n", bench_modes[i].usage);
	return (f == stdout ? 0 : 2);
}

/* The mode named by argv[1] or by --mode NAME. */
static const char *
mode_name(int argc, char **argv)
{
	int	i;

	if (argc > 1 && argv[1][0] != '-')
		return (argv[1]);
	for (i = 1; i < argc - 1; i++) {
		if (strcmp(argv[i], "--mode") == 0)
			return (argv[i + 1]);
	}
	return (NULL);
}

int
main(int argc, char **argv)
{
	const char	*name;
	size_t		 i;

	if (argc > 1 && strcmp(argv[1], "--help") == 0)
		return (usage(stdout));
	if ((name = mode_name(argc, argv)) == NULL)
		return (usage(stderr));
	for (i = 0; i < BENCH_NMODES; i++) {
		if (strcmp(bench_modes[i].name, name) == 0)
			return (bench_modes[i].run(argc, argv));
	}
	fprintf(stderr, "natter-bench: unknown mode %s\n", name);
	return (usage(stderr));
}
