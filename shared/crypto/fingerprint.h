/* fingerprint: safety numbers (Signal's numeric fingerprint, version 0). */
#ifndef NATTER_SHARED_CRYPTO_FINGERPRINT_H
#define NATTER_SHARED_CRYPTO_FINGERPRINT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Per user, as libsignal's fingerprint_generator_get_fingerprint: start
 * from b = 0x00 0x00 (version 0) || key || identifier, then 5200 times
 * b = SHA-512(b || key) (so the first round hashes version || key ||
 * identifier || key); key is the account's (primary device's)
 * 32-byte Ed25519 identity public key, identifier the user name's bytes.
 * (Signal hashes its 33-byte 0x05-prefixed Curve25519 key; natter's account
 * key is Ed25519 and is hashed as it is.)  The first 30 bytes of h, read as
 * six 5-byte big-endian integers, each mod 100000 and zero-padded to five
 * digits, give the user's 30 digits.  The safety number is the two users'
 * 30-digit strings sorted (strcmp) and concatenated: 60 digits, the same on
 * both sides.  It is shown in 12 groups of 5 separated by single spaces.
 */

#define FINGERPRINT_KEYBYTES	32
#define FINGERPRINT_ITERATIONS	5200
#define FINGERPRINT_USERDIGITS	30
#define FINGERPRINT_DIGITS	60
/* Buffer sizes, including the terminating NUL. */
#define FINGERPRINT_USERBYTES	(FINGERPRINT_USERDIGITS + 1)
#define FINGERPRINT_BYTES	(FINGERPRINT_DIGITS + 1)
#define FINGERPRINT_DISPLAYBYTES (FINGERPRINT_DIGITS + 11 + 1)

/* One user's 30 digits into out (NUL-terminated). */
void	fingerprint_user(char out[FINGERPRINT_USERBYTES],
	    const uint8_t key[FINGERPRINT_KEYBYTES],
	    const uint8_t *id, size_t idlen);

/*
 * The 60-digit safety number between a local and a remote user, as plain
 * digits (NUL-terminated).  Symmetric: swapping local and remote gives the
 * same string.
 */
void	fingerprint_safety_number(char out[FINGERPRINT_BYTES],
	    const uint8_t local_key[FINGERPRINT_KEYBYTES],
	    const uint8_t *local_id, size_t local_idlen,
	    const uint8_t remote_key[FINGERPRINT_KEYBYTES],
	    const uint8_t *remote_id, size_t remote_idlen);

/*
 * Format 60 digits as "12345 67890 ... 12345" (12 groups, single spaces).
 * -1 if digits is not exactly 60 ASCII digits.
 */
int	fingerprint_format(char out[FINGERPRINT_DISPLAYBYTES], const char *digits)
	    __attribute__((warn_unused_result));

/*
 * Compare a safety number (60 digits, as from fingerprint_safety_number)
 * with what a user typed or pasted: spaces, tabs, '-' and newlines in input
 * are ignored; anything else that is not a digit makes it a mismatch.  The
 * comparison of the digits runs in constant time.  0 if they match, -1 if
 * not.
 */
int	fingerprint_compare(const char *expected, const char *input)
	    __attribute__((warn_unused_result));

#endif
