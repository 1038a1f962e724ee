/* rpcin: stdin as a stream of lines on the libuv loop, whether it is a pipe, a terminal or a file. */
#ifndef NATTER_CLIENT_CLI_RPCIN_H
#define NATTER_CLIENT_CLI_RPCIN_H

#include <stddef.h>

struct rpcin;
struct uv_loop_s;

/* A complete line, without its newline (not NUL-terminated beyond len). */
typedef void	rpcin_line_cb(const char *line, size_t len, void *arg);
typedef void	rpcin_note_cb(void *arg);

/*
 * Start reading fd 0.  line is called for each line (a last line without
 * a newline counts), overlong once for each line over RPC_LINE_MAX bytes
 * (which is skipped), eof once at the end of input or on a read error.
 * Never NULL.
 */
struct rpcin	*rpcin_open(struct uv_loop_s *, rpcin_line_cb *line,
		    rpcin_note_cb *overlong, rpcin_note_cb *eof, void *arg);

/* Stop / restart calling line (input is buffered meanwhile). */
void		 rpcin_pause(struct rpcin *);
void		 rpcin_resume(struct rpcin *);

/* Stop for good; freed once libuv is done with it.  NULL is a no-op. */
void		 rpcin_close(struct rpcin *);

#endif
