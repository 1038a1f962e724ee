/* grid: the screen as a cell grid that frames are drawn into (testable without a terminal). */
#ifndef NATTER_CLIENT_TUI_GRID_H
#define NATTER_CLIENT_TUI_GRID_H

#include <stddef.h>

/*
 * Each cell holds one display unit (a grapheme cluster, see width.h) as
 * UTF-8, and a style: what the terminal is to show there, written in one
 * piece.  A unit w columns wide fills its cell and marks the w - 1 cells
 * after it as its continuation (empty text, width 0).  Control characters
 * are stored as U+FFFD, and so is invalid UTF-8 and a mark with nothing
 * to sit on; tabs become spaces; a trailing ZWJ, which joins nothing, is
 * left out (a terminal would join it to whatever is written next).
 * Sizes are clamped to GRID_MAX_W x GRID_MAX_H; 0 x 0 is allowed.
 */

#define GRID_MAX_W	1000
#define GRID_MAX_H	500
/*
 * Bytes of a cell's text, NUL included: a longer unit is cut at a code
 * point, and cells of spaces make up any width lost with the cut.
 */
#define GRID_CELLBYTES	48

struct grid;

struct grid	*grid_create(int w, int h);
void		 grid_free(struct grid *);
int		 grid_width(struct grid *);
int		 grid_height(struct grid *);

/* Blank every cell (spaces, style 0). */
void		 grid_clear(struct grid *);

/*
 * Write s (len bytes, stopping at a newline) at row y from column x with
 * style, cluster by cluster, without passing column xmax (exclusive, also
 * clamped to the width).  A wide cluster that does not fit is replaced by
 * spaces up to xmax.  Returns the column after the last cell written.
 * Out-of-range rows or columns write nothing.
 */
int		 grid_put(struct grid *, int y, int x, int xmax, const char *s,
		    size_t len, int style);

/* Fill columns [x, xmax) of row y with the ASCII character ch. */
void		 grid_fill(struct grid *, int y, int x, int xmax, char ch,
		    int style);

/*
 * The cell at (y, x): its unit ("" for the continuation of a wide one,
 * NULL outside the grid), its width (0 for a continuation, else the
 * unit's columns) and style (may be NULL).
 */
const char	*grid_cell(struct grid *, int y, int x, int *width, int *style);

/* Row y as text (continuations skipped) into buf; returns its length. */
size_t		 grid_row(struct grid *, int y, char *buf, size_t size);

/* Do cells (y, x) of a and b hold the same unit, width and style? */
int		 grid_same(struct grid *a, struct grid *b, int y, int x);

/* Make dst (of the same size) a copy of src. */
void		 grid_copy(struct grid *dst, struct grid *src);

#endif
