/* assettoken: the stateless bearer tokens of the asset service's uploads. */
#ifndef NATTER_SERVER_ASSETTOKEN_H
#define NATTER_SERVER_ASSETTOKEN_H

#include <stddef.h>
#include <stdint.h>

/*
 * TOKEN = NAME "." DEVICE "." EXPIRES_S "." HEX(HMAC-SHA256(key,
 * "natter v1 asset token" 0x00 NAME "." DEVICE "." EXPIRES_S)).
 * Nothing is stored: any node holding the key can check a token. Pure
 * (the caller passes the time), so the unit tests and fuzz_http call it.
 */

#define ASSETTOKEN_KEYBYTES	32
#define ASSETTOKEN_MAXNAME	32
#define ASSETTOKEN_MAXLEN	(ASSETTOKEN_MAXNAME + 1 + 10 + 1 + 20 + 1 + 64)
#define ASSETTOKEN_TTL_S	3600	/* an hour */

enum assettoken_status {
	ASSETTOKEN_OK,
	ASSETTOKEN_MALFORMED,	/* not of the form above */
	ASSETTOKEN_FORGED,	/* the MAC does not match */
	ASSETTOKEN_EXPIRED	/* genuine, but EXPIRES_S <= now */
};

/* The token for (name, device) expiring at expires_s, into out (at least
 * ASSETTOKEN_MAXLEN + 1 bytes). name is a valid account name. */
void	assettoken_make(const uint8_t key[ASSETTOKEN_KEYBYTES],
	    const char *name, uint32_t device, int64_t expires_s, char *out,
	    size_t outlen);
/* Check token at now_s. On OK, name (ASSETTOKEN_MAXNAME + 1 bytes) and
 * *device say whose it is; the MAC is compared in constant time. */
enum assettoken_status assettoken_verify(
	    const uint8_t key[ASSETTOKEN_KEYBYTES], const char *token,
	    int64_t now_s, char name[ASSETTOKEN_MAXNAME + 1],
	    uint32_t *device) __attribute__((warn_unused_result));

#endif
