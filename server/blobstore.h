/* blobstore: the asset service's files: blobs, partial uploads, the key. */
#ifndef NATTER_SERVER_BLOBSTORE_H
#define NATTER_SERVER_BLOBSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "server/assettoken.h"

/*
 * Layout under DIR (DATA/assets):
 *	token.key			32 random bytes (0600), made once
 *	blobs/XX/ID			complete blobs, XX = ID's first two
 *					hex digits; only ever made by rename
 *	partial/NAME.DEVICE.ID		uploads under way, one per device
 *					and blob
 * A file appears under blobs/ only once it is complete, verified and
 * synced, so nothing partial can ever be served. Blob ids are checked
 * (httpreq_blob_id) and names valid before they reach these functions.
 *
 * Several natterd processes (nodes) may share DIR. The key is made once
 * for all of them; a partial's name is deliberately not per process, so
 * an upload cut off on one node resumes on another, and its writer holds
 * an flock(2) on it (blobstore_partial_open) so two never write it at
 * once; blobs are immutable and renamed into place whole.
 */

struct blobstore;

/* Open DIR, making its directories and the key as needed: the store, or
 * NULL with *err set to a sentence (caller frees). */
struct blobstore *blobstore_open(const char *dir, char **err);
/* NULL is a no-op. */
void		 blobstore_free(struct blobstore *);
const uint8_t	*blobstore_key(const struct blobstore *);

/* The blob's path / the device's partial's path (caller frees). */
char		*blobstore_blob_path(const struct blobstore *, const char *id);
char		*blobstore_partial_path(const struct blobstore *,
		     const char *name, uint32_t device, const char *id);
/* Open the blob for reading: a descriptor and *size, or -1 (errno). */
int		 blobstore_open_blob(const struct blobstore *, const char *id,
		     uint64_t *size);
/*
 * Open the partial at path for writing (made if missing, emptied first
 * if truncate), with an exclusive lock that lasts until the descriptor
 * is closed: the descriptor, or -1 with errno (EBUSY: another process or
 * descriptor is writing it). Keep it open until the partial is committed
 * or deleted.
 */
int		 blobstore_partial_open(const char *path, int truncate);
/* The size of the partial at path, 0 when there is none. */
uint64_t	 blobstore_partial_size(const char *path);
/*
 * Make the partial at path the blob id: fsync it, rename it into
 * blobs/XX/ (made if missing), fsync the directories. Blocks on the
 * disk: call it from a worker thread. 0, or -1 with errno (the partial
 * is left where it was).
 */
int		 blobstore_commit(const struct blobstore *, const char *path,
		     const char *id);
/* Delete the blob's file (gone already is fine): 0 or -1. */
int		 blobstore_remove_blob(const struct blobstore *,
		     const char *id);
/* Delete partials not modified since before_s (seconds since the epoch);
 * returns how many went. */
size_t		 blobstore_purge_partials(const struct blobstore *,
		     int64_t before_s);
/* Call fn for each complete blob file: its id and size (startup). */
void		 blobstore_foreach(const struct blobstore *,
		     void (*fn)(const char *id, uint64_t size, void *), void *);

#endif
