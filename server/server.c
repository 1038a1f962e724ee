/* server: natterd's loop hooks: the group commit and the timers.
 *
 * Group commit: request handlers write into one open transaction (db_begin
 * on first write). Before libuv sleeps, the prepare hook commits it and
 * hands the commit to durable.c, which syncs the WAL on a worker thread;
 * the answers and deliveries queued meanwhile are released only when that
 * sync is done, so nobody hears "stored" before the rows are on disk.
 * While a sync runs the transaction stays open across loop turns: the
 * loop keeps taking requests, and the next commit carries all of them. */
#include <stdlib.h>

#include "server/assets.h"
#include "server/db.h"
#include "server/devwatch.h"
#include "server/directory.h"
#include "server/durable.h"
#include "server/fiber.h"
#include "server/grouprcpt.h"
#include "server/link.h"
#include "server/linkdir.h"
#include "server/metrics.h"
#include "server/pgturn.h"
#include "server/queue.h"
#include "server/server.h"
#include "server/session.h"
#include "server/sessionq.h"
#include "shared/util/log.h"
#include "shared/util/timeutil.h"

#define SERVER_STOP_WAIT_MS	5000	/* for the store's last commit */
#define SERVER_RESCAN_MS	2000	/* shared store: queues read again */
#define SERVER_FIBERS_IDLE	64	/* fiber stacks kept once idle */

static struct db		*server_database;
static struct directory		*server_directory;
static uv_loop_t		*server_loop;
static uv_prepare_t		 server_prepare;
static uv_timer_t		 server_purge_timer;
static uv_timer_t		 server_expire_timer;
static uv_timer_t		 server_lazy_timer;
static uv_timer_t		 server_rescan_timer;
static int			 server_running;

/* Commit the open transaction, if any: 1 if there was one, else 0. */
static int
server_commit_txn(void)
{
	/* The group receipts of the acks in this transaction go in it. */
	if (grouprcpt_flush(server_database) != 0)
		server_write_failed("a group receipt");
	if (!db_in_txn(server_database))
		return (0);
	if (db_commit(server_database) != 0) {
		/* The held answers must not go out; clients resend. */
		log_error("cannot commit to the database; exiting");
		exit(1);
	}
	metrics_add(METRICS_COMMITS, 1);
	return (1);
}

void
server_write_failed(const char *what)
{
	/* PostgreSQL: the statement failed, so its transaction does (a
	 * deadlock with another node, the server gone): the answers it
	 * holds are dropped and every connection closed when it ends,
	 * clients resend, and this node keeps serving. */
	if (db_pg(server_database) != NULL) {
		log_warn("cannot write %s to the database; the transaction "
		    "fails", what);
		pgturn_fail();
		return;
	}
	log_error("cannot write %s to the database; exiting", what);
	exit(1);
}

/* Commit the open transaction, sync it on the loop thread, and release
 * every answer held (shutdown). With PostgreSQL, run the loop until the
 * requests under way have left and the last commit answered. */
static void
server_commit(void)
{
	uint64_t	until = uv_now(server_loop) + SERVER_STOP_WAIT_MS;

	if (db_pg(server_database) != NULL) {
		while (pgturn_busy() && uv_now(server_loop) < until) {
			pgturn_end();
			uv_run(server_loop, UV_RUN_ONCE);
		}
		return;
	}
	(void)server_commit_txn();
	durable_sync_now();
}

static void
server_lazy_cb(uv_timer_t *t)
{
	(void)session_lazy_due();
}

/* Wake for the next lazy receipt, unless a wake-up is already due. */
static void
server_lazy_arm(void)
{
	int64_t	wait = session_lazy_due();

	if (wait >= 0 && !uv_is_active((uv_handle_t *)&server_lazy_timer))
		uv_timer_start(&server_lazy_timer, server_lazy_cb,
		    (uint64_t)(wait > 0 ? wait : 1), 0);
}

static void
server_prepare_cb(uv_prepare_t *h)
{
	server_lazy_arm();
	/* PostgreSQL: the transaction commits once its requests left. */
	if (db_pg(server_database) != NULL) {
		sessionq_retry();
		pgturn_end();
		return;
	}
	/* A sync is running: keep the transaction open; its end commits. */
	if (durable_busy())
		return;
	durable_sync(server_commit_txn());
}

static void
server_expire_cb(uv_timer_t *t)
{
	int64_t	now = time_now_ms();

	session_expire(now);
	link_expire(now);
	/* A burst of requests over for a whole tick: its fiber stacks go
	 * back. (Trimmed whenever few were alive at the tick, a node under
	 * load between two rounds of requests gave them back and made them
	 * again, mapping and first touch, several times a second.) */
	if (fiber_peak_take() < SERVER_FIBERS_IDLE)
		fiber_trim(SERVER_FIBERS_IDLE);
}

static void
server_purge(void *arg)
{
	uint64_t	n;

	if (fiber_enabled())
		pgturn_enter(PGTURN_SHARED);
	assets_purge(time_now_ms());
	if (queue_purge(server_database, time_now_ms(), &n) != 0)
		log_error("purge of expired messages failed");
	else if (n > 0) {
		log_info("purged %llu expired rows", (unsigned long long)n);
		metrics_add(METRICS_PURGED, n);
	}
	if (fiber_enabled())
		pgturn_leave();
}

static void
server_purge_cb(uv_timer_t *t)
{
	/* No fiber free: the next tick purges. */
	(void)fiber_run(server_purge, NULL, NULL, NULL);
}

/* With a shared store, another node may have queued rows for a device
 * connected here, and its wake-up (directory.h) may have been lost:
 * reading every queue now and then bounds the delay. */
static void
server_rescan_cb(uv_timer_t *t)
{
	session_rescan_all();
}

/* A PostgreSQL transaction failed: nothing it answered may leave. */
static void
server_store_failed(void)
{
	session_abort_all(1011, "the store failed; reconnect and resend");
}

/* More is durable: what waited for it leaves. */
static void
server_released(void)
{
	session_flush_all();
	directory_release(server_directory, durable_synced());
	linkdir_release();
}

void
server_start(uv_loop_t *loop, struct db *db, struct directory *dir,
    int64_t ttl_ms, int sync_full)
{
	uint64_t	interval;

	server_database = db;
	server_directory = dir;
	server_loop = loop;
	if (db_pg(db) != NULL) {
		durable_start(loop, NULL, 0, server_released);
		pgturn_start(db, server_store_failed);
		devwatch_start(db);
	} else
		durable_start(loop, db_wal_path(db), sync_full,
		    server_released);
	uv_prepare_init(loop, &server_prepare);
	uv_prepare_start(&server_prepare, server_prepare_cb);
	/* Purge every half TTL, between 1 s and 60 s. */
	interval = (uint64_t)ttl_ms / 2;
	if (interval < 1000)
		interval = 1000;
	if (interval > 60000)
		interval = 60000;
	uv_timer_init(loop, &server_purge_timer);
	uv_timer_start(&server_purge_timer, server_purge_cb, interval,
	    interval);
	uv_timer_init(loop, &server_lazy_timer);
	uv_timer_init(loop, &server_rescan_timer);
	if (db_pg(db) != NULL)
		uv_timer_start(&server_rescan_timer, server_rescan_cb,
		    SERVER_RESCAN_MS, SERVER_RESCAN_MS);
	uv_timer_init(loop, &server_expire_timer);
	uv_timer_start(&server_expire_timer, server_expire_cb, 1000, 1000);
	server_running = 1;
}

void
server_stop(void)
{
	if (!server_running)
		return;
	server_running = 0;
	server_commit();
	uv_prepare_stop(&server_prepare);
	uv_close((uv_handle_t *)&server_prepare, NULL);
	uv_timer_stop(&server_purge_timer);
	uv_close((uv_handle_t *)&server_purge_timer, NULL);
	uv_timer_stop(&server_lazy_timer);
	uv_close((uv_handle_t *)&server_lazy_timer, NULL);
	uv_timer_stop(&server_rescan_timer);
	uv_close((uv_handle_t *)&server_rescan_timer, NULL);
	uv_timer_stop(&server_expire_timer);
	uv_close((uv_handle_t *)&server_expire_timer, NULL);
}

void
server_close(void)
{
	server_database = NULL;
	durable_close();
}
