/* grid: the screen as a cell grid that frames are drawn into (testable without a terminal). */
#include <stdlib.h>
#include <string.h>

#include "client/tui/grid.h"
#include "client/tui/width.h"
#include "shared/util/xmalloc.h"

struct grid_cell {
	char		text[GRID_CELLBYTES];
	unsigned char	width;
	unsigned char	style;
};

struct grid {
	int			 w;
	int			 h;
	struct grid_cell	*cells;
};

static const char grid_repl[] = "\xef\xbf\xbd";	/* U+FFFD */

struct grid *
grid_create(int w, int h)
{
	struct grid	*g;

	g = xcalloc(1, sizeof *g);
	g->w = w < 0 ? 0 : (w > GRID_MAX_W ? GRID_MAX_W : w);
	g->h = h < 0 ? 0 : (h > GRID_MAX_H ? GRID_MAX_H : h);
	g->cells = xcalloc((size_t)g->w * (size_t)g->h + 1, sizeof *g->cells);
	grid_clear(g);
	return (g);
}

void
grid_free(struct grid *g)
{
	if (g == NULL)
		return;
	free(g->cells);
	free(g);
}

int
grid_width(struct grid *g)
{
	return (g->w);
}

int
grid_height(struct grid *g)
{
	return (g->h);
}

static struct grid_cell *
grid_at(struct grid *g, int y, int x)
{
	if (y < 0 || y >= g->h || x < 0 || x >= g->w)
		return (NULL);
	return (&g->cells[(size_t)y * (size_t)g->w + (size_t)x]);
}

static void
grid_set(struct grid_cell *c, const char *s, size_t len, int width, int style)
{
	memcpy(c->text, s, len);
	c->text[len] = '\0';
	c->width = (unsigned char)width;
	c->style = (unsigned char)style;
}

void
grid_clear(struct grid *g)
{
	size_t	i, n = (size_t)g->w * (size_t)g->h;

	for (i = 0; i < n; i++)
		grid_set(&g->cells[i], " ", 1, 1, 0);
}

/* A wide cell about to be half overwritten: blank its other half. */
static void
grid_unsplit(struct grid *g, int y, int x)
{
	struct grid_cell	*c = grid_at(g, y, x), *o;

	if (c == NULL)
		return;
	if (c->width == 0 && (o = grid_at(g, y, x - 1)) != NULL)
		grid_set(o, " ", 1, 1, o->style);
	if (c->width == 2 && (o = grid_at(g, y, x + 1)) != NULL)
		grid_set(o, " ", 1, 1, o->style);
}

/* Bytes of cluster s that fit in a cell, cut at a code point. */
static size_t
grid_cut(const char *s, size_t len)
{
	size_t	off = 0, n;
	uint32_t cp;

	while (off < len) {
		n = width_decode(s + off, len - off, &cp);
		if (off + n >= GRID_CELLBYTES)
			break;
		off += n;
	}
	return (off);
}

static void
grid_store(struct grid *g, int y, int x, const char *s, size_t n, int w,
    int style)
{
	uint32_t	cp;

	grid_unsplit(g, y, x);
	if (w == 2)
		grid_unsplit(g, y, x + 1);
	(void)width_decode(s, n, &cp);
	if (cp == '\t')
		grid_set(grid_at(g, y, x), " ", 1, 1, style);
	else if (width_is_control(cp) || width_cp(cp) == 0 ||
	    (n == 1 && (unsigned char)*s >= 0x80))
		grid_set(grid_at(g, y, x), grid_repl, 3, 1, style);
	else
		grid_set(grid_at(g, y, x), s, grid_cut(s, n), w, style);
	if (w == 2)
		grid_set(grid_at(g, y, x + 1), "", 0, 0, style);
}

int
grid_put(struct grid *g, int y, int x, int xmax, const char *s, size_t len,
    int style)
{
	size_t	off = 0, n;
	int	w;

	if (xmax > g->w)
		xmax = g->w;
	if (y < 0 || y >= g->h || x < 0)
		return (x);
	while (off < len && x < xmax && s[off] != '\n') {
		n = width_cluster(s + off, len - off, &w);
		if (x + w > xmax) {
			grid_fill(g, y, x, xmax, ' ', style);
			return (xmax);
		}
		grid_store(g, y, x, s + off, n, w, style);
		x += w;
		off += n;
	}
	return (x);
}

void
grid_fill(struct grid *g, int y, int x, int xmax, char ch, int style)
{
	if (xmax > g->w)
		xmax = g->w;
	if (x < 0)
		x = 0;
	for (; x < xmax && y >= 0 && y < g->h; x++) {
		grid_unsplit(g, y, x);
		grid_set(grid_at(g, y, x), &ch, 1, 1, style);
	}
}

const char *
grid_cell(struct grid *g, int y, int x, int *width, int *style)
{
	struct grid_cell	*c = grid_at(g, y, x);

	if (c == NULL)
		return (NULL);
	if (width != NULL)
		*width = c->width;
	if (style != NULL)
		*style = c->style;
	return (c->text);
}

size_t
grid_row(struct grid *g, int y, char *buf, size_t size)
{
	struct grid_cell	*c;
	size_t			 off = 0, n;
	int			 x;

	if (size == 0)
		return (0);
	for (x = 0; x < g->w && y >= 0 && y < g->h; x++) {
		c = grid_at(g, y, x);
		n = strlen(c->text);
		if (off + n + 1 > size)
			break;
		memcpy(buf + off, c->text, n);
		off += n;
	}
	buf[off] = '\0';
	return (off);
}
