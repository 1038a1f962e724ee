/* event: the core's events to its front end: one sink, events made from stored rows. */
#include <stdlib.h>
#include <string.h>

#include "client/core/event.h"
#include "client/store/store.h"
#include "shared/util/hex.h"
#include "shared/util/xmalloc.h"

struct event_sink {
	struct core	*c;
	core_event_cb	*cb;
	void		*arg;
	event_decorate_cb *decorate;
	void		*decorate_arg;
};

struct event_sink *
event_sink_create(struct core *c)
{
	struct event_sink	*s;

	s = xcalloc(1, sizeof *s);
	s->c = c;
	return (s);
}

void
event_sink_free(struct event_sink *s)
{
	free(s);
}

void
event_sink_set(struct event_sink *s, core_event_cb *cb, void *arg)
{
	s->cb = cb;
	s->arg = arg;
}

void
event_sink_decorate(struct event_sink *s, event_decorate_cb *cb, void *arg)
{
	s->decorate = cb;
	s->decorate_arg = arg;
}

void
event_decorate(struct event_sink *s, struct core_event *ev,
    const Natter__StoredMessage *m)
{
	if (m->attachment != NULL && s->decorate != NULL)
		s->decorate(s->decorate_arg, ev, m->attachment);
}

int
event_sink_has(struct event_sink *s)
{
	return (s->cb != NULL);
}

void
event_emit(struct event_sink *s, const struct core_event *ev)
{
	if (s->cb != NULL)
		s->cb(s->c, ev, s->arg);
}

void
event_id_hex(char out[CORE_IDHEXBYTES], const uint8_t *id, size_t len)
{
	if (len != CORE_IDBYTES) {
		out[0] = '\0';
		return;
	}
	hex_encode(out, id, len);
}

const char *
event_status_name(int status)
{
	switch (status) {
	case STORE_ST_SENT:
		return ("sent");
	case STORE_ST_DELIVERED:
		return ("delivered");
	case STORE_ST_READ:
		return ("read");
	case STORE_ST_RECEIVED:
		return ("received");
	case STORE_ST_SEEN:
		return ("read");	/* received, and read on this account */
	case STORE_ST_UNDECRYPTABLE:
		return ("undecryptable");
	case STORE_ST_KEY_CHANGED:
		return ("key_changed");
	}
	return ("queued");
}

void
event_from_row(struct core_event *ev, int64_t seq, int kind, int status,
    const Natter__StoredMessage *m)
{
	memset(ev, 0, sizeof *ev);
	ev->type = kind == STORE_RECEIPT ? CORE_EV_RECEIPT : CORE_EV_MESSAGE;
	ev->seq = seq;
	event_id_hex(ev->id, m->message_id.data, m->message_id.len);
	ev->from = m->from;
	ev->from_device = m->from_device;
	ev->to = m->to;
	ev->ts = m->ts;
	ev->outgoing = m->outgoing;
	ev->unseen = kind == STORE_MESSAGE && status == STORE_ST_RECEIVED;
	if (kind == STORE_RECEIPT) {
		ev->by = m->by;
		ev->status = event_status_name((int)m->status);
	} else {
		ev->text = m->text;
		ev->status = event_status_name(status);
	}
}

void
event_emit_row(struct event_sink *s, int64_t seq, int kind, int status,
    const Natter__StoredMessage *m)
{
	struct core_event	ev;

	event_from_row(&ev, seq, kind, status, m);
	event_decorate(s, &ev, m);
	event_emit(s, &ev);
}
