/* bench: natter-bench modes (DESIGN.md section 9) and their shared helpers. */
#ifndef NATTER_TESTS_BENCH_BENCH_H
#define NATTER_TESTS_BENCH_BENCH_H

#include <stdint.h>

/*
 * A mode is selected either by a leading word (natter-bench crypto ...) or
 * by --mode NAME; its function gets the whole argument vector and returns
 * the process exit status (0 ok, 1 failure such as a lost message or a
 * failed decrypt, 2 usage error).
 */
struct bench_mode {
	const char	*name;
	const char	*usage;
	int		(*run)(int argc, char **argv);
};

#define BENCH_USAGE_RELAY	"natter-bench --server URL --mode relay " \
	"[--pairs N] [--messages M] [--window W] [--size B] [--rate R] [--json]" \
	" [--reconnect]"
#define BENCH_USAGE_OFFLINE	"natter-bench --server URL --mode offline " \
	"[--pairs N] [--messages M] [--size B] [--json] [--reconnect]"
#define BENCH_USAGE_IDLE	"natter-bench --server URL --mode idle " \
	"[--connections N] [--json]"

#define BENCH_USAGE_FANOUT	"natter-bench --server URL --mode fanout " \
	"--groups G --members N --messages M [--window W] [--size B] " \
	"[--rate R] [--json]"
#define BENCH_USAGE_ASSETS	"natter-bench --server URL --mode assets " \
	"--size BYTES [--compressible] [--file PATH] [--json]"

int		bench_crypto(int argc, char **argv);
/* Server modes against a running natterd (bench_relay.c, bench_idle.c). */
int		bench_relay(int argc, char **argv);
int		bench_offline(int argc, char **argv);
int		bench_idle(int argc, char **argv);
/* Group fan-out against a running natterd (bench_fanout.c). */
int		bench_fanout(int argc, char **argv);
/* One file through the client core (bench_assets.c). */
int		bench_assets(int argc, char **argv);

/* CPU time of the calling thread, in nanoseconds. */
uint64_t	bench_cpu_ns(void);
/* Sort n latencies ascending, in place. */
void		bench_sort(double *, uint64_t n);
/* The q-quantile (0 < q <= 1) of n sorted values; 0 when n is 0. */
double		bench_pct(const double *, uint64_t n, double q);

#endif
