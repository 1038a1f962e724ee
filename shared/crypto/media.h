/* media: attachment encryption (streamed secretstream, SHA-256 of plaintext and blob). */
#ifndef NATTER_SHARED_CRYPTO_MEDIA_H
#define NATTER_SHARED_CRYPTO_MEDIA_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * A random 32-byte media key gives HKDF(0^32, key, "natter v1 media", 112)
 * = iv[16] | cipher_key[32] | mac_key[32] | ref[32].  The blob is
 *
 *	secretstream header[24] | chunk ... | final chunk
 *
 * made by crypto_secretstream_xchacha20poly1305 under cipher_key with iv as
 * the additional data of every chunk; each chunk seals up to
 * MEDIA_CHUNKBYTES of plaintext (+17 bytes), the last one carries
 * TAG_FINAL (an empty file is one empty final chunk), so truncation and
 * appended bytes are detected.  mac_key is reserved; ref is a key-derived
 * identifier a client may use locally (media_ref).
 */

#define MEDIA_KEYBYTES		32
#define MEDIA_HASHBYTES		32
#define MEDIA_REFBYTES		32
#define MEDIA_CHUNKBYTES	65536
#define MEDIA_HEADERBYTES	24
#define MEDIA_CHUNKOVERHEAD	17
/* Size of the blob for a plaintext of n bytes. */
#define MEDIA_BLOBSIZE(n)	(MEDIA_HEADERBYTES + (n) + MEDIA_CHUNKOVERHEAD * \
	((n) == 0 ? 1 : ((n) - 1) / MEDIA_CHUNKBYTES + 1))

/*
 * Streams: the blob made or checked piece by piece, as a file is read or a
 * download arrives.  out gets every piece of output in order (the blob
 * when pushing, the plaintext when pulling); it returns 0, or -1 to stop
 * (the call that fed it then returns -1).  media_stream_free wipes and
 * frees (NULL is a no-op).
 */
struct media_stream;
typedef int	media_out_cb(void *arg, const uint8_t *, size_t);

/* Encrypt: the header goes to out at once; NULL if out refused it. */
struct media_stream *media_push_start(const uint8_t key[MEDIA_KEYBYTES],
	    media_out_cb *out, void *arg);
int	media_push(struct media_stream *, const uint8_t *, size_t)
	    __attribute__((warn_unused_result));
/* The final chunk; *blob_sha256 and *size (plaintext bytes), NULL-able. */
int	media_push_final(struct media_stream *,
	    uint8_t blob_sha256[MEDIA_HASHBYTES], uint64_t *size)
	    __attribute__((warn_unused_result));
/*
 * Skip the blob's SHA-256 from here on (media_push_final then takes
 * NULL): out sees every byte, the caller hashes them.
 */
void	media_push_unhashed(struct media_stream *);

/*
 * Decrypt: -1 as soon as a chunk fails to open, a chunk follows the final
 * one, or out refuses.  media_pull_final: -1 unless the final chunk came
 * and (when not NULL) the blob's SHA-256 is blob_sha256.
 */
struct media_stream *media_pull_start(const uint8_t key[MEDIA_KEYBYTES],
	    media_out_cb *out, void *arg);
int	media_pull(struct media_stream *, const uint8_t *, size_t)
	    __attribute__((warn_unused_result));
/*
 * Skip the blob's SHA-256 (media_pull_final then takes NULL): for a blob
 * whose hash was checked when it arrived; the chunks' tags still
 * authenticate every byte.  Before the first media_pull.
 */
void	media_pull_unhashed(struct media_stream *);
int	media_pull_final(struct media_stream *,
	    const uint8_t blob_sha256[MEDIA_HASHBYTES], uint64_t *size)
	    __attribute__((warn_unused_result));
void	media_stream_free(struct media_stream *);

/* A fresh random media key. */
void	media_keygen(uint8_t key[MEDIA_KEYBYTES]);

/* The ref[32] part of the key's expansion. */
void	media_ref(uint8_t ref[MEDIA_REFBYTES], const uint8_t key[MEDIA_KEYBYTES]);

/*
 * Encrypt everything read from in (to EOF) into out.  plain_sha256 and
 * blob_sha256 get SHA-256 of the plaintext and of the blob written, *size
 * the plaintext size; any of them may be NULL.  -1 on a read or write error
 * (errno set).  Nothing is flushed or closed.
 */
int	media_encrypt_fd(int in, int out, const uint8_t key[MEDIA_KEYBYTES],
	    uint8_t plain_sha256[MEDIA_HASHBYTES],
	    uint8_t blob_sha256[MEDIA_HASHBYTES], uint64_t *size)
	    __attribute__((warn_unused_result));
int	media_encrypt_file(FILE *in, FILE *out, const uint8_t key[MEDIA_KEYBYTES],
	    uint8_t plain_sha256[MEDIA_HASHBYTES],
	    uint8_t blob_sha256[MEDIA_HASHBYTES], uint64_t *size)
	    __attribute__((warn_unused_result));

/*
 * Decrypt a blob read from in (to EOF) into out, checking every chunk, the
 * final tag, and, when not NULL, the expected SHA-256 of the blob and of
 * the plaintext.  *size (may be NULL) gets the plaintext size.  -1 if
 * anything fails: plaintext may already have been written to out, so the
 * caller writes to a temporary file and deletes it on failure.
 */
int	media_decrypt_fd(int in, int out, const uint8_t key[MEDIA_KEYBYTES],
	    const uint8_t plain_sha256[MEDIA_HASHBYTES],
	    const uint8_t blob_sha256[MEDIA_HASHBYTES], uint64_t *size)
	    __attribute__((warn_unused_result));
int	media_decrypt_file(FILE *in, FILE *out, const uint8_t key[MEDIA_KEYBYTES],
	    const uint8_t plain_sha256[MEDIA_HASHBYTES],
	    const uint8_t blob_sha256[MEDIA_HASHBYTES], uint64_t *size)
	    __attribute__((warn_unused_result));

#endif
