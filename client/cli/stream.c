/* stream: the streaming commands recv and listen, which print each message once its file is in (and saved, with --save). */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "client/cli/call.h"
#include "client/cli/cli.h"
#include "client/core/core.h"
#include "client/cli/stream.h"
#include "shared/util/xmalloc.h"

/*
 * A message event held back until its file is downloaded (and saved when
 * --save asks): its own copy, printed in arrival order.
 */
struct stream_held {
	struct core_event	 ev;
	char			*from, *to, *group, *text, *status, *by;
	char			**users;	/* a group change's, NULL-ended */
	char			*name, *mime, *saved;
	char			 state[16];
	int			 waiting;
	int			 saving;	/* core_save is on it */
	struct call		*call;
	TAILQ_ENTRY(stream_held) entry;
};
TAILQ_HEAD(stream_helds, stream_held);

struct stream {
	uv_timer_t		 timer;
	struct call		*call;
	int			 timing;
	int			 drained;	/* recv: backlog and wait over */
	struct stream_helds	 held;
};

static void	stream_flush(struct call *);

static void
stream_held_free(struct stream_held *h)
{
	size_t	i;

	free(h->from);
	free(h->to);
	free(h->group);
	free(h->text);
	free(h->status);
	free(h->name);
	free(h->mime);
	free(h->saved);
	free(h->by);
	for (i = 0; h->users != NULL && h->users[i] != NULL; i++)
		free(h->users[i]);
	free(h->users);
	free(h);
}

static void
stream_closed(uv_handle_t *h)
{
	struct stream		*s = h->data;
	struct stream_held	*x;

	while ((x = TAILQ_FIRST(&s->held)) != NULL) {
		TAILQ_REMOVE(&s->held, x, entry);
		if (x->saving)
			x->call = NULL;	/* stream_saved frees it */
		else
			stream_held_free(x);
	}
	free(s);
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

	s->drained = 1;
	if (TAILQ_EMPTY(&s->held))
		stream_end(s->call, NULL);
}

/* recv is one-shot: a lost connection ends it with an error (so does
 * listen's, once the core gave up). */
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

static char *
stream_dup(const char *s)
{
	return (s != NULL ? xstrdup(s) : NULL);
}

/* A copy of a group change's users (NULL: none). */
static void
stream_users(struct stream_held *h, const char * const *users)
{
	size_t	i, n = 0;

	if (users == NULL)
		return;
	while (users[n] != NULL)
		n++;
	h->users = xcalloc(n + 1, sizeof *h->users);
	for (i = 0; i < n; i++)
		h->users[i] = xstrdup(users[i]);
	h->ev.users = (const char * const *)h->users;
}

/* Hold a copy of ev (a message whose file is on its way). */
static struct stream_held *
stream_hold(struct stream *s, const struct core_event *ev)
{
	struct stream_held	*h;

	h = xcalloc(1, sizeof *h);
	h->ev = *ev;
	h->ev.from = h->from = stream_dup(ev->from);
	h->ev.to = h->to = stream_dup(ev->to);
	h->ev.group = h->group = stream_dup(ev->group);
	h->ev.text = h->text = stream_dup(ev->text);
	h->ev.status = h->status = stream_dup(ev->status);
	h->ev.by = h->by = stream_dup(ev->by);
	stream_users(h, ev->users);
	h->call = s->call;
	h->waiting = 1;
	TAILQ_INSERT_TAIL(&s->held, h, entry);
	if (ev->attachment == NULL)
		return (h);
	h->ev.attachment_buf = *ev->attachment;
	h->ev.attachment = &h->ev.attachment_buf;
	h->ev.attachment_buf.name = h->name = stream_dup(ev->attachment->name);
	h->ev.attachment_buf.mime = h->mime = stream_dup(ev->attachment->mime);
	h->ev.attachment_buf.saved = h->saved =
	    stream_dup(ev->attachment->saved);
	snprintf(h->state, sizeof h->state, "%s", ev->attachment->state);
	h->ev.attachment_buf.state = h->state;
	return (h);
}

static void
stream_saved(struct core *core, const struct core_error *err,
    const char *path, uint64_t size, const char *sha256, void *arg)
{
	struct stream_held	*h = arg;
	struct call		*c = h->call;

	(void)core;
	(void)size;
	(void)sha256;
	if (c == NULL) {
		stream_held_free(h);	/* the command ended meanwhile */
		return;
	}
	h->saving = 0;
	if (err != NULL) {
		fprintf(stderr, "natter: %s\n", err->msg);
		snprintf(h->state, sizeof h->state, "%s",
		    err->code == CORE_ERR_CRYPTO ? "refused" : "unsaved");
	} else {
		snprintf(h->state, sizeof h->state, "ready");
		free(h->saved);
		h->ev.attachment_buf.saved = h->saved = xstrdup(path);
	}
	h->waiting = 0;
	if (c->priv != NULL)
		stream_flush(c);
}

/*
 * h's file is here (or, early, about to be fetched: then its download
 * writes the file as it checks out): save it (--save DIR) or let it go.
 */
static void
stream_ready(struct call *c, struct stream_held *h, int early)
{
	const char	*dir = cli_str(c->params, "save");

	if (dir == NULL || (!early && strcmp(h->state, "ready") != 0) ||
	    h->saved != NULL) {
		h->waiting = 0;
		return;
	}
	h->saving = 1;
	core_save(c->core, h->ev.id, dir, NULL, stream_saved, h);
}

/* Print held events from the front while they are complete. */
static void
stream_flush(struct call *c)
{
	struct stream		*s = c->priv;
	struct stream_held	*h;

	while (s != NULL && (h = TAILQ_FIRST(&s->held)) != NULL &&
	    !h->waiting) {
		TAILQ_REMOVE(&s->held, h, entry);
		if (c->ops->event != NULL)
			c->ops->event(c, &h->ev);
		stream_held_free(h);
		s = c->priv;	/* the event may have ended the call */
	}
	if (s != NULL && s->drained && TAILQ_EMPTY(&s->held))
		stream_end(c, NULL);
}

/* A file came in (or failed): the held messages with it go on. */
static void
stream_attachment(struct call *c, const struct core_event *ev)
{
	struct stream		*s = c->priv;
	struct stream_held	*h;

	TAILQ_FOREACH(h, &s->held, entry) {
		if (!h->waiting || h->saving || h->ev.attachment == NULL ||
		    strcmp(h->ev.attachment_buf.blob,
		    ev->attachment->blob) != 0)
			continue;
		snprintf(h->state, sizeof h->state, "%s",
		    ev->attachment->state);
		stream_ready(c, h, 0);
	}
	stream_flush(c);
}

/* A message: printed now, or held (in order) until its file is in. */
static void
stream_message(struct call *c, const struct core_event *ev)
{
	struct stream		*s = c->priv;
	struct stream_held	*h;
	const char		*st;

	if (ev->attachment == NULL && TAILQ_EMPTY(&s->held)) {
		if (c->ops->event != NULL)
			c->ops->event(c, ev);
		return;
	}
	h = stream_hold(s, ev);
	st = ev->attachment != NULL ? ev->attachment->state : "ready";
	if (ev->attachment == NULL)
		h->waiting = 0;
	else if (strcmp(st, "pending") == 0 && cli_str(c->params, "save") !=
	    NULL)
		stream_ready(c, h, 1);
	else if (strcmp(st, "pending") != 0 && strcmp(st, "downloading") != 0)
		stream_ready(c, h, 0);
	stream_flush(c);
}

static void
stream_event(struct core *core, const struct core_event *ev, void *arg)
{
	struct call	*c = arg;
	struct stream	*s = c->priv;

	(void)core;
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
		/* recv ends at any loss; listen when the core gave up
		 * (nothing will reconnect: this device was removed, the
		 * server does not know the account). */
		if (c->cmd->run == stream_recv ||
		    (ev->retry_in_ms == 0 && ev->error != NULL)) {
			stream_lost(c, ev->error);
			return;
		}
		break;
	case CORE_EV_MESSAGE:
	case CORE_EV_RECEIPT:
	case CORE_EV_GROUP_CHANGE:
		stream_message(c, ev);
		return;
	case CORE_EV_ATTACHMENT:
		if (c->ops->event != NULL && ev->error != NULL)
			c->ops->event(c, ev);
		if (c->priv != NULL)
			stream_attachment(c, ev);
		return;
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
	TAILQ_INIT(&s->held);
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
