/* assets_pg: the asset table on the PostgreSQL store. */
#ifndef NATTER_SERVER_ASSETS_PG_H
#define NATTER_SERVER_ASSETS_PG_H

#include <stddef.h>
#include <stdint.h>

#include "server/httpreq.h"

struct blobstore;
struct db;

/*
 * The table side of assets.c's calls for a db on PostgreSQL, on a
 * fiber; assets.c keeps the files, the metrics and the TTL arithmetic.
 * Every call checks that it runs on a fiber and otherwise logs and
 * fails (-1) rather than abort: some of assets.c's callers (HTTP, the
 * purge timer, startup) do not run on one yet.
 */

/* A blob file without a row gets one expiring at expires: 0 added, 1 it
 * had one, -1. */
int	assets_pg_adopt(struct db *, const char *id, uint64_t size,
	    int64_t expires);
/* Forget the rows whose file bs does not hold: 0 or -1. */
int	assets_pg_forget_missing(struct db *, const struct blobstore *bs);
/* The bytes the table holds: 0 or -1. */
int	assets_pg_bytes(struct db *, int64_t *bytes);
/* assets_lookup: 0 live (*size), 1 unknown or expired at now, -1. */
int	assets_pg_lookup(struct db *, const char *id, int64_t now,
	    uint64_t *size);
/* The row lives at least until expires: 0 or -1. */
int	assets_pg_touch(struct db *, const char *id, int64_t expires);
/* Record a new blob, or touch it if a row is there already (another
 * device or node stored it meanwhile): 0 new, 1 there already, -1. */
int	assets_pg_record(struct db *, const char *id, uint64_t size,
	    int64_t expires);
/* Up to max rows expired at now: ids and sizes, *n set. 0 or -1. */
int	assets_pg_expired(struct db *, int64_t now,
	    char ids[][HTTPREQ_IDLEN + 1], uint64_t *sizes, size_t max,
	    size_t *n);
/* Delete id's row if it is still expired at now (no node touched it
 * since it was listed): 0 deleted (*size set; the caller deletes the
 * file), 1 kept or gone, -1. */
int	assets_pg_expire(struct db *, const char *id, int64_t now,
	    uint64_t *size);

#endif
