/* httpreq: pure parsers for the asset service's request headers. */
#ifndef NATTER_SERVER_HTTPREQ_H
#define NATTER_SERVER_HTTPREQ_H

#include <stddef.h>
#include <stdint.h>

/*
 * Nothing here touches a socket, a file or a clock: each function reads a
 * NUL-terminated header value (or path segment) and says what it means,
 * so that all of them can be unit-tested and fuzzed alone (fuzz_http).
 */

#define HTTPREQ_IDLEN		64	/* a blob id: hex SHA-256 */
#define HTTPREQ_MAXTOKEN	255	/* a bearer token, at most */

/* 1 if s is exactly 64 lowercase hex digits, else 0. */
int	httpreq_blob_id(const char *s);

/* The decimal number s (digits only: no sign, space or empty string) if
 * it is at most max: 0 and *out set, or -1 (overflow too). */
int	httpreq_number(const char *s, uint64_t max, uint64_t *out);

enum httpreq_range {
	HTTPREQ_RANGE_WHOLE,		/* no usable Range: send it all */
	HTTPREQ_RANGE_PART,		/* 206 with *first and *len */
	HTTPREQ_RANGE_UNSATISFIABLE	/* 416 */
};
/*
 * A Range header (NULL: none) against a representation of size bytes.
 * One range of bytes= (A-B, A-, -N) gives PART; a range starting at or
 * past the end (or -0, or any range of an empty blob) UNSATISFIABLE.
 * Anything else (another unit, several ranges, a malformed value) is
 * ignored as RFC 9110 allows: WHOLE.
 */
enum httpreq_range httpreq_range(const char *hdr, uint64_t size,
	    uint64_t *first, uint64_t *len);

/* 1 if the If-None-Match value hdr (NULL: none) matches the entity tag
 * "id": "*", or a comma-separated list holding "id" or W/"id"; else 0. */
int	httpreq_if_none_match(const char *hdr, const char *id);

/* The token of an Authorization value "Bearer TOKEN" (scheme in any
 * case): copied into out (HTTPREQ_MAXTOKEN + 1 bytes), 0; -1 when hdr is
 * another scheme, empty, too long or has characters a token cannot. */
int	httpreq_bearer(const char *hdr, char out[HTTPREQ_MAXTOKEN + 1]);

#endif
