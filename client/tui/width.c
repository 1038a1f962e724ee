/* width: UTF-8 decoding, grapheme clusters (UAX #29, by utf8proc) and their terminal widths, wrapping. */
#include <langinfo.h>
#include <locale.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

#include <utf8proc.h>

#include "client/tui/width.h"
#include "shared/util/utf8.h"

static int	width_flags = WIDTH_TERM_DEFAULT;

/*
 * The probes: 👍🏽 (thumbs up, skin tone), ❤️ (heart, VS16), 👨‍👩 (man ZWJ
 * woman) and a‍é (a ZWJ é).
 */
const struct width_probe width_probes[WIDTH_NPROBES] = {
	{ "\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd", WIDTH_TERM_MOD, 2 },
	{ "\xe2\x9d\xa4\xef\xb8\x8f", WIDTH_TERM_VS16, 2 },
	{ "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9", WIDTH_TERM_ZWJ, 2 },
	{ "a\xe2\x80\x8d\xc3\xa9", WIDTH_TERM_ZWJANY, 1 },
};

int
width_probe_flags(const int *cols)
{
	int	i, flags = 0;

	for (i = 0; i < WIDTH_NPROBES; i++) {
		if (cols[i] < 0)
			flags |= WIDTH_TERM_DEFAULT & width_probes[i].flag;
		else if (cols[i] == width_probes[i].joined)
			flags |= width_probes[i].flag;
	}
	/* Joining anything after a ZWJ joins pictographs too. */
	if (flags & WIDTH_TERM_ZWJANY)
		flags |= WIDTH_TERM_ZWJ;
	return (flags);
}

void
width_set_terminal(int flags)
{
	width_flags = flags;
}

int
width_terminal(void)
{
	return (width_flags);
}

static int
width_is_pict(uint32_t cp)
{
	return (utf8proc_get_property((utf8proc_int32_t)cp)->boundclass ==
	    UTF8PROC_BOUNDCLASS_EXTENDED_PICTOGRAPHIC);
}

/* An emoji skin tone modifier (U+1F3FB to U+1F3FF). */
static int
width_is_mod(uint32_t cp)
{
	return (cp >= 0x1f3fb && cp <= 0x1f3ff);
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
	w = wcwidth((wchar_t)cp);
	if (w < 0)
		return (1);
	return (w > 2 ? 2 : w);
}

/* Is there a grapheme cluster boundary between prev and cp? */
static int
width_break(uint32_t prev, uint32_t cp, utf8proc_int32_t *state)
{
	return (utf8proc_grapheme_break_stateful((utf8proc_int32_t)prev,
	    (utf8proc_int32_t)cp, state));
}

/*
 * The end of the cluster at s: by UAX #29 alone, or (unit) of the display
 * unit, which stops at a control and may run on past a ZWJ.
 */
static size_t
width_end(const char *s, size_t len, int unit)
{
	utf8proc_int32_t	state = 0;
	uint32_t		prev, cp;
	size_t			off, n;

	off = width_decode(s, len, &prev);
	if (unit && width_is_control(prev))
		return (off);
	while (off < len) {
		n = width_decode(s + off, len - off, &cp);
		if (unit && width_is_control(cp))
			break;
		if (width_break(prev, cp, &state) && (!unit ||
		    prev != WIDTH_ZWJ || cp < 0x80 ||
		    !(width_flags & WIDTH_TERM_ZWJANY)))
			break;
		prev = cp;
		off += n;
	}
	return (off);
}

size_t
width_grapheme(const char *s, size_t len)
{
	return (width_end(s, len, 0));
}

int
width_unit(const char *s, size_t len)
{
	uint32_t	prev, cp;
	size_t		off, n;
	int		w, last, total;

	off = width_decode(s, len, &prev);
	total = last = width_cp(prev) > 0 ? width_cp(prev) : 1;
	while (off < len) {
		n = width_decode(s + off, len - off, &cp);
		off += n;
		if (prev == WIDTH_ZWJ && cp >= 0x80 &&
		    ((width_flags & WIDTH_TERM_ZWJANY) ||
		    ((width_flags & WIDTH_TERM_ZWJ) && width_is_pict(cp))))
			w = 0;
		else if (width_is_mod(cp) && width_is_pict(prev) &&
		    (width_flags & WIDTH_TERM_MOD))
			w = 0;
		else if (cp == WIDTH_VS16) {
			/* A narrow pictograph or keycap base turns wide. */
			w = 0;
			if ((width_flags & WIDTH_TERM_VS16) && last == 1 &&
			    (width_is_pict(prev) || (prev >= '0' &&
			    prev <= '9') || prev == '#' || prev == '*')) {
				w = 1;
				last = 2;
			}
		} else if ((w = width_cp(cp)) > 0)
			last = w;
		total += w;
		prev = cp;
	}
	return (total);
}

size_t
width_cluster(const char *s, size_t len, int *cols)
{
	size_t	off = width_end(s, len, 1);

	/* A control is 1 column (shown as U+FFFD), a newline none. */
	*cols = *s == '\n' ? 0 : width_unit(s, off);
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
