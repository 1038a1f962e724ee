/* content: the end-to-end plaintext (shared/proto/content.proto), padded. */
#ifndef NATTER_CLIENT_CORE_CONTENT_H
#define NATTER_CLIENT_CORE_CONTENT_H

#include <stddef.h>
#include <stdint.h>

#include "shared/proto/content.pb-c.h"

#define CONTENT_BLOCK		160		/* padded length is a multiple */
#define CONTENT_MAX		(80 * 1024)	/* padded plaintext bound */

/*
 * Encode c and pad it (0x80 then zeros) to a multiple of CONTENT_BLOCK
 * bytes.  Returns a buffer from xmalloc in *out (caller frees) and its
 * length in *outlen; -1 if the result would exceed CONTENT_MAX.
 */
int		 content_encode(const Natter__Content *, uint8_t **out,
		    size_t *outlen) __attribute__((warn_unused_result));

/*
 * Strip the padding and decode.  NULL if the length is not a positive
 * multiple of CONTENT_BLOCK, the padding is wrong, the protobuf is
 * malformed (field 0 included), or the message id is not 16 bytes.  Free
 * with content_free.
 */
Natter__Content	*content_decode(const uint8_t *, size_t);
void		 content_free(Natter__Content *);

#endif
