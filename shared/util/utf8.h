/* utf8: decoding UTF-8 one code point at a time (utf8proc underneath). */
#ifndef NATTER_SHARED_UTIL_UTF8_H
#define NATTER_SHARED_UTIL_UTF8_H

#include <stddef.h>
#include <stdint.h>

#define UTF8_REPLACEMENT	0xfffd

/*
 * Decode the code point at s, reading at most len bytes (len >= 1).
 * Returns the bytes it takes, 1 to 4, with the code point in *cp.
 *
 * Invalid input is decoded, never refused: a byte that does not begin a
 * well-formed sequence (Unicode 15, table 3-7) gives UTF8_REPLACEMENT
 * and takes one byte.  That covers a stray continuation byte, the bytes
 * 0xc0, 0xc1 and 0xf5 to 0xff, overlong forms, surrogates (U+D800 to
 * U+DFFF), anything past U+10FFFF, and a sequence cut short by a byte
 * that is no continuation or by the end of len.  A caller that steps by
 * the return value so resynchronises on the very next byte and sees one
 * U+FFFD per bad byte; valid text comes through unchanged.  (A real
 * U+FFFD in the text takes 3 bytes, a bad byte 1.)
 */
size_t	utf8_decode(const char *s, size_t len, uint32_t *cp);

#endif
