/* test_layout: TUI frames on a cell grid (panes, wrapping, day separators, states, tiny sizes) and the line editor. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/tui/edit.h"
#include "client/tui/grid.h"
#include "client/tui/layout.h"
#include "client/tui/tuiint.h"
#include "client/tui/width.h"
#include "shared/util/xmalloc.h"
#include "tests/unit/unit.h"

static struct tui	T;

/* A state with two conversations and bob's open with n messages. */
static void
setup(int n)
{
	int64_t	now = (int64_t)time(NULL) * 1000;
	int	i;

	memset(&T, 0, sizeof T);
	config_default(&T.conf);
	T.edit = edit_create();
	T.account = "alice";
	T.device = 1;
	T.server = "ws://127.0.0.1:7878";
	T.conn = TUI_CONN_UP;
	T.wall = now;
	T.nconvs = 2;
	T.convs = xcalloc(2, sizeof *T.convs);
	T.convs[0].peer = xstrdup("bob");
	T.convs[0].preview = xstrdup("hi");
	T.convs[1].peer = xstrdup("carol");
	T.convs[1].preview = xstrdup("日本語");
	T.convs[1].unread = 3;
	T.open = xstrdup("bob");
	T.nmsgs = n;
	T.msgs = xcalloc((size_t)n, sizeof *T.msgs);
	for (i = 0; i < n; i++) {
		T.msgs[i].seq = i + 1;
		T.msgs[i].outgoing = i % 2;
		T.msgs[i].from = xstrdup(i % 2 ? "alice" : "bob");
		xasprintf(&T.msgs[i].text, "message %d 日本語 👍🏽 and 🇫🇷", i);
		T.msgs[i].ts = now - (int64_t)(n - i) * 3600 * 1000;
		T.msgs[i].state = i % 2 ? TUI_ST_DELIVERED : TUI_ST_RECEIVED;
	}
}

static void
teardown(void)
{
	int	i;

	for (i = 0; i < T.nconvs; i++) {
		free(T.convs[i].peer);
		free(T.convs[i].preview);
	}
	for (i = 0; i < T.nmsgs; i++) {
		free(T.msgs[i].from);
		free(T.msgs[i].text);
	}
	free(T.convs);
	free(T.msgs);
	free(T.open);
	edit_free(T.edit);
}

/* Does any row of g contain s? */
static int
has(struct grid *g, const char *s)
{
	char	row[4096];
	int	y;

	for (y = 0; y < grid_height(g); y++) {
		grid_row(g, y, row, sizeof row);
		if (strstr(row, s) != NULL)
			return (1);
	}
	return (0);
}

START_TEST(test_frame)
{
	struct grid	*g = grid_create(100, 30);
	char		 row[4096];
	int		 cy, cx;

	setup(3);
	edit_set(T.edit, "draft");
	layout_draw(g, &T, &cy, &cx);
	ck_assert(has(g, "alice/1 · connected · 0 queued"));
	ck_assert(has(g, "bob: message 0"));
	ck_assert(has(g, "alice: message 1 日本語 👍🏽 and 🇫🇷 ·delivered"));
	ck_assert(has(g, "carol"));
	ck_assert(has(g, "Today") || has(g, "Yesterday"));
	/* carol's unread count at the right edge of the list. */
	grid_row(g, 2, row, sizeof row);
	ck_assert_ptr_nonnull(strstr(row, "carol"));
	ck_assert_ptr_nonnull(strstr(row, "3│"));
	/* Input on the last row, cursor after "bob> draft". */
	grid_row(g, 29, row, sizeof row);
	ck_assert_ptr_nonnull(strstr(row, "bob> draft"));
	ck_assert_int_eq(cy, 29);
	ck_assert_int_eq(cx, 10);
	teardown();
	grid_free(g);
}
END_TEST

/* A file moving shows on the status line; a peer's escape never reaches the grid. */
START_TEST(test_file)
{
	struct grid	*g = grid_create(100, 30);
	int		 cy, cx;

	setup(3);
	snprintf(T.progress, sizeof T.progress, "sending big.bin 42%%");
	free(T.msgs[2].text);
	T.msgs[2].text = xstrdup("[file a.txt, 3 bytes, ready] cap\033[2J");
	layout_draw(g, &T, &cy, &cx);
	ck_assert(has(g, "alice/1 · connected · 0 queued · sending big.bin 42%"
	    " · ws://"));
	ck_assert(has(g, "bob: [file a.txt, 3 bytes, ready] cap\xef\xbf\xbd[2J"));
	teardown();
	grid_free(g);
}
END_TEST

/* Every size from 0x0 up: no crash, no cell outside, clusters whole. */
START_TEST(test_sizes)
{
	struct grid	*g;
	const char	*c;
	int		 w, h, y, x, cw, cy, cx;

	setup(40);
	edit_set(T.edit, "a long draft with 漢字 and emoji 🎉 that wraps");
	for (w = 0; w <= 45; w++) {
		for (h = 0; h <= 14; h++) {
			g = grid_create(w, h);
			layout_draw(g, &T, &cy, &cx);
			ck_assert(cy >= 0 && cx >= 0);
			ck_assert(w == 0 || h == 0 || (cy < h && cx < w));
			for (y = 0; y < h; y++) {
				for (x = 0; x < w; x++) {
					c = grid_cell(g, y, x, &cw, NULL);
					ck_assert_ptr_nonnull(c);
					ck_assert(cw <= 2);
					ck_assert(cw < 2 || x + 1 < w);
				}
			}
			grid_free(g);
		}
	}
	teardown();
}
END_TEST

/* At 40x12 the list is shown, the newest message and the status too. */
START_TEST(test_small)
{
	struct grid	*g = grid_create(40, 12);
	int		 cy, cx;

	setup(40);
	layout_draw(g, &T, &cy, &cx);
	ck_assert(has(g, "bob"));
	ck_assert(has(g, "alice/1"));
	ck_assert(has(g, "·delivered") || has(g, "message 39"));
	ck_assert_int_eq(cy, 11);
	teardown();
	grid_free(g);
}
END_TEST

/* Scrolling is clamped; the search mark can be brought to the top. */
START_TEST(test_scroll)
{
	struct grid	*g = grid_create(80, 20);
	int		 cy, cx;

	setup(60);
	T.scroll = 100000;
	layout_draw(g, &T, &cy, &cx);
	ck_assert_int_eq(T.scroll, T.nlines - T.rows);
	ck_assert(has(g, "bob: message 0 "));
	T.mark_seq = 31;
	T.mark_top = 1;
	layout_draw(g, &T, &cy, &cx);
	ck_assert(has(g, "message 30 "));
	ck_assert(!has(g, "message 28 "));
	teardown();
	grid_free(g);
}
END_TEST

/*
 * The messages on screen (what read receipts go out for): the last ones
 * live, none on a frame too small for the message pane, and the top line
 * stays put when scrolled back and a message arrives.
 */
START_TEST(test_shown)
{
	struct grid	*g = grid_create(80, 20), *tiny = grid_create(20, 1);
	char		 top[64];
	int		 cy, cx;

	setup(60);
	layout_draw(g, &T, &cy, &cx);
	ck_assert_int_eq(T.shown_last, 59);
	ck_assert_int_gt(T.shown_first, 40);
	layout_draw(tiny, &T, &cy, &cx);
	ck_assert_int_eq(T.shown_first, -1);
	ck_assert_int_eq(T.shown_last, -1);
	T.scroll = 10;
	T.scrolled = 1;
	layout_draw(g, &T, &cy, &cx);
	snprintf(top, sizeof top, "message %d ", T.shown_first);
	ck_assert(has(g, top));
	T.msgs = xreallocarray(T.msgs, 61, sizeof *T.msgs);
	T.msgs[60] = T.msgs[59];
	T.msgs[60].seq = 61;
	T.msgs[60].from = xstrdup("bob");
	T.msgs[60].text = xstrdup("a new one");
	T.nmsgs = 61;
	layout_draw(g, &T, &cy, &cx);
	ck_assert(has(g, top));
	ck_assert(!has(g, "a new one"));
	teardown();
	grid_free(g);
	grid_free(tiny);
}
END_TEST

START_TEST(test_day)
{
	char	buf[64];
	int64_t	now = (int64_t)time(NULL) * 1000;

	layout_day(buf, sizeof buf, now, now);
	ck_assert_str_eq(buf, "Today");
	layout_day(buf, sizeof buf, now - 86400 * 1000, now);
	ck_assert_str_eq(buf, "Yesterday");
	layout_day(buf, sizeof buf, now - 10 * 86400 * 1000LL, now);
	ck_assert_int_eq(strlen(buf), 14);	/* "Mon 2026-11-19" */
	ck_assert_int_eq(layout_list_width(40), 10);
	ck_assert_int_eq(layout_list_width(29), 0);
	ck_assert_int_eq(layout_list_width(200), 24);
}
END_TEST

START_TEST(test_edit)
{
	struct edit	*e = edit_create();
	char		*s;

	edit_insert(e, "hello wor👍🏽d", strlen("hello wor👍🏽d"));
	edit_left(e);
	edit_left(e);		/* over the whole emoji with its tone */
	ck_assert_uint_eq(edit_cursor(e), strlen("hello wor"));
	edit_delete(e);
	ck_assert_str_eq(edit_text(e), "hello word");
	edit_end(e);
	edit_delete_word(e);
	ck_assert_str_eq(edit_text(e), "hello ");
	edit_insert(e, "x\ty\001z", 5);	/* controls dropped */
	ck_assert_str_eq(edit_text(e), "hello xyz");
	edit_home(e);
	edit_right(e);
	edit_backspace(e);
	ck_assert_str_eq(edit_text(e), "ello xyz");
	edit_end(e);
	edit_delete_line(e);
	ck_assert_str_eq(edit_text(e), "");
	ck_assert_ptr_null(edit_take(e));
	edit_set(e, "one");
	s = edit_take(e);
	ck_assert_str_eq(s, "one");
	free(s);
	edit_set(e, "two");
	free(edit_take(e));
	edit_set(e, "typing");
	edit_history_prev(e);
	ck_assert_str_eq(edit_text(e), "two");
	edit_history_prev(e);
	edit_history_prev(e);
	ck_assert_str_eq(edit_text(e), "one");
	edit_history_next(e);
	edit_history_next(e);
	ck_assert_str_eq(edit_text(e), "typing");
	edit_free(e);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("layout");
	TCase	*tc = tcase_create("layout");

	if (width_locale() != 0)
		return (77);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_frame);
	tcase_add_test(tc, test_sizes);
	tcase_add_test(tc, test_file);
	tcase_add_test(tc, test_small);
	tcase_add_test(tc, test_scroll);
	tcase_add_test(tc, test_shown);
	tcase_add_test(tc, test_day);
	tcase_add_test(tc, test_edit);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
