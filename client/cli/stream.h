/* stream: the streaming commands recv and listen. */
#ifndef NATTER_CLIENT_CLI_STREAM_H
#define NATTER_CLIENT_CLI_STREAM_H

struct call;

/*
 * recv: connect once, pass stored and incoming events to the front end,
 * end --wait SEC seconds after the server's "backlog drained".
 */
void	stream_recv(struct call *);

/* listen: stay connected (reconnecting with backoff) until cancelled. */
void	stream_listen(struct call *);

#endif
