/* auth: challenges and the Ed25519 proofs of Register, Auth, LinkOffer. */
#ifndef NATTER_SERVER_AUTH_H
#define NATTER_SERVER_AUTH_H

#include <stddef.h>
#include <stdint.h>

#define AUTH_NONCEBYTES	32
#define AUTH_KEYBYTES	32
#define AUTH_SIGBYTES	64
/* LinkOffer's login domain (natter.proto; shared/proto/login.h names the
 * other two). */

/* Fill nonce with fresh random bytes. */
void	auth_challenge(uint8_t nonce[AUTH_NONCEBYTES]);
/* Verify sig by ik over "natter v1 register" 0x00 || nonce || name. */
int	auth_verify_register(const uint8_t *sig, size_t siglen,
	    const uint8_t nonce[AUTH_NONCEBYTES], const char *name,
	    const uint8_t ik[AUTH_KEYBYTES])
	    __attribute__((warn_unused_result));
/* Verify sig by ik over "natter v1 auth" 0x00 || nonce || name ||
 * u32be(device). */
int	auth_verify_auth(const uint8_t *sig, size_t siglen,
	    const uint8_t nonce[AUTH_NONCEBYTES], const char *name,
	    uint32_t device, const uint8_t ik[AUTH_KEYBYTES])
	    __attribute__((warn_unused_result));

/* Verify sig by ik over "natter v1 link" 0x00 || nonce (a LinkOffer:
 * the login message with an empty name and no device). */
int	auth_verify_link(const uint8_t *sig, size_t siglen,
	    const uint8_t nonce[AUTH_NONCEBYTES],
	    const uint8_t ik[AUTH_KEYBYTES])
	    __attribute__((warn_unused_result));

#endif
