/* test_paste: a paste made ready for the input (newlines, tabs, its end), and the input's limit that never splits a character. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "client/tui/edit.h"
#include "client/tui/paste.h"
#include "client/tui/width.h"
#include "tests/unit/unit.h"

static void
check(const char *raw, int col, const char *want)
{
	char	*s;
	size_t	 n;

	s = paste_clean(raw, strlen(raw), col, &n);
	ck_assert_str_eq(s, want);
	ck_assert_uint_eq(n, strlen(want));
	free(s);
}

START_TEST(test_clean)
{
	check("a\tb", 0, "a       b");
	check("\tx", 3, "     x");
	check("ab\r\ncd\re\n", 0, "ab\ncd\ne");
	check("日本\tz", 0, "日本    z");
	check("one\n\n\n", 0, "one");
	check("a\001b\177c", 0, "abc");
	check("\n", 0, "");
	check("", 0, "");
	check("x\n\ny", 0, "x\n\ny");
}
END_TEST

START_TEST(test_limit)
{
	struct edit	*e = edit_create();
	char		*big;

	big = malloc(EDIT_MAX);
	memset(big, 'x', EDIT_MAX - 3);
	ck_assert_int_eq(edit_insert(e, big, EDIT_MAX - 3), 0);
	/* Two bytes left: a three-byte character goes in whole or not. */
	ck_assert_int_eq(edit_insert(e, "日", 3), -1);
	ck_assert_uint_eq(edit_len(e), EDIT_MAX - 3);
	ck_assert_int_eq(edit_insert(e, "é", 2), 0);
	ck_assert_uint_eq(edit_len(e), EDIT_MAX - 1);
	ck_assert_int_eq(edit_insert(e, "y", 1), -1);
	edit_set(e, "ab\ncd");
	ck_assert_int_eq(edit_column(e), 2);
	free(big);
	edit_free(e);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("paste");
	TCase	*tc = tcase_create("paste");

	if (width_locale() != 0)
		return (77);		/* no UTF-8 locale: skipped */
	tcase_add_test(tc, test_clean);
	tcase_add_test(tc, test_limit);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
