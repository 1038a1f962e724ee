/* stream: the streaming commands recv and listen. */
#include <stdio.h>
#include <stdlib.h>

#include <uv.h>

#include "client/cli/call.h"
#include "client/cli/cli.h"
#include "client/core/core.h"
#include "client/cli/stream.h"
#include "shared/util/xmalloc.h"

struct stream {
	uv_timer_t	 timer;
	struct call	*call;
	int		 timing;
};

static void
stream_closed(uv_handle_t *h)
{
	free(h->data);
}

/* End the call (err NULL: success) and release the timer. */
static void
stream_end(struct call *c, const struct core_error *err)
{
	struct stream	*s = c->priv;

	c->priv = NULL;
	c->cancel = NULL;
	uv_close((uv_handle_t *)&s->timer, stream_closed);
	call_done(c, err, NULL);
}

static void
stream_cancel(struct call *c)
{
	stream_end(c, NULL);
}

static void
stream_timer_cb(uv_timer_t *t)
{
	struct stream	*s = t->data;

	stream_end(s->call, NULL);
}

/* recv is one-shot: a lost connection ends it with an error. */
static void
stream_lost(struct call *c, const struct core_error *err)
{
	struct core_error	lost;

	if (err == NULL) {
		lost.code = CORE_ERR_UNREACHABLE;
		snprintf(lost.msg, sizeof lost.msg, "the server %s closed the "
		    "connection before the backlog was drained; try again",
		    core_server(c->core));
		err = &lost;
	}
	stream_end(c, err);
}

static void
stream_event(struct core *core, const struct core_event *ev, void *arg)
{
	struct call	*c = arg;
	struct stream	*s = c->priv;

	if (c->finished || s == NULL)
		return;
	switch (ev->type) {
	case CORE_EV_BACKLOG_DRAINED:
		if (c->cmd->run == stream_recv && !s->timing) {
			s->timing = 1;
			uv_timer_start(&s->timer, stream_timer_cb,
			    (uint64_t)cli_count(c->params, "wait", 0) * 1000,
			    0);
		}
		break;
	case CORE_EV_DISCONNECTED:
		if (c->cmd->run == stream_recv) {
			stream_lost(c, ev->error);
			return;
		}
		break;
	default:
		break;
	}
	if (c->ops->event != NULL)
		c->ops->event(c, ev);
}

static void
stream_start(struct call *c, int flags)
{
	struct core_error	 err;
	struct stream		*s;

	s = xcalloc(1, sizeof *s);
	s->call = c;
	uv_timer_init(c->loop, &s->timer);
	s->timer.data = s;
	c->priv = s;
	c->cancel = stream_cancel;
	if (core_start(c->core, flags, stream_event, c, &err) != 0)
		stream_end(c, &err);
}

void
stream_recv(struct call *c)
{
	stream_start(c, CORE_START_ONESHOT | CORE_START_REPLAY);
}

void
stream_listen(struct call *c)
{
	stream_start(c, CORE_START_REPLAY);
}
