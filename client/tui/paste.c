/* paste: a bracketed paste made ready for the input line (newlines, tabs, the end). */
#include <string.h>

#include "client/tui/paste.h"
#include "client/tui/width.h"
#include "shared/util/xmalloc.h"

/* Out grows by at most PASTE_TAB bytes per input byte (a tab). */
static size_t
paste_put_tab(char *out, size_t n, int *col)
{
	int	k = PASTE_TAB - *col % PASTE_TAB;

	memset(out + n, ' ', (size_t)k);
	*col += k;
	return (n + (size_t)k);
}

char *
paste_clean(const char *raw, size_t len, int col, size_t *outlen)
{
	char	*out;
	size_t	 i = 0, n = 0, k;
	int	 cols;

	out = xmalloc(len * PASTE_TAB + 1);
	while (i < len) {
		unsigned char	c = (unsigned char)raw[i];

		if (c == '\r' || c == '\n') {
			i += c == '\r' && i + 1 < len && raw[i + 1] == '\n' ? 2 : 1;
			out[n++] = '\n';
			col = 0;
		} else if (c == '\t') {
			n = paste_put_tab(out, n, &col);
			i++;
		} else if (c < 0x20 || c == 0x7f)
			i++;
		else {
			/* Controls end a cluster (UAX #29 GB4, GB5). */
			k = width_cluster(raw + i, len - i, &cols);
			memcpy(out + n, raw + i, k);
			n += k;
			i += k;
			col += cols;
		}
	}
	while (n > 0 && out[n - 1] == '\n')
		n--;
	out[n] = '\0';
	*outlen = n;
	return (out);
}
