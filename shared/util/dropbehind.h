/* dropbehind: a large file streamed through once is not kept in the page cache: written pieces go to the disk at once and are dropped once there, read pieces are dropped once used. */
#ifndef NATTER_SHARED_UTIL_DROPBEHIND_H
#define NATTER_SHARED_UTIL_DROPBEHIND_H

#include <stdint.h>

#define DROPBEHIND_STEP		(8 * 1024 * 1024)
#define DROPBEHIND_FROM		(64 * 1024 * 1024)	/* smaller: cached */

/*
 * A file read or written front to back from byte from.  After
 * dropbehind_advance(d, end) says the bytes before end are done with:
 *
 * - written: every whole DROPBEHIND_STEP is handed to the disk
 *   (sync_file_range with SYNC_FILE_RANGE_WRITE, which starts the
 *   writes and does not wait for them), so the fsync at the end has only
 *   the last pieces to wait for;
 * - once the file is past DROPBEHIND_FROM, its pages more than two steps
 *   back (read: one step) leave the page cache (POSIX_FADV_DONTNEED,
 *   which skips pages still dirty).  The pages are used again for the
 *   next pieces, so a 1 GiB transfer holds a few MiB of cache instead of
 *   1 GiB, and does not push the user's other files out of it.
 *
 * Only ever a hint: failures are ignored; fsync still decides what is
 * durable.  fd -1 makes every call a no-op.
 */
struct dropbehind {
	int		fd;
	int		writing;
	uint64_t	started;	/* bytes before it: handed to the disk */
	uint64_t	dropped;	/* bytes before it: left the cache */
};

void	dropbehind_write(struct dropbehind *, int fd, uint64_t from);
void	dropbehind_read(struct dropbehind *, int fd, uint64_t from);
void	dropbehind_advance(struct dropbehind *, uint64_t end);

#endif
