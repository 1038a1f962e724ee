/* durable: which commits are on disk; the WAL's fdatasync off the loop.
 *
 * With --sync full, SQLite commits with synchronous=NORMAL: a commit
 * writes its frames to the WAL (page cache) and returns without waiting
 * for the disk. natterd then runs fdatasync on the WAL file on a worker
 * thread, and the loop keeps taking requests into the next transaction
 * meanwhile. SQLite still syncs the WAL itself before every checkpoint
 * copies pages into the database, so a checkpoint never makes a frame
 * durable in the database while its WAL frames are not.
 *
 * The invariant: a frame that a connection queues while generation g is
 * current leaves natterd only once durable_synced() >= g. Every answer
 * ("stored"), delivery and receipt is therefore released only after the
 * commits it may depend on (its own, and any earlier one whose rows it
 * read) are on disk: fdatasync covers every byte written to the file
 * before it was called, and a generation's sync is started only after
 * its commit returned and after the previous generation's sync ended.
 * What a frame was built from may have been committed in g or before;
 * it can never come from a later generation, so waiting for g is enough.
 * Deliveries that go out from memory (session_offer) wait the same way,
 * so a receiver never sees a message that a crash could still unsend,
 * and acks are answered only once the delete is durable. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/durable.h"
#include "shared/util/log.h"
#include "shared/util/xmalloc.h"

static uv_loop_t	*durable_loop;
static char		*durable_path;
static int		 durable_wal = -1;	/* the WAL, for fdatasync */
static int		 durable_async;
static void		(*durable_release)(void);
static uint64_t		 durable_current = 1;
static uint64_t		 durable_done_gen;
static int		 durable_running;	/* a sync on the worker */
static uv_work_t	 durable_work;
static uint64_t		 durable_work_gen;
static int		 durable_work_errno;

void
durable_start(uv_loop_t *loop, const char *wal_path, int sync_wal,
    void (*release)(void))
{
	durable_loop = loop;
	durable_path = wal_path != NULL ? xstrdup(wal_path) : NULL;
	durable_async = sync_wal;
	durable_release = release;
}

void
durable_close(void)
{
	if (durable_wal != -1)
		close(durable_wal);
	durable_wal = -1;
	free(durable_path);
	durable_path = NULL;
}

uint64_t
durable_gen(void)
{
	return (durable_current);
}

uint64_t
durable_synced(void)
{
	return (durable_done_gen);
}

int
durable_busy(void)
{
	return (durable_running);
}

/* A runtime failure: the held answers must not go out; clients resend. */
static void
durable_fail(const char *what, int error)
{
	log_error("cannot %s the database's WAL %s: %s; exiting", what,
	    durable_path, strerror(error));
	exit(1);
}

/* The WAL's descriptor, opened (again) when the file at the path is not
 * the one open: SQLite creates the WAL on the first write. */
static int
durable_wal_fd(void)
{
	struct stat	path_st, fd_st;

	if (stat(durable_path, &path_st) != 0)
		durable_fail("find", errno);
	if (durable_wal != -1 && fstat(durable_wal, &fd_st) == 0 &&
	    fd_st.st_ino == path_st.st_ino && fd_st.st_dev == path_st.st_dev)
		return (durable_wal);
	if (durable_wal != -1)
		close(durable_wal);
	durable_wal = open(durable_path, O_RDONLY | O_CLOEXEC);
	if (durable_wal == -1)
		durable_fail("open", errno);
	return (durable_wal);
}

/* Generations up to gen are on disk. */
static void
durable_advance(uint64_t gen)
{
	if (gen > durable_done_gen)
		durable_done_gen = gen;
	durable_release();
}

/* On the worker thread: no SQLite, no loop state but the job's. */
static void
durable_work_cb(uv_work_t *w)
{
	int	fd = *(int *)w->data;

	durable_work_errno = fdatasync(fd) == 0 ? 0 : errno;
}

static void
durable_done_cb(uv_work_t *w, int status)
{
	durable_running = 0;
	if (status != 0)
		durable_fail("sync", -status);
	if (durable_work_errno != 0)
		durable_fail("sync", durable_work_errno);
	durable_advance(durable_work_gen);
}

void
durable_sync(int wrote)
{
	static int	fd;

	if (durable_running)
		fatal("durable: a sync is already running");
	if (!wrote || !durable_async) {
		durable_advance(durable_current++);
		return;
	}
	fd = durable_wal_fd();
	durable_work.data = &fd;
	durable_work_gen = durable_current++;
	durable_running = 1;
	if (uv_queue_work(durable_loop, &durable_work, durable_work_cb,
	    durable_done_cb) != 0)
		fatal("durable: cannot queue a sync");
}

void
durable_sync_now(void)
{
	uint64_t	gen = durable_current++;

	if (durable_async && access(durable_path, F_OK) == 0 &&
	    fdatasync(durable_wal_fd()) != 0)
		durable_fail("sync", errno);
	durable_advance(gen);
}

uint64_t
durable_close_gen(void)
{
	return (durable_current++);
}

void
durable_confirm(uint64_t gen)
{
	durable_advance(gen);
}
