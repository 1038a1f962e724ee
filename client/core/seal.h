/* seal: a file being encrypted into the profile for sending, a slice at a time so that the loop keeps turning. */
#ifndef NATTER_CLIENT_CORE_SEAL_H
#define NATTER_CLIENT_CORE_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "client/core/core.h"
#include "shared/proto/content.pb-c.h"

struct seal;
struct attach;

#define SEAL_SLICE	(8 * 1024 * 1024)	/* bytes a turn of the loop */

/*
 * Open the file at path for sending with caption (NULL: none): a regular
 * file, its name cleaned, its MIME type from /etc/mime.types.  NULL with
 * err if it cannot be.
 */
struct seal	*seal_begin(struct attach *, const char *path,
		    const char *caption, struct core_error *err);
/*
 * Up to budget more bytes of the file, in two passes: its SHA-256 first
 * (a file sent or received before is done then: its key and blob serve
 * again), then, for a new file, compressed (zstd, when the first 128 KiB
 * shrink by a tenth) and encrypted into a temporary file in HOME/files;
 * a file that changed between the passes is an error.  1 once the whole
 * file is in, 0 if more remains, -1 with err.
 */
int		 seal_step(struct seal *, size_t budget, struct core_error *err);
/* How far (bytes of the file, both passes averaged), and its size. */
uint64_t	 seal_done(struct seal *);
uint64_t	 seal_size(struct seal *);
/* The file's name (for progress). */
const char	*seal_name(struct seal *);
/*
 * After seal_step returned 1: *out the pointer (free with
 * natter__attachment__free_unpacked): a file sent or received before
 * reuses its key and blob; a new one's blob is renamed to
 * HOME/files/BLOB and remembered.  0, or -1 with err.
 */
int		 seal_end(struct seal *, Natter__Attachment **out,
		    struct core_error *err) __attribute__((warn_unused_result));
/* Free; the temporary file goes unless seal_end kept it.  NULL: no-op. */
void		 seal_free(struct seal *);

#endif
