/* event: the core's events to its front end: one sink, events made from stored rows. */
#include <stdio.h>
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
	event_group_cb	*group_name;	/* a group's id to its name */
	void		*group_arg;
	const char	**users;	/* a change's users, NULL-terminated */
	size_t		 nusers;
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
	if (s != NULL)
		free(s->users);
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
event_sink_groups(struct event_sink *s, event_group_cb *cb, void *arg)
{
	s->group_name = cb;
	s->group_arg = arg;
}

static const char *const event_changes[] = {
	NULL, "created", "added", "removed", "left", "renamed", "admin",
};

/* A group's row: its name now (not the id the row keeps), the change. */
static void
event_group(struct event_sink *s, struct core_event *ev,
    const Natter__StoredMessage *m)
{
	size_t	i;
	int	members = 0;

	ev->group_buf[0] = '\0';
	if (s->group_name != NULL)
		s->group_name(s->group_arg, m->group.data, ev->group_buf,
		    sizeof ev->group_buf, &members);
	if (ev->type == CORE_EV_RECEIPT || ev->outgoing) {
		ev->members_n = members;
		ev->delivered_n = ev->type == CORE_EV_RECEIPT ?
		    (int)m->delivered_n : (int)m->n_delivered_by;
	}
	if (ev->group_buf[0] == '\0')
		snprintf(ev->group_buf, sizeof ev->group_buf, "?");
	ev->group = ev->group_buf;
	snprintf(ev->to_buf, sizeof ev->to_buf, "#%s", ev->group_buf);
	ev->to = ev->to_buf;
	if (m->change == 0)
		return;
	ev->type = CORE_EV_GROUP_CHANGE;
	ev->change = m->change < sizeof event_changes /
	    sizeof event_changes[0] ? event_changes[m->change] : "changed";
	ev->by = m->by != NULL ? m->by : m->from;
	ev->status = NULL;
	ev->unseen = 0;
	if (s->nusers < m->n_users + 1) {
		s->users = xreallocarray(s->users, m->n_users + 1,
		    sizeof *s->users);
		s->nusers = m->n_users + 1;
	}
	for (i = 0; i < m->n_users; i++)
		s->users[i] = m->users[i];
	s->users[i] = NULL;
	ev->users = s->users;
}

void
event_decorate(struct event_sink *s, struct core_event *ev,
    const Natter__StoredMessage *m)
{
	if (m->group.len > 0)
		event_group(s, ev, m);
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
