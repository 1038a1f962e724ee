/* hex: lower-case hex encoding and strict decoding (libsodium's codec). */
#include <string.h>

#include <sodium.h>

#include "shared/util/hex.h"

void
hex_encode(char *out, const uint8_t *in, size_t len)
{
	sodium_bin2hex(out, 2 * len + 1, in, len);
}

int
hex_decode(uint8_t *out, size_t outlen, const char *in)
{
	size_t	inlen = strlen(in), got;

	/*
	 * With no hex_end, sodium_hex2bin fails on an odd digit count and on
	 * any character that is not a hex digit; the length check makes the
	 * whole string exactly outlen bytes.
	 */
	if (inlen != 2 * outlen ||
	    sodium_hex2bin(out, outlen, in, inlen, NULL, &got, NULL) != 0 ||
	    got != outlen)
		return (-1);
	return (0);
}
