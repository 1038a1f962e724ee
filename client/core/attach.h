/* attach: files sent and received: encrypted into the profile, the sender's map of files sent, states, saving a file. */
#ifndef NATTER_CLIENT_CORE_ATTACH_H
#define NATTER_CLIENT_CORE_ATTACH_H

#include <stddef.h>
#include <stdint.h>

#include "client/core/core.h"
#include "shared/proto/content.pb-c.h"

struct attach;
struct attach_plain;
struct store;

#define ATTACH_NAMEMAX		255		/* bytes of a file name */
#define ATTACH_SIZEMAX		(1ULL << 40)	/* a file we take at all */
#define ATTACH_MIMEMAX		127

/* HOME/files holds blobs as the server has them (ciphertext). */
struct attach	*attach_create(struct store *, const char *home);
void		 attach_free(struct attach *);

/* The path of blob's file in the profile (static storage until the next call). */
const char	*attach_blob_path(struct attach *, const char *blobhex);
/* The path of its download in progress. */
const char	*attach_part_path(struct attach *, const char *blobhex);

/* HOME/files exists (made 0700 if not); 0 or -1 with errno. */
int		 attach_mkdir(struct attach *);
/* The directory HOME/files. */
const char	*attach_dir(struct attach *);
/* Write all n bytes to fd; 0 or -1. */
int		 attach_write(int fd, const uint8_t *, size_t);
/* 1 if s (len bytes) is well-formed UTF-8. */
int		 attach_utf8(const char *s, size_t len);
/*
 * The pointer of a file sent (or received) before whose SHA-256 is
 * plain_sha256, if its blob is still in the profile (caller frees), or
 * NULL.
 */
Natter__Attachment *attach_sent_before(struct attach *,
		    const uint8_t plain_sha256[32]);

/* A copy owned like an unpacked one (natter__attachment__free_unpacked). */
Natter__Attachment *attach_copy(const Natter__Attachment *);

/*
 * Remember a's key and blob under the SHA-256 of its file, so that
 * sending that file again (or forwarding a file received) reuses them.
 * 0 or -1.
 */
int		 attach_remember(struct attach *, const Natter__Attachment *);

/* A pointer from someone else is usable (sizes, name, hashes); 0 or -1. */
int		 attach_valid(const Natter__Attachment *);

/* The front end's view of a's state for the message id (hex). */
void		 attach_describe(struct attach *, const Natter__Attachment *,
		    const char *idhex, struct core_attachment *);

/* Downloads: in progress (busy 1/0), refused for good, the automatic size. */
void		 attach_set_busy(struct attach *, const char *blobhex, int);
int		 attach_refuse(struct attach *, const char *blobhex);
void		 attach_set_auto(struct attach *, uint64_t);
uint64_t	 attach_auto(struct attach *);

/*
 * Downloads to do (kept in the profile across runs).  add: 0 or -1.
 * take: the oldest one not busy (caller frees), or NULL.
 */
int		 attach_pending_add(struct attach *, const Natter__Attachment *);
int		 attach_pending_del(struct attach *, const char *blobhex);
Natter__Attachment *attach_pending_next(struct attach *, int with_waiting);

/*
 * The decrypted stream of a blob, decompressed when the pointer says so,
 * checked against its size and hashed; written to fd unless fd is -1.
 * attach_plain_put is a media_out_cb.  end: 0 if the plaintext has the
 * pointer's size and SHA-256.
 */
struct attach_plain *attach_plain_new(const Natter__Attachment *, int fd);
int		 attach_plain_put(void *, const uint8_t *, size_t);
int		 attach_plain_end(struct attach_plain *);
void		 attach_plain_free(struct attach_plain *);

/*
 * A file being saved: attach_save_open picks the target as core_save
 * describes and opens a temporary file beside it (NULL with err);
 * attach_save_close with ok 1 fsyncs it, renames it into place, records
 * it as saved for idhex and gives the path (caller frees), with ok 0
 * removes it (0, or -1 with err; sv is freed either way).
 */
struct attach_saving;
struct attach_saving *attach_save_open(const Natter__Attachment *,
		    const char *path, struct core_error *err);
int		 attach_save_fd(struct attach_saving *);
int		 attach_save_close(struct attach *, struct attach_saving *,
		    const char *idhex, int ok, char **written,
		    struct core_error *err);

/*
 * Write the decrypted file of a (downloaded) to path as core_save
 * describes; *written gets the final path (caller frees).  Records it as
 * saved for idhex.  0, or -1 with err.
 */
int		 attach_save(struct attach *, const Natter__Attachment *,
		    const char *idhex, const char *path, char **written,
		    struct core_error *err) __attribute__((warn_unused_result));

#endif
