/* keys: reading the terminal's input and turning keys into edits, commands and moves. */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <curses.h>

#include "client/tui/commands.h"
#include "client/tui/edit.h"
#include "client/tui/keys.h"
#include "client/tui/paste.h"
#include "client/tui/screen.h"
#include "client/tui/tuiint.h"
#include "shared/util/xmalloc.h"

#define KEYS_CTRL(c)	((c) & 0x1f)

/* A bracketed paste being read: kept whole until it ends. */
struct keys_paste {
	int	 on;
	char	*buf;
	size_t	 len;		/* bytes kept (at most EDIT_MAX) */
	size_t	 size;
	size_t	 total;		/* bytes pasted */
};

static struct keys_paste	keys_paste;

const struct keys_help keys_map[] = {
	{ "Enter", "send the input (or run the command)" },
	{ "Alt-Enter, Ctrl-J", "insert a newline (send-key swaps Enter and "
	    "Alt-Enter)" },
	{ "Left, Right, Ctrl-B, Ctrl-F", "move by one character" },
	{ "Home, End, Ctrl-A, Ctrl-E", "to the start or end of the input" },
	{ "Backspace, Delete, Ctrl-D", "delete before or under the cursor" },
	{ "Ctrl-W", "delete the word before the cursor" },
	{ "Ctrl-U", "delete everything before the cursor" },
	{ "Up, Down", "walk through the input history" },
	{ "Tab", "complete a command or contact name, or the path of "
	    "/send-file and /save" },
	{ "Ctrl-N, Alt-Down", "open the next conversation" },
	{ "Ctrl-P, Alt-Up", "open the previous conversation" },
	{ "Alt-1 to Alt-9", "open conversation 1 to 9 of the list" },
	{ "PgUp, PgDn", "scroll the conversation" },
	{ "Alt-End, End", "back to the newest message (End: on an empty input"
	    " line)" },
	{ "Esc", "close a notice (such as this one)" },
	{ "Ctrl-L", "redraw the screen" },
	{ "Ctrl-R", "connect to the server now" },
	{ "Ctrl-C", "quit" },
	{ NULL, NULL }
};

void
keys_define(void)
{
	define_key("\033[1;3A", KEYS_ALT_UP);
	define_key("\033[1;3B", KEYS_ALT_DOWN);
	define_key("\033[200~", KEYS_PASTE_START);
	define_key("\033[201~", KEYS_PASTE_END);
	define_key("\033[I", KEYS_FOCUS_IN);
	define_key("\033[O", KEYS_FOCUS_OUT);
	define_key("\033[1;3F", KEYS_ALT_END);
}

/* wc as UTF-8 into buf (MB_LEN_MAX bytes); its length, or 0. */
static size_t
keys_utf8(wint_t wc, char *buf)
{
	mbstate_t	ps;
	size_t		n;

	memset(&ps, 0, sizeof ps);
	n = wcrtomb(buf, (wchar_t)wc, &ps);
	return (n == (size_t)-1 ? 0 : n);
}

/* Insert the character wc into the input, or say that it is full. */
static void
keys_insert(struct tui *t, wint_t wc)
{
	char	buf[MB_LEN_MAX];
	size_t	n;

	if ((n = keys_utf8(wc, buf)) > 0 && edit_insert(t->edit, buf, n) != 0)
		tui_notice(t, 1, "the input is full (%d bytes at most): send or "
		    "cut some first", EDIT_MAX - 1);
}

/* A character of a paste: kept until the paste ends. */
static void
keys_paste_add(wint_t wc)
{
	struct keys_paste	*p = &keys_paste;
	char			 buf[MB_LEN_MAX];
	size_t			 n;

	if ((n = keys_utf8(wc, buf)) == 0)
		return;
	p->total += n;
	if (p->total != p->len + n || p->len + n > EDIT_MAX)
		return;			/* too long anyway: only counted */
	if (p->len + n > p->size) {
		p->size = p->size == 0 ? 4096 : p->size * 2;
		p->buf = xrealloc(p->buf, p->size);
	}
	memcpy(p->buf + p->len, buf, n);
	p->len += n;
}

/* The paste ended: all of it into the input, or none and a notice. */
static void
keys_paste_end(struct tui *t)
{
	struct keys_paste	*p = &keys_paste;
	char			*text = NULL;
	size_t			 n = 0;

	p->on = 0;
	if (p->total <= p->len)
		text = paste_clean(p->buf, p->len, edit_column(t->edit), &n);
	if (text == NULL || edit_insert(t->edit, text, n) != 0)
		tui_notice(t, 1, "paste of %zu bytes not inserted: the input "
		    "holds %d bytes at most (%zu typed already)", text != NULL ?
		    n : p->total, EDIT_MAX - 1, edit_len(t->edit));
	free(text);
	free(p->buf);
	memset(p, 0, sizeof *p);
}

static void
keys_send(struct tui *t)
{
	char	*line;

	if ((line = edit_take(t->edit)) == NULL)
		return;
	t->notice[0] = '\0';
	commands_line(t, line);
	free(line);
}

static void
keys_page(struct tui *t, int up)
{
	int	page = t->rows > 2 ? t->rows - 1 : 1;

	t->scrolled = 1;
	if (!up) {
		if (t->scroll == 0 && t->anchor > 0) {
			/* At the end of a window into the past: back to live. */
			t->anchor = 0;
			t->want = TUI_PAGE;
			t->stale_msgs = 1;
		}
		t->scroll -= page;
		if (t->scroll < 0)
			t->scroll = 0;
		return;
	}
	t->scroll += page;
	if (t->scroll > t->nlines - t->rows && t->more) {
		t->want += TUI_PAGE;
		t->stale_msgs = 1;
	}
}

/* Alt (ESC-prefixed) keys: wc is the key after ESC. */
static void
keys_alt(struct tui *t, int code, wint_t wc)
{
	if (code == KEY_CODE_YES) {
		if (wc == KEY_UP)
			view_cycle(t, -1);
		else if (wc == KEY_DOWN)
			view_cycle(t, 1);
		else if (wc == KEY_END)
			view_bottom(t);
		return;
	}
	if (wc == '\r' || wc == '\n') {
		if (t->conf.enter_sends)
			edit_insert(t->edit, "\n", 1);
		else
			keys_send(t);
	} else if (wc >= '1' && wc <= '9')
		view_jump(t, (int)(wc - '1'));
	else if (wc == 'n')
		commands_search_next(t, -1);
	else if (wc == 'N')
		commands_search_next(t, 1);
}

/* Function keys (curses codes). */
static void
keys_code(struct tui *t, wint_t k)
{
	switch (k) {
	case KEY_LEFT:
		edit_left(t->edit);
		break;
	case KEY_RIGHT:
		edit_right(t->edit);
		break;
	case KEY_HOME:
		edit_home(t->edit);
		break;
	case KEY_END:
		/* On an empty input line End goes to the newest message. */
		if (edit_len(t->edit) == 0)
			view_bottom(t);
		else
			edit_end(t->edit);
		break;
	case KEYS_ALT_END:
		view_bottom(t);
		break;
	case KEY_UP:
		edit_history_prev(t->edit);
		break;
	case KEY_DOWN:
		edit_history_next(t->edit);
		break;
	case KEY_BACKSPACE:
		edit_backspace(t->edit);
		break;
	case KEY_DC:
		edit_delete(t->edit);
		break;
	case KEY_PPAGE:
		keys_page(t, 1);
		break;
	case KEY_NPAGE:
		keys_page(t, 0);
		break;
	case KEYS_ALT_UP:
		view_cycle(t, -1);
		break;
	case KEYS_ALT_DOWN:
		view_cycle(t, 1);
		break;
	case KEYS_PASTE_START:
		keys_paste.on = 1;
		break;
	case KEYS_PASTE_END:
		keys_paste_end(t);
		break;
	case KEYS_FOCUS_IN:
		t->focused = 1;
		break;
	case KEYS_FOCUS_OUT:
		t->focused = 0;
		break;
	case KEY_RESIZE:
		break;
	}
}

/* Control characters (and Enter) outside a paste. */
static void
keys_control(struct tui *t, wint_t c)
{
	switch (c) {
	case '\r':
		if (t->conf.enter_sends)
			keys_send(t);
		else
			edit_insert(t->edit, "\n", 1);
		break;
	case '\n':
		edit_insert(t->edit, "\n", 1);
		break;
	case '\t':
		commands_complete(t);
		break;
	case 0x7f:
	case KEYS_CTRL('H'):
		edit_backspace(t->edit);
		break;
	case KEYS_CTRL('A'):
		edit_home(t->edit);
		break;
	case KEYS_CTRL('E'):
		edit_end(t->edit);
		break;
	case KEYS_CTRL('B'):
		edit_left(t->edit);
		break;
	case KEYS_CTRL('F'):
		edit_right(t->edit);
		break;
	case KEYS_CTRL('D'):
		edit_delete(t->edit);
		break;
	case KEYS_CTRL('W'):
		edit_delete_word(t->edit);
		break;
	case KEYS_CTRL('U'):
		edit_delete_line(t->edit);
		break;
	case KEYS_CTRL('L'):
		screen_redraw();
		break;
	case KEYS_CTRL('R'):
		tui_reconnect(t);
		break;
	case KEYS_CTRL('N'):
		view_cycle(t, 1);
		break;
	case KEYS_CTRL('P'):
		view_cycle(t, -1);
		break;
	case KEYS_CTRL('C'):
		tui_leave(t);
		break;
	}
}

/* One key or character. */
static void
keys_one(struct tui *t, int code, wint_t wc)
{
	wint_t	wc2;
	int	code2;

	if (code == KEY_CODE_YES) {
		keys_code(t, wc);
		return;
	}
	if (keys_paste.on) {
		keys_paste_add(wc);
		return;
	}
	if (wc == 033) {
		if ((code2 = screen_key(&wc2)) != ERR)
			keys_alt(t, code2, wc2);
		else
			t->notice[0] = '\0';	/* Esc alone */
		return;
	}
	if (wc < 0x20 || wc == 0x7f)
		keys_control(t, wc);
	else
		keys_insert(t, wc);
}

int
keys_read(struct tui *t)
{
	wint_t	wc;
	int	code, n = 0;

	while (!t->quit && (code = screen_key(&wc)) != ERR) {
		keys_one(t, code, wc);
		t->dirty = 1;
		n++;
	}
	return (n);
}
