/* login: the message a device signs to register or to sign in. */
#ifndef NATTER_SHARED_PROTO_LOGIN_H
#define NATTER_SHARED_PROTO_LOGIN_H

#include <stddef.h>
#include <stdint.h>

#include "shared/proto/wire.h"

/*
 * Register and Auth (natter-protocol(7)) carry an Ed25519 signature, by
 * the device's identity key, over
 *
 *	domain 0x00 nonce[32] name [u32be device]
 *
 * domain is LOGIN_REGISTER_DOMAIN for Register, which has no device,
 * LOGIN_AUTH_DOMAIN for Auth, which has one, and LOGIN_LINK_DOMAIN for a
 * LinkOffer (no name, no device); the strings keep one kind of signature
 * from passing for another.  nonce is the server's
 * Challenge, name the account name (no NUL; at most WIRE_NAME_MAX bytes).
 * The layout is frozen: clients and servers in the wild build it, and
 * tests/vectors/login.txt pins it.  The client signs what login_message
 * builds; natterd verifies against what it builds.
 */
#define LOGIN_REGISTER_DOMAIN	"natter v1 register"
#define LOGIN_AUTH_DOMAIN	"natter v1 auth"
#define LOGIN_LINK_DOMAIN	"natter v1 link"
#define LOGIN_NONCEBYTES	WIRE_NONCEBYTES
#define LOGIN_DOMAINMAX		32	/* longest domain, without its NUL */
#define LOGIN_MESSAGEMAX	(LOGIN_DOMAINMAX + 1 + LOGIN_NONCEBYTES + \
	WIRE_NAME_MAX + 4)

/*
 * Write the message for domain, nonce, name and, unless device is NULL,
 * the device id into out (LOGIN_MESSAGEMAX bytes are always enough).
 * Returns its length, or 0 (nothing to sign or verify) if domain is longer
 * than LOGIN_DOMAINMAX or name than WIRE_NAME_MAX.
 */
size_t	login_message(uint8_t out[LOGIN_MESSAGEMAX], const char *domain,
	    const uint8_t nonce[LOGIN_NONCEBYTES], const char *name,
	    const uint32_t *device) __attribute__((warn_unused_result));

#endif
