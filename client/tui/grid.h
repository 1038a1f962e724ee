/* grid: the screen as a cell grid that frames are drawn into (testable without a terminal). */
#ifndef NATTER_CLIENT_TUI_GRID_H
#define NATTER_CLIENT_TUI_GRID_H

#include <stddef.h>

/*
 * Each cell holds one grapheme cluster (UTF-8) and a style.  A cluster two
 * columns wide fills its cell and marks the next one as its continuation
 * (empty text).  Control characters are stored as U+FFFD, tabs as spaces.
 * Sizes are clamped to GRID_MAX_W x GRID_MAX_H; 0 x 0 is allowed.
 */

#define GRID_MAX_W	1000
#define GRID_MAX_H	500
#define GRID_CELLBYTES	32	/* a longer cluster is cut at a code point */

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
 * The cell at (y, x): its cluster ("" for the right half of a wide one,
 * NULL outside the grid), its width (0, 1 or 2) and style (may be NULL).
 */
const char	*grid_cell(struct grid *, int y, int x, int *width, int *style);

/* Row y as text (right halves skipped) into buf; returns its length. */
size_t		 grid_row(struct grid *, int y, char *buf, size_t size);

#endif
