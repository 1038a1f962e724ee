/* layout: one frame of the TUI drawn into a cell grid (no terminal needed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/tui/edit.h"
#include "client/tui/grid.h"
#include "client/tui/groupcmd.h"
#include "client/tui/layout.h"
#include "client/tui/tuiint.h"
#include "client/tui/width.h"
#include "shared/util/xmalloc.h"

#define LAYOUT_INPUT_ROWS	4

/* One display line of the message pane. */
struct layout_line {
	int	 msg;		/* index in t->msgs; < 0: a separator */
	int	 unread;	/* the separator is "new messages" */
	int	 x;		/* column the text starts at */
	int	 head;		/* first line: draw the prefix */
	size_t	 off;		/* bytes of the body */
	size_t	 len;
};

struct layout_lines {
	struct layout_line	*v;
	int			 n;
	int			 size;
};

int
layout_list_width(int w)
{
	int	lw;

	if (w < LAYOUT_LIST_MIN_W)
		return (0);
	lw = w / 4;
	if (lw < 10)
		lw = 10;
	if (lw > 24)
		lw = 24;
	return (lw);
}

void
layout_day(char *buf, size_t size, int64_t ts, int64_t now)
{
	struct tm	a, b;
	time_t		ta = (time_t)(ts / 1000), tb = (time_t)(now / 1000);

	localtime_r(&ta, &a);
	localtime_r(&tb, &b);
	if (a.tm_year == b.tm_year && a.tm_yday == b.tm_yday) {
		snprintf(buf, size, "Today");
		return;
	}
	tb -= 86400;
	localtime_r(&tb, &b);
	if (a.tm_year == b.tm_year && a.tm_yday == b.tm_yday)
		snprintf(buf, size, "Yesterday");
	else
		strftime(buf, size, "%a %Y-%m-%d", &a);
}

static int
layout_same_day(int64_t a, int64_t b)
{
	struct tm	ta, tb;
	time_t		xa = (time_t)(a / 1000), xb = (time_t)(b / 1000);

	localtime_r(&xa, &ta);
	localtime_r(&xb, &tb);
	return (ta.tm_year == tb.tm_year && ta.tm_yday == tb.tm_yday);
}

static void
layout_push(struct layout_lines *l, int msg, int x, int head, size_t off,
    size_t len)
{
	if (l->n == l->size) {
		l->size = l->size == 0 ? 64 : l->size * 2;
		l->v = xreallocarray(l->v, l->size, sizeof *l->v);
	}
	l->v[l->n].msg = msg;
	l->v[l->n].unread = 0;
	l->v[l->n].x = x;
	l->v[l->n].head = head;
	l->v[l->n].off = off;
	l->v[l->n].len = len;
	l->n++;
}

/* The prefix of message m: "HH:MM from: ". */
static void
layout_prefix(struct tui *t, const struct tui_msg *m, char *buf, size_t size)
{
	struct tm	tm;
	time_t		ts = (time_t)(m->ts / 1000);
	char		tbuf[CONFIG_TIMEFMT_MAX * 2];

	localtime_r(&ts, &tm);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	/* The user's format from the config file. */
	if (strftime(tbuf, sizeof tbuf, t->conf.timefmt, &tm) == 0)
#pragma GCC diagnostic pop
		tbuf[0] = '\0';
	if (m->change)
		snprintf(buf, size, "%s -- ", tbuf);
	else
		snprintf(buf, size, "%s %s: ", tbuf, m->from != NULL ?
		    m->from : "?");
}

/* The style of m's prefix: ours, the peer's, or in a group the colour
 * of the member's name. */
static int
layout_name_style(struct tui *t, const struct tui_msg *m)
{
	if (m->change)
		return (LAYOUT_DIM);
	if (m->outgoing)
		return (LAYOUT_OWN);
	if (groupcmd_is_group(t->open) && m->from != NULL)
		return (LAYOUT_NAME0 + groupcmd_name_colour(t, m->from));
	return (LAYOUT_PEER);
}

/* The text of m as shown: its text and, for ours, " ·state". */
static char *
layout_body(const struct tui_msg *m)
{
	char	*s;

	if (m->outgoing && m->members_n > 0 && m->seq != 0)
		xasprintf(&s, "%s \xc2\xb7" "delivered %d/%d, read %d/%d", m->text,
		    m->delivered_n, m->members_n, m->read_n, m->members_n);
	else if (m->outgoing)
		xasprintf(&s, "%s \xc2\xb7%s", m->text, view_state_name(m->state));
	else
		s = xstrdup(m->text);
	return (s);
}

/* Wrap message i into lines for a pane pw columns wide. */
static void
layout_wrap_msg(struct tui *t, int i, int pw, struct layout_lines *l)
{
	struct width_line	*wl;
	char			 prefix[128], *body;
	int			 pcols, ind, n, k, first = 1;

	layout_prefix(t, &t->msgs[i], prefix, sizeof prefix);
	pcols = width_str(prefix, strlen(prefix));
	ind = pcols <= pw / 2 ? pcols : 0;
	if (ind == 0) {
		layout_push(l, i, 0, 1, 0, 0);
		first = 0;
	}
	body = layout_body(&t->msgs[i]);
	n = width_wrap(body, strlen(body), pw - ind, NULL, 0);
	wl = xcalloc((size_t)n, sizeof *wl);
	width_wrap(body, strlen(body), pw - ind, wl, n);
	for (k = 0; k < n; k++) {
		layout_push(l, i, ind, first, wl[k].off, wl[k].len);
		first = 0;
	}
	free(wl);
	free(body);
}

static void
layout_lines(struct tui *t, int pw, struct layout_lines *l)
{
	int	i;

	for (i = 0; i < t->nmsgs; i++) {
		if (i == 0 || !layout_same_day(t->msgs[i - 1].ts,
		    t->msgs[i].ts))
			layout_push(l, -1 - i, 0, 0, 0, 0);
		if (t->msgs[i].seq != 0 && t->msgs[i].seq == t->unread_seq) {
			layout_push(l, -1 - i, 0, 0, 0, 0);
			l->v[l->n - 1].unread = 1;
		}
		layout_wrap_msg(t, i, pw, l);
	}
}

/* A separator line: text centred in a rule of dashes. */
static void
layout_rule(struct grid *g, int y, int x0, int x1, const char *text, int st)
{
	int	x;

	grid_fill(g, y, x0, x1, '-', st);
	x = x0 + (x1 - x0 - width_str(text, strlen(text)) - 2) / 2;
	if (x < x0)
		x = x0;
	x = grid_put(g, y, x, x1, " ", 1, st);
	x = grid_put(g, y, x, x1, text, strlen(text), st);
	grid_put(g, y, x, x1, " ", 1, st);
}

/* Draw display line ln at row y of the pane starting at column x0. */
static void
layout_draw_line(struct grid *g, struct tui *t, const struct layout_line *ln,
    int y, int x0, int x1)
{
	struct tui_msg	*m;
	char		 buf[128], *body;
	size_t		 tlen;
	int		 x, st, mi;

	if (ln->msg < 0 && ln->unread) {
		layout_rule(g, y, x0, x1, "new messages", LAYOUT_UNREAD);
		return;
	}
	if (ln->msg < 0) {
		m = &t->msgs[-1 - ln->msg];
		layout_day(buf, sizeof buf, m->ts, t->wall);
		layout_rule(g, y, x0, x1, buf, LAYOUT_DAY);
		return;
	}
	mi = ln->msg;
	m = &t->msgs[mi];
	st = m->seq != 0 && m->seq == t->mark_seq ? LAYOUT_MARK : LAYOUT_NORMAL;
	if (ln->head) {
		layout_prefix(t, m, buf, sizeof buf);
		grid_put(g, y, x0, x1, buf, strlen(buf), st != LAYOUT_NORMAL ?
		    st : layout_name_style(t, m));
	}
	if (m->change && st == LAYOUT_NORMAL)
		st = LAYOUT_DIM;
	body = layout_body(m);
	tlen = strlen(m->text);
	x = x0 + ln->x;
	if (ln->off < tlen) {
		x = grid_put(g, y, x, x1, body + ln->off, (ln->off + ln->len >
		    tlen ? tlen : ln->off + ln->len) - ln->off, st);
	}
	if (ln->off + ln->len > tlen) {
		size_t from = ln->off > tlen ? ln->off : tlen;

		grid_put(g, y, x, x1, body + from, ln->off + ln->len - from,
		    LAYOUT_DIM);
	}
	free(body);
}

/* The message a display line belongs to (a day separator: the next one). */
static int
layout_line_msg(const struct layout_line *ln)
{
	return (ln->msg >= 0 ? ln->msg : -1 - ln->msg);
}

/* The first display line of message mi, or -1. */
static int
layout_first_line(const struct layout_lines *l, int mi)
{
	int	i;

	for (i = 0; i < l->n; i++) {
		if (layout_line_msg(&l->v[i]) == mi)
			return (i);
	}
	return (-1);
}

/*
 * Scrolled up, the top line stays put when lines come or go below it (a
 * message arriving, a queued one sent), unless a key moved the view.
 */
static void
layout_keep_top(struct tui *t, const struct layout_lines *l, int rows)
{
	int	i, first;

	if (t->scrolled || t->scroll == 0 || t->top_seq == 0)
		return;
	for (i = 0; i < t->nmsgs && t->msgs[i].seq != t->top_seq; i++)
		;
	if (i == t->nmsgs || (first = layout_first_line(l, i)) < 0)
		return;
	t->scroll = l->n - rows - (first + t->top_sub);
}

/* Remember what is on screen: the top line, the messages shown. */
static void
layout_note_shown(struct tui *t, const struct layout_lines *l, int start,
    int rows)
{
	int	i, mi;

	t->top_seq = 0;
	if (start >= l->n)
		return;
	mi = layout_line_msg(&l->v[start]);
	t->top_seq = t->msgs[mi].seq;
	t->top_sub = start - layout_first_line(l, mi);
	for (i = start; i < start + rows && i < l->n; i++) {
		if (l->v[i].msg < 0)
			continue;
		if (t->shown_first < 0)
			t->shown_first = l->v[i].msg;
		t->shown_last = l->v[i].msg;
	}
}

/* Put the message the view was asked to show (a search hit) at the top. */
static void
layout_scroll_to(struct tui *t, const struct layout_lines *l, int rows)
{
	int	i;

	if (t->mark_top) {
		for (i = 0; i < l->n; i++) {
			if (l->v[i].msg >= 0 && l->v[i].head &&
			    t->msgs[l->v[i].msg].seq == t->mark_seq)
				break;
		}
		if (i < l->n)
			t->scroll = l->n - rows - i;
		t->mark_top = 0;
	}
}

/* The message pane: rows [y0, y1), columns [x0, x1). */
static void
layout_msgs(struct grid *g, struct tui *t, int y0, int y1, int x0, int x1)
{
	struct layout_lines	 l = { NULL, 0, 0 };
	int			 rows, start, i, maxs;

	if (t->open == NULL) {
		static const char none[] = "No conversation: /open NAME, /help";

		grid_put(g, y0, x0, x1, none, sizeof none - 1, LAYOUT_DIM);
		t->nlines = t->rows = 0;
		return;
	}
	if (y1 - y0 <= 0 || x1 <= x0)
		return;
	rows = y1 - y0;
	layout_lines(t, x1 - x0, &l);
	layout_keep_top(t, &l, rows);
	t->scrolled = 0;
	maxs = l.n > rows ? l.n - rows : 0;
	layout_scroll_to(t, &l, rows);
	if (t->scroll > maxs)
		t->scroll = maxs;
	if (t->scroll < 0)
		t->scroll = 0;
	t->nlines = l.n;
	t->rows = rows;
	start = l.n - rows - t->scroll;
	if (start < 0)
		start = 0;
	for (i = 0; i < rows && start + i < l.n; i++)
		layout_draw_line(g, t, &l.v[start + i], y0 + i, x0, x1);
	layout_note_shown(t, &l, start, rows);
	free(l.v);
}

/* The conversation list: rows [0, h), columns [0, lw). */
static void
layout_list(struct grid *g, struct tui *t, int h, int lw)
{
	char	 num[32];
	int	 i, y, first = 0, sel = -1, st, x;

	for (i = 0; i < t->nconvs; i++) {
		if (t->open != NULL && strcmp(t->convs[i].peer, t->open) == 0)
			sel = i;
	}
	if (sel >= 0 && (sel + 1) * 2 > h)
		first = sel + 1 - h / 2;
	for (i = first, y = 0; i < t->nconvs && y < h; i++, y += 2) {
		st = i == sel ? LAYOUT_SELECTED : LAYOUT_NORMAL;
		grid_fill(g, y, 0, lw, ' ', st);
		x = lw;
		if (t->convs[i].unread > 0) {
			snprintf(num, sizeof num, " %d", t->convs[i].unread);
			x = lw - (int)strlen(num);
			if (x < 1)
				x = 1;
			grid_put(g, y, x, lw, num, strlen(num), LAYOUT_UNREAD);
		}
		snprintf(num, sizeof num, "%d", i + 1);
		grid_put(g, y, 0, x, i < 9 ? num : " ", 1, LAYOUT_DIM);
		grid_put(g, y, 2, x, t->convs[i].peer,
		    strlen(t->convs[i].peer), st);
		if (y + 1 < h)
			grid_put(g, y + 1, 2, lw, t->convs[i].preview,
			    strlen(t->convs[i].preview), LAYOUT_DIM);
	}
}

/*
 * Draw text wrapped into rows [y0, y0 + rows) (filled with style st when
 * fill); how many rows the whole text needs, drawn or not.
 */
static int
layout_wrapped(struct grid *g, int y0, int rows, int x0, int x1,
    const char *text, int st, int fill)
{
	struct width_line	*wl;
	size_t			 len = strlen(text);
	int			 n, i;

	if (x1 <= x0)
		return (1);
	n = width_wrap(text, len, x1 - x0, NULL, 0);
	if (rows <= 0)
		return (n);
	wl = xcalloc((size_t)n, sizeof *wl);
	width_wrap(text, len, x1 - x0, wl, n);
	for (i = 0; i < n && i < rows; i++) {
		if (fill)
			grid_fill(g, y0 + i, x0, x1, ' ', st);
		grid_put(g, y0 + i, x0, x1, text + wl[i].off, wl[i].len, st);
	}
	free(wl);
	return (n);
}

/* The connection's state as the status line says it. */
static void
layout_conn(struct tui *t, char *conn, size_t size)
{
	char	 state[64];
	int64_t	 s;

	switch (t->conn) {
	case TUI_CONN_UP:
		snprintf(state, sizeof state, "connected");
		break;
	case TUI_CONN_RETRY:
		s = (t->retry_at - t->now + 999) / 1000;
		snprintf(state, sizeof state, "reconnecting in %lld s "
		    "(Ctrl-R: now)", (long long)(s > 0 ? s : 0));
		break;
	case TUI_CONN_OFFLINE:
		snprintf(state, sizeof state, "offline");
		break;
	default:
		snprintf(state, sizeof state, "connecting");
		break;
	}
	snprintf(conn, size, "%s", state);
}

/* The status line's text (the caller frees it). */
static char *
layout_status_text(struct tui *t)
{
	char	 conn[64], news[64], *s;

	layout_conn(t, conn, sizeof conn);
	news[0] = '\0';
	if (t->newcount > 0)
		snprintf(news, sizeof news, " \xc2\xb7 %d new message%s below "
		    "(End)", t->newcount, t->newcount == 1 ? "" : "s");
	/* Down, the reason names the server. */
	xasprintf(&s, " %s/%u \xc2\xb7 %s \xc2\xb7 %d queued%s%s%s "
	    "\xc2\xb7 %s",
	    t->account != NULL ? t->account : "?", t->device, conn, t->queued,
	    news, t->progress[0] != '\0' ? " \xc2\xb7 " : "", t->progress,
	    t->conn_why[0] != '\0' ? t->conn_why : t->server != NULL ?
	    t->server : "");
	return (s);
}

/* The input: rows [y0, y0 + rows); sets the cursor. */
static void
layout_input(struct grid *g, struct tui *t, int y0, int rows, int w, int *cy,
    int *cx)
{
	struct width_line	 wl[64];
	const char		*s = edit_text(t->edit);
	char			 prompt[64];
	size_t			 cur = edit_cursor(t->edit), len = edit_len(t->edit);
	int			 pc, n, i, ci = 0, first;

	snprintf(prompt, sizeof prompt, "%.30s> ", t->open != NULL ? t->open :
	    "");
	pc = width_str(prompt, strlen(prompt));
	if (pc > w / 2)
		pc = 0;
	*cy = y0;
	*cx = pc;
	if (w - pc < 1 || rows < 1)
		return;
	grid_put(g, y0, 0, pc, prompt, strlen(prompt), LAYOUT_DIM);
	n = width_wrap(s, len, w - pc, wl, 64);
	if (n > 64)
		n = 64;
	for (i = 0; i < n; i++) {
		if (wl[i].off <= cur)
			ci = i;
	}
	first = ci >= rows ? ci - rows + 1 : 0;
	for (i = first; i < n && i - first < rows; i++)
		grid_put(g, y0 + i - first, pc, w, s + wl[i].off, wl[i].len,
		    LAYOUT_NORMAL);
	*cy = y0 + ci - first;
	*cx = pc + width_str(s + wl[ci].off, cur - wl[ci].off >
	    wl[ci].len ? wl[ci].len : cur - wl[ci].off);
	if (*cx >= w)
		*cx = w - 1;
}

/* How many rows the input needs (1 to LAYOUT_INPUT_ROWS, at most h / 4). */
static int
layout_input_rows(struct tui *t, int w, int h)
{
	int	n, max = h / 4;

	if (max < 1)
		max = 1;
	if (max > LAYOUT_INPUT_ROWS)
		max = LAYOUT_INPUT_ROWS;
	if (w < 4)
		return (1);
	n = width_wrap(edit_text(t->edit), edit_len(t->edit), w - 2, NULL, 0);
	return (n < max ? n : max);
}

/* The open conversation's header: its peer and what we know of its key. */
static void
layout_header(struct grid *g, struct tui *t, int y, int x0, int x1)
{
	const char	*what = "no key seen yet";
	char		 buf[128], members[64];
	int		 st = LAYOUT_DIM;

	if (groupcmd_is_group(t->open)) {
		/* A group: its size; each member's key is its own matter. */
		snprintf(members, sizeof members, "%d member%s (/group lists "
		    "them)", t->nmembers, t->nmembers == 1 ? "" : "s");
		what = t->nmembers > 0 ? members : "not a member";
	} else if (strcmp(t->trust, "verified") == 0)
		what = "verified";
	else if (strcmp(t->trust, "trusted") == 0)
		what = "trusted on first use, not verified (/fingerprint)";
	else if (strcmp(t->trust, "changed") == 0) {
		what = "key changed, not trusted";
		st = LAYOUT_ERROR;
	}
	snprintf(buf, sizeof buf, "%.40s \xc2\xb7 %s", t->open, what);
	grid_put(g, y, x0, x1, buf, strlen(buf), st);
}

/* Rows for a wrapped text of lines rows at most, leaving keep rows. */
static int
layout_fit_rows(int need, int avail, int keep)
{
	if (need > avail - keep)
		need = avail - keep;
	return (need > 0 ? need : 0);
}

void
layout_draw(struct grid *g, struct tui *t, int *cy, int *cx)
{
	int	 w = grid_width(g), h = grid_height(g), ir, sy, lw, y0 = 0, i, n;
	char	*status;

	grid_clear(g);
	*cy = *cx = 0;
	/* No message on screen unless layout_msgs shows some. */
	t->shown_first = t->shown_last = -1;
	if (w < 1 || h < 1)
		return;
	/* Scrolled back, the status line counts what arrived below. */
	if (t->scroll == 0 && t->anchor == 0)
		t->newcount = 0;
	ir = layout_input_rows(t, w, h);
	if (h < ir + 1) {
		layout_input(g, t, 0, h, w, cy, cx);
		return;
	}
	status = layout_status_text(t);
	n = layout_fit_rows(layout_wrapped(g, 0, 0, 0, w, status, 0, 0),
	    h - ir, h - ir > 4 ? 2 : h - ir - 1);
	sy = h - ir - (n > 0 ? n : 1);
	layout_wrapped(g, sy, n > 0 ? n : 1, 0, w, status, LAYOUT_STATUS, 1);
	free(status);
	layout_input(g, t, h - ir, ir, w, cy, cx);
	if (t->notice[0] != '\0' && sy > 1) {
		n = layout_fit_rows(layout_wrapped(g, 0, 0, 0, w, t->notice,
		    0, 0), sy, 1);
		sy -= n;
		layout_wrapped(g, sy, n, 0, w, t->notice, t->notice_err ?
		    LAYOUT_ERROR : LAYOUT_DIM, 0);
	}
	lw = layout_list_width(w);
	if (lw > 0) {
		layout_list(g, t, sy, lw);
		for (i = 0; i < sy; i++)
			grid_put(g, i, lw, lw + 1, "\xe2\x94\x82", 3, LAYOUT_DIM);
		lw++;
	}
	if (t->open != NULL && t->trust != NULL && sy > 3) {
		layout_header(g, t, 0, lw, w);
		y0 = 1;
	}
	if (t->banner[0] != '\0' && sy > y0 + 1) {
		n = layout_fit_rows(layout_wrapped(g, 0, 0, lw, w, t->banner,
		    0, 0), sy - y0, 1);
		layout_wrapped(g, y0, n, lw, w, t->banner, LAYOUT_ERROR, 1);
		y0 += n;
	}
	layout_msgs(g, t, y0, sy, lw, w);
}
