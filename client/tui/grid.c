/* grid: the screen as a cell grid that frames are drawn into (testable without a terminal). */
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "client/tui/grid.h"
#include "client/tui/width.h"
#include "shared/util/xmalloc.h"

struct grid_cell {
	char		text[GRID_CELLBYTES];
	unsigned short	width;		/* 0: continuation */
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
	c->width = (unsigned short)width;
	c->style = (unsigned char)style;
}

void
grid_clear(struct grid *g)
{
	size_t	i, n = (size_t)g->w * (size_t)g->h;

	for (i = 0; i < n; i++)
		grid_set(&g->cells[i], " ", 1, 1, 0);
}

/* A wide unit about to be partly overwritten: blank all of it. */
static void
grid_unsplit(struct grid *g, int y, int x)
{
	struct grid_cell	*c = grid_at(g, y, x), *o;
	int			 h = x, i;

	if (c == NULL || c->width == 1)
		return;
	while (h > 0 && (o = grid_at(g, y, h))->width == 0)
		h--;
	o = grid_at(g, y, h);
	if (o->width <= 1 && h != x)
		return;		/* no head: nothing to blank */
	for (i = o->width; i > 0 && (c = grid_at(g, y, h)) != NULL; i--, h++)
		grid_set(c, " ", 1, 1, c->style);
}

/*
 * The text a cell shows for unit s (n bytes): U+FFFD for a control, a
 * bad byte or a mark that starts it, a space for a tab, cut at a code
 * point to fit, without a trailing ZWJ.  Returns its length.
 */
static size_t
grid_text(const char *s, size_t n, char *text)
{
	size_t		off = 0, tlen = 0, k;
	uint32_t	cp;
	utf8proc_uint8_t e[4];
	utf8proc_ssize_t elen;

	while (off < n) {
		off += width_decode(s + off, n - off, &cp);
		if (tlen == 0 && cp == '\t')
			cp = ' ';
		else if (tlen == 0 && (width_is_control(cp) ||
		    width_cp(cp) == 0))
			cp = WIDTH_REPLACEMENT;
		elen = utf8proc_encode_char((utf8proc_int32_t)cp, e);
		k = elen > 0 ? (size_t)elen : 0;
		if (tlen + k >= GRID_CELLBYTES)
			break;
		memcpy(text + tlen, e, k);
		tlen += k;
	}
	while (tlen > 3 && memcmp(text + tlen - 3, "\xe2\x80\x8d", 3) == 0)
		tlen -= 3;
	text[tlen] = '\0';
	return (tlen);
}

static void
grid_store(struct grid *g, int y, int x, const char *s, size_t n, int w,
    int style)
{
	char	text[GRID_CELLBYTES];
	size_t	tlen;
	int	i, tw;

	for (i = 0; i < w; i++)
		grid_unsplit(g, y, x + i);
	tlen = grid_text(s, n, text);
	tw = width_unit(text, tlen);
	if (tw > w) {
		/* Cannot happen: the text is the unit or less of it. */
		memcpy(text, grid_repl, sizeof grid_repl);
		tlen = sizeof grid_repl - 1;
		tw = 1;
	}
	grid_set(grid_at(g, y, x), text, tlen, tw, style);
	for (i = 1; i < w; i++) {
		if (i < tw)
			grid_set(grid_at(g, y, x + i), "", 0, 0, style);
		else
			grid_set(grid_at(g, y, x + i), " ", 1, 1, style);
	}
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

int
grid_same(struct grid *a, struct grid *b, int y, int x)
{
	struct grid_cell	*ca = grid_at(a, y, x), *cb = grid_at(b, y, x);

	if (ca == NULL || cb == NULL)
		return (ca == cb);
	return (ca->width == cb->width && ca->style == cb->style &&
	    strcmp(ca->text, cb->text) == 0);
}

void
grid_copy(struct grid *dst, struct grid *src)
{
	if (dst->w != src->w || dst->h != src->h)
		return;
	memcpy(dst->cells, src->cells, (size_t)src->w * (size_t)src->h *
	    sizeof *src->cells);
}
