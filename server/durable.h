/* durable: which commits are on disk; the WAL's fdatasync off the loop. */
#ifndef NATTER_SERVER_DURABLE_H
#define NATTER_SERVER_DURABLE_H

#include <stdint.h>

#include <uv.h>

/*
 * Commits are numbered by generation. Everything the loop does while
 * generation g is current (writes into the open transaction, frames it
 * queues) belongs to g; durable_sync() closes g and makes it durable.
 * Generations become durable in order, so durable_synced() is one number:
 * every generation up to it is on disk.
 */

/* Sync the WAL file wal_path with fdatasync on a worker thread of loop
 * when sync_wal is 1 (SQLite itself then must not sync on commit); with 0
 * every generation counts as durable once committed (--sync normal), and
 * wal_path may be NULL (a store that commits elsewhere).
 * release is called on the loop thread whenever durable_synced() grows. */
void		 durable_start(uv_loop_t *, const char *wal_path, int sync_wal,
		     void (*release)(void));
/* Close the WAL descriptor. Call once the loop has stopped running. */
void		 durable_close(void);

/* The current generation: what a frame queued now must wait for. */
uint64_t	 durable_gen(void);
/* The highest generation on disk (0: none yet). */
uint64_t	 durable_synced(void);
/* 1 while a sync runs on the worker. */
int		 durable_busy(void);
/* Close the current generation, which committed changes if wrote is 1:
 * start its sync on the worker, or, if it wrote nothing, count it as
 * durable at once. Must not be called while durable_busy(). */
void		 durable_sync(int wrote);
/* A store that commits elsewhere (PostgreSQL, pgturn.c): close the
 * current generation and return it; durable_confirm(gen) once its commit
 * answered. Generations must be confirmed in order. */
uint64_t	 durable_close_gen(void);
void		 durable_confirm(uint64_t gen);
/* Close the current generation and make everything durable now, on the
 * loop thread (shutdown). */
void		 durable_sync_now(void);

#endif
