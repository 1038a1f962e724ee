/* bench_crypto: workloads of natter-bench crypto (init, run n operations, fini). */
#ifndef NATTER_TESTS_BENCH_BENCH_CRYPTO_H
#define NATTER_TESTS_BENCH_BENCH_CRYPTO_H

#include <stdint.h>

struct bc_workload {
	const char	*name;
	double		 unit;		/* what one operation counts for */
	void		*(*init)(void);
	int		 (*run)(void *, uint64_t n);	/* -1 if a decrypt failed */
	void		 (*fini)(void *);
};

/* One-to-one workloads on the session API (bench_ratchet.c). */
void	*bc_ratchet_init(void);
void	*bc_pingpong_init(void);
int	 bc_ratchet_run(void *, uint64_t);
int	 bc_pingpong_run(void *, uint64_t);
void	 bc_ratchet_fini(void *);
void	*bc_x3dh_init(void);
int	 bc_x3dh_run(void *, uint64_t);
int	 bc_x3dh_cold_run(void *, uint64_t);
void	 bc_x3dh_fini(void *);
/* Forged ratchet messages against 41 stored states (the review's case). */
void	*bc_forged_init(void);
int	 bc_forged_run(void *, uint64_t);
void	 bc_forged_fini(void *);

#endif
