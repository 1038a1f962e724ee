/* server: natterd's loop hooks: the group commit and the timers. */
#ifndef NATTER_SERVER_SERVER_H
#define NATTER_SERVER_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

struct db;
struct directory;

/* Hook into loop, for db: the group commit before every sleep (its WAL
 * synced by durable.c, with fdatasync when sync_full is 1), the purge of
 * rows and send records past their expiry (every ttl_ms / 2, between 1 s
 * and 60 s), the lazy receipts' timer, the login timeout and the link
 * offers' expiry; dir's wake-ups leave as their rows become durable. db
 * and dir stay the caller's; they must outlive server_close. */
void		 server_start(uv_loop_t *, struct db *, struct directory *,
		     int64_t ttl_ms, int sync_full);
/* Commit what is pending, make it durable, stop the hooks. */
void		 server_stop(void);
/* Once the loop has stopped running: release what durable.c holds. */
void		 server_close(void);
/* A write outside a request's savepoint failed (what: what it wrote):
 * the open transaction cannot be trusted and the answers it holds must
 * not go out. With SQLite natterd exits 1 (clients resend); with
 * PostgreSQL the transaction is failed (pgturn_fail) and the caller
 * carries on: what it answers is dropped with the rest. */
void		 server_write_failed(const char *what);

#endif
