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

uint8_t *
bytes_reserve(struct bytes_writer *w, size_t len)
{
	uint8_t	*p;

	/* Offsets, not end pointers: no arithmetic on a NULL buffer. */
	if (w->err || len > w->cap - w->off) {
		w->err = 1;
		w->off = w->cap;
		return (NULL);
	}
	p = w->buf != NULL ? w->buf + w->off : NULL;
	w->off += len;
	return (p);
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

void
bytes_put16(struct bytes_writer *w, uint16_t v)
{
	v = htobe16(v);
	bytes_put(w, &v, sizeof v);
}

void
bytes_put32(struct bytes_writer *w, uint32_t v)
{
	v = htobe32(v);
	bytes_put(w, &v, sizeof v);
}

void
bytes_put64(struct bytes_writer *w, uint64_t v)
{
	v = htobe64(v);
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
	const uint8_t	*p;

	if (r->err || len > r->len - r->off) {
		r->err = 1;
		r->off = r->len;
		return (NULL);
	}
	p = r->buf != NULL ? r->buf + r->off : NULL;
	r->off += len;
	return (p);
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

uint16_t
bytes_get16(struct bytes_reader *r)
{
	uint16_t	v;

	bytes_get(r, &v, sizeof v);
	return (be16toh(v));
}

uint32_t
bytes_get32(struct bytes_reader *r)
{
	uint32_t	v;

	bytes_get(r, &v, sizeof v);
	return (be32toh(v));
}

uint64_t
bytes_get64(struct bytes_reader *r)
{
	uint64_t	v;

	bytes_get(r, &v, sizeof v);
	return (be64toh(v));
}

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
