/* upload: a file's blob to the asset service: a token over the WebSocket, HEAD first, resumed where the server stopped. */
#ifndef NATTER_CLIENT_CORE_UPLOAD_H
#define NATTER_CLIENT_CORE_UPLOAD_H

#include <stdint.h>

#include "client/core/core.h"
#include "shared/proto/content.pb-c.h"

struct upload;
struct attach;
struct conn;
struct xfer;
struct uv_loop_s;

typedef void	upload_done_cb(void *arg, const struct core_error *);
typedef void	upload_progress_cb(void *arg, uint64_t now, uint64_t total);

struct upload	*upload_create(struct uv_loop_s *, struct xfer *,
		    struct attach *, struct conn *);
/* Forget every upload without calling back.  NULL is a no-op. */
void		 upload_free(struct upload *);

/*
 * Put a's blob (HOME/files/BLOB) on the server unless it has it already:
 * HEAD /v1/assets/BLOB; else HEAD /v1/uploads/BLOB for the bytes it kept
 * of an earlier try, and POST the rest.  Tries again after a cut
 * connection (from where it stopped) up to 5 times.  done once.
 */
void		 upload_start(struct upload *, const Natter__Attachment *,
		    upload_progress_cb *, upload_done_cb *, void *arg);
/* The connection is up: uploads waiting for a token go on. */
void		 upload_kick(struct upload *);
/* The connection is gone for good (one-shot): fail what waits for it. */
void		 upload_fail_waiting(struct upload *, const struct core_error *);
int		 upload_busy(struct upload *);

#endif
