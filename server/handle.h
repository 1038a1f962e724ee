/* handle: the request handlers, one per client frame type. */
#ifndef NATTER_SERVER_HANDLE_H
#define NATTER_SERVER_HANDLE_H

#include "shared/proto/natter.pb-c.h"

struct session;

/* Answer one decoded frame received on session s. */
void	handle_frame(struct session *, const Natter__Frame *);

#endif
