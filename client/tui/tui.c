/* tui: the full-screen front end's loop: terminal, input, signals, core events, one draw per loop turn. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>
#include <uv.h>

#include "client/tui/config.h"
#include "client/tui/edit.h"
#include "client/tui/filecmd.h"
#include "client/tui/groupcmd.h"
#include "client/tui/grid.h"
#include "client/tui/keys.h"
#include "client/tui/layout.h"
#include "client/tui/say.h"
#include "client/tui/screen.h"
#include "client/tui/search.h"
#include "client/tui/tui.h"
#include "client/tui/tuiint.h"
#include "client/tui/width.h"

#define TUI_TICK_MS	1000
#define TUI_EMPTY_READS	1000

/* The handles tui_run owns besides the core. */
struct tui_handles {
	uv_poll_t	input;
	uv_signal_t	sig[4];
	uv_prepare_t	prepare;
	uv_timer_t	tick;
	uv_idle_t	warm;		/* builds the search index */
	int		nsig;
};

static void	tui_warm_cb(uv_idle_t *);

static struct tui_handles	 tui_h;
static uint64_t			 tui_t0;
static uint64_t			 tui_t1;	/* the profile is open */
static int			 tui_framed;

void
tui_notice(struct tui *t, int err, const char *fmt, ...)
{
	va_list	ap;
	char	buf[TUI_NOTICE_MAX];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	say_tui(buf, t->notice, sizeof t->notice);
	t->notice_err = err;
	t->dirty = 1;
}

void
tui_quit(struct tui *t, int status)
{
	int	i;

	if (t->quit)
		return;
	t->quit = 1;
	t->status = status;
	uv_close((uv_handle_t *)&tui_h.input, NULL);
	for (i = 0; i < tui_h.nsig; i++)
		uv_close((uv_handle_t *)&tui_h.sig[i], NULL);
	uv_close((uv_handle_t *)&tui_h.prepare, NULL);
	uv_close((uv_handle_t *)&tui_h.tick, NULL);
	uv_close((uv_handle_t *)&tui_h.warm, NULL);
	core_close(t->core);
	t->core = NULL;
}

void
tui_leave(struct tui *t)
{
	int	n = core_outbox_count(t->core);

	if (n > 0 && !t->quit_asked) {
		t->quit_asked = 1;
		tui_notice(t, 1, "%d message%s still queued: %s out the next "
		    "time natter connects; /quit or Ctrl-C again leaves now", n,
		    n == 1 ? " is" : "s are", n == 1 ? "it goes" : "they go");
		return;
	}
	tui_quit(t, 0);
}

void
tui_reconnect(struct tui *t)
{
	if (t->conn == TUI_CONN_UP) {
		tui_notice(t, 0, "already connected");
		return;
	}
	if (core_reconnect(t->core) != 0) {
		tui_notice(t, 0, "already connecting");
		return;
	}
	t->conn = TUI_CONN_CONNECTING;
	t->dirty = 1;
}

/* Write the time to the first frame to $NATTER_TUI_TIMING (benchmarks). */
static void
tui_timing(void)
{
	const char	*path = getenv("NATTER_TUI_TIMING");
	FILE		*f;

	if (path == NULL || (f = fopen(path, "a")) == NULL)
		return;
	fprintf(f, "first_frame_ms %.2f (after the profile was open: %.2f)\n",
	    (double)(uv_hrtime() - tui_t0) / 1e6,
	    (double)(uv_hrtime() - tui_t1) / 1e6);
	fclose(f);
}

/*
 * Read receipts for the received messages on screen, when the terminal has
 * the focus (a terminal without focus reporting counts as focused).
 */
static void
tui_read_shown(struct tui *t)
{
	struct core_error	err;
	int64_t			lo = 0, hi = 0;
	int			i;

	if (!t->conf.read_receipts || !t->focused || t->open == NULL ||
	    t->shown_first < 0)
		return;
	for (i = t->shown_first; i <= t->shown_last && i < t->nmsgs; i++) {
		if (!t->msgs[i].unseen)
			continue;
		if (lo == 0)
			lo = t->msgs[i].seq;
		hi = t->msgs[i].seq;
		t->msgs[i].unseen = 0;
	}
	/* The window is a run of the conversation: [lo, hi] is on screen. */
	if (lo != 0 && core_mark_read(t->core, t->open, lo, hi, NULL, NULL,
	    &err) < 0)
		tui_notice(t, 1, "%s", err.msg);
}

/* Before the loop sleeps: reload what went stale, draw once. */
static void
tui_prepare_cb(uv_prepare_t *h)
{
	struct tui	*t = h->data;

	if (t->quit)
		return;
	if (t->stale_msgs)
		view_reload_msgs(t);
	if (t->stale_convs)
		view_reload_convs(t);
	if (!t->dirty)
		return;
	t->queued = core_outbox_count(t->core);
	t->now = (int64_t)uv_now(&t->loop);
	t->wall = (int64_t)time(NULL) * 1000;
	screen_draw(t);
	t->dirty = 0;
	tui_read_shown(t);
	if (!tui_framed) {
		tui_framed = 1;
		tui_timing();
		uv_idle_start(&tui_h.warm, tui_warm_cb);
	}
}

static void
tui_tick_cb(uv_timer_t *h)
{
	struct tui	*t = h->data;

	if (core_outbox_count(t->core) != t->queued)
		t->stale_msgs = t->stale_convs = 1;
	t->dirty = 1;
}

/* While idle: index the history for /search, a chunk per turn. */
static void
tui_warm_cb(uv_idle_t *h)
{
	struct tui	*t = h->data;

	if (search_step(t->search, t->core) != 1)
		uv_idle_stop(h);
}

static void
tui_signal_cb(uv_signal_t *h, int signo)
{
	struct tui	*t = h->data;

	if (signo == SIGWINCH) {
		screen_resize(t);
		t->dirty = 1;
		return;
	}
	tui_quit(t, 0);
}

static void
tui_input_cb(uv_poll_t *h, int status, int events)
{
	struct tui	*t = h->data;

	static int	 empty;

	(void)events;
	if (status < 0) {
		tui_quit(t, 1);
		return;
	}
	/*
	 * A terminal that has gone away stays readable with nothing to
	 * read: leave rather than spin (a partial escape sequence gives a
	 * few empty wake-ups at most).
	 */
	if (keys_read(t) > 0)
		empty = 0;
	else if (++empty >= TUI_EMPTY_READS)
		tui_quit(t, 1);
}

/*
 * A message for a conversation not on screen: notify if configured, but
 * not for what the server held while we were away (one burst at most).
 */
static void
tui_notify(struct tui *t, const char *from)
{
	if (!t->live)
		return;
	switch (t->conf.notify) {
	case CONFIG_NOTIFY_BELL:
		screen_bell();
		break;
	case CONFIG_NOTIFY_OSC777:
		screen_osc("\033]777;notify;natter;message from ", from);
		break;
	case CONFIG_NOTIFY_OSC9:
		screen_osc("\033]9;natter: message from ", from);
		break;
	default:
		break;
	}
}

static void
tui_event_message(struct tui *t, const struct core_event *ev)
{
	const char	*peer = ev->outgoing ? ev->to : ev->from;
	char		 group[40];

	/* A group's message belongs to the group's conversation, "#NAME". */
	if (ev->group != NULL) {
		snprintf(group, sizeof group, "#%s", ev->group);
		peer = group;
	}
	t->stale_convs = 1;
	if (peer != NULL && t->open != NULL && strcmp(peer, t->open) == 0) {
		t->stale_msgs = 1;
		if (!ev->outgoing && (t->scroll > 0 || t->anchor > 0))
			t->newcount++;
	} else if (!ev->outgoing && peer != NULL)
		tui_notify(t, peer);
}

static void
tui_event(struct core *core, const struct core_event *ev, void *arg)
{
	struct tui	*t = arg;

	(void)core;
	t->dirty = 1;
	switch (ev->type) {
	case CORE_EV_MESSAGE:
		tui_event_message(t, ev);
		break;
	case CORE_EV_RECEIPT:
		t->stale_msgs = 1;
		break;
	case CORE_EV_HISTORY:
		t->stale_msgs = t->stale_convs = 1;
		tui_notice(t, 0, "history from the primary device: %d of %d "
		    "messages", ev->received, ev->total);
		break;
	case CORE_EV_DEVICES:
		if (ev->from_device != 0)
			tui_notice(t, 0, "device %u left this account: it is "
			    "off the signed list", ev->from_device);
		else
			tui_notice(t, 0, "this account's devices changed: "
			    "/devices lists them");
		break;
	case CORE_EV_SEEN:		/* read on another device: unread 0 */
		t->stale_msgs = t->stale_convs = 1;
		break;
	case CORE_EV_CONNECTED:
		t->conn = TUI_CONN_UP;
		t->conn_why[0] = '\0';
		t->stale_msgs = 1;
		t->live = 0;
		break;
	case CORE_EV_BACKLOG_DRAINED:
		t->live = 1;
		break;
	case CORE_EV_DISCONNECTED:
		t->conn = ev->retry_in_ms > 0 ? TUI_CONN_RETRY :
		    TUI_CONN_OFFLINE;
		t->retry_at = (int64_t)uv_now(&t->loop) + ev->retry_in_ms;
		snprintf(t->conn_why, sizeof t->conn_why, "%s", ev->error !=
		    NULL ? ev->error->msg : "");
		break;
	case CORE_EV_IDENTITY_CHANGED:
		t->stale_msgs = 1;		/* the header */
		if (t->open != NULL && ev->from != NULL &&
		    strcmp(ev->from, t->open) == 0)
			snprintf(t->banner, sizeof t->banner, "%s's key "
			    "changed: /fingerprint, then /verify NUMBER or "
			    "/accept", ev->from);
		else
			tui_notice(t, 1, "the key of %s changed",
			    ev->from != NULL ? ev->from : "?");
		break;
	case CORE_EV_ERROR:
		if (ev->error != NULL)
			tui_notice(t, 1, "%s", ev->error->msg);
		break;
	case CORE_EV_PROGRESS:
		filecmd_progress(t, ev);
		break;
	case CORE_EV_ATTACHMENT:
		filecmd_attachment(t, ev);
		break;
	case CORE_EV_GROUP_CHANGE:
		groupcmd_change(t, ev);
		break;
	default:
		break;
	}
}

/* Start the handles; 0 or -1. */
static int
tui_handles(struct tui *t)
{
	static const int	 sigs[] = { SIGWINCH, SIGTERM, SIGINT, SIGHUP };
	int			 i;

	if (uv_poll_init(&t->loop, &tui_h.input, STDIN_FILENO) != 0)
		return (-1);
	tui_h.input.data = t;
	uv_poll_start(&tui_h.input, UV_READABLE, tui_input_cb);
	for (i = 0; i < 4; i++) {
		uv_signal_init(&t->loop, &tui_h.sig[i]);
		tui_h.sig[i].data = t;
		uv_signal_start(&tui_h.sig[i], tui_signal_cb, sigs[i]);
	}
	tui_h.nsig = 4;
	uv_prepare_init(&t->loop, &tui_h.prepare);
	tui_h.prepare.data = t;
	uv_prepare_start(&tui_h.prepare, tui_prepare_cb);
	uv_timer_init(&t->loop, &tui_h.tick);
	tui_h.tick.data = t;
	uv_timer_start(&tui_h.tick, tui_tick_cb, TUI_TICK_MS, TUI_TICK_MS);
	uv_idle_init(&t->loop, &tui_h.warm);
	tui_h.warm.data = t;
	return (0);
}

/* Open the profile; 0, or -1 after telling the user why. */
static int
tui_open(struct tui *t, const char *home, const char *server, char *pass,
    size_t passlen)
{
	struct core_error	err;

	if (core_open(&t->core, &t->loop, home, pass, passlen, server, 0,
	    &err) != 0) {
		fprintf(stderr, "natter: %s\n", err.msg);
		return (-1);
	}
	if (core_account(t->core) == NULL) {
		fprintf(stderr, "natter: this profile has no account yet: run "
		    "natter register NAME first\n");
		core_close(t->core);
		t->core = NULL;
		return (-1);
	}
	t->account = core_account(t->core);
	t->device = core_device(t->core);
	t->server = core_server(t->core);
	return (0);
}

static void
tui_finish(struct tui *t)
{
	uv_run(&t->loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&t->loop) != 0)
		uv_print_all_handles(&t->loop, stderr);
	view_free(t);
	edit_free(t->edit);
	search_free(t->search);
	free(t->search_text);
}

int
tui_run(const char *home, const char *server, char *pass, size_t passlen)
{
	struct tui		t;
	struct core_error	err;
	char			cerr[TUI_NOTICE_MAX];

	tui_t0 = uv_hrtime();
	memset(&t, 0, sizeof t);
	uv_loop_init(&t.loop);
	t.edit = edit_create();
	t.search = search_create();
	t.status = 1;
	t.focused = 1;
	t.shown_first = t.shown_last = -1;
	if (config_load(&t.conf, cerr, sizeof cerr) != 0)
		tui_notice(&t, 1, "config: %s", cerr);
	if (tui_open(&t, home, server, pass, passlen) != 0) {
		tui_finish(&t);
		return (1);
	}
	tui_t1 = uv_hrtime();
	if (screen_start(&t) != 0) {
		fprintf(stderr, "natter: cannot set up the terminal\n");
		core_close(t.core);
		tui_finish(&t);
		return (1);
	}
	if (core_start(t.core, 0, tui_event, &t, &err) != 0)
		tui_notice(&t, 1, "%s", err.msg);
	t.conn = TUI_CONN_CONNECTING;
	t.status = 0;
	t.dirty = 1;
	view_reload_convs(&t);
	if (tui_handles(&t) != 0) {
		/* Nothing was started: only the core to close. */
		screen_end(&t);
		fprintf(stderr, "natter: cannot watch the terminal\n");
		core_close(t.core);
		tui_finish(&t);
		return (1);
	}
	uv_run(&t.loop, UV_RUN_DEFAULT);
	screen_end(&t);
	tui_finish(&t);
	return (t.status);
}
