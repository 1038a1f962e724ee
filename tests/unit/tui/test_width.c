/* test_width: grapheme clusters, widths and wrapping, checked on a cell grid. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "client/tui/grid.h"
#include "client/tui/width.h"
#include "tests/unit/unit.h"

static int
W(const char *s)
{
	return (width_str(s, strlen(s)));
}

/* Number of clusters in s. */
static int
clusters(const char *s)
{
	size_t	off = 0, len = strlen(s);
	int	n = 0, w;

	while (off < len) {
		off += width_cluster(s + off, len - off, &w);
		n++;
	}
	return (n);
}

START_TEST(test_decode)
{
	uint32_t	cp;

	ck_assert_uint_eq(width_decode("a", 1, &cp), 1);
	ck_assert_uint_eq(cp, 'a');
	ck_assert_uint_eq(width_decode("\xc3\xa9", 2, &cp), 2);
	ck_assert_uint_eq(cp, 0xe9);
	ck_assert_uint_eq(width_decode("\xf0\x9f\x98\x80", 4, &cp), 4);
	ck_assert_uint_eq(cp, 0x1f600);
	/* Truncated, overlong, surrogate, stray continuation. */
	ck_assert_uint_eq(width_decode("\xf0\x9f\x98", 3, &cp), 1);
	ck_assert_uint_eq(cp, WIDTH_REPLACEMENT);
	ck_assert_uint_eq(width_decode("\xc0\xaf", 2, &cp), 1);
	ck_assert_uint_eq(cp, WIDTH_REPLACEMENT);
	ck_assert_uint_eq(width_decode("\xed\xa0\x80", 3, &cp), 1);
	ck_assert_uint_eq(cp, WIDTH_REPLACEMENT);
	ck_assert_uint_eq(width_decode("\x80", 1, &cp), 1);
	ck_assert_uint_eq(cp, WIDTH_REPLACEMENT);
}
END_TEST

START_TEST(test_widths)
{
	ck_assert_int_eq(W("hello"), 5);
	ck_assert_int_eq(W("日本語"), 6);			/* CJK */
	ck_assert_int_eq(W("한국어"), 6);			/* Hangul */
	ck_assert_int_eq(W("e\xcc\x81"), 1);			/* e + U+0301 */
	ck_assert_int_eq(clusters("e\xcc\x81\xcc\xa3x"), 2);	/* two marks */
	ck_assert_int_eq(W("\xf0\x9f\x98\x80"), 2);		/* 😀 */
	ck_assert_int_eq(W("\xe2\x9d\xa4"), 1);			/* ❤ text */
	ck_assert_int_eq(W("\xe2\x9d\xa4\xef\xb8\x8f"), 2);	/* ❤ + VS16 */
	ck_assert_int_eq(clusters("\xe2\x9d\xa4\xef\xb8\x8f"), 1);
	/* 👍🏽: thumbs up + skin tone is one cluster, 2 columns. */
	ck_assert_int_eq(W("\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd"), 2);
	ck_assert_int_eq(clusters("\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd"), 1);
	/* 👨‍👩‍👧: man ZWJ woman ZWJ girl. */
	ck_assert_int_eq(W("\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9"
	    "\xe2\x80\x8d\xf0\x9f\x91\xa7"), 2);
	ck_assert_int_eq(clusters("\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91"
	    "\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7"), 1);
	/* 🇫🇷🇩🇪: two flags, two clusters, 4 columns. */
	ck_assert_int_eq(W("\xf0\x9f\x87\xab\xf0\x9f\x87\xb7"
	    "\xf0\x9f\x87\xa9\xf0\x9f\x87\xaa"), 4);
	ck_assert_int_eq(clusters("\xf0\x9f\x87\xab\xf0\x9f\x87\xb7"
	    "\xf0\x9f\x87\xa9\xf0\x9f\x87\xaa"), 2);
	/* Keycap 1️⃣. */
	ck_assert_int_eq(W("1\xef\xb8\x8f\xe2\x83\xa3"), 2);
	/* Controls and invalid bytes: one column each. */
	ck_assert_int_eq(W("\x1b[2J"), 4);
	ck_assert_int_eq(W("\xff\xfe"), 2);
	ck_assert_int_eq(W(""), 0);
}
END_TEST

START_TEST(test_fit)
{
	const char	*s = "ab日本";
	int		 used;

	ck_assert_uint_eq(width_fit(s, strlen(s), 3, &used), 2);
	ck_assert_int_eq(used, 2);
	ck_assert_uint_eq(width_fit(s, strlen(s), 4, &used), 5);
	ck_assert_int_eq(used, 4);
	ck_assert_uint_eq(width_fit(s, strlen(s), 0, &used), 0);
	ck_assert_uint_eq(width_fit("ab\ncd", 5, 10, &used), 2);
}
END_TEST

/* Wrap s at cols and check that each line's width fits and its text. */
static int
wrap(const char *s, int cols, struct width_line *l, int max)
{
	int	n, i;

	n = width_wrap(s, strlen(s), cols, l, max);
	for (i = 0; i < n && i < max; i++) {
		ck_assert_int_eq(width_str(s + l[i].off, l[i].len), l[i].cols);
		if (l[i].cols > cols)
			ck_assert_int_eq(clusters(s + l[i].off) >= 1, 1);
	}
	return (n);
}

START_TEST(test_wrap)
{
	struct width_line	 l[16];
	const char		*fam = "ab\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f"
				    "\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7" "cd";
	int			 n;

	n = wrap("hello world foo", 11, l, 16);
	ck_assert_int_eq(n, 2);
	ck_assert_uint_eq(l[0].len, 11);		/* "hello world" */
	ck_assert_uint_eq(l[1].off, 12);
	/* No space: hard break between clusters. */
	n = wrap("hello wonderful", 11, l, 16);
	ck_assert_int_eq(n, 2);
	ck_assert_uint_eq(l[0].len, 6);			/* "hello " */
	ck_assert_uint_eq(l[1].off, 6);
	n = wrap("abcdefgh", 3, l, 16);
	ck_assert_int_eq(n, 3);
	ck_assert_int_eq(l[2].cols, 2);
	/* A wide char is never split: 3 columns hold one CJK char. */
	n = wrap("日本語", 3, l, 16);
	ck_assert_int_eq(n, 3);
	ck_assert_uint_eq(l[0].len, 3);
	ck_assert_int_eq(l[0].cols, 2);
	/* The ZWJ family stays whole: "ab", family + "c", "d". */
	n = wrap(fam, 3, l, 16);
	ck_assert_int_eq(n, 3);
	ck_assert_uint_eq(l[0].len, 2);
	ck_assert_uint_eq(l[1].len, strlen(fam) - 3);
	ck_assert_int_eq(l[1].cols, 3);
	n = wrap(fam, 2, l, 16);
	ck_assert_int_eq(n, 3);
	ck_assert_uint_eq(l[1].len, strlen(fam) - 4);
	ck_assert_int_eq(l[1].cols, 2);
	/* Newlines end lines; an empty text is one empty line. */
	n = wrap("a\n\nb", 10, l, 16);
	ck_assert_int_eq(n, 3);
	ck_assert_uint_eq(l[1].len, 0);
	ck_assert_int_eq(wrap("", 5, l, 16), 1);
	/* A cluster wider than the line gets its own line. */
	n = wrap("日x", 1, l, 16);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(l[0].cols, 2);
	/* More lines than room: the count is still right. */
	ck_assert_int_eq(width_wrap("aaaaaaaaaa", 10, 1, l, 2), 10);
}
END_TEST

START_TEST(test_grid)
{
	struct grid	*g;
	char		 row[256];
	const char	*c;
	int		 w, x;

	g = grid_create(6, 2);
	x = grid_put(g, 0, 0, 6, "a日本b", strlen("a日本b"), 1);
	ck_assert_int_eq(x, 6);
	c = grid_cell(g, 0, 1, &w, NULL);
	ck_assert_str_eq(c, "日");
	ck_assert_int_eq(w, 2);
	c = grid_cell(g, 0, 2, &w, NULL);
	ck_assert_str_eq(c, "");
	ck_assert_int_eq(w, 0);
	grid_row(g, 0, row, sizeof row);
	ck_assert_str_eq(row, "a日本b");
	/* A wide char does not fit in the last column: a space instead. */
	x = grid_put(g, 1, 0, 6, "abcde日", strlen("abcde日"), 0);
	ck_assert_int_eq(x, 6);
	grid_row(g, 1, row, sizeof row);
	ck_assert_str_eq(row, "abcde ");
	/* Overwriting half of a wide char blanks the other half. */
	grid_put(g, 0, 2, 6, "x", 1, 0);
	grid_row(g, 0, row, sizeof row);
	ck_assert_str_eq(row, "a x本b");
	/* Controls are shown as U+FFFD; out of range writes nothing. */
	grid_put(g, 1, 0, 6, "\x1b[", 2, 0);
	grid_row(g, 1, row, sizeof row);
	ck_assert_str_eq(row, "\xef\xbf\xbd[cde ");
	ck_assert_int_eq(grid_put(g, 5, 0, 6, "zz", 2, 0), 0);
	ck_assert_ptr_null(grid_cell(g, 2, 0, NULL, NULL));
	grid_free(g);
	/* Degenerate sizes. */
	g = grid_create(0, 0);
	grid_put(g, 0, 0, 10, "abc", 3, 0);
	grid_fill(g, 0, 0, 10, '-', 0);
	ck_assert_uint_eq(grid_row(g, 0, row, sizeof row), 0);
	grid_free(g);
	g = grid_create(1, 1);
	grid_put(g, 0, 0, 1, "日", strlen("日"), 0);
	grid_row(g, 0, row, sizeof row);
	ck_assert_str_eq(row, " ");
	grid_free(g);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("width");
	TCase	*tc = tcase_create("width");

	if (width_locale() != 0)
		return (77);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_decode);
	tcase_add_test(tc, test_widths);
	tcase_add_test(tc, test_fit);
	tcase_add_test(tc, test_wrap);
	tcase_add_test(tc, test_grid);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
