/* fuzz: helpers shared by the libFuzzer targets (deterministic RNG, seeds). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tests/fuzz/fuzz.h"

static uint64_t	fuzz_rng_ctr;

static const char *
fuzz_rng_name(void)
{
	return ("natter-fuzz-chacha20");
}

static void
fuzz_rng_buf(void *buf, size_t len)
{
	static const uint8_t	key[32] = "natter fuzzing, not for real!!";
	uint8_t			nonce[12] = { 0 };

	memcpy(nonce, &fuzz_rng_ctr, sizeof fuzz_rng_ctr);
	fuzz_rng_ctr++;
	memset(buf, 0, len);
	crypto_stream_chacha20_ietf_xor(buf, buf, len, nonce, key);
}

static uint32_t
fuzz_rng_random(void)
{
	uint32_t	v;

	fuzz_rng_buf(&v, sizeof v);
	return (v);
}

static struct randombytes_implementation fuzz_rng = {
	.implementation_name = fuzz_rng_name,
	.random = fuzz_rng_random,
	.buf = fuzz_rng_buf,
};

void
fuzz_init(void)
{
	if (randombytes_set_implementation(&fuzz_rng) != 0 ||
	    sodium_init() < 0)
		fuzz_fail(__FILE__, __LINE__, "sodium_init");
}

/* Write pre (prelen bytes, may be 0) then buf to $NATTER_FUZZ_SEEDS/name. */
static void
fuzz_write(const char *name, const uint8_t *pre, size_t prelen,
    const uint8_t *buf, size_t len)
{
	const char	*dir = getenv("NATTER_FUZZ_SEEDS");
	char		 path[1024];
	FILE		*f;

	if (dir == NULL)
		return;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL ||
	    (prelen > 0 && fwrite(pre, 1, prelen, f) != prelen) ||
	    (len > 0 && fwrite(buf, 1, len, f) != len) || fclose(f) != 0)
		fuzz_fail(__FILE__, __LINE__, path);
}

void
fuzz_seed(const char *name, const uint8_t *buf, size_t len)
{
	fuzz_write(name, NULL, 0, buf, len);
}

void
fuzz_seed_sel(const char *name, uint8_t sel, const uint8_t *buf, size_t len)
{
	fuzz_write(name, &sel, 1, buf, len);
}

void
fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
	abort();
}

void
fuzz_seed_texts(const char *const (*seeds)[2], size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		fuzz_seed(seeds[i][0], (const uint8_t *)seeds[i][1],
		    strlen(seeds[i][1]));
}
