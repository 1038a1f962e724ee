/* test_utf8: utf8_decode on well-formed UTF-8 of each length and on each
 * kind of ill-formed input (Unicode 15, table 3-7). */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shared/util/utf8.h"
#include "tests/unit/unit.h"

struct one {
	const char	*s;
	size_t		 len;	/* bytes utf8_decode may read */
	size_t		 took;
	uint32_t	 cp;
};

static void
check(const struct one *t, size_t n)
{
	uint32_t	cp;
	size_t		i, took;

	for (i = 0; i < n; i++) {
		cp = 0x12345678;
		took = utf8_decode(t[i].s, t[i].len, &cp);
		ck_assert_msg(took == t[i].took && cp == t[i].cp,
		    "case %zu: took %zu cp U+%04X, want %zu U+%04X", i, took,
		    (unsigned)cp, t[i].took, (unsigned)t[i].cp);
	}
}

START_TEST(test_valid)
{
	static const struct one	t[] = {
		{ "\0", 1, 1, 0 },
		{ "a", 1, 1, 'a' },
		{ "\x7f", 1, 1, 0x7f },
		{ "\xc2\x80", 2, 2, 0x80 },
		{ "\xc3\xa9", 2, 2, 0xe9 },
		{ "\xdf\xbf", 2, 2, 0x7ff },
		{ "\xe0\xa0\x80", 3, 3, 0x800 },
		{ "\xe2\x82\xac", 3, 3, 0x20ac },
		{ "\xed\x9f\xbf", 3, 3, 0xd7ff },	/* below surrogates */
		{ "\xee\x80\x80", 3, 3, 0xe000 },	/* above them */
		{ "\xef\xbf\xbd", 3, 3, 0xfffd },	/* a real U+FFFD */
		{ "\xef\xbf\xbf", 3, 3, 0xffff },
		{ "\xf0\x90\x80\x80", 4, 4, 0x10000 },
		{ "\xf0\x9f\x98\x80", 4, 4, 0x1f600 },
		{ "\xf4\x8f\xbf\xbf", 4, 4, 0x10ffff },
		{ "ab", 2, 1, 'a' },			/* one at a time */
		{ "\xc3\xa9z", 3, 2, 0xe9 },
		{ "\xf0\x9f\x98\x80\xf0", 5, 4, 0x1f600 },
	};

	check(t, sizeof t / sizeof t[0]);
}
END_TEST

START_TEST(test_overlong)
{
	static const struct one	t[] = {
		{ "\xc0\x80", 2, 1, UTF8_REPLACEMENT },		/* U+0000 */
		{ "\xc0\xaf", 2, 1, UTF8_REPLACEMENT },		/* '/' */
		{ "\xc1\xbf", 2, 1, UTF8_REPLACEMENT },
		{ "\xe0\x80\x80", 3, 1, UTF8_REPLACEMENT },
		{ "\xe0\x9f\xbf", 3, 1, UTF8_REPLACEMENT },	/* U+07FF */
		{ "\xf0\x80\x80\x80", 4, 1, UTF8_REPLACEMENT },
		{ "\xf0\x8f\xbf\xbf", 4, 1, UTF8_REPLACEMENT },	/* U+FFFF */
	};

	check(t, sizeof t / sizeof t[0]);
}
END_TEST

START_TEST(test_surrogates)
{
	static const struct one	t[] = {
		{ "\xed\xa0\x80", 3, 1, UTF8_REPLACEMENT },	/* U+D800 */
		{ "\xed\xad\xbf", 3, 1, UTF8_REPLACEMENT },	/* U+DB7F */
		{ "\xed\xb0\x80", 3, 1, UTF8_REPLACEMENT },	/* U+DC00 */
		{ "\xed\xbf\xbf", 3, 1, UTF8_REPLACEMENT },	/* U+DFFF */
		/* CESU-8's pair for U+1F600: two bad starts, two skips each. */
		{ "\xed\xa0\xbd\xed\xb8\x80", 6, 1, UTF8_REPLACEMENT },
	};

	check(t, sizeof t / sizeof t[0]);
}
END_TEST

START_TEST(test_truncated)
{
	static const struct one	t[] = {
		{ "\xc3", 1, 1, UTF8_REPLACEMENT },
		{ "\xe2\x82", 2, 1, UTF8_REPLACEMENT },
		{ "\xf0\x9f\x98", 3, 1, UTF8_REPLACEMENT },
		/* len, not the bytes that happen to follow, is the end. */
		{ "\xc3\xa9", 1, 1, UTF8_REPLACEMENT },
		{ "\xe2\x82\xac", 2, 1, UTF8_REPLACEMENT },
		{ "\xf0\x9f\x98\x80", 3, 1, UTF8_REPLACEMENT },
		/* Cut short by a byte that is no continuation. */
		{ "\xc3" "A", 2, 1, UTF8_REPLACEMENT },
		{ "\xe2\x82" "A", 3, 1, UTF8_REPLACEMENT },
		{ "\xf0\x9f\x98\xc3\xa9", 5, 1, UTF8_REPLACEMENT },
		/* Continuation bytes with no start. */
		{ "\x80", 1, 1, UTF8_REPLACEMENT },
		{ "\xbf\x80", 2, 1, UTF8_REPLACEMENT },
	};

	check(t, sizeof t / sizeof t[0]);
}
END_TEST

START_TEST(test_past_unicode)
{
	static const struct one	t[] = {
		{ "\xf4\x90\x80\x80", 4, 1, UTF8_REPLACEMENT },	/* U+110000 */
		{ "\xf5\x80\x80\x80", 4, 1, UTF8_REPLACEMENT },
		{ "\xf7\xbf\xbf\xbf", 4, 1, UTF8_REPLACEMENT },	/* U+1FFFFF */
		{ "\xf8\x88\x80\x80\x80", 5, 1, UTF8_REPLACEMENT },
		{ "\xfc\x84\x80\x80\x80\x80", 6, 1, UTF8_REPLACEMENT },
		{ "\xfe", 1, 1, UTF8_REPLACEMENT },
		{ "\xff", 1, 1, UTF8_REPLACEMENT },
	};

	check(t, sizeof t / sizeof t[0]);
}
END_TEST

/* Stepping through mixed text: one U+FFFD per bad byte, then back in step. */
START_TEST(test_walk)
{
	static const char	s[] = "a\xc3\xa9\x80\xe2\x82" "b"
				    "\xf0\x9f\x98\x80" "\xed\xa0\x80" "c";
	static const uint32_t	want[] = { 'a', 0xe9, 0xfffd, 0xfffd, 0xfffd,
				    'b', 0x1f600, 0xfffd, 0xfffd, 0xfffd, 'c' };
	uint32_t		cp;
	size_t			i = 0, n = 0, len = sizeof s - 1;

	while (i < len) {
		ck_assert_uint_lt(n, sizeof want / sizeof want[0]);
		i += utf8_decode(s + i, len - i, &cp);
		ck_assert_uint_eq(cp, want[n]);
		n++;
	}
	ck_assert_uint_eq(i, len);
	ck_assert_uint_eq(n, sizeof want / sizeof want[0]);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("utf8");
	TCase	*tc = tcase_create("utf8");

	tcase_add_test(tc, test_valid);
	tcase_add_test(tc, test_overlong);
	tcase_add_test(tc, test_surrogates);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_past_unicode);
	tcase_add_test(tc, test_walk);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
