/* dropbehind: a large file streamed through once is not kept in the page cache: written pieces go to the disk at once and are dropped once there, read pieces are dropped once used. */
#include <fcntl.h>

#include "shared/util/dropbehind.h"

void
dropbehind_write(struct dropbehind *d, int fd, uint64_t from)
{
	d->fd = fd;
	d->writing = 1;
	d->started = from;
	d->dropped = 0;		/* a resumed file's head goes too */
}

void
dropbehind_read(struct dropbehind *d, int fd, uint64_t from)
{
	dropbehind_write(d, fd, from);
	d->writing = 0;
}

void
dropbehind_advance(struct dropbehind *d, uint64_t end)
{
	uint64_t	behind = d->writing ? 2 * DROPBEHIND_STEP :
			    DROPBEHIND_STEP;

	if (d->fd == -1 || end < d->started + DROPBEHIND_STEP)
		return;
	/* WRITE alone queues the range; it waits for no page. */
	if (d->writing)
		(void)sync_file_range(d->fd, (off_t)d->started,
		    (off_t)(end - d->started), SYNC_FILE_RANGE_WRITE);
	d->started = end;
	if (end < DROPBEHIND_FROM || end - behind <= d->dropped)
		return;
	(void)posix_fadvise(d->fd, (off_t)d->dropped,
	    (off_t)(end - behind - d->dropped), POSIX_FADV_DONTNEED);
	d->dropped = end - behind;
}
