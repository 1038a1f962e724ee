/* screen: the terminal side of the TUI (ncursesw set-up, frames from the grid, restore on exit and fatal signals). */
#include <sys/ioctl.h>

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <curses.h>

#include "client/tui/grid.h"
#include "client/tui/keys.h"
#include "client/tui/layout.h"
#include "client/tui/screen.h"
#include "client/tui/tuiint.h"
#include "client/tui/width.h"

/* Terminal modes we turn on: bracketed paste, focus reporting. */
#define SCREEN_MODES_ON		"\033[?2004h\033[?1004h"
#define SCREEN_MODES_OFF	"\033[?1004l\033[?2004l"
#define SCREEN_RESTORE		SCREEN_MODES_OFF \
	"\033[?1049l\033[?25h\033[0m\r\n"

static struct termios	 screen_tio;
static int		 screen_on;
static struct grid	*screen_grid;
static int		 screen_attrs[LAYOUT_UNREAD + 1];

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
screen_colours(struct tui *t)
{
	int	pairs[][3] = {
		{ LAYOUT_OWN, t->conf.color_own, -1 },
		{ LAYOUT_PEER, t->conf.color_peer, -1 },
		{ LAYOUT_STATUS, COLOR_WHITE, t->conf.color_status },
		{ LAYOUT_ERROR, t->conf.color_error, -1 },
		{ LAYOUT_DAY, COLOR_YELLOW, -1 },
		{ LAYOUT_UNREAD, COLOR_YELLOW, -1 },
	};
	size_t	i;

	screen_attrs[LAYOUT_STATUS] = A_REVERSE;
	screen_attrs[LAYOUT_DIM] = A_DIM;
	screen_attrs[LAYOUT_SELECTED] = A_REVERSE;
	screen_attrs[LAYOUT_MARK] = A_REVERSE;
	screen_attrs[LAYOUT_ERROR] = A_BOLD;
	screen_attrs[LAYOUT_UNREAD] = A_BOLD;
	if (!t->conf.colors || !has_colors() || start_color() == ERR)
		return;
	use_default_colors();
	for (i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		init_pair((short)(i + 1), (short)pairs[i][1],
		    (short)pairs[i][2]);
		screen_attrs[pairs[i][0]] = COLOR_PAIR((int)i + 1) |
		    (pairs[i][0] == LAYOUT_ERROR ||
		    pairs[i][0] == LAYOUT_UNREAD ? A_BOLD : 0);
	}
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
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	keys_define();
	screen_colours(t);
	fputs(SCREEN_MODES_ON, stdout);
	fflush(stdout);
	screen_grid = grid_create(COLS, LINES);
	return (0);
}

void
screen_end(struct tui *t)
{
	(void)t;
	if (!screen_on)
		return;
	screen_on = 0;
	fputs(SCREEN_MODES_OFF, stdout);
	fflush(stdout);
	endwin();
	grid_free(screen_grid);
	screen_grid = NULL;
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
	screen_grid = grid_create(COLS, LINES);
	clearok(curscr, TRUE);
	t->dirty = 1;
}

void
screen_redraw(void)
{
	clearok(curscr, TRUE);
}

void
screen_draw(struct tui *t)
{
	const char	*c;
	int		 y, x, w, h, cw, st, cy, cx;

	if (!screen_on || screen_grid == NULL)
		return;
	layout_draw(screen_grid, t, &cy, &cx);
	w = grid_width(screen_grid);
	h = grid_height(screen_grid);
	for (y = 0; y < h; y++) {
		for (x = 0; x < w; x++) {
			c = grid_cell(screen_grid, y, x, &cw, &st);
			if (c == NULL || cw == 0)
				continue;
			attrset(screen_attrs[st >= 0 && st <= LAYOUT_UNREAD ?
			    st : 0]);
			mvaddstr(y, x, c);
		}
	}
	attrset(A_NORMAL);
	move(cy, cx);
	refresh();
}

void
screen_bell(void)
{
	beep();
}

void
screen_osc(const char *prefix, const char *what)
{
	const char	*p;

	fputs(prefix, stdout);
	for (p = what; *p != '\0'; p++) {
		if ((unsigned char)*p >= 0x20 && *p != 0x7f)
			fputc(*p, stdout);
	}
	fputc('\a', stdout);
	fflush(stdout);
}
