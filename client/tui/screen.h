/* screen: the terminal side of the TUI (set-up, the terminal's emoji widths, frames from the grid written unit by unit, restore on exit and fatal signals). */
#ifndef NATTER_CLIENT_TUI_SCREEN_H
#define NATTER_CLIENT_TUI_SCREEN_H

#include <wchar.h>

struct tui;

/*
 * Take over the terminal (alternate screen, raw, bracketed paste), and
 * measure how it draws emoji sequences (width_set_terminal).  0/-1.
 */
int	screen_start(struct tui *);
/* Give it back as it was.  Safe to call twice. */
void	screen_end(struct tui *);
/* The next key, as curses' get_wch() (OK, KEY_CODE_YES or ERR). */
int	screen_key(wint_t *);
/* Follow the terminal's new size. */
void	screen_resize(struct tui *);
/* Lay out t and put it on the terminal. */
void	screen_draw(struct tui *);
/* Repaint everything on the next draw (Ctrl-L). */
void	screen_redraw(void);
void	screen_bell(void);
/* Write prefix, then what (controls dropped), then BEL. */
void	screen_osc(const char *prefix, const char *what);

#endif
