/* download: files from the asset service into the profile, checked as they arrive, resumed after a cut. */
#ifndef NATTER_CLIENT_CORE_DOWNLOAD_H
#define NATTER_CLIENT_CORE_DOWNLOAD_H

#include <stdint.h>

#include "client/core/core.h"
#include "shared/proto/content.pb-c.h"

struct download;
struct attach;
struct conn;
struct xfer;
struct uv_loop_s;

/*
 * A download ended: err NULL if the blob is in the profile, verified
 * (both hashes, every chunk, the final tag); else why not.  Called for
 * every download (those started by download_kick too).
 */
typedef void	download_done_cb(void *arg, const Natter__Attachment *,
		    const struct core_error *);
typedef void	download_progress_cb(void *arg, const Natter__Attachment *,
		    uint64_t now, uint64_t total);

struct download	*download_create(struct uv_loop_s *, struct xfer *,
		    struct attach *, struct conn *, download_progress_cb *,
		    download_done_cb *, void *arg);
void		 download_free(struct download *);

/*
 * Start the downloads to do (the profile's pending list, files up to the
 * automatic size), two at a time; with a, fetch that one too whatever
 * its size, and, if plain_fd is not -1 and a's download was not running
 * yet, write its plaintext to plain_fd as it checks out (the file is
 * good only once done reports no error): 1 if so, else 0.
 */
int		 download_kick(struct download *, const Natter__Attachment *a,
		    int plain_fd);
int		 download_busy(struct download *);

#endif
