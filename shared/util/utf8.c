/* utf8: decoding UTF-8 one code point at a time (utf8proc underneath). */
#include <assert.h>

#include <utf8proc.h>

#include "shared/util/utf8.h"

size_t
utf8_decode(const char *s, size_t len, uint32_t *cp)
{
	utf8proc_int32_t	c;
	utf8proc_ssize_t	n;

	assert(len > 0);
	/*
	 * utf8proc_iterate() checks well-formedness as table 3-7 has it and
	 * reads no more than its length; a negative length would let it
	 * read 4 bytes unchecked, so pass at most 4, the longest sequence.
	 */
	n = utf8proc_iterate((const utf8proc_uint8_t *)s,
	    len < 4 ? (utf8proc_ssize_t)len : 4, &c);
	if (n < 1) {
		*cp = UTF8_REPLACEMENT;
		return (1);
	}
	*cp = (uint32_t)c;
	return ((size_t)n);
}
