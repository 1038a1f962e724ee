/* content: the end-to-end plaintext (shared/proto/content.proto), padded. */

#include <string.h>

#include "client/core/content.h"
#include "shared/proto/wire.h"
#include "shared/util/xmalloc.h"

#define CONTENT_IDBYTES	16

int
content_encode(const Natter__Content *c, uint8_t **out, size_t *outlen)
{
	size_t	 n, padded;
	uint8_t	*buf;

	n = natter__content__get_packed_size(c);
	padded = (n / CONTENT_BLOCK + 1) * CONTENT_BLOCK;
	if (padded > CONTENT_MAX)
		return (-1);
	buf = xcalloc(1, padded);
	natter__content__pack(c, buf);
	buf[n] = 0x80;
	*out = buf;
	*outlen = padded;
	return (0);
}

Natter__Content *
content_decode(const uint8_t *buf, size_t len)
{
	Natter__Content	*c;
	size_t		 n;

	if (len == 0 || len % CONTENT_BLOCK != 0 || len > CONTENT_MAX)
		return (NULL);
	n = len;
	while (n > 0 && buf[n - 1] == 0)
		n--;
	if (n == 0 || buf[n - 1] != 0x80)
		return (NULL);
	n--;
	c = natter__content__unpack(NULL, n, buf);
	if (c == NULL)
		return (NULL);
	if (c->message_id.len != CONTENT_IDBYTES ||
	    !wire_message_valid(&c->base)) {
		natter__content__free_unpacked(c, NULL);
		return (NULL);
	}
	return (c);
}

void
content_free(Natter__Content *c)
{
	if (c != NULL)
		natter__content__free_unpacked(c, NULL);
}
