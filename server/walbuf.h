/* walbuf: a VFS that gathers a commit's WAL writes into one write. */
#ifndef NATTER_SERVER_WALBUF_H
#define NATTER_SERVER_WALBUF_H

#define WALBUF_VFS	"natter-walbuf"

/* Register the VFS WALBUF_VFS over SQLite's default one (once; later
 * calls do nothing). 0 or -1. */
int	walbuf_register(void);
/* Write out what every open WAL holds in its buffer: call after COMMIT,
 * before anything syncs the WAL file. 0, or -1 when a write failed. */
int	walbuf_flush(void);

#endif
