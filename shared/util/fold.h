/* fold: text in the form caseless search compares (Unicode's NFKC_Casefold, by utf8proc). */
#ifndef NATTER_SHARED_UTIL_FOLD_H
#define NATTER_SHARED_UTIL_FOLD_H

#include <stddef.h>

/*
 * The folded form of s (len bytes; invalid UTF-8 as U+FFFD): Unicode
 * case folding of the compatibility-decomposed text, default ignorables
 * (ZWJ, soft hyphen, variation selectors) dropped, recomposed (NFC) -
 * Unicode's NFKC_Casefold.  "HÉLLO", "héllo" and "he\u0301llo" fold
 * alike.  Returns a NUL-terminated string from malloc, its length in
 * *outlen (may be NULL).  Working copies are wiped before they are
 * freed, as the result should be by the caller.
 */
char	*fold_text(const char *s, size_t len, size_t *outlen);

/* Does hay (len bytes, folded) contain needle (folded)?  "" is in all. */
int	 fold_find(const char *hay, size_t len, const char *needle,
	    size_t nlen);

/* Does text (len bytes) contain needle, which is already folded? */
int	 fold_contains(const char *text, size_t len, const char *needle,
	    size_t nlen);

#endif
