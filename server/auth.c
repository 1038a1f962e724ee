/* auth: challenges and the Ed25519 proofs of Register, Auth, LinkOffer. */
#include <sodium.h>

#include "server/auth.h"
#include "shared/proto/login.h"

void
auth_challenge(uint8_t nonce[AUTH_NONCEBYTES])
{
	randombytes_buf(nonce, AUTH_NONCEBYTES);
}

static int
auth_verify(const uint8_t *sig, size_t siglen, const uint8_t *msg,
    size_t len, const uint8_t *ik)
{
	if (siglen != AUTH_SIGBYTES || len == 0)
		return (-1);
	if (crypto_sign_verify_detached(sig, msg, len, ik) != 0)
		return (-1);
	return (0);
}

int
auth_verify_register(const uint8_t *sig, size_t siglen,
    const uint8_t nonce[AUTH_NONCEBYTES], const char *name,
    const uint8_t ik[AUTH_KEYBYTES])
{
	uint8_t	msg[LOGIN_MESSAGEMAX];
	size_t	len;

	len = login_message(msg, LOGIN_REGISTER_DOMAIN, nonce, name, NULL);
	return (auth_verify(sig, siglen, msg, len, ik));
}

int
auth_verify_auth(const uint8_t *sig, size_t siglen,
    const uint8_t nonce[AUTH_NONCEBYTES], const char *name, uint32_t device,
    const uint8_t ik[AUTH_KEYBYTES])
{
	uint8_t	msg[LOGIN_MESSAGEMAX];
	size_t	len;

	len = login_message(msg, LOGIN_AUTH_DOMAIN, nonce, name, &device);
	return (auth_verify(sig, siglen, msg, len, ik));
}

int
auth_verify_link(const uint8_t *sig, size_t siglen,
    const uint8_t nonce[AUTH_NONCEBYTES], const uint8_t ik[AUTH_KEYBYTES])
{
	uint8_t	msg[LOGIN_MESSAGEMAX];
	size_t	len;

	len = login_message(msg, LOGIN_LINK_DOMAIN, nonce, "", NULL);
	return (auth_verify(sig, siglen, msg, len, ik));
}
