/* test_width: grapheme clusters (Unicode's GraphemeBreakTest.txt), widths per terminal, wrapping, and a table of clusters on the cell grid. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

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

/* Unicode's own test data (Debian's unicode-data, Unicode 15.0). */
#define GBT_FILE	"/usr/share/unicode/auxiliary/GraphemeBreakTest.txt"

/*
 * Parse one line of GraphemeBreakTest.txt ("÷ 0020 × 0308 ÷ ...  # ...")
 * into s (UTF-8) and the offsets of the boundaries after the first; 0 if
 * the line holds no test.  *ctl is set if it has a control character.
 */
static int
gbt_parse(char *line, char *s, size_t *len, size_t *brk, int *nbrk, int *ctl)
{
	utf8proc_uint8_t	 e[4];
	utf8proc_ssize_t	 n;
	char			*p = line, *end;
	unsigned long		 cp;

	*len = 0;
	*nbrk = 0;
	*ctl = 0;
	if ((end = strchr(line, '#')) != NULL)
		*end = '\0';
	if (strncmp(line, "\xc3\xb7", 2) != 0)
		return (0);
	while (*p != '\0') {
		if (strncmp(p, "\xc3\xb7", 2) == 0) {		/* ÷ */
			if (*len > 0)
				brk[(*nbrk)++] = *len;
			p += 2;
		} else if (strncmp(p, "\xc3\x97", 2) == 0)	/* × */
			p += 2;
		else if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		else {
			cp = strtoul(p, &end, 16);
			ck_assert_ptr_ne(end, p);
			p = end;
			if (width_is_control((uint32_t)cp))
				*ctl = 1;
			n = utf8proc_encode_char((utf8proc_int32_t)cp, e);
			memcpy(s + *len, e, (size_t)n);
			*len += (size_t)n;
		}
	}
	return (1);
}

/* Do the boundaries next() finds in s match brk? */
static int
gbt_check(const char *s, size_t len, const size_t *brk, int nbrk, int unit)
{
	size_t	off = 0;
	int	k = 0, w;

	while (off < len) {
		off += unit ? width_cluster(s + off, len - off, &w) :
		    width_grapheme(s + off, len - off);
		if (k >= nbrk || brk[k] != off)
			return (0);
		k++;
	}
	return (k == nbrk);
}

START_TEST(test_uax29)
{
	const char	*path = getenv("NATTER_GRAPHEME_TEST");
	char		 line[4096], s[512];
	size_t		 len, brk[64];
	FILE		*f;
	int		 nbrk, ctl, total = 0, ok = 0, units = 0, uok = 0;

	if (path == NULL)
		path = GBT_FILE;
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s (scripts/setup installs "
	    "Debian's unicode-data)", path);
	while (fgets(line, sizeof line, f) != NULL) {
		if (!gbt_parse(line, s, &len, brk, &nbrk, &ctl))
			continue;
		total++;
		if (gbt_check(s, len, brk, nbrk, 0))
			ok++;
		else
			fprintf(stderr, "GraphemeBreakTest: wrong: %s\n", line);
		/* Display units are the clusters, controls aside. */
		if (!ctl) {
			units++;
			if (gbt_check(s, len, brk, nbrk, 1))
				uok++;
			else
				fprintf(stderr, "display units differ: %s\n",
				    line);
		}
	}
	fclose(f);
	printf("GraphemeBreakTest: %d of %d cases right (display units: %d "
	    "of %d)\n", ok, total, uok, units);
	ck_assert_int_ge(total, 600);
	ck_assert_int_eq(ok, total);
	ck_assert_int_eq(uok, units);
}
END_TEST

/* How the probes' answers set the terminal's joins. */
START_TEST(test_probe)
{
	int	none[WIDTH_NPROBES] = { -1, -1, -1, -1 };
	int	modern[WIDTH_NPROBES] = { 2, 2, 2, 2 };
	int	tmux33[WIDTH_NPROBES] = { 4, 1, 2, 1 };
	int	xterm[WIDTH_NPROBES] = { 4, 1, 4, 2 };

	ck_assert_int_eq(width_terminal(), WIDTH_TERM_DEFAULT);
	ck_assert_int_eq(width_probe_flags(none), WIDTH_TERM_DEFAULT);
	ck_assert_int_eq(width_probe_flags(modern), WIDTH_TERM_DEFAULT);
	ck_assert_int_eq(width_probe_flags(tmux33), WIDTH_TERM_ZWJ |
	    WIDTH_TERM_ZWJANY);
	ck_assert_int_eq(width_probe_flags(xterm), 0);
}
END_TEST

/*
 * The cluster table: each is one cluster, as wide as the terminal makes
 * it: Unicode's emoji model (the default), tmux 3.3 (ZWJ joins anything,
 * no skin tone or VS16 joins) and a terminal that joins nothing (xterm).
 */
static const struct {
	const char	*what;
	const char	*s;
	int		 w;		/* WIDTH_TERM_DEFAULT */
	int		 tmux;		/* WIDTH_TERM_ZWJ | WIDTH_TERM_ZWJANY */
	int		 none;		/* 0 */
} clusters_table[] = {
	{ "skin tone", "\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd", 2, 4, 4 },
	{ "ZWJ family", "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80"
	    "\x8d\xf0\x9f\x91\xa7", 2, 2, 6 },
	{ "family of four", "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2"
	    "\x80\x8d\xf0\x9f\x91\xa7\xe2\x80\x8d\xf0\x9f\x91\xa6", 2, 2, 8 },
	{ "skin tones and ZWJ", "\xf0\x9f\xa7\x91\xf0\x9f\x8f\xbd\xe2\x80\x8d"
	    "\xf0\x9f\xa4\x9d\xe2\x80\x8d\xf0\x9f\xa7\x91\xf0\x9f\x8f\xbf",
	    2, 6, 10 },
	{ "rainbow flag", "\xf0\x9f\x8f\xb3\xef\xb8\x8f\xe2\x80\x8d\xf0\x9f"
	    "\x8c\x88", 2, 1, 3 },
	{ "flag", "\xf0\x9f\x87\xab\xf0\x9f\x87\xb7", 2, 2, 2 },
	{ "keycap", "1\xef\xb8\x8f\xe2\x83\xa3", 2, 1, 1 },
	{ "heart VS16", "\xe2\x9d\xa4\xef\xb8\x8f", 2, 1, 1 },
	{ "heart", "\xe2\x9d\xa4", 1, 1, 1 },
	{ "CJK", "\xe6\x97\xa5", 2, 2, 2 },
	{ "e acute", "e\xcc\x81", 1, 1, 1 },
	{ "two marks", "a\xcc\x88\xcc\xa3", 1, 1, 1 },
	{ "Hangul jamo LVT", "\xe1\x84\x80\xe1\x85\xa1\xe1\x86\xa8", 2, 2, 2 },
	{ "Hangul LV + T", "\xed\x95\x98\xe1\x86\xab", 2, 2, 2 },
	{ "Devanagari KA virama", "\xe0\xa4\x95\xe0\xa5\x8d", 1, 1, 1 },
	{ "Devanagari KI", "\xe0\xa4\x95\xe0\xa4\xbf", 2, 2, 2 },
	{ "Devanagari KA visarga", "\xe0\xa4\x95\xe0\xa4\x83", 2, 2, 2 },
	{ "prepend", "\xd8\x80\xd9\xa1", 2, 2, 2 },
	{ "scotland", "\xf0\x9f\x8f\xb4\xf3\xa0\x81\xa7\xf3\xa0\x81\xa2\xf3"
	    "\xa0\x81\xb3\xf3\xa0\x81\xa3\xf3\xa0\x81\xb4\xf3\xa0\x81\xbf",
	    2, 2, 2 },
};

START_TEST(test_cluster_table)
{
	static const int profiles[] = { WIDTH_TERM_DEFAULT, WIDTH_TERM_ZWJ |
	    WIDTH_TERM_ZWJANY, 0 };
	struct grid	*g;
	const char	*s, *c;
	char		 row[256], want[256];
	size_t		 i, len;
	int		 p, w, cw, st, x, k;

	for (p = 0; p < 3; p++) {
		width_set_terminal(profiles[p]);
		for (i = 0; i < sizeof clusters_table /
		    sizeof clusters_table[0]; i++) {
			s = clusters_table[i].s;
			len = strlen(s);
			w = p == 0 ? clusters_table[i].w : p == 1 ?
			    clusters_table[i].tmux : clusters_table[i].none;
			ck_assert_msg(width_grapheme(s, len) == len,
			    "%s: not one cluster", clusters_table[i].what);
			ck_assert_uint_eq(width_cluster(s, len, &cw), len);
			ck_assert_msg(cw == w, "%s: %d columns, want %d "
			    "(terminal %d)", clusters_table[i].what, cw, w, p);
			/* Between two letters, in one cell, whole. */
			g = grid_create(16, 1);
			snprintf(want, sizeof want, "a%sb", s);
			x = grid_put(g, 0, 1, 16, want, strlen(want), 3);
			ck_assert_int_eq(x, 3 + w);
			c = grid_cell(g, 0, 2, &cw, &st);
			ck_assert_str_eq(c, s);
			ck_assert_int_eq(cw, w);
			ck_assert_int_eq(st, 3);
			for (k = 3; k < 2 + w; k++) {
				ck_assert_str_eq(grid_cell(g, 0, k, &cw, NULL),
				    "");
				ck_assert_int_eq(cw, 0);
			}
			ck_assert_str_eq(grid_cell(g, 0, 2 + w, &cw, NULL),
			    "b");
			grid_row(g, 0, row, sizeof row);
			snprintf(want, sizeof want, " a%sb%*s", s, 16 - 3 - w,
			    "");
			ck_assert_str_eq(row, want);
			/* Overwriting any column of it blanks the rest. */
			grid_put(g, 0, 1 + w, 16, "z", 1, 0);
			grid_row(g, 0, row, sizeof row);
			snprintf(want, sizeof want, " a%*szb%*s", w - 1, "",
			    16 - 3 - w, "");
			ck_assert_str_eq(row, want);
			grid_free(g);
		}
	}
}
END_TEST

/* Joiners, bad bytes, marks on nothing, units too long for a cell. */
START_TEST(test_cluster_edges)
{
	struct grid	*g, *h;
	char		 row[512], s[128];
	size_t		 len;
	int		 cw, x, i;

	g = grid_create(50, 2);
	/* A ZWJ between letters: two cells, the joiner left out... */
	x = grid_put(g, 0, 0, 50, "caf\xe2\x80\x8d\xc3\xa9|", 9, 0);
	ck_assert_int_eq(x, 5);
	ck_assert_str_eq(grid_cell(g, 0, 2, &cw, NULL), "f");
	ck_assert_str_eq(grid_cell(g, 0, 3, &cw, NULL), "\xc3\xa9");
	/* ... but with a terminal that joins it (tmux), one cell. */
	width_set_terminal(WIDTH_TERM_ZWJ | WIDTH_TERM_ZWJANY);
	x = grid_put(g, 0, 0, 50, "caf\xe2\x80\x8d\xc3\xa9|", 9, 0);
	ck_assert_int_eq(x, 4);
	ck_assert_str_eq(grid_cell(g, 0, 2, &cw, NULL), "f\xe2\x80\x8d\xc3"
	    "\xa9");
	ck_assert_int_eq(cw, 1);
	ck_assert_str_eq(grid_cell(g, 0, 3, &cw, NULL), "|");
	/* A ZWJ before ASCII joins nothing anywhere. */
	x = grid_put(g, 0, 0, 50, "x\xe2\x80\x8dy", 5, 0);
	ck_assert_int_eq(x, 2);
	ck_assert_str_eq(grid_cell(g, 0, 0, &cw, NULL), "x");
	width_set_terminal(WIDTH_TERM_DEFAULT);
	/* A bad byte with marks on it; a lone mark; a lone ZWJ. */
	grid_clear(g);
	x = grid_put(g, 0, 0, 50, "\xff\xcc\x81\xcc\x81\xe2\x80\x8d", 8, 0);
	ck_assert_int_eq(x, 1);
	ck_assert_str_eq(grid_cell(g, 0, 0, &cw, NULL), "\xef\xbf\xbd\xcc\x81"
	    "\xcc\x81");
	x = grid_put(g, 0, 0, 50, "\xcc\x81x\n\xe2\x80\x8d", 6, 0);
	ck_assert_int_eq(x, 2);
	x = grid_put(g, 0, 2, 50, "\xe2\x80\x8d", 3, 0);
	ck_assert_int_eq(x, 3);
	grid_row(g, 0, row, sizeof row);
	ck_assert_str_eq(row, "\xef\xbf\xbdx\xef\xbf\xbd"
	    "                                               ");
	/* CR LF: one cluster by UAX #29, a control and a newline here. */
	ck_assert_uint_eq(width_grapheme("\r\n", 2), 2);
	ck_assert_uint_eq(width_cluster("\r\n", 2, &cw), 1);
	/* e and 40 marks: cut at a code point, one column. */
	len = 0;
	s[len++] = 'e';
	for (i = 0; i < 40; i++) {
		s[len++] = '\xcc';
		s[len++] = '\x81';
	}
	ck_assert_uint_eq(width_cluster(s, len, &cw), len);
	ck_assert_int_eq(cw, 1);
	x = grid_put(g, 1, 0, 50, s, len, 0);
	ck_assert_int_eq(x, 1);
	ck_assert_uint_eq(strlen(grid_cell(g, 1, 0, &cw, NULL)),
	    GRID_CELLBYTES - 1);
	ck_assert_int_eq(cw, 1);
	/* 20 leading jamo (one cluster, 40 columns): cut, spaces after. */
	len = 0;
	for (i = 0; i < 20; i++) {
		memcpy(s + len, "\xe1\x84\x80", 3);
		len += 3;
	}
	ck_assert_uint_eq(width_cluster(s, len, &cw), len);
	ck_assert_int_eq(cw, 40);
	grid_clear(g);
	x = grid_put(g, 0, 0, 50, s, len, 0);
	ck_assert_int_eq(x, 40);
	ck_assert_int_eq(width_str(grid_cell(g, 0, 0, &cw, NULL),
	    strlen(grid_cell(g, 0, 0, NULL, NULL))), cw);
	ck_assert_int_eq(cw, 30);
	ck_assert_str_eq(grid_cell(g, 0, 30, &cw, NULL), " ");
	ck_assert_str_eq(grid_cell(g, 0, 29, &cw, NULL), "");
	/* Too wide for the row: spaces. */
	x = grid_put(g, 1, 0, 30, s, len, 0);
	ck_assert_int_eq(x, 30);
	grid_row(g, 1, row, sizeof row);
	ck_assert_str_eq(row, "                                        "
	    "          ");
	/* grid_same and grid_copy. */
	h = grid_create(50, 2);
	ck_assert_int_eq(grid_same(g, h, 0, 0), 0);
	ck_assert_int_eq(grid_same(g, h, 1, 45), 1);
	grid_copy(h, g);
	for (i = 0; i < 50; i++)
		ck_assert_int_eq(grid_same(g, h, 0, i), 1);
	grid_free(h);
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
	tcase_add_test(tc, test_uax29);
	tcase_add_test(tc, test_probe);
	tcase_add_test(tc, test_cluster_table);
	tcase_add_test(tc, test_cluster_edges);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
