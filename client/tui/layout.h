/* layout: one frame of the TUI drawn into a cell grid (no terminal needed). */
#ifndef NATTER_CLIENT_TUI_LAYOUT_H
#define NATTER_CLIENT_TUI_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

struct grid;
struct tui;

/* Cell styles; the terminal side maps them to colours and attributes. */
enum layout_style {
	LAYOUT_NORMAL,
	LAYOUT_STATUS,
	LAYOUT_OWN,
	LAYOUT_PEER,
	LAYOUT_DIM,
	LAYOUT_ERROR,
	LAYOUT_SELECTED,
	LAYOUT_DAY,
	LAYOUT_MARK,
	LAYOUT_UNREAD,
	LAYOUT_NAME0,		/* members' names in a group: */
	LAYOUT_NAME5 = LAYOUT_NAME0 + 5,	/* groupcmd_name_colour */
	LAYOUT_LAST = LAYOUT_NAME5,
};

/* Panes narrower than this hide the conversation list. */
#define LAYOUT_LIST_MIN_W	30

/*
 * Draw t into g (cleared first); set *cy, *cx to the input cursor.  Also
 * records t->nlines and t->rows and clamps t->scroll.  Any size works,
 * 0 x 0 included.
 */
void	layout_draw(struct grid *g, struct tui *t, int *cy, int *cx);

/* Width of the conversation list for a screen w columns wide (0: none). */
int	layout_list_width(int w);

/* The day label of ts relative to now (ms since the epoch, local time). */
void	layout_day(char *buf, size_t size, int64_t ts, int64_t now);

#endif
