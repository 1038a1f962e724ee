/* bytes: bounded big-endian writing and reading of binary formats (cursors). */
#include <endian.h>
#include <string.h>

#include "shared/util/bytes.h"

void
bytes_writer_init(struct bytes_writer *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->cap = buf != NULL ? cap : 0;
	w->off = 0;
	w->err = 0;
}

/*
 * Move a cursor over buf (size bytes) len bytes on from *off: where those
 * bytes start, or NULL with the error flag set and *off at the end.
 * Offsets, not end pointers, so there is no arithmetic on a NULL buffer.
 */
static const uint8_t *
bytes_advance(const uint8_t *buf, size_t size, size_t *off, int *err,
    size_t len)
{
	if (*err || len > size - *off) {
		*err = 1;
		*off = size;
		return (NULL);
	}
	*off += len;
	return (buf != NULL ? buf + *off - len : NULL);
}

uint8_t *
bytes_reserve(struct bytes_writer *w, size_t len)
{
	/* w->buf is the caller's writable buffer: the cast only undoes
	 * bytes_advance's const. */
	return ((uint8_t *)bytes_advance(w->buf, w->cap, &w->off, &w->err,
	    len));
}

void
bytes_put(struct bytes_writer *w, const void *p, size_t len)
{
	uint8_t	*out;

	if ((out = bytes_reserve(w, len)) != NULL && len > 0)
		memcpy(out, p, len);
}

void
bytes_put8(struct bytes_writer *w, uint8_t v)
{
	bytes_put(w, &v, sizeof v);
}

size_t
bytes_writer_len(const struct bytes_writer *w)
{
	return (w->off);
}

int
bytes_writer_check(const struct bytes_writer *w)
{
	return (w->err ? -1 : 0);
}

void
bytes_reader_init(struct bytes_reader *r, const uint8_t *buf, size_t len)
{
	r->buf = buf;
	r->len = buf != NULL ? len : 0;
	r->off = 0;
	r->err = 0;
}

const uint8_t *
bytes_span(struct bytes_reader *r, size_t len)
{
	return (bytes_advance(r->buf, r->len, &r->off, &r->err, len));
}

void
bytes_get(struct bytes_reader *r, void *out, size_t len)
{
	const uint8_t	*p;

	if (len == 0)
		return;
	if ((p = bytes_span(r, len)) != NULL)
		memcpy(out, p, len);
	else
		memset(out, 0, len);
}

uint8_t
bytes_get8(struct bytes_reader *r)
{
	uint8_t	v;

	bytes_get(r, &v, sizeof v);
	return (v);
}

/*
 * bytes_put16, bytes_put32, bytes_put64, bytes_get16, bytes_get32 and
 * bytes_get64: one pattern in three widths, spelled once.  The value
 * goes through <endian.h> and then bytes_put or bytes_get, so the bounds
 * are checked in one place.
 */
#define BYTES_BIGENDIAN(bits)						\
void									\
bytes_put##bits(struct bytes_writer *w, uint##bits##_t v)		\
{									\
	v = htobe##bits(v);						\
	bytes_put(w, &v, sizeof v);					\
}									\
									\
uint##bits##_t								\
bytes_get##bits(struct bytes_reader *r)					\
{									\
	uint##bits##_t	v;						\
									\
	bytes_get(r, &v, sizeof v);					\
	return (be##bits##toh(v));					\
}

BYTES_BIGENDIAN(16)
BYTES_BIGENDIAN(32)
BYTES_BIGENDIAN(64)

size_t
bytes_left(const struct bytes_reader *r)
{
	return (r->len - r->off);
}

int
bytes_reader_check(const struct bytes_reader *r)
{
	return (r->err ? -1 : 0);
}

int
bytes_reader_done(const struct bytes_reader *r)
{
	return (r->err || r->off != r->len ? -1 : 0);
}
