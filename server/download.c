/* download: GET and HEAD /v1/assets/ID: a blob, whole or a range.
 *
 * No authentication: an id is the SHA-256 of ciphertext and is learnt
 * only from a message. The answer is immutable (the id names its bytes),
 * so it says so to caches. The file is read with pread, a chunk each
 * time the socket drains: never the whole blob in memory, and the loop
 * is never held by one download. A large blob's pages leave the cache
 * once sent (dropbehind.c): a CDN in front is the cache for hot ones. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "server/assets.h"
#include "server/blobstore.h"
#include "server/download.h"
#include "server/httpreq.h"
#include "server/metrics.h"
#include "shared/util/dropbehind.h"
#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"

#define DOWNLOAD_CHUNK	(256 * 1024)
#define DOWNLOAD_PATH	"/v1/assets/"

struct download {
	int		fd;
	struct dropbehind db;		/* of fd */
	uint64_t	pos;		/* next byte to send */
	uint64_t	end;		/* one past the last */
};

/* One buffer for every download: the loop runs one at a time. */
static uint8_t	download_buf[HTTP_PRE + DOWNLOAD_CHUNK];

/* The headers every answer about blob id carries. */
static void
download_headers(struct http_txn *t, const char *id)
{
	http_add_header(t, "etag:", "\"%s\"", id);
	http_add_header(t, "cache-control:", "public, max-age=31536000, "
	    "immutable");
	http_add_header(t, "accept-ranges:", "bytes");
}

/* The blob is open as d->fd, size bytes: answer, whole or a range. */
static void
download_answer(struct http_txn *t, struct download *d, const char *id,
    uint64_t size)
{
	char		range[128], inm[1024];
	uint64_t	first = 0, len = size;
	int		n;

	download_headers(t, id);
	if (http_header(t, "if-none-match:", inm, sizeof inm) >= 0 &&
	    httpreq_if_none_match(inm, id)) {
		http_reply(t, 304, NULL, "");
		return;
	}
	n = http_header(t, "range:", range, sizeof range);
	switch (httpreq_range(n >= 0 ? range : NULL, size, &first, &len)) {
	case HTTPREQ_RANGE_UNSATISFIABLE:
		http_add_header(t, "content-range:", "bytes */%llu",
		    (unsigned long long)size);
		http_reply(t, 416, NULL, "the range is past the end of the "
		    "blob\n");
		return;
	case HTTPREQ_RANGE_PART:
		http_add_header(t, "content-range:", "bytes %llu-%llu/%llu",
		    (unsigned long long)first,
		    (unsigned long long)(first + len - 1),
		    (unsigned long long)size);
		break;
	case HTTPREQ_RANGE_WHOLE:
		break;
	}
	d->pos = first;
	d->end = first + len;
	dropbehind_read(&d->db, d->fd, first);
	if (http_method(t) == HTTP_GET)
		metrics_add(METRICS_ASSET_GETS, 1);
	http_stream(t, len != size || first != 0 ? 206 : 200,
	    "application/octet-stream", len);
}

static int
download_start(struct http_txn *t, const char *path)
{
	struct download	*d;
	const char	*id = path + sizeof DOWNLOAD_PATH - 1;
	uint64_t	 size, fsize;
	int		 rc;

	if (!httpreq_blob_id(id)) {
		http_reply(t, 400, NULL, "a blob id is 64 lowercase hex "
		    "digits\n");
		return (0);
	}
	if ((rc = assets_lookup(id, time_now_ms(), &size)) == -1) {
		http_reply(t, 500, NULL, "server error; retry later\n");
		return (0);
	}
	d = xcalloc(1, sizeof *d);
	d->fd = -1;
	http_set_state(t, d);
	if (rc == 1 || (d->fd = blobstore_open_blob(assets_store(), id,
	    &fsize)) == -1 || fsize != size) {
		http_reply(t, 404, NULL, "no such blob\n");
		return (0);
	}
	download_answer(t, d, id, size);
	return (0);
}

static int
download_more(struct http_txn *t)
{
	struct download	*d = http_state(t);
	uint64_t	 want = d->end - d->pos;
	ssize_t		 n;

	if (want > DOWNLOAD_CHUNK)
		want = DOWNLOAD_CHUNK;
	do
		n = pread(d->fd, download_buf + HTTP_PRE, want, (off_t)d->pos);
	while (n == -1 && errno == EINTR);
	if (n <= 0)		/* an error, or the file shrank: give up */
		return (-1);
	d->pos += (uint64_t)n;
	dropbehind_advance(&d->db, d->pos);
	if (http_write(t, download_buf + HTTP_PRE, (size_t)n,
	    d->pos == d->end) != 0)
		return (-1);
	return (d->pos == d->end ? 1 : 0);
}

static void
download_end(struct http_txn *t)
{
	struct download	*d = http_state(t);

	if (d == NULL)
		return;
	if (d->fd != -1)
		close(d->fd);
	free(d);
}

const struct http_route_ops download_ops = {
	download_start, NULL, NULL, download_more, download_end
};
