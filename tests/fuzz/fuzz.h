/* fuzz: helpers shared by the libFuzzer targets (deterministic RNG, seeds). */
#ifndef NATTER_TESTS_FUZZ_FUZZ_H
#define NATTER_TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/*
 * Replace libsodium's RNG by a ChaCha20 stream under a fixed key and call
 * sodium_init, so that every run builds the same keys and the seed corpus
 * stays valid. Fuzzing only: never in natter.
 */
void	fuzz_init(void);

/*
 * With NATTER_FUZZ_SEEDS=DIR in the environment, write buf as DIR/NAME
 * (to regenerate tests/fuzz/<target>/); without it, do nothing.
 */
void	fuzz_seed(const char *name, const uint8_t *buf, size_t len);
/* As fuzz_seed, with the selector byte sel in front of buf. */
void	fuzz_seed_sel(const char *name, uint8_t sel, const uint8_t *buf,
	    size_t len);

/* fuzz_seed for each { name, text } pair of seeds (n pairs). */
void	fuzz_seed_texts(const char *const (*seeds)[2], size_t n);

/* Abort (a finding) unless cond holds. */
#define FUZZ_CHECK(cond) do {						\
	if (!(cond))							\
		fuzz_fail(__FILE__, __LINE__, #cond);			\
} while (0)
void	fuzz_fail(const char *file, int line, const char *what)
	    __attribute__((noreturn));

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
