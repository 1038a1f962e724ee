/* test_timeutil: the test clock offset shifts the wall clock only; duration parsing. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "shared/util/timeutil.h"
#include "tests/unit/unit.h"

#define DAY_MS	(86400LL * 1000)

START_TEST(test_offset)
{
	int64_t		before, shifted, after;
	uint64_t	mono0, mono1;

	before = time_now_ms();
	mono0 = time_mono_ns();
	time_set_offset_ms(31 * DAY_MS);
	shifted = time_now_ms();
	mono1 = time_mono_ns();
	ck_assert_int_ge(shifted - before, 31 * DAY_MS);
	ck_assert_int_lt(shifted - before, 31 * DAY_MS + 60 * 1000);
	/* Measuring is not shifted. */
	ck_assert_uint_lt(mono1 - mono0, 60ULL * 1000000000);
	time_set_offset_ms(-DAY_MS);
	ck_assert_int_le(time_now_ms(), before - DAY_MS + 60 * 1000);
	time_set_offset_ms(0);
	after = time_now_ms();
	ck_assert_int_ge(after, before);
	ck_assert_int_lt(after - before, 60 * 1000);
}
END_TEST

START_TEST(test_duration)
{
	int64_t	s;

	ck_assert_int_eq(time_parse_duration("30d", &s), 0);
	ck_assert_int_eq(s, 30 * 86400);
	ck_assert_int_eq(time_parse_duration("90", &s), 0);
	ck_assert_int_eq(s, 90);
	ck_assert_int_eq(time_parse_duration("5m", &s), 0);
	ck_assert_int_eq(s, 300);
	ck_assert_int_eq(time_parse_duration("0s", &s), -1);
	ck_assert_int_eq(time_parse_duration("-1h", &s), -1);
	ck_assert_int_eq(time_parse_duration("2dd", &s), -1);
	ck_assert_int_eq(time_parse_duration("1w", &s), -1);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("timeutil");
	TCase	*tc = tcase_create("timeutil");

	tcase_add_test(tc, test_offset);
	tcase_add_test(tc, test_duration);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
