/* test_server_itab: natterd's one hash table against a plain array model:
 * puts, replaces, deletes that shift clusters back, growth, the keys. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/itab.h"
#include "tests/unit/unit.h"

#define NKEYS	4096

/* The model: key keys[i] has value model[i], or is absent if that is 0. */
static uint64_t	keys[NKEYS];
static uint64_t	model[NKEYS];

/* The table holds what the model says for keys[0, n). (Asserts only on
 * failure: each ck_assert costs Check a write.) */
static void
check_model(const struct itab *t, size_t nkeys)
{
	uint64_t	v;
	size_t		i, n = 0, bad = 0;

	for (i = 0; i < nkeys; i++) {
		if (model[i] == 0) {
			bad += itab_get(t, keys[i], &v) != 0;
			continue;
		}
		n++;
		bad += itab_get(t, keys[i], &v) != 1 || v != model[i];
	}
	if (bad != 0 || itab_count(t) != n)
		ck_abort_msg("%zu keys wrong; %zu entries, want %zu", bad,
		    itab_count(t), n);
}

START_TEST(test_itab_basic)
{
	struct itab	*t = itab_create();
	uint64_t	 v = 7;

	ck_assert_int_eq(itab_get(t, 0, &v), 0);
	ck_assert_uint_eq(v, 7);	/* untouched when absent */
	itab_put(t, 0, 1);		/* 0 is a key like any other */
	itab_put(t, UINT64_MAX, 2);
	ck_assert_int_eq(itab_get(t, 0, &v), 1);
	ck_assert_uint_eq(v, 1);
	itab_put(t, 0, 3);		/* replace */
	ck_assert_int_eq(itab_get(t, 0, &v), 1);
	ck_assert_uint_eq(v, 3);
	ck_assert_uint_eq(itab_count(t), 2);
	itab_del(t, 12345);		/* absent: no-op */
	itab_del(t, 0);
	ck_assert_int_eq(itab_get(t, 0, &v), 0);
	ck_assert_int_eq(itab_get(t, UINT64_MAX, &v), 1);
	ck_assert_uint_eq(v, 2);
	ck_assert_uint_eq(itab_count(t), 1);
	itab_free(t);
	itab_free(NULL);
}
END_TEST

/* Random puts and deletes of n random keys, checked after each step. */
static void
random_round(unsigned *seed, size_t n, unsigned steps)
{
	struct itab	*t = itab_create();
	size_t		 k;
	unsigned	 i;

	for (k = 0; k < n; k++) {
		keys[k] = (uint64_t)rand_r(seed) << 40 ^
		    (uint64_t)rand_r(seed) << 20 ^ (uint64_t)k;
		model[k] = 0;
	}
	for (i = 0; i < steps; i++) {
		k = (size_t)rand_r(seed) % n;
		if (rand_r(seed) % 3 == 0) {
			itab_del(t, keys[k]);
			model[k] = 0;
		} else {
			itab_put(t, keys[k], i + 1);
			model[k] = i + 1;
		}
		if (n < NKEYS || i % 97 == 0)
			check_model(t, n);
	}
	check_model(t, n);
	itab_clear(t);
	memset(model, 0, n * sizeof model[0]);
	check_model(t, n);
	itab_put(t, keys[5], 6);
	model[5] = 6;
	check_model(t, n);
	itab_free(t);
}

/*
 * Many small key sets keep the table small (64 or 128 slots) and near
 * half full, so clusters form, wrap around the end of the array and are
 * shifted back by deletes; a large one makes the table grow.
 */
START_TEST(test_itab_random)
{
	unsigned	seed = 1, r;

	for (r = 0; r < 400; r++)
		random_round(&seed, 16 + r % 50, 1000);
	random_round(&seed, NKEYS, 20000);
}
END_TEST

static void
sum_cb(uint64_t key, uint64_t value, void *arg)
{
	uint64_t	*sum = arg;

	ck_assert_uint_eq(value, key * 2);
	sum[0] += key;
	sum[1]++;
}

START_TEST(test_itab_foreach)
{
	struct itab	*t = itab_create();
	uint64_t	 sum[2] = { 0, 0 }, k;

	for (k = 1; k <= 1000; k++)
		itab_put(t, k, k * 2);
	for (k = 1; k <= 1000; k += 2)
		itab_del(t, k);
	itab_foreach(t, sum_cb, sum);
	ck_assert_uint_eq(sum[1], 500);
	ck_assert_uint_eq(sum[0], 500 * 501);	/* 2 + 4 + ... + 1000 */
	itab_free(t);
}
END_TEST

START_TEST(test_itab_keys)
{
	uint64_t	w[3] = { 1, 2, 3 }, v[3] = { 1, 3, 2 };

	/* FNV-1a's published values for "" and "a". */
	ck_assert_uint_eq(itab_key_bytes("", 0), 0xcbf29ce484222325ULL);
	ck_assert_uint_eq(itab_key_bytes("a", 1), 0xaf63dc4c8601ec8cULL);
	ck_assert_uint_ne(itab_key_bytes("alice", 5),
	    itab_key_bytes("alicf", 5));
	/* Words: each one and its place count. */
	ck_assert_uint_ne(itab_key_words(w, 3), itab_key_words(v, 3));
	ck_assert_uint_ne(itab_key_words(w, 3), itab_key_words(w, 2));
	ck_assert_uint_eq(itab_key_words(w, 3), itab_key_words(w, 3));
	w[2] = 3ULL << 40;
	ck_assert_uint_ne(itab_key_words(w, 3), itab_key_words(v, 3));
	/* Distinct pairs, distinct keys, across the 32-bit boundary. */
	ck_assert_uint_eq(itab_key_pair(0, 0), 0);
	ck_assert_uint_eq(itab_key_pair(1, 2), (1ULL << 32) | 2);
	ck_assert_uint_ne(itab_key_pair(1, 0), itab_key_pair(0, UINT32_MAX));
	ck_assert_uint_eq(itab_key_pair(UINT32_MAX, UINT32_MAX), UINT64_MAX);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("server_itab");
	TCase	*tc = tcase_create("itab");

	tcase_add_test(tc, test_itab_basic);
	tcase_add_test(tc, test_itab_random);
	tcase_add_test(tc, test_itab_foreach);
	tcase_add_test(tc, test_itab_keys);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
