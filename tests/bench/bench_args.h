/* bench_args: table-driven flag parsing for the natter-bench modes. */
#ifndef NATTER_TESTS_BENCH_BENCH_ARGS_H
#define NATTER_TESTS_BENCH_BENCH_ARGS_H

#include <stdint.h>

enum bench_arg_kind {
	BENCH_ARG_FLAG,		/* no value: sets *(int *)p to 1 */
	BENCH_ARG_INT,		/* int64_t in [min, max] */
	BENCH_ARG_STRING	/* const char * */
};

struct bench_arg {
	const char		*flag;
	enum bench_arg_kind	 kind;
	void			*p;
	int64_t			 min, max;
};

/* Parse argv[1..argc) against the table (a leading mode word and
 * "--mode NAME" are skipped). 0, or -1 after printing one line saying
 * which flag or value was wrong. */
int	bench_args_parse(int argc, char **argv, const struct bench_arg *,
	    unsigned n);

#endif
