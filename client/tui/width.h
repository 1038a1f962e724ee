/* width: UTF-8 decoding, grapheme clusters and their terminal widths, wrapping. */
#ifndef NATTER_CLIENT_TUI_WIDTH_H
#define NATTER_CLIENT_TUI_WIDTH_H

#include <stddef.h>
#include <stdint.h>

#include "shared/util/utf8.h"

/*
 * Widths follow the C library's wcwidth() for single code points, so the
 * caller must have a UTF-8 LC_CTYPE (width_locale() sees to it).  On top
 * of that a grapheme cluster (a base with combining marks, variation
 * selectors, skin tone modifiers, ZWJ-joined pictographs, or a pair of
 * regional indicators) is measured as one unit: 2 columns for emoji
 * sequences, flags and a narrow pictograph with VS16.  Invalid UTF-8 and
 * control characters count as one column each (shown as U+FFFD).
 */

#define WIDTH_REPLACEMENT	UTF8_REPLACEMENT

/* Make LC_CTYPE UTF-8 (the environment's, else C.UTF-8).  0 or -1. */
int		 width_locale(void);

/*
 * Decode the code point at s (len > 0): returns the bytes used (1 to 4);
 * invalid, overlong or truncated sequences give U+FFFD for one byte.
 * This is utf8_decode (shared/util/utf8.h), under the TUI's name.
 */
size_t		 width_decode(const char *s, size_t len, uint32_t *cp);

/* Columns of one code point on its own: 0, 1 or 2 (controls: 1). */
int		 width_cp(uint32_t cp);

/* 1 if cp is a C0/C1 control or DEL. */
int		 width_is_control(uint32_t cp);

/*
 * The grapheme cluster at s (len > 0): returns its length in bytes (at
 * least 1) and its width in *cols (1 or 2; a newline is a cluster of
 * width 0).
 */
size_t		 width_cluster(const char *s, size_t len, int *cols);

/* Columns of the whole string. */
int		 width_str(const char *s, size_t len);

/*
 * Bytes of the longest prefix of whole clusters that fits in cols columns
 * (stopping at a newline); *used gets its width (may be NULL).
 */
size_t		 width_fit(const char *s, size_t len, int cols, int *used);

/* One wrapped line: bytes [off, off + len) of the input, cols wide. */
struct width_line {
	size_t	off;
	size_t	len;
	int	cols;
};

/*
 * Wrap s into lines of at most cols columns (cols >= 1): break after a
 * space where possible, else between clusters (never inside one); a
 * newline always ends a line, and so does a space that would overflow
 * it; neither belongs to any line.  A cluster wider
 * than cols gets a line of its own.  Fills at most max lines and returns
 * how many lines the text needs (at least 1).
 */
int		 width_wrap(const char *s, size_t len, int cols,
		    struct width_line *lines, int max);

#endif
