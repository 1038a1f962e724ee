/* login: the message a device signs to register or to sign in. */
#include <string.h>

#include "shared/proto/login.h"
#include "shared/util/bytes.h"

size_t
login_message(uint8_t out[LOGIN_MESSAGEMAX], const char *domain,
    const uint8_t nonce[LOGIN_NONCEBYTES], const char *name,
    const uint32_t *device)
{
	struct bytes_writer	w;
	size_t			dlen = strlen(domain), nlen = strlen(name);

	if (dlen > LOGIN_DOMAINMAX || nlen > WIRE_NAME_MAX)
		return (0);
	bytes_writer_init(&w, out, LOGIN_MESSAGEMAX);
	bytes_put(&w, domain, dlen + 1);	/* with its NUL: the 0x00 */
	bytes_put(&w, nonce, LOGIN_NONCEBYTES);
	bytes_put(&w, name, nlen);
	if (device != NULL)
		bytes_put32(&w, *device);
	return (bytes_writer_check(&w) == 0 ? bytes_writer_len(&w) : 0);
}
