/* walbuf: a VFS that gathers a commit's WAL writes into one write.
 *
 * SQLite writes every WAL frame with two pwrite calls (its 24-byte
 * header, then the page), so a group commit that dirtied 200 pages cost
 * 400 system calls on the loop thread. This VFS passes every file
 * through to the default VFS except the WAL, whose writes it appends to
 * a buffer while they are contiguous; the buffer goes out in 64 KiB
 * writes at walbuf_flush() (db_commit calls it), and before anything else
 * touches the file (a read, a sync, its size, a truncate, a close, a
 * write elsewhere), so SQLite always sees the file it wrote. Nothing is
 * durable before a sync anyway, and every sync flushes first. */
#include <sys/queue.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "server/walbuf.h"
#include "shared/util/xmalloc.h"

#define WALBUF_MAX	(1024 * 1024)	/* bytes buffered at most */
#define WALBUF_CHUNK	(64 * 1024)	/* bytes per write */

struct walbuf_file {
	sqlite3_file			 base;
	sqlite3_file			*real;	/* the default VFS's file */
	uint8_t				*buf;
	sqlite3_int64			 off;	/* file offset of buf[0] */
	size_t				 len, cap;
	LIST_ENTRY(walbuf_file)		 entry;
};
static LIST_HEAD(, walbuf_file)	 walbuf_open = LIST_HEAD_INITIALIZER(walbuf_open);

static sqlite3_vfs	 walbuf_vfs;
static sqlite3_vfs	*walbuf_real;

#define REAL(f)		((f)->real->pMethods)

/* Write the buffer out, at most WALBUF_CHUNK bytes a call: the unix VFS
 * writes only the low 17 bits' worth of a larger amount. */
static int
walbuf_write_out(struct walbuf_file *f)
{
	size_t	done, n;
	int	rc = SQLITE_OK;

	for (done = 0; done < f->len && rc == SQLITE_OK; done += n) {
		n = f->len - done;
		if (n > WALBUF_CHUNK)
			n = WALBUF_CHUNK;
		rc = REAL(f)->xWrite(f->real, f->buf + done, (int)n,
		    f->off + (sqlite3_int64)done);
	}
	f->len = 0;
	return (rc);
}

static int
walbuf_close(sqlite3_file *file)
{
	struct walbuf_file	*f = (struct walbuf_file *)file;
	int			 rc = walbuf_write_out(f), rc2;

	LIST_REMOVE(f, entry);
	free(f->buf);
	rc2 = REAL(f)->xClose(f->real);
	return (rc != SQLITE_OK ? rc : rc2);
}

/*
 * The methods that read, size, sync, truncate or control the file write
 * the buffer out first, so that SQLite sees every byte it wrote, then
 * pass the call on to the real file.
 */
#define WALBUF_FLUSH_FIRST(name, method, params, args)			\
static int								\
name params								\
{									\
	struct walbuf_file	*f = (struct walbuf_file *)file;	\
	int			 rc = walbuf_write_out(f);		\
									\
	return (rc != SQLITE_OK ? rc : REAL(f)->method args);		\
}
WALBUF_FLUSH_FIRST(walbuf_read, xRead,
    (sqlite3_file *file, void *p, int amt, sqlite3_int64 off),
    (f->real, p, amt, off))
WALBUF_FLUSH_FIRST(walbuf_truncate, xTruncate,
    (sqlite3_file *file, sqlite3_int64 size), (f->real, size))
WALBUF_FLUSH_FIRST(walbuf_sync, xSync,
    (sqlite3_file *file, int flags), (f->real, flags))
WALBUF_FLUSH_FIRST(walbuf_file_size, xFileSize,
    (sqlite3_file *file, sqlite3_int64 *size), (f->real, size))
WALBUF_FLUSH_FIRST(walbuf_file_control, xFileControl,
    (sqlite3_file *file, int op, void *arg), (f->real, op, arg))

static int
walbuf_write(sqlite3_file *file, const void *p, int amt, sqlite3_int64 off)
{
	struct walbuf_file	*f = (struct walbuf_file *)file;
	size_t			 n = (size_t)amt;
	int			 rc;

	if (f->len > 0 && (off != f->off + (sqlite3_int64)f->len ||
	    f->len + n > WALBUF_MAX)) {
		if ((rc = walbuf_write_out(f)) != SQLITE_OK)
			return (rc);
	}
	if (n > WALBUF_CHUNK)
		return (REAL(f)->xWrite(f->real, p, amt, off));
	if (f->len == 0)
		f->off = off;
	if (f->len + n > f->cap) {
		f->cap = f->cap == 0 ? 64 * 1024 : f->cap * 2;
		while (f->cap < f->len + n)
			f->cap *= 2;
		f->buf = xrealloc(f->buf, f->cap);
	}
	memcpy(f->buf + f->len, p, n);
	f->len += n;
	return (SQLITE_OK);
}

static int
walbuf_lock(sqlite3_file *file, int lock)
{
	struct walbuf_file	*f = (struct walbuf_file *)file;

	return (REAL(f)->xLock(f->real, lock));
}

static int
walbuf_unlock(sqlite3_file *file, int lock)
{
	struct walbuf_file	*f = (struct walbuf_file *)file;

	return (REAL(f)->xUnlock(f->real, lock));
}

static int
walbuf_check_reserved(sqlite3_file *file, int *out)
{
	struct walbuf_file	*f = (struct walbuf_file *)file;

	return (REAL(f)->xCheckReservedLock(f->real, out));
}

static int
walbuf_sector_size(sqlite3_file *file)
{
	struct walbuf_file	*f = (struct walbuf_file *)file;

	return (REAL(f)->xSectorSize(f->real));
}

static int
walbuf_device_characteristics(sqlite3_file *file)
{
	struct walbuf_file	*f = (struct walbuf_file *)file;

	return (REAL(f)->xDeviceCharacteristics(f->real));
}

/* Version 1 methods: SQLite uses neither shared memory nor memory maps
 * on a WAL file. */
static const sqlite3_io_methods walbuf_io = {
	1, walbuf_close, walbuf_read, walbuf_write, walbuf_truncate,
	walbuf_sync, walbuf_file_size, walbuf_lock, walbuf_unlock,
	walbuf_check_reserved, walbuf_file_control, walbuf_sector_size,
	walbuf_device_characteristics, NULL, NULL, NULL, NULL, NULL, NULL
};

static int
walbuf_xopen(sqlite3_vfs *vfs, const char *name, sqlite3_file *file,
    int flags, int *out_flags)
{
	struct walbuf_file	*f = (struct walbuf_file *)file;
	int			 rc;

	if (!(flags & SQLITE_OPEN_WAL))
		return (walbuf_real->xOpen(walbuf_real, name, file, flags,
		    out_flags));
	memset(f, 0, sizeof *f);
	f->real = (sqlite3_file *)(f + 1);
	rc = walbuf_real->xOpen(walbuf_real, name, f->real, flags, out_flags);
	if (rc != SQLITE_OK) {
		f->base.pMethods = NULL;
		return (rc);
	}
	f->base.pMethods = &walbuf_io;
	LIST_INSERT_HEAD(&walbuf_open, f, entry);
	return (SQLITE_OK);
}

int
walbuf_register(void)
{
	if (walbuf_real != NULL)
		return (0);
	if ((walbuf_real = sqlite3_vfs_find(NULL)) == NULL)
		return (-1);
	/* Everything but xOpen and the file size is the default VFS's. */
	walbuf_vfs = *walbuf_real;
	walbuf_vfs.zName = WALBUF_VFS;
	walbuf_vfs.pNext = NULL;
	walbuf_vfs.szOsFile = (int)sizeof(struct walbuf_file) +
	    walbuf_real->szOsFile;
	walbuf_vfs.xOpen = walbuf_xopen;
	if (sqlite3_vfs_register(&walbuf_vfs, 0) != SQLITE_OK) {
		walbuf_real = NULL;
		return (-1);
	}
	return (0);
}

int
walbuf_flush(void)
{
	struct walbuf_file	*f;
	int			 failed = 0;

	LIST_FOREACH(f, &walbuf_open, entry) {
		if (walbuf_write_out(f) != SQLITE_OK)
			failed = 1;
	}
	return (failed ? -1 : 0);
}
