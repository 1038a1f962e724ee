/* bench_args: table-driven flag parsing for the natter-bench modes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/bench/bench_args.h"

static int
bench_args_value(const struct bench_arg *a, const char *v)
{
	char		*end;
	long long	 n;

	if (a->kind == BENCH_ARG_STRING) {
		*(const char **)a->p = v;
		return (0);
	}
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < a->min ||
	    n > a->max) {
		fprintf(stderr, "natter-bench: %s wants a number from %lld to "
		    "%lld, not %s\n", a->flag, (long long)a->min,
		    (long long)a->max, v);
		return (-1);
	}
	*(int64_t *)a->p = n;
	return (0);
}

int
bench_args_parse(int argc, char **argv, const struct bench_arg *table,
    unsigned n)
{
	const struct bench_arg	*a;
	unsigned		 j;
	int			 i = 1;

	if (argc > 1 && argv[1][0] != '-')
		i = 2;
	for (; i < argc; i++) {
		if (strcmp(argv[i], "--mode") == 0 && i + 1 < argc) {
			i++;
			continue;
		}
		for (a = NULL, j = 0; j < n; j++) {
			if (strcmp(table[j].flag, argv[i]) == 0)
				a = &table[j];
		}
		if (a == NULL) {
			fprintf(stderr, "natter-bench: unknown flag %s\n",
			    argv[i]);
			return (-1);
		}
		if (a->kind == BENCH_ARG_FLAG) {
			*(int *)a->p = 1;
			continue;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "natter-bench: %s wants a value\n",
			    a->flag);
			return (-1);
		}
		if (bench_args_value(a, argv[++i]) != 0)
			return (-1);
	}
	return (0);
}
