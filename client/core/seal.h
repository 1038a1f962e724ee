/* seal: a file encrypted into the profile for sending, on worker threads while the loop keeps turning. */
#ifndef NATTER_CLIENT_CORE_SEAL_H
#define NATTER_CLIENT_CORE_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "client/core/core.h"
#include "shared/proto/content.pb-c.h"

struct seal;
struct attach;
struct uv_loop_s;

typedef void	seal_progress_cb(void *arg);
/* err NULL: sealed (or sent before); seal_end gives the pointer. */
typedef void	seal_done_cb(void *arg, const struct core_error *err);

/*
 * Open the file at path for sending with caption (NULL: none): a regular
 * file, its name cleaned, its MIME type from /etc/mime.types.  NULL with
 * err if it cannot be.
 */
struct seal	*seal_begin(struct uv_loop_s *, struct attach *,
		    const char *path, const char *caption,
		    struct core_error *err);
/*
 * Seal it on worker threads: its SHA-256 (a file sent or received before
 * is done then: its key and blob serve again) and, side by side, the
 * file compressed (zstd, when the first 128 KiB shrink by a tenth) and
 * encrypted into a temporary file in HOME/files; a file that changed
 * while it was read is an error.  progress now and then; done once, from
 * a loop callback (seal_run is called from one too, and may call it).
 */
void		 seal_run(struct seal *, seal_progress_cb *, seal_done_cb *,
		    void *arg);
/* How far (bytes of the file, the two lanes averaged), and its size. */
uint64_t	 seal_done(struct seal *);
uint64_t	 seal_size(struct seal *);
/* The file's name (for progress). */
const char	*seal_name(struct seal *);
/*
 * After done without error: *out the pointer (free with
 * natter__attachment__free_unpacked): a file sent or received before
 * reuses its key and blob; a new one's blob is renamed to
 * HOME/files/BLOB and remembered.  0, or -1 with err.
 */
int		 seal_end(struct seal *, Natter__Attachment **out,
		    struct core_error *err) __attribute__((warn_unused_result));
/*
 * Free (from done, too); the temporary file goes unless seal_end kept
 * it; work on the threads stops soon and lets go of it then.  NULL: no-op.
 */
void		 seal_free(struct seal *);

#endif
