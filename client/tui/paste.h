/* paste: a bracketed paste made ready for the input line (newlines, tabs, the end). */
#ifndef NATTER_CLIENT_TUI_PASTE_H
#define NATTER_CLIENT_TUI_PASTE_H

#include <stddef.h>

#define PASTE_TAB	8	/* columns between tab stops */

/*
 * The pasted UTF-8 text raw (len bytes) as the input line takes it: CR LF
 * and a lone CR become LF, a tab becomes spaces to the next tab stop
 * (col: the input's column where the paste goes), other C0 controls and
 * DEL are left out, and the newlines that end it are dropped (a trailing
 * newline makes no empty line).  Returns a NUL-terminated copy the caller
 * frees; *outlen gets its length.
 */
char	*paste_clean(const char *raw, size_t len, int col, size_t *outlen);

#endif
