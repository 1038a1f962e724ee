/* grouphash: the device set a GroupSend covers, sorted, encoded, hashed.
 *
 * docs/groups.md: SHA-256 over every device of every member but the
 * sending one, sorted by (name, device), each as u8 len | name | u32 BE
 * device. The set is encoded once per membership and device lists
 * (groupdb.c caches it); a send hashes it in two runs around its own
 * device, so no send encodes anything. */
#include <stdlib.h>
#include <string.h>

#include "server/grouphash.h"
#include "shared/crypto/sha256.h"
#include "shared/util/xmalloc.h"

static int
grouphash_cmp(const void *a, const void *b)
{
	const struct fanout_ref	*x = a, *y = b;
	int			 c = strcmp(x->name, y->name);

	/* strcmp compares as unsigned char: the names' bytes. */
	if (c != 0)
		return (c);
	return (x->device < y->device ? -1 : x->device > y->device);
}

void
grouphash_sort(struct fanout_ref *refs, size_t n)
{
	if (n > 1)
		qsort(refs, n, sizeof *refs, grouphash_cmp);
}

void
grouphash_encode(const struct fanout_ref *refs, size_t n, uint8_t **enc,
    size_t **off)
{
	size_t	 i, len, total = 0;
	uint8_t	*p;

	for (i = 0; i < n; i++)
		total += 1 + strlen(refs[i].name) + 4;
	*enc = p = xmalloc(total + 1);
	*off = xcalloc(n + 1, sizeof **off);
	for (i = 0; i < n; i++) {
		(*off)[i] = (size_t)(p - *enc);
		len = strlen(refs[i].name);
		if (len > 255)
			len = 255;
		*p++ = (uint8_t)len;
		memcpy(p, refs[i].name, len);
		p += len;
		*p++ = (uint8_t)(refs[i].device >> 24);
		*p++ = (uint8_t)(refs[i].device >> 16);
		*p++ = (uint8_t)(refs[i].device >> 8);
		*p++ = (uint8_t)refs[i].device;
	}
	(*off)[n] = (size_t)(p - *enc);
}

void
grouphash_digest(const uint8_t *enc, const size_t *off, size_t n,
    size_t skip, uint8_t out[GROUPHASH_BYTES])
{
	struct sha256	*h = sha256_new();

	if (skip >= n)
		sha256_update(h, enc, off[n]);
	else {
		sha256_update(h, enc, off[skip]);
		sha256_update(h, enc + off[skip + 1], off[n] - off[skip + 1]);
	}
	sha256_final(h, out);
	sha256_free(h);
}
