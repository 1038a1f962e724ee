/* auth: challenges and the Ed25519 proofs of Register and Auth. */
#include <string.h>

#include <sodium.h>

#include "server/auth.h"
#include "shared/proto/wire.h"

#define AUTH_REGISTER_LABEL	"natter v1 register"
#define AUTH_AUTH_LABEL		"natter v1 auth"
#define AUTH_MSGMAX		(32 + 1 + AUTH_NONCEBYTES + WIRE_NAME_MAX + 4)

void
auth_challenge(uint8_t nonce[AUTH_NONCEBYTES])
{
	randombytes_buf(nonce, AUTH_NONCEBYTES);
}

/* label 0x00 nonce name [u32be device]; returns the length or 0. */
static size_t
auth_message(uint8_t *out, const char *label, const uint8_t *nonce,
    const char *name, const uint32_t *device)
{
	size_t	llen = strlen(label), nlen = strlen(name), off = 0;

	if (nlen > WIRE_NAME_MAX)
		return (0);
	memcpy(out, label, llen);
	off = llen;
	out[off++] = 0;
	memcpy(out + off, nonce, AUTH_NONCEBYTES);
	off += AUTH_NONCEBYTES;
	memcpy(out + off, name, nlen);
	off += nlen;
	if (device != NULL) {
		out[off++] = (uint8_t)(*device >> 24);
		out[off++] = (uint8_t)(*device >> 16);
		out[off++] = (uint8_t)(*device >> 8);
		out[off++] = (uint8_t)*device;
	}
	return (off);
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
	uint8_t	msg[AUTH_MSGMAX];
	size_t	len;

	len = auth_message(msg, AUTH_REGISTER_LABEL, nonce, name, NULL);
	return (auth_verify(sig, siglen, msg, len, ik));
}

int
auth_verify_auth(const uint8_t *sig, size_t siglen,
    const uint8_t nonce[AUTH_NONCEBYTES], const char *name, uint32_t device,
    const uint8_t ik[AUTH_KEYBYTES])
{
	uint8_t	msg[AUTH_MSGMAX];
	size_t	len;

	len = auth_message(msg, AUTH_AUTH_LABEL, nonce, name, &device);
	return (auth_verify(sig, siglen, msg, len, ik));
}
