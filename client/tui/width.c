/* width: UTF-8 decoding, grapheme clusters and their terminal widths, wrapping. */
#include <langinfo.h>
#include <locale.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

#include "client/tui/width.h"
#include "shared/util/utf8.h"

#define WIDTH_ZWJ	0x200d
#define WIDTH_VS15	0xfe0e
#define WIDTH_VS16	0xfe0f

struct width_range {
	uint32_t	lo;
	uint32_t	hi;
};

/* Extended_Pictographic, approximately: what may follow a ZWJ. */
static const struct width_range width_pict[] = {
	{ 0x00a9, 0x00a9 }, { 0x00ae, 0x00ae }, { 0x203c, 0x203c },
	{ 0x2049, 0x2049 }, { 0x2122, 0x2122 }, { 0x2139, 0x2139 },
	{ 0x2194, 0x21aa }, { 0x231a, 0x23ff }, { 0x24c2, 0x24c2 },
	{ 0x25aa, 0x25fe }, { 0x2600, 0x27bf }, { 0x2934, 0x2935 },
	{ 0x2b05, 0x2b55 }, { 0x3030, 0x3030 }, { 0x303d, 0x303d },
	{ 0x3297, 0x3299 }, { 0x1f000, 0x1faff }, { 0x1fc00, 0x1fffd },
};

static int
width_in(const struct width_range *r, size_t n, uint32_t cp)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (cp >= r[i].lo && cp <= r[i].hi)
			return (1);
	}
	return (0);
}

static int
width_is_pict(uint32_t cp)
{
	return (width_in(width_pict, sizeof width_pict / sizeof width_pict[0],
	    cp));
}

static int
width_is_ri(uint32_t cp)
{
	return (cp >= 0x1f1e6 && cp <= 0x1f1ff);
}

int
width_locale(void)
{
	const char	*cs;

	if (setlocale(LC_CTYPE, "") != NULL) {
		cs = nl_langinfo(CODESET);
		if (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0)
			return (0);
	}
	if (setlocale(LC_CTYPE, "C.UTF-8") != NULL)
		return (0);
	return (setlocale(LC_CTYPE, "en_US.UTF-8") != NULL ? 0 : -1);
}

size_t
width_decode(const char *s, size_t len, uint32_t *cp)
{
	return (utf8_decode(s, len, cp));
}

int
width_is_control(uint32_t cp)
{
	return (cp < 0x20 || (cp >= 0x7f && cp < 0xa0));
}

int
width_cp(uint32_t cp)
{
	int	w;

	if (width_is_control(cp))
		return (1);
	if (cp == WIDTH_ZWJ || (cp >= 0xfe00 && cp <= 0xfe0f) ||
	    (cp >= 0x1f3fb && cp <= 0x1f3ff) || (cp >= 0xe0000 &&
	    cp <= 0xe0fff))
		return (0);
	w = wcwidth((wchar_t)cp);
	if (w < 0)
		return (1);
	return (w > 2 ? 2 : w);
}

/* Does cp extend the cluster before it (marks, selectors, modifiers)? */
static int
width_extends(uint32_t cp)
{
	if (width_is_control(cp))
		return (0);
	return (width_cp(cp) == 0);
}

size_t
width_cluster(const char *s, size_t len, int *cols)
{
	uint32_t	base, cp, prev;
	size_t		off, n;
	int		w, ri = 0;

	off = width_decode(s, len, &base);
	if (base == '\n') {
		*cols = 0;
		return (off);
	}
	if (width_is_control(base)) {
		*cols = 1;
		return (off);
	}
	w = width_cp(base);
	if (w == 0)
		w = 1;		/* a lone mark is shown on its own */
	prev = base;
	while (off < len) {
		n = width_decode(s + off, len - off, &cp);
		if (width_is_ri(base) && width_is_ri(cp) && ri == 0 &&
		    prev == base) {
			ri = 1;
			w = 2;
		} else if (prev == WIDTH_ZWJ && width_is_pict(cp))
			w = 2;
		else if (!width_extends(cp))
			break;
		else if (cp == WIDTH_VS16 && w == 1)
			w = 2;
		prev = cp;
		off += n;
	}
	*cols = w;
	return (off);
}

int
width_str(const char *s, size_t len)
{
	size_t	off = 0;
	int	w, total = 0;

	while (off < len) {
		off += width_cluster(s + off, len - off, &w);
		total += w;
	}
	return (total);
}

size_t
width_fit(const char *s, size_t len, int cols, int *used)
{
	size_t	off = 0, n;
	int	w, total = 0;

	while (off < len && s[off] != '\n') {
		n = width_cluster(s + off, len - off, &w);
		if (total + w > cols)
			break;
		total += w;
		off += n;
	}
	if (used != NULL)
		*used = total;
	return (off);
}

static void
width_emit(struct width_line *lines, int max, int n, size_t off, size_t len,
    int cols)
{
	if (n < max) {
		lines[n].off = off;
		lines[n].len = len;
		lines[n].cols = cols;
	}
}

int
width_wrap(const char *s, size_t len, int cols, struct width_line *lines,
    int max)
{
	size_t	off = 0, start = 0, brk = 0, cn;
	int	w, used = 0, brkcols = 0, n = 0;

	if (cols < 1)
		cols = 1;
	while (off < len) {
		cn = width_cluster(s + off, len - off, &w);
		if (s[off] == '\n') {
			width_emit(lines, max, n++, start, off - start, used);
			off += cn;
			start = off;
			used = brk = brkcols = 0;
			continue;
		}
		if (used + w > cols && s[off] == ' ') {
			/* A space at the end of a full line is dropped. */
			width_emit(lines, max, n++, start, off - start, used);
			off += cn;
			start = off;
			used = brk = brkcols = 0;
			continue;
		}
		if (used + w > cols && off > start) {
			if (brk > start) {
				width_emit(lines, max, n++, start, brk - start,
				    brkcols);
				used -= brkcols;
				start = brk;
			} else {
				width_emit(lines, max, n++, start, off - start,
				    used);
				start = off;
				used = 0;
			}
			brk = brkcols = 0;
			continue;
		}
		used += w;
		off += cn;
		if (cn == 1 && s[off - 1] == ' ') {
			brk = off;
			brkcols = used;
		}
	}
	if (off > start || n == 0 || (len > 0 && s[len - 1] == '\n'))
		width_emit(lines, max, n++, start, off - start, used);
	return (n);
}
