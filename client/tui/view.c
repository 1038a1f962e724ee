/* view: the TUI's model (conversation list, the open conversation's window) loaded from the core. */
#include <stdlib.h>
#include <string.h>

#include "client/tui/filecmd.h"
#include "client/tui/groupcmd.h"
#include "client/tui/tuiint.h"
#include "client/tui/width.h"
#include "shared/util/xmalloc.h"

#define VIEW_PREVIEW_MAX	80	/* bytes of a preview */

const char *
view_state_name(enum tui_state s)
{
	switch (s) {
	case TUI_ST_QUEUED:
		return ("queued");
	case TUI_ST_SENT:
		return ("sent");
	case TUI_ST_DELIVERED:
		return ("delivered");
	case TUI_ST_READ:
		return ("read");
	case TUI_ST_RECEIVED:
		break;
	}
	return ("received");
}

static enum tui_state
view_state(const char *s)
{
	if (s == NULL || strcmp(s, "queued") == 0)
		return (TUI_ST_QUEUED);
	if (strcmp(s, "sent") == 0)
		return (TUI_ST_SENT);
	if (strcmp(s, "delivered") == 0)
		return (TUI_ST_DELIVERED);
	if (strcmp(s, "read") == 0)
		return (TUI_ST_READ);
	return (TUI_ST_RECEIVED);
}

/* A one-line preview: newlines as spaces, whole clusters, bounded. */
static char *
view_preview(const char *text, int outgoing)
{
	char	*p, *s;
	size_t	 len = strlen(text), n = 0, k;
	int	 cols;

	while (n < len) {
		k = width_cluster(text + n, len - n, &cols);
		if (n + k > VIEW_PREVIEW_MAX)
			break;
		n += k;
	}
	xasprintf(&s, "%s%.*s", outgoing ? "you: " : "", (int)n, text);
	for (p = s; *p != '\0'; p++) {
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	}
	return (s);
}

static void
view_free_convs(struct tui *t)
{
	int	i;

	for (i = 0; i < t->nconvs; i++) {
		free(t->convs[i].peer);
		free(t->convs[i].preview);
	}
	free(t->convs);
	t->convs = NULL;
	t->nconvs = 0;
}

static void
view_free_msg(struct tui_msg *m)
{
	free(m->from);
	free(m->text);
	free(m->file);
}

static void
view_free_msgs(struct tui *t)
{
	int	i;

	for (i = 0; i < t->nmsgs; i++)
		view_free_msg(&t->msgs[i]);
	free(t->msgs);
	t->msgs = NULL;
	t->nmsgs = 0;
}

static void
view_add_conv(struct tui *t, const char *peer, int64_t ts, const char *text,
    int outgoing, int unread)
{
	struct tui_conv	*cv;

	t->convs = xreallocarray(t->convs, (size_t)t->nconvs + 1,
	    sizeof *t->convs);
	cv = &t->convs[t->nconvs++];
	cv->peer = xstrdup(peer);
	cv->ts = ts;
	cv->preview = view_preview(text != NULL ? text : "", outgoing);
	cv->unread = unread;
}

/* A conversation's last message, when it is a file: its preview. */
struct view_last {
	int64_t	 seq;
	char	*preview;
};

static void
view_last_cb(struct core *core, const struct core_event *ev, void *arg)
{
	struct view_last	*l = arg;

	(void)core;
	if (ev->seq == l->seq && ev->attachment != NULL && l->preview == NULL)
		l->preview = filecmd_label(ev->attachment, ev->text, 1);
}

static void
view_conv_cb(struct core *core, const struct core_conv *c, void *arg)
{
	struct tui		*t = arg;
	struct core_error	 err;
	struct view_last	 l = { c->last_seq, NULL };
	const char		*text = c->text;
	int			 unread = c->unread;

	/* core_conv has no attachment: the message itself says. */
	if (core_history(core, c->peer, 1, view_last_cb, &l, &err) == 0 &&
	    l.preview != NULL)
		text = l.preview;
	/* Being looked at: nothing is unread. */
	if (t->open != NULL && strcmp(c->peer, t->open) == 0)
		unread = 0;
	view_add_conv(t, c->peer, c->ts, text, c->outgoing, unread);
	free(l.preview);
}

/*
 * Queued messages count for the list too: the newest (they come oldest
 * first) is its conversation's preview.
 */
static void
view_queued_conv(struct core *core, const struct core_event *ev, void *arg)
{
	struct tui	*t = arg;
	char		*text;
	int		 i;

	(void)core;
	xasprintf(&text, "(queued) %s", ev->text != NULL ? ev->text : "");
	for (i = 0; i < t->nconvs; i++) {
		if (strcmp(t->convs[i].peer, ev->to) == 0) {
			free(t->convs[i].preview);
			t->convs[i].preview = view_preview(text, 1);
			t->convs[i].ts = ev->ts;
			break;
		}
	}
	if (i == t->nconvs)
		view_add_conv(t, ev->to, ev->ts, text, 1, 0);
	free(text);
}

/* The place of peer in the list, pinning it at the end if new. */
static int
view_pin(struct tui *t, const char *peer)
{
	int	i;

	for (i = 0; i < t->npins; i++) {
		if (strcmp(t->pins[i], peer) == 0)
			return (i);
	}
	t->pins = xreallocarray(t->pins, (size_t)t->npins + 1,
	    sizeof *t->pins);
	t->pins[t->npins] = xstrdup(peer);
	return (t->npins++);
}

static int
view_pin_cmp(const void *a, const void *b)
{
	const struct tui_conv	*x = a, *y = b;

	return ((x->pin > y->pin) - (x->pin < y->pin));
}

/*
 * Keep the list's order (and so Alt-1..9) stable: a conversation keeps the
 * place where it first appeared; new ones, most recent first, go below.
 */
static void
view_pin_convs(struct tui *t)
{
	int	i;

	for (i = 0; i < t->nconvs; i++)
		t->convs[i].pin = view_pin(t, t->convs[i].peer);
	if (t->nconvs > 1)
		qsort(t->convs, (size_t)t->nconvs, sizeof *t->convs,
		    view_pin_cmp);
}

void
view_reload_convs(struct tui *t)
{
	struct core_error	err;
	int			i;

	view_free_convs(t);
	if (core_conversations(t->core, view_conv_cb, t, &err) != 0)
		tui_notice(t, 1, "%s", err.msg);
	core_queued(t->core, NULL, view_queued_conv, t);
	if (t->open != NULL) {
		for (i = 0; i < t->nconvs; i++) {
			if (strcmp(t->convs[i].peer, t->open) == 0)
				break;
		}
		if (i == t->nconvs)
			view_add_conv(t, t->open, 0, "", 0, 0);
	}
	view_pin_convs(t);
	t->stale_convs = 0;
	t->dirty = 1;
}

static void
view_msg_cb(struct core *core, const struct core_event *ev, void *arg)
{
	struct tui	*t = arg;
	struct tui_msg	*m;

	(void)core;
	t->msgs = xreallocarray(t->msgs, (size_t)t->nmsgs + 1, sizeof *t->msgs);
	m = &t->msgs[t->nmsgs++];
	memset(m, 0, sizeof *m);
	m->seq = ev->seq;
	memcpy(m->id, ev->id, sizeof m->id);
	m->from = xstrdup(ev->from != NULL ? ev->from : "?");
	if (ev->status != NULL && strcmp(ev->status, "undecryptable") == 0)
		m->text = xstrdup("(a message that could not be decrypted: "
		    "its sender was asked to send it again)");
	else if (ev->status != NULL && strcmp(ev->status, "key_changed") == 0)
		m->text = xstrdup("(the identity key changed here: /fingerprint "
		    "to compare, then /verify NUMBER or /accept)");
	else if (ev->type == CORE_EV_GROUP_CHANGE || ev->change != NULL) {
		m->text = groupcmd_change_text(ev);
		m->change = 1;
	} else if (ev->attachment != NULL) {
		m->text = filecmd_label(ev->attachment, ev->text, 0);
		m->file = filecmd_name(ev->attachment->name);
	} else
		m->text = xstrdup(ev->text != NULL ? ev->text : "");
	m->ts = ev->ts;
	m->outgoing = ev->outgoing;
	m->unseen = ev->unseen;
	m->state = view_state(ev->status);
	m->delivered_n = ev->delivered_n;
	m->read_n = ev->read_n;
	m->members_n = ev->members_n;
}

void
view_reload_msgs(struct tui *t)
{
	struct core_error	err;
	int			stored;

	view_free_msgs(t);
	t->stale_msgs = 0;
	t->dirty = 1;
	t->trust = NULL;
	if (t->open == NULL)
		return;
	t->trust = core_trust_state(t->core, t->open);
	groupcmd_load_members(t);
	if (core_history_before(t->core, t->open, t->anchor, t->want + 1,
	    view_msg_cb, t, &err) != 0) {
		tui_notice(t, 1, "%s", err.msg);
		return;
	}
	stored = t->nmsgs;
	t->more = stored > t->want;
	if (t->more) {
		/* One extra was read only to learn that there are more. */
		view_free_msg(&t->msgs[0]);
		memmove(t->msgs, t->msgs + 1, (size_t)--t->nmsgs *
		    sizeof *t->msgs);
	}
	if (t->anchor == 0)
		core_queued(t->core, t->open, view_msg_cb, t);
	if (core_mark_seen(t->core, t->open) != 0)
		tui_notice(t, 1, "cannot update the profile");
}

/* The unread count the list shows for peer. */
static int
view_unread(struct tui *t, const char *peer)
{
	int	i;

	for (i = 0; i < t->nconvs; i++) {
		if (strcmp(t->convs[i].peer, peer) == 0)
			return (t->convs[i].unread);
	}
	return (0);
}

/* The seq of the first of the last n received messages loaded, or 0. */
static int64_t
view_first_unread(struct tui *t, int n)
{
	int	i;

	for (i = t->nmsgs - 1; i >= 0 && n > 0; i--) {
		if (!t->msgs[i].outgoing && t->msgs[i].seq > 0 && --n == 0)
			return (t->msgs[i].seq);
	}
	return (0);
}

void
view_open(struct tui *t, const char *peer)
{
	int	unread;

	if (t->open != NULL && strcmp(t->open, peer) == 0)
		return;
	unread = view_unread(t, peer);
	free(t->open);
	t->open = xstrdup(peer);
	t->want = TUI_PAGE;
	t->anchor = 0;
	t->scroll = 0;
	t->mark_seq = 0;
	t->newcount = 0;
	t->banner[0] = '\0';
	if (strcmp(core_trust_state(t->core, peer), "changed") == 0)
		snprintf(t->banner, sizeof t->banner, "%s's key changed: "
		    "/fingerprint, then /verify NUMBER or /accept", peer);
	view_reload_msgs(t);
	t->unread_seq = unread > 0 ? view_first_unread(t, unread) : 0;
	view_reload_convs(t);
}

void
view_bottom(struct tui *t)
{
	t->scroll = 0;
	t->scrolled = 1;
	t->newcount = 0;
	if (t->anchor > 0) {
		t->anchor = 0;
		t->want = TUI_PAGE;
		t->stale_msgs = 1;
	}
	t->dirty = 1;
}

void
view_close(struct tui *t)
{
	free(t->open);
	t->open = NULL;
	t->banner[0] = '\0';
	t->unread_seq = 0;
	t->newcount = 0;
	view_free_msgs(t);
	groupcmd_free_members(t);
	view_reload_convs(t);
}

void
view_jump(struct tui *t, int index)
{
	if (index >= 0 && index < t->nconvs)
		view_open(t, t->convs[index].peer);
}

void
view_cycle(struct tui *t, int delta)
{
	int	i, cur = -1;

	if (t->nconvs == 0)
		return;
	for (i = 0; i < t->nconvs; i++) {
		if (t->open != NULL && strcmp(t->convs[i].peer, t->open) == 0)
			cur = i;
	}
	if (cur < 0)
		cur = delta > 0 ? -1 : 0;
	view_jump(t, ((cur + delta) % t->nconvs + t->nconvs) % t->nconvs);
}

void
view_free(struct tui *t)
{
	int	i;

	for (i = 0; i < t->npins; i++)
		free(t->pins[i]);
	free(t->pins);
	t->pins = NULL;
	t->npins = 0;
	view_free_convs(t);
	view_free_msgs(t);
	groupcmd_free_members(t);
	free(t->open);
	t->open = NULL;
}
