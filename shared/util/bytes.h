/* bytes: bounded big-endian writing and reading of binary formats (cursors). */
#ifndef NATTER_SHARED_UTIL_BYTES_H
#define NATTER_SHARED_UTIL_BYTES_H

#include <stddef.h>
#include <stdint.h>

/*
 * The crypto formats (bundles, ratchet and session state, sender keys,
 * device lists, message headers) are fixed sequences of bytes, strings and
 * big-endian integers.  A writer appends them to a buffer the caller owns;
 * a reader takes them from one.  Neither ever touches a byte outside its
 * buffer: an operation that does not fit sets the cursor's error flag,
 * writes or reads nothing, and leaves the cursor at the end, so every later
 * one fails too.  Code therefore writes or reads a whole format and checks
 * the flag once, at the end (bytes_writer_check, bytes_reader_done), as
 * with stdio's ferror().  A failed read yields zeros, never stale memory.
 *
 * The structs are on the caller's stack, so their layout is visible here
 * (as libsodium's hash states are); only bytes.c touches the fields.
 * Neither owns its buffer, and neither needs freeing.
 */
struct bytes_writer {
	uint8_t		*buf;
	size_t		 cap;
	size_t		 off;
	int		 err;
};

struct bytes_reader {
	const uint8_t	*buf;
	size_t		 len;
	size_t		 off;
	int		 err;
};

/* Start writing at buf, which has room for cap bytes (buf may be NULL
 * when cap is 0). */
void		 bytes_writer_init(struct bytes_writer *, uint8_t *buf,
		    size_t cap);
/* Append one byte, or a 16-, 32- or 64-bit integer big-endian. */
void		 bytes_put8(struct bytes_writer *, uint8_t);
void		 bytes_put16(struct bytes_writer *, uint16_t);
void		 bytes_put32(struct bytes_writer *, uint32_t);
void		 bytes_put64(struct bytes_writer *, uint64_t);
/* Append len bytes from p (p may be NULL when len is 0). */
void		 bytes_put(struct bytes_writer *, const void *p, size_t len);
/*
 * Reserve the next len bytes for the caller to fill in place (say, a
 * ciphertext or a signature): a pointer to them, or NULL, with the error
 * flag set, if they do not fit (NULL without an error for 0 bytes of a
 * NULL buffer).
 */
uint8_t		*bytes_reserve(struct bytes_writer *, size_t len);
/* Bytes written so far (the offset of the next one; cap once the error
 * flag is set). */
size_t		 bytes_writer_len(const struct bytes_writer *);
/* 0 if everything written so far fitted, else -1. */
int		 bytes_writer_check(const struct bytes_writer *)
		    __attribute__((warn_unused_result));

/* Start reading the len bytes at buf (buf may be NULL when len is 0). */
void		 bytes_reader_init(struct bytes_reader *, const uint8_t *buf,
		    size_t len);
/* Take one byte, or a 16-, 32- or 64-bit big-endian integer; 0 (and the
 * error flag set) if too few bytes are left. */
uint8_t		 bytes_get8(struct bytes_reader *);
uint16_t	 bytes_get16(struct bytes_reader *);
uint32_t	 bytes_get32(struct bytes_reader *);
uint64_t	 bytes_get64(struct bytes_reader *);
/* Copy the next len bytes to out; if fewer are left, zero out instead and
 * set the error flag. */
void		 bytes_get(struct bytes_reader *, void *out, size_t len);
/*
 * The next len bytes where they lie in the buffer, without copying (for a
 * field parsed later or only compared): a pointer valid as long as the
 * buffer, or NULL, with the error flag set, if fewer are left (NULL
 * without an error for 0 bytes of a NULL buffer).
 */
const uint8_t	*bytes_span(struct bytes_reader *, size_t len);
/* Bytes not read yet (0 once the error flag is set). */
size_t		 bytes_left(const struct bytes_reader *);
/* 0 if every read so far was within the buffer, else -1. */
int		 bytes_reader_check(const struct bytes_reader *)
		    __attribute__((warn_unused_result));
/* 0 if every read was within the buffer and the whole buffer was read
 * (no trailing bytes), else -1: the end of a strict parse. */
int		 bytes_reader_done(const struct bytes_reader *)
		    __attribute__((warn_unused_result));

#endif
