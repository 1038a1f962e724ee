/* wsframe: WebSocket client framing (RFC 6455) shared by the test tools. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "shared/util/xmalloc.h"
#include "tests/tools/wsframe.h"

char *
wsframe_request(const char *host, int port, const char *path,
    const char *proto)
{
	uint8_t	 key[16];
	char	 b64[32], *req;

	randombytes_buf(key, sizeof key);
	sodium_bin2base64(b64, sizeof b64, key, sizeof key,
	    sodium_base64_VARIANT_ORIGINAL);
	xasprintf(&req, "GET %s HTTP/1.1\r\nHost: %s:%d\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
	    "Sec-WebSocket-Protocol: %s\r\n\r\n", path, host, port, b64, proto);
	return (req);
}

size_t
wsframe_response(const uint8_t *buf, size_t len, int *ok)
{
	const uint8_t	*end;

	*ok = 0;
	if (len < 4 || (end = memmem(buf, len, "\r\n\r\n", 4)) == NULL)
		return (0);
	*ok = len >= 12 && memcmp(buf, "HTTP/1.1 101", 12) == 0;
	return ((size_t)(end + 4 - buf));
}

size_t
wsframe_header(uint8_t *hdr, int opcode, size_t len, uint8_t mask[4])
{
	size_t	off = 0, i;

	hdr[off++] = (uint8_t)(0x80 | opcode);
	if (len < 126)
		hdr[off++] = (uint8_t)(0x80 | len);
	else if (len < 65536) {
		hdr[off++] = 0x80 | 126;
		hdr[off++] = (uint8_t)(len >> 8);
		hdr[off++] = (uint8_t)len;
	} else {
		hdr[off++] = 0x80 | 127;
		for (i = 0; i < 8; i++)
			hdr[off++] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
	}
	randombytes_buf(mask, 4);
	memcpy(hdr + off, mask, 4);
	return (off + 4);
}

void
wsframe_mask(uint8_t *data, size_t len, const uint8_t mask[4])
{
	size_t	i;

	for (i = 0; i < len; i++)
		data[i] ^= mask[i & 3];
}

long
wsframe_parse(const uint8_t *buf, size_t len, size_t maxlen, int *opcode,
    const uint8_t **payload, size_t *plen)
{
	uint64_t	n;
	size_t		hdr = 2, i;

	if (len < 2)
		return (0);
	n = buf[1] & 0x7f;
	if (n == 126) {
		if (len < 4)
			return (0);
		n = (uint64_t)buf[2] << 8 | buf[3];
		hdr = 4;
	} else if (n == 127) {
		if (len < 10)
			return (0);
		for (n = 0, i = 0; i < 8; i++)
			n = n << 8 | buf[2 + i];
		hdr = 10;
	}
	if (n > maxlen)
		return (-1);
	if (len < hdr + n)
		return (0);
	*opcode = buf[0] & 0x0f;
	*payload = buf + hdr;
	*plen = (size_t)n;
	return ((long)(hdr + n));
}
