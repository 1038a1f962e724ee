/* hex: lower-case hex encoding and strict decoding (libsodium's codec). */
#ifndef NATTER_SHARED_UTIL_HEX_H
#define NATTER_SHARED_UTIL_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Write 2*len hex digits and a NUL to out (size >= 2*len+1). */
void	hex_encode(char *out, const uint8_t *in, size_t len);
/* Decode exactly outlen bytes from a string of exactly 2*outlen hex
 * digits (either case); -1 on any other length or a non-hex digit, when
 * out may have been partly written. */
int	hex_decode(uint8_t *out, size_t outlen, const char *in)
	    __attribute__((warn_unused_result));

#endif
