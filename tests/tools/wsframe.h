/* wsframe: WebSocket client framing (RFC 6455) shared by the test tools. */
#ifndef NATTER_TESTS_TOOLS_WSFRAME_H
#define NATTER_TESTS_TOOLS_WSFRAME_H

#include <stddef.h>
#include <stdint.h>

#define WSFRAME_TEXT	0x1
#define WSFRAME_BINARY	0x2
#define WSFRAME_CLOSE	0x8
#define WSFRAME_PING	0x9
#define WSFRAME_PONG	0xa

/* The most header bytes a client frame needs (2 + 8 length + 4 mask). */
#define WSFRAME_MAXHDR	14

/* The upgrade request for path with subprotocol proto, with a fresh random
 * key. Caller frees the string. */
char	*wsframe_request(const char *host, int port, const char *path,
	    const char *proto);

/* Look for the end of the server's upgrade answer in buf[0..len): 0 when
 * it is not complete yet; else the header length (the bytes to consume),
 * with *ok set to 1 for "101 Switching Protocols" and 0 otherwise. */
size_t	 wsframe_response(const uint8_t *buf, size_t len, int *ok);

/* Write the header of a masked client frame of len payload bytes into hdr
 * (at least WSFRAME_MAXHDR bytes) and return its length; mask receives
 * the four mask bytes, to be applied with wsframe_mask(). */
size_t	 wsframe_header(uint8_t *hdr, int opcode, size_t len,
	    uint8_t mask[4]);
/* XOR data[0..len) with mask in place. */
void	 wsframe_mask(uint8_t *data, size_t len, const uint8_t mask[4]);

/* Parse one unmasked server frame at buf[0..len). Returns 0 when more
 * bytes are needed, -1 when the frame is over maxlen, else the bytes the
 * whole frame takes, with *opcode, *payload (pointing into buf) and
 * *plen set. */
long	 wsframe_parse(const uint8_t *buf, size_t len, size_t maxlen,
	    int *opcode, const uint8_t **payload, size_t *plen);

#endif
