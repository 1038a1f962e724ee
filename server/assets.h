/* assets: the asset service: blobs by SHA-256, their table, tokens, limits. */
#ifndef NATTER_SERVER_ASSETS_H
#define NATTER_SERVER_ASSETS_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "server/assettoken.h"
#include "shared/proto/natter.pb-c.h"

struct blobstore;
struct db;
struct session;

#define ASSETS_MAXACTIVE	4			/* uploads per device */
#define ASSETS_HOURLY		(16ULL << 30)		/* bytes per device */
#define ASSETS_PARTIAL_TTL_S	(24 * 3600)		/* idle partials */

struct assets_config {
	const char	*dir;		/* DATA/assets */
	struct db	*db;
	uv_loop_t	*loop;		/* fsync and rename run on its pool */
	int64_t		 ttl_ms;	/* a blob lives this long unused */
	uint64_t	 max_asset;	/* bytes in one blob */
};

/* Who an upload token named (assets_authorize). */
struct assets_who {
	char		name[ASSETTOKEN_MAXNAME + 1];
	uint32_t	device;
	int64_t		account;
};

/*
 * Open the blob store, reconcile the table with the files (a blob whose
 * row a crash lost gets one; a row whose file is gone goes) and count
 * natter_asset_bytes. 0, or -1 with *err set (caller frees). cfg's
 * strings and db are kept until assets_stop.
 */
int		 assets_start(const struct assets_config *, char **err);
void		 assets_stop(void);
/* Frame handler (handle.c's table): an upload token for the session's
 * device, in Response.asset_token and expires_ts. */
uint32_t	 assets_token(struct session *, const Natter__Frame *,
		     const char **why);
/* Delete blobs past their expiry at now (file, row, bytes) and partials
 * untouched for ASSETS_PARTIAL_TTL_S (server.c's purge timer). */
void		 assets_purge(int64_t now_ms);

/* For upload.c and download.c. */
struct blobstore *assets_store(void);
uv_loop_t	*assets_loop(void);
uint64_t	 assets_max(void);
/* A live blob: 0 with *size, 1 when unknown or expired at now_ms, -1. */
int		 assets_lookup(const char *id, int64_t now_ms, uint64_t *size);
/* The blob was uploaded again: it lives another TTL. 0 or -1. */
int		 assets_touch(const char *id, int64_t now_ms);
/* A new blob is on disk: record it (expiring a TTL from now_ms), count
 * it. 0 new, 1 it was there already (touched instead), -1 error. */
int		 assets_record(const char *id, uint64_t size, int64_t now_ms);
/*
 * The Authorization value hdr (NULL: none) at now_ms: 0 with *who set,
 * or the HTTP status to answer (401 none, 403 invalid, expired or its
 * device gone, 500) with *why a sentence.
 */
unsigned	 assets_authorize(const char *hdr, int64_t now_ms,
		     struct assets_who *, const char **why);
/* Take an upload slot for bytes more: 0, or 429 with *retry_s (0: for
 * the concurrency cap, else seconds until bytes fit again). */
unsigned	 assets_admit(const struct assets_who *, uint64_t bytes,
		     int64_t now_ms, uint64_t *retry_s);
/* Give the slot back. */
void		 assets_release(const struct assets_who *);

#endif
