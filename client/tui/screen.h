/* screen: the terminal side of the TUI (ncursesw set-up, frames from the grid, restore on exit and fatal signals). */
#ifndef NATTER_CLIENT_TUI_SCREEN_H
#define NATTER_CLIENT_TUI_SCREEN_H

struct tui;

/* Take over the terminal (alternate screen, raw, bracketed paste).  0/-1. */
int	screen_start(struct tui *);
/* Give it back as it was.  Safe to call twice. */
void	screen_end(struct tui *);
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
