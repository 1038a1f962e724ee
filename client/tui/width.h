/* width: UTF-8 decoding, grapheme clusters (UAX #29, by utf8proc) and their terminal widths, wrapping. */
#ifndef NATTER_CLIENT_TUI_WIDTH_H
#define NATTER_CLIENT_TUI_WIDTH_H

#include <stddef.h>
#include <stdint.h>

#include "shared/util/utf8.h"

/*
 * Clusters are Unicode's extended grapheme clusters (UAX #29 as of
 * Unicode 15.0, from utf8proc): the unit that the cursor, deletion,
 * wrapping and the screen's cells work in.
 *
 * Widths of single code points follow the C library's wcwidth(), so the
 * caller must have a UTF-8 LC_CTYPE (width_locale() sees to it).  A
 * cluster is as wide as its code points, added up, except where the
 * terminal draws an emoji sequence narrower: the WIDTH_TERM_* flags say
 * which joins the terminal makes.  The default (all but ZWJANY) is
 * Unicode's emoji model, which most terminals follow: emoji sequences
 * (skin tones, ZWJ sequences, keycaps, a narrow pictograph with VS16,
 * flags) are 2 columns.  The screen measures the terminal at start and
 * sets the flags it finds (see width_probes).  Invalid UTF-8 and control
 * characters count as one column each (shown as U+FFFD).
 */

#define WIDTH_REPLACEMENT	UTF8_REPLACEMENT
#define WIDTH_ZWJ		0x200d
#define WIDTH_VS16		0xfe0f

/* A skin tone modifier joins the pictograph before it (2, not 4). */
#define WIDTH_TERM_MOD		0x01
/* VS16 makes a narrow pictograph 2 columns (like a keycap). */
#define WIDTH_TERM_VS16		0x02
/* A pictograph after ZWJ joins the sequence (a ZWJ family is 2, not 6). */
#define WIDTH_TERM_ZWJ		0x04
/*
 * Any non-ASCII character after a ZWJ joins the cell before it, cluster
 * boundary or not (tmux 3.3): the display unit runs on past the ZWJ.
 */
#define WIDTH_TERM_ZWJANY	0x08
#define WIDTH_TERM_DEFAULT	(WIDTH_TERM_MOD | WIDTH_TERM_VS16 | \
				    WIDTH_TERM_ZWJ)

/*
 * What the screen writes at the start of a line to learn the terminal's
 * joins: each probe's text, the flag it tests, and the columns the
 * terminal advances when it makes that join.
 */
struct width_probe {
	const char	*text;
	int		 flag;
	int		 joined;
};
extern const struct width_probe	width_probes[];
#define WIDTH_NPROBES		4

/*
 * The flags from the probes' measured columns (cols[i] < 0: no answer,
 * that flag as in WIDTH_TERM_DEFAULT).
 */
int		 width_probe_flags(const int *cols);

/* Set or get the terminal's flags (WIDTH_TERM_DEFAULT at start). */
void		 width_set_terminal(int flags);
int		 width_terminal(void);

/* Make LC_CTYPE UTF-8 (the environment's, else C.UTF-8).  0 or -1. */
int		 width_locale(void);

/*
 * Decode the code point at s (len > 0): returns the bytes used (1 to 4);
 * invalid, overlong or truncated sequences give U+FFFD for one byte.
 * This is utf8_decode (shared/util/utf8.h), under the TUI's name.
 */
size_t		 width_decode(const char *s, size_t len, uint32_t *cp);

/* Columns of one code point on its own (wcwidth): 0, 1 or 2 (controls 1). */
int		 width_cp(uint32_t cp);

/* 1 if cp is a C0/C1 control or DEL. */
int		 width_is_control(uint32_t cp);

/*
 * The extended grapheme cluster at s (len > 0), exactly as UAX #29 has
 * it (CR LF is one cluster): its length in bytes, at least 1.
 */
size_t		 width_grapheme(const char *s, size_t len);

/*
 * The display unit at s (len > 0): a grapheme cluster, except that a
 * control character (CR too) is always a unit of its own, and with
 * WIDTH_TERM_ZWJANY a unit ending in ZWJ takes the next cluster in too.
 * Returns its length in bytes (at least 1) and its width in *cols (at
 * least 1; a newline is a unit of width 0).
 */
size_t		 width_cluster(const char *s, size_t len, int *cols);

/*
 * Columns the terminal gives s (len > 0) written as one unit: the first
 * code point at least 1 (a lone mark is shown as U+FFFD), then the joins.
 */
int		 width_unit(const char *s, size_t len);

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
