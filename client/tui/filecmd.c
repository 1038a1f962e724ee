/* filecmd: files in the TUI: /send-file and /save, transfer progress on the status line, how a file message reads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/core/core.h"
#include "client/tui/edit.h"
#include "client/tui/filecmd.h"
#include "client/tui/pathcomp.h"
#include "client/tui/tuiint.h"
#include "shared/util/xmalloc.h"

#define FILECMD_NAME_SHOWN	48	/* bytes of a name on the status line */

/* A /send-file on its way: what to give back if it fails. */
struct filecmd_sending {
	struct tui	*t;
	char		*peer;
	char		*line;		/* the command as typed */
};

/*
 * s as one line to show (the caller frees it): control characters, which
 * a peer may have put in a name, become "_".
 */
char *
filecmd_name(const char *s)
{
	char	*out, *p;

	out = xstrdup(s != NULL ? s : "");
	for (p = out; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '_';
	}
	return (out);
}

void
filecmd_size(char *buf, size_t len, uint64_t size)
{
	static const char	*units[] = { "KiB", "MiB", "GiB", "TiB" };
	double			 v = (double)size;
	int			 u = -1;

	if (size < 1024) {
		snprintf(buf, len, "%llu byte%s", (unsigned long long)size,
		    size == 1 ? "" : "s");
		return;
	}
	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f %s", v, units[u]);
}

char *
filecmd_label(const struct core_attachment *a, const char *caption, int brief)
{
	char	*name, *saved, *s, size[32];
	int	 sep = caption != NULL && *caption != '\0';

	name = filecmd_name(a->name);
	if (brief) {
		xasprintf(&s, "[file %s]%s%s", name, sep ? " " : "",
		    sep ? caption : "");
		free(name);
		return (s);
	}
	filecmd_size(size, sizeof size, a->size);
	saved = a->saved != NULL ? filecmd_name(a->saved) : NULL;
	xasprintf(&s, "[file %s, %s, %s%s]%s%s", name, size,
	    saved != NULL ? "saved " : "", saved != NULL ? saved :
	    a->state != NULL ? a->state : "?", sep ? " " : "",
	    sep ? caption : "");
	free(saved);
	free(name);
	return (s);
}

/* The status line's "VERB NAME N%" (redrawn only when it changes). */
static void
filecmd_show(struct tui *t, const char *verb, const char *name, uint64_t now,
    uint64_t total)
{
	char		 buf[TUI_PROGRESS_MAX], *nm;
	unsigned	 pct = 0;
	size_t		 n;

	if (total > 0)
		pct = now >= total ? 100 : (unsigned)(now * 100 / total);
	nm = filecmd_name(name);
	if ((n = strlen(nm)) > FILECMD_NAME_SHOWN) {
		/* Cut at the start of a UTF-8 sequence. */
		n = FILECMD_NAME_SHOWN;
		while (n > 0 && ((unsigned char)nm[n] & 0xc0) == 0x80)
			n--;
		nm[n] = '\0';
	}
	snprintf(buf, sizeof buf, "%s %s%s %u%%", verb, nm,
	    n < strlen(name != NULL ? name : "") ? "..." : "", pct);
	free(nm);
	if (strcmp(buf, t->progress) != 0) {
		memcpy(t->progress, buf, sizeof t->progress);
		t->dirty = 1;
	}
}

/* Done with a transfer: the status line forgets it unless one is left. */
static void
filecmd_hide(struct tui *t)
{
	if (t->sending > 0 || t->progress[0] == '\0')
		return;
	t->progress[0] = '\0';
	t->dirty = 1;
}

/* err's sentence on one line. */
static void
filecmd_error(struct tui *t, const char *what, const struct core_error *err)
{
	char	*msg;

	msg = filecmd_name(err->msg);
	tui_notice(t, 1, "%s: %s", what, msg);
	free(msg);
}

static void
filecmd_send_progress(struct core *core, const struct core_event *ev,
    void *arg)
{
	struct filecmd_sending	*cs = arg;

	(void)core;
	filecmd_show(cs->t, "sending", ev->text, ev->bytes, ev->bytes_total);
}

/*
 * As a failed text: the command comes back into the input line when
 * that is empty and the conversation still open, else Up finds it.
 */
static void
filecmd_sent(struct core *core, const struct core_error *err, const char *id,
    int64_t ts, const struct core_attachment *a, void *arg)
{
	struct filecmd_sending	*cs = arg;
	struct tui		*t = cs->t;

	(void)core;
	(void)id;
	(void)ts;
	(void)a;
	t->sending--;
	if (err == NULL || err->code != CORE_ERR_CLOSED) {
		filecmd_hide(t);
		t->stale_msgs = t->stale_convs = 1;
	}
	if (err != NULL && err->code != CORE_ERR_CLOSED) {
		if (edit_len(t->edit) == 0 && t->open != NULL &&
		    strcmp(t->open, cs->peer) == 0) {
			edit_set(t->edit, cs->line);
			filecmd_error(t, "file not sent (the command is back in "
			    "the input line)", err);
		} else
			filecmd_error(t, "file not sent (Up finds the command "
			    "in the input history)", err);
	}
	free(cs->peer);
	free(cs->line);
	free(cs);
}

void
filecmd_send(struct tui *t, const char *arg)
{
	struct filecmd_sending	*cs;
	const char		*caption, *base;
	char			*path;

	path = pathcomp_take(arg, &caption);
	cs = xcalloc(1, sizeof *cs);
	cs->t = t;
	cs->peer = xstrdup(t->open);
	xasprintf(&cs->line, "/send-file %s", arg);
	base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	t->sending++;
	filecmd_show(t, "sending", base, 0, 0);
	tui_notice(t, 0, "%s", "");
	core_send_file(t->core, t->open, path, *caption != '\0' ? caption :
	    NULL, filecmd_send_progress, filecmd_sent, cs);
	free(path);
	t->scroll = 0;
	if (t->anchor > 0) {
		t->anchor = 0;
		t->want = TUI_PAGE;
		t->stale_msgs = 1;
	}
}

/* The file /save means: the search hit's, else the newest one shown. */
static const struct tui_msg *
filecmd_pick(struct tui *t)
{
	int	i;

	for (i = 0; i < t->nmsgs && t->mark_seq != 0; i++) {
		if (t->msgs[i].seq == t->mark_seq && t->msgs[i].file != NULL)
			return (&t->msgs[i]);
	}
	for (i = t->nmsgs - 1; i >= 0; i--) {
		if (t->msgs[i].file != NULL && t->msgs[i].seq > 0)
			return (&t->msgs[i]);
	}
	return (NULL);
}

static void
filecmd_save_progress(struct core *core, const struct core_event *ev,
    void *arg)
{
	(void)core;
	filecmd_show(arg, "downloading", ev->text, ev->bytes,
	    ev->bytes_total);
}

static void
filecmd_saved(struct core *core, const struct core_error *err,
    const char *path, uint64_t size, const char *sha256, void *arg)
{
	struct tui	*t = arg;
	char		*p;

	(void)core;
	(void)sha256;
	if (err != NULL && err->code == CORE_ERR_CLOSED)
		return;
	filecmd_hide(t);
	t->stale_msgs = 1;
	if (err != NULL) {
		filecmd_error(t, "not saved", err);
		return;
	}
	p = filecmd_name(path);
	tui_notice(t, 0, "saved %s (%llu bytes)", p, (unsigned long long)size);
	free(p);
}

void
filecmd_save(struct tui *t, const char *arg)
{
	const struct tui_msg	*m;
	const char		*rest;
	char			*path;

	path = pathcomp_take(arg, &rest);
	if (*rest != '\0')
		tui_notice(t, 1, "usage: /save [PATH] (a space in PATH is "
		    "written \"\\ \")");
	else if ((m = filecmd_pick(t)) == NULL)
		tui_notice(t, 1, "no file in this conversation%s",
		    t->more ? " as far as it is loaded (PgUp for older)" : "");
	else {
		tui_notice(t, 0, "saving %s", m->file);
		core_save(t->core, m->id, *path != '\0' ? path : NULL,
		    filecmd_save_progress, filecmd_saved, t);
	}
	free(path);
}

void
filecmd_progress(struct tui *t, const struct core_event *ev)
{
	if (t->sending == 0)
		filecmd_show(t, "downloading", ev->text, ev->bytes,
		    ev->bytes_total);
}

void
filecmd_attachment(struct tui *t, const struct core_event *ev)
{
	char	*name;

	t->stale_msgs = 1;
	filecmd_hide(t);
	if (ev->error == NULL)
		return;
	name = filecmd_name(ev->attachment != NULL ? ev->attachment->name :
	    ev->text);
	filecmd_error(t, name, ev->error);
	free(name);
}
