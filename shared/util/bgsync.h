/* bgsync: a file being written is fdatasync'd on a libuv worker now and then, so that its final fsync has little left to wait for. */
#ifndef NATTER_SHARED_UTIL_BGSYNC_H
#define NATTER_SHARED_UTIL_BGSYNC_H

#include <stdint.h>

#define BGSYNC_STEP	(128 * 1024 * 1024)

struct bgsync;
struct uv_loop_s;

/*
 * For fd (duplicated: the caller may close its own).  A disk's flush,
 * and a virtual disk's above all, takes longer the more it holds: a 1 GiB
 * file fsync'd once at the end waits for all of it, one sync'd as it goes
 * waits for the last step.  Only a speed-up: the final fsync still
 * decides what is durable.  NULL if fd cannot be duplicated.
 */
struct bgsync	*bgsync_new(struct uv_loop_s *, int fd);
/* About written bytes are in fd: a sync goes to a worker every
 * BGSYNC_STEP, unless the last one is still running. */
void		 bgsync_advance(struct bgsync *, uint64_t written);
/* Free (NULL: no-op); a sync still running ends on its own. */
void		 bgsync_free(struct bgsync *);

#endif
