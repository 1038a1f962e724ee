/* fingerprint: safety numbers (Signal's numeric fingerprint, version 0). */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "shared/crypto/fingerprint.h"

void
fingerprint_user(char out[FINGERPRINT_USERBYTES],
    const uint8_t key[FINGERPRINT_KEYBYTES], const uint8_t *id, size_t idlen)
{
	crypto_hash_sha512_state	st;
	uint8_t				h[crypto_hash_sha512_BYTES];
	static const uint8_t		version[2] = { 0x00, 0x00 };
	uint64_t			chunk;
	int				i, j;

	/* Round 1 hashes version || key || id || key, later ones h || key. */
	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, version, sizeof version);
	crypto_hash_sha512_update(&st, key, FINGERPRINT_KEYBYTES);
	crypto_hash_sha512_update(&st, id, idlen);
	crypto_hash_sha512_update(&st, key, FINGERPRINT_KEYBYTES);
	crypto_hash_sha512_final(&st, h);
	for (i = 1; i < FINGERPRINT_ITERATIONS; i++) {
		crypto_hash_sha512_init(&st);
		crypto_hash_sha512_update(&st, h, sizeof h);
		crypto_hash_sha512_update(&st, key, FINGERPRINT_KEYBYTES);
		crypto_hash_sha512_final(&st, h);
	}
	for (i = 0; i < 6; i++) {
		chunk = 0;
		for (j = 0; j < 5; j++)
			chunk = (chunk << 8) | h[i * 5 + j];
		snprintf(out + i * 5, 6, "%05u", (unsigned)(chunk % 100000));
	}
	out[FINGERPRINT_USERDIGITS] = '\0';
}

void
fingerprint_safety_number(char out[FINGERPRINT_BYTES],
    const uint8_t local_key[FINGERPRINT_KEYBYTES], const uint8_t *local_id,
    size_t local_idlen, const uint8_t remote_key[FINGERPRINT_KEYBYTES],
    const uint8_t *remote_id, size_t remote_idlen)
{
	char	l[FINGERPRINT_USERBYTES], r[FINGERPRINT_USERBYTES];

	fingerprint_user(l, local_key, local_id, local_idlen);
	fingerprint_user(r, remote_key, remote_id, remote_idlen);
	if (strcmp(l, r) <= 0) {
		memcpy(out, l, FINGERPRINT_USERDIGITS);
		memcpy(out + FINGERPRINT_USERDIGITS, r, FINGERPRINT_USERBYTES);
	} else {
		memcpy(out, r, FINGERPRINT_USERDIGITS);
		memcpy(out + FINGERPRINT_USERDIGITS, l, FINGERPRINT_USERBYTES);
	}
}

int
fingerprint_format(char out[FINGERPRINT_DISPLAYBYTES], const char *digits)
{
	size_t	i, o = 0;

	if (strlen(digits) != FINGERPRINT_DIGITS)
		return (-1);
	for (i = 0; i < FINGERPRINT_DIGITS; i++) {
		if (digits[i] < '0' || digits[i] > '9')
			return (-1);
		if (i > 0 && i % 5 == 0)
			out[o++] = ' ';
		out[o++] = digits[i];
	}
	out[o] = '\0';
	return (0);
}

int
fingerprint_compare(const char *expected, const char *input)
{
	char	want[FINGERPRINT_DIGITS], got[FINGERPRINT_DIGITS];
	size_t	n = 0, i;
	int	bad = 0;

	if (strlen(expected) != FINGERPRINT_DIGITS)
		return (-1);
	memcpy(want, expected, sizeof want);
	memset(got, 0, sizeof got);
	for (i = 0; input[i] != '\0'; i++) {
		if (strchr(" \t\r\n-", input[i]) != NULL)
			continue;
		if (input[i] < '0' || input[i] > '9' || n == sizeof got) {
			bad = 1;
			continue;
		}
		got[n++] = input[i];
	}
	if (sodium_memcmp(want, got, sizeof want) != 0 ||
	    n != FINGERPRINT_DIGITS || bad)
		return (-1);
	return (0);
}
