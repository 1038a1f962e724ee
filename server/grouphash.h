/* grouphash: the device set a GroupSend covers, sorted, encoded, hashed. */
#ifndef NATTER_SERVER_GROUPHASH_H
#define NATTER_SERVER_GROUPHASH_H

#include <stddef.h>
#include <stdint.h>

#include "server/fanout.h"

#define GROUPHASH_BYTES	32

/*
 * The encoded set: each device as u8 len | name | u32 BE device, in the
 * order of refs. off[i] is where device i starts, off[n] the end; the
 * caller frees *enc and *off. Names are at most 255 bytes (account names
 * are at most 32).
 */
void	grouphash_encode(const struct fanout_ref *refs, size_t n,
	    uint8_t **enc, size_t **off);
/* Sort refs by (name bytes, then device): the order the hash is over. */
void	grouphash_sort(struct fanout_ref *refs, size_t n);
/* SHA-256 of the encoded set less entry skip (n, or any index past the
 * end: none). */
void	grouphash_digest(const uint8_t *enc, const size_t *off, size_t n,
	    size_t skip, uint8_t out[GROUPHASH_BYTES]);

#endif
