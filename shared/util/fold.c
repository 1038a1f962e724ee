/* fold: text in the form caseless search compares (Unicode's NFKC_Casefold, by utf8proc). */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <utf8proc.h>

#include "shared/util/fold.h"
#include "shared/util/utf8.h"
#include "shared/util/xmalloc.h"

#define FOLD_OPTIONS	(UTF8PROC_STABLE | UTF8PROC_COMPOSE | \
			    UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_IGNORE)

/* Room for n more code points in *buf (of *size), wiping what moves. */
static void
fold_grow(utf8proc_int32_t **buf, size_t *size, size_t used, size_t n)
{
	utf8proc_int32_t	*nb;
	size_t			 ns = *size;

	if (used + n + 1 <= *size)
		return;
	while (used + n + 1 > ns)
		ns = ns < 64 ? 64 : ns * 2;
	nb = xreallocarray(NULL, ns, sizeof *nb);
	if (*buf != NULL) {
		memcpy(nb, *buf, used * sizeof *nb);
		sodium_memzero(*buf, *size * sizeof **buf);
		free(*buf);
	}
	*buf = nb;
	*size = ns;
}

char *
fold_text(const char *s, size_t len, size_t *outlen)
{
	const utf8proc_property_t	*p1, *p2;
	utf8proc_int32_t		*buf = NULL, t;
	utf8proc_ssize_t		 r;
	size_t				 size = 0, n = 0, off = 0, i;
	uint32_t			 cp;
	int				 bc = 0;
	char				*out;

	/* Plain ASCII folds to its lower case. */
	for (i = 0; i < len && (unsigned char)s[i] < 0x80; i++)
		;
	if (i == len) {
		out = xmalloc(len + 1);
		for (i = 0; i < len; i++)
			out[i] = s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i];
		out[len] = '\0';
		if (outlen != NULL)
			*outlen = len;
		return (out);
	}
	fold_grow(&buf, &size, 0, len);
	while (off < len) {
		off += utf8_decode(s + off, len - off, &cp);
		for (;;) {
			r = utf8proc_decompose_char((utf8proc_int32_t)cp,
			    buf + n, (utf8proc_ssize_t)(size - n - 1),
			    FOLD_OPTIONS, &bc);
			if (r < 0) {
				r = 0;		/* cannot happen: cp is valid */
				break;
			}
			if ((size_t)r <= size - n - 1)
				break;
			fold_grow(&buf, &size, n, (size_t)r);
		}
		n += (size_t)r;
	}
	/* Canonical order of the marks, as utf8proc_decompose() has it. */
	for (i = 0; i + 1 < n;) {
		p1 = utf8proc_get_property(buf[i]);
		p2 = utf8proc_get_property(buf[i + 1]);
		if (p1->combining_class > p2->combining_class &&
		    p2->combining_class > 0) {
			t = buf[i];
			buf[i] = buf[i + 1];
			buf[i + 1] = t;
			if (i > 0)
				i--;
			else
				i++;
		} else
			i++;
	}
	/* Compose and encode in place (the spare code point is its NUL). */
	r = utf8proc_reencode(buf, (utf8proc_ssize_t)n, FOLD_OPTIONS);
	if (r < 0)
		r = 0;
	out = xmalloc((size_t)r + 1);
	memcpy(out, buf, (size_t)r);
	out[r] = '\0';
	sodium_memzero(buf, size * sizeof *buf);
	free(buf);
	if (outlen != NULL)
		*outlen = (size_t)r;
	return (out);
}

int
fold_find(const char *hay, size_t len, const char *needle, size_t nlen)
{
	const char	*p = hay, *end = hay + len;

	if (nlen == 0)
		return (1);
	while (nlen <= (size_t)(end - p) &&
	    (p = memchr(p, needle[0], (size_t)(end - p) - nlen + 1)) != NULL) {
		if (memcmp(p, needle, nlen) == 0)
			return (1);
		p++;
	}
	return (0);
}

int
fold_contains(const char *text, size_t len, const char *needle, size_t nlen)
{
	char	*f;
	size_t	 flen;
	int	 found;

	f = fold_text(text, len, &flen);
	found = fold_find(f, flen, needle, nlen);
	sodium_memzero(f, flen);
	free(f);
	return (found);
}
