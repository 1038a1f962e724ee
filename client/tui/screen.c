/* screen: the terminal side of the TUI (set-up, the terminal's emoji widths, frames from the grid written unit by unit, restore on exit and fatal signals). */
#include <sys/ioctl.h>

#include <errno.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "client/tui/grid.h"
#include "client/tui/groupcmd.h"
#include "client/tui/keys.h"
#include "client/tui/layout.h"
#include "client/tui/screen.h"
#include "client/tui/tuiint.h"
#include "client/tui/width.h"
#include "shared/util/xmalloc.h"

/*
 * curses sets the terminal up, reads the keys (through a pad, which it
 * never paints) and puts the terminal back; the frames are ours.  curses
 * keeps at most five code points in a cell (CCHARW_MAX) and starts a new
 * cell at every one it thinks is spacing, so it would split 👍🏽 or a ZWJ
 * family over several cells.  Instead each changed cell of the grid goes
 * out whole, after a cursor move of its own (ECMA-48: CUP, SGR, ED), and
 * the terminal is not trusted to know where a cluster ends.
 */

/* Terminal modes we turn on: bracketed paste, focus reporting. */
#define SCREEN_MODES_ON		"\033[?2004h\033[?1004h"
#define SCREEN_MODES_OFF	"\033[?1004l\033[?2004l"
#define SCREEN_RESTORE		SCREEN_MODES_OFF \
	"\033[?1049l\033[?25h\033[0m\r\n"

/* How long the terminal has to answer the width probes. */
#define SCREEN_PROBE_MS		1000

#define SCREEN_BOLD		0x1
#define SCREEN_DIM		0x2
#define SCREEN_REVERSE		0x4

struct screen_style {
	int	attrs;
	int	fg;		/* 0-7, -1: the terminal's default */
	int	bg;
};

static struct termios		 screen_tio;
static int			 screen_on;
static WINDOW			*screen_keys;
static struct grid		*screen_grid;	/* the frame being made */
static struct grid		*screen_shown;	/* what the terminal shows */
static int			 screen_full;	/* clear and paint it all */
static const short		 screen_name_colours[GROUPCMD_COLOURS] = {
	COLOR_RED, COLOR_GREEN, COLOR_YELLOW, COLOR_MAGENTA, COLOR_CYAN,
	COLOR_BLUE
};
static struct screen_style	 screen_styles[LAYOUT_LAST + 1];
static char			*screen_buf;
static size_t			 screen_len;
static size_t			 screen_size;

/* A fatal signal: put the terminal back, then die of it. */
static void
screen_fatal(int signo)
{
	ssize_t	n;

	n = write(STDOUT_FILENO, SCREEN_RESTORE, sizeof SCREEN_RESTORE - 1);
	(void)n;
	tcsetattr(STDIN_FILENO, TCSANOW, &screen_tio);
	raise(signo);
}

static void
screen_catch(void)
{
	static const int	 sigs[] = { SIGSEGV, SIGBUS, SIGABRT, SIGFPE,
	    SIGILL };
	struct sigaction	 sa;
	size_t			 i;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = screen_fatal;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
}

static void
screen_write(const char *s, size_t n)
{
	if (screen_len + n > screen_size) {
		while (screen_len + n > screen_size)
			screen_size = screen_size == 0 ? 16384 : screen_size * 2;
		screen_buf = xrealloc(screen_buf, screen_size);
	}
	memcpy(screen_buf + screen_len, s, n);
	screen_len += n;
}

static void
screen_puts(const char *s)
{
	screen_write(s, strlen(s));
}

static void __attribute__((format(printf, 1, 2)))
screen_printf(const char *fmt, ...)
{
	va_list	ap;
	char	buf[128];
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n > 0)
		screen_write(buf, (size_t)n < sizeof buf ? (size_t)n :
		    sizeof buf - 1);
}

/* Write out what is buffered (waiting while the terminal is slow). */
static void
screen_flush(void)
{
	struct pollfd	pfd = { STDOUT_FILENO, POLLOUT, 0 };
	size_t		off = 0;
	ssize_t		n;

	while (off < screen_len) {
		n = write(STDOUT_FILENO, screen_buf + off, screen_len - off);
		if (n > 0)
			off += (size_t)n;
		else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			(void)poll(&pfd, 1, 1000);
		else if (n < 0 && errno == EINTR)
			continue;
		else
			break;
	}
	screen_len = 0;
}

static void
screen_colours(struct tui *t)
{
	struct screen_style	*s = screen_styles;
	int			 c = t->conf.colors && has_colors();
	size_t			 i;

	for (i = 0; i <= LAYOUT_LAST; i++) {
		s[i].attrs = 0;
		s[i].fg = s[i].bg = -1;
	}
	s[LAYOUT_DIM].attrs = SCREEN_DIM;
	s[LAYOUT_SELECTED].attrs = SCREEN_REVERSE;
	s[LAYOUT_MARK].attrs = SCREEN_REVERSE;
	s[LAYOUT_ERROR].attrs = SCREEN_BOLD;
	s[LAYOUT_UNREAD].attrs = SCREEN_BOLD;
	if (!c) {
		s[LAYOUT_STATUS].attrs = SCREEN_REVERSE;
		return;
	}
	s[LAYOUT_OWN].fg = t->conf.color_own;
	s[LAYOUT_PEER].fg = t->conf.color_peer;
	s[LAYOUT_STATUS].fg = COLOR_WHITE;
	s[LAYOUT_STATUS].bg = t->conf.color_status;
	s[LAYOUT_ERROR].fg = t->conf.color_error;
	s[LAYOUT_DAY].fg = COLOR_YELLOW;
	s[LAYOUT_UNREAD].fg = COLOR_YELLOW;
	/* Members' names: the colours other than the status line's. */
	for (i = 0; i < GROUPCMD_COLOURS; i++)
		s[LAYOUT_NAME0 + i].fg = screen_name_colours[i];
}

static void
screen_sgr(int st)
{
	const struct screen_style	*s;

	s = &screen_styles[st >= 0 && st <= LAYOUT_LAST ? st : 0];
	screen_printf("\033[0%s%s%s", (s->attrs & SCREEN_BOLD) ? ";1" : "",
	    (s->attrs & SCREEN_DIM) ? ";2" : "",
	    (s->attrs & SCREEN_REVERSE) ? ";7" : "");
	if (s->fg >= 0 && s->fg <= 7)
		screen_printf(";%d", 30 + s->fg);
	if (s->bg >= 0 && s->bg <= 7)
		screen_printf(";%d", 40 + s->bg);
	screen_puts("m");
}

static uint64_t
screen_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/*
 * Scan the terminal's answers in buf: each cursor position report
 * (ESC [ row ; col R) fills the next of cols; 1 once the answer to
 * device attributes (ESC [ ? ... c), which comes after them all, is in.
 */
static int
screen_answers(const char *buf, size_t len, int *cols, int *got)
{
	size_t	i, k;
	int	col, semi;

	*got = 0;
	for (i = 0; i + 2 < len; i++) {
		if (buf[i] != '\033' || buf[i + 1] != '[')
			continue;
		if (buf[i + 2] == '?') {
			for (k = i + 3; k < len && ((buf[k] >= '0' &&
			    buf[k] <= '9') || buf[k] == ';'); k++)
				;
			if (k < len && buf[k] == 'c')
				return (1);
			continue;
		}
		col = semi = 0;
		for (k = i + 2; k < len; k++) {
			if (buf[k] == ';' && !semi)
				semi = 1;
			else if (buf[k] >= '0' && buf[k] <= '9') {
				if (semi && col < 10000)
					col = col * 10 + (buf[k] - '0');
			} else
				break;
		}
		if (k < len && buf[k] == 'R' && semi && *got < WIDTH_NPROBES)
			cols[(*got)++] = col - 1;
	}
	return (0);
}

/*
 * Learn how the terminal draws emoji sequences: write each probe at the
 * start of the top line and ask where the cursor went, then ask for the
 * device attributes, which every terminal answers after the rest.  What
 * is not answered in time keeps Unicode's model (WIDTH_TERM_DEFAULT).
 */
static void
screen_probe(void)
{
	struct pollfd	 pfd = { STDIN_FILENO, POLLIN, 0 };
	char		 buf[512];
	size_t		 len = 0;
	ssize_t		 n;
	uint64_t	 end;
	int		 cols[WIDTH_NPROBES], i, got = 0, done = 0;

	for (i = 0; i < WIDTH_NPROBES; i++) {
		cols[i] = -1;
		screen_printf("\r%s\033[6n", width_probes[i].text);
	}
	screen_puts("\033[c\r\033[2K");
	screen_flush();
	end = screen_ms() + SCREEN_PROBE_MS;
	while (!done && len < sizeof buf && screen_ms() < end) {
		if (poll(&pfd, 1, (int)(end - screen_ms())) <= 0)
			continue;
		if ((n = read(STDIN_FILENO, buf + len, sizeof buf - len)) <= 0)
			break;
		len += (size_t)n;
		done = screen_answers(buf, len, cols, &got);
	}
	width_set_terminal(width_probe_flags(cols));
}

int
screen_start(struct tui *t)
{
	setlocale(LC_ALL, "");
	if (width_locale() != 0)
		return (-1);
	if (tcgetattr(STDIN_FILENO, &screen_tio) != 0)
		return (-1);
	screen_catch();
	if (initscr() == NULL)
		return (-1);
	screen_on = 1;
	raw();
	noecho();
	nonl();
	screen_keys = newpad(1, 1);
	keypad(screen_keys, TRUE);
	nodelay(screen_keys, TRUE);
	set_escdelay(25);
	keys_define();
	screen_colours(t);
	/* curses enters the alternate screen and clears it, once. */
	refresh();
	screen_probe();
	screen_puts(SCREEN_MODES_ON);
	screen_flush();
	screen_grid = grid_create(COLS, LINES);
	screen_shown = grid_create(COLS, LINES);
	screen_full = 1;
	return (0);
}

void
screen_end(struct tui *t)
{
	(void)t;
	if (!screen_on)
		return;
	screen_on = 0;
	screen_puts("\033[0m" SCREEN_MODES_OFF);
	screen_flush();
	if (screen_keys != NULL)
		delwin(screen_keys);
	screen_keys = NULL;
	endwin();
	grid_free(screen_grid);
	grid_free(screen_shown);
	screen_grid = screen_shown = NULL;
	free(screen_buf);
	screen_buf = NULL;
	screen_len = screen_size = 0;
}

int
screen_key(wint_t *wc)
{
	if (screen_keys == NULL)
		return (ERR);
	return (wget_wch(screen_keys, wc));
}

void
screen_resize(struct tui *t)
{
	struct winsize	ws;

	if (!screen_on)
		return;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
		resizeterm(ws.ws_row, ws.ws_col);
	grid_free(screen_grid);
	grid_free(screen_shown);
	screen_grid = grid_create(COLS, LINES);
	screen_shown = grid_create(COLS, LINES);
	screen_full = 1;
	t->dirty = 1;
}

void
screen_redraw(void)
{
	screen_full = 1;
}

void
screen_draw(struct tui *t)
{
	const char	*c;
	int		 y, x, w, h, cw, st, cy, cx, cur = -1, px = -1, py = -1;

	if (!screen_on || screen_grid == NULL)
		return;
	layout_draw(screen_grid, t, &cy, &cx);
	w = grid_width(screen_grid);
	h = grid_height(screen_grid);
	screen_puts("\033[?25l");
	if (screen_full) {
		screen_puts("\033[0m\033[H\033[2J");
		grid_clear(screen_shown);
		cur = 0;
		screen_full = 0;
	}
	for (y = 0; y < h; y++) {
		for (x = 0; x < w; x++) {
			c = grid_cell(screen_grid, y, x, &cw, &st);
			if (c == NULL || cw == 0 ||
			    grid_same(screen_grid, screen_shown, y, x))
				continue;
			if (y != py || x != px)
				screen_printf("\033[%d;%dH", y + 1, x + 1);
			if (st != cur) {
				screen_sgr(st);
				cur = st;
			}
			screen_puts(c);
			/*
			 * Past one ASCII character the cursor is where we
			 * think; past a cluster, the next cell gets its own
			 * move (the terminal may measure it otherwise).
			 */
			py = y;
			px = (unsigned char)c[0] < 0x80 && c[1] == '\0' ?
			    x + 1 : -1;
		}
	}
	grid_copy(screen_shown, screen_grid);
	screen_printf("\033[0m\033[%d;%dH\033[?25h", cy + 1, cx + 1);
	screen_flush();
}

void
screen_bell(void)
{
	screen_puts("\a");
	screen_flush();
}

void
screen_osc(const char *prefix, const char *what)
{
	const char	*p;

	screen_puts(prefix);
	for (p = what; *p != '\0'; p++) {
		if ((unsigned char)*p >= 0x20 && *p != 0x7f)
			screen_write(p, 1);
	}
	screen_puts("\a");
	screen_flush();
}
