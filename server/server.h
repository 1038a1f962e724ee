/* server: natterd's shared state, the group commit hook and the timers. */
#ifndef NATTER_SERVER_H
#define NATTER_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

struct db;

struct server_config {
	const char	*data_dir;
	int64_t		 ttl_ms;
	size_t		 max_frame;
	size_t		 max_asset;
	int		 sync_full;
};

/* Open the database under config->data_dir and hook the group commit and
 * the purge into loop. On failure returns -1 with *err set (caller frees). */
int		 server_start(const struct server_config *, uv_loop_t *,
		     char **err);
/* Commit what is pending, stop the hooks. Close the db with server_close
 * once no connection is left. */
void		 server_stop(void);
void		 server_close(void);

struct db	*server_db(void);
int64_t		 server_ttl_ms(void);
size_t		 server_max_frame(void);
/* Commit the open transaction, sync it on the loop thread, and release
 * every answer held (shutdown). */
void		 server_commit(void);
/* A write outside a request's savepoint failed (what: what it wrote):
 * the open transaction cannot be trusted and the answers it holds must
 * not go out, so natterd exits 1; clients resend. Does not return. */
void		 server_write_failed(const char *what)
		     __attribute__((noreturn));

#endif
