/* commands: the TUI's command table (the one source for running, /help, completion and natter(1)). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/tui/commands.h"
#include "client/tui/edit.h"
#include "client/tui/filecmd.h"
#include "client/tui/groupcmd.h"
#include "client/tui/keys.h"
#include "client/tui/pathcomp.h"
#include "client/tui/search.h"
#include "client/tui/tuiint.h"
#include "shared/proto/wire.h"
#include "shared/util/xmalloc.h"

/* A message on its way (what to give back if it fails), or a lookup. */
struct commands_sending {
	struct tui	*t;
	char		*peer;
	char		*text;		/* NULL for a lookup */
};

static void	commands_open(struct tui *, const char *);
static void	commands_close(struct tui *, const char *);
static void	commands_search(struct tui *, const char *);
static void	commands_fingerprint(struct tui *, const char *);
static void	commands_verify(struct tui *, const char *);
static void	commands_accept(struct tui *, const char *);
static void	commands_devices(struct tui *, const char *);
static void	commands_keys(struct tui *, const char *);
static void	commands_help(struct tui *, const char *);
static void	commands_reconnect(struct tui *, const char *);
static void	commands_quit(struct tui *, const char *);
static void	commands_complete_with(struct tui *, const char **, int,
		    const char *, size_t, int, char *, size_t);

const struct commands_entry commands_table[] = {
	{ "open", "NAME | #GROUP", "open the conversation with NAME or the "
	    "group GROUP", 1, 0, 0,
	    commands_open },
	{ "close", "", "close the open conversation", 0, 1, 0, commands_close },
	{ "send-file", "PATH [CAPTION ...]", "send the file at PATH to the "
	    "open contact, with CAPTION if given (Tab completes PATH; \"\\ \" "
	    "is a space in it)", 1, 1, 1, filecmd_send },
	{ "save", "[PATH]", "write out the file of the newest message with one "
	    "(or of the /search hit) to PATH, a directory, or ./NAME", 0, 1, 1,
	    filecmd_save },
	{ "group", "[" GROUPCMD_USAGE "]", "make a group and open it, or "
	    "change the open group (admins add, remove, rename and make "
	    "admins; anyone may leave); no argument lists its members", 0, 0,
	    0, groupcmd_run },
	{ "search", "[TEXT]", "find TEXT in the local history, newest first"
	    " (Unicode case folded); with no TEXT, or Alt-n, the next older hit"
	    " (Alt-N: newer)", 0, 0, 0, commands_search },
	{ "fingerprint", "", "show the safety number with the open contact",
	    0, 1, 0, commands_fingerprint },
	{ "verify", "NUMBER", "compare NUMBER with the safety number and mark"
	    " the contact verified", 1, 1, 0, commands_verify },
	{ "accept", "", "accept the open contact's changed key without"
	    " verifying it", 0, 1, 0, commands_accept },
	{ "devices", "[approve CODE | remove N]", "list this account's "
	    "devices; on the primary, add the device showing CODE, or remove "
	    "device N; this device's own N leaves the account", 0, 0, 0,
	    commands_devices },
	{ "keys", "[rotate]", "show this device's signed prekey, or make a "
	    "new one now", 0, 0, 0, commands_keys },
	{ "reconnect", "", "connect to the server now instead of waiting for"
	    " the next try", 0, 0, 0, commands_reconnect },
	{ "help", "[COMMAND | keys]", "list the commands, describe one, or "
	    "list the keys", 0, 0, 0, commands_help },
	{ "quit", "", "leave natter", 0, 0, 0, commands_quit },
	{ NULL, NULL, NULL, 0, 0, 0, NULL }
};

const struct commands_entry *
commands_find(const char *name)
{
	const struct commands_entry	*e;

	for (e = commands_table; e->name != NULL; e++) {
		if (strcmp(e->name, name) == 0)
			return (e);
	}
	return (NULL);
}

/* The server's answer about a name /open did not know. */
static void
commands_open_checked(struct core *core, const struct core_error *err,
    void *arg)
{
	struct commands_sending	*cs = arg;
	struct tui		*t = cs->t;

	(void)core;
	if (err != NULL && err->code == CORE_ERR_UNKNOWN_USER) {
		if (t->open != NULL && strcmp(t->open, cs->peer) == 0)
			view_close(t);
		tui_notice(t, 1, "%s", err->msg);
	}
	free(cs->peer);
	free(cs);
}

/* The server's answer about a group /open did not know. */
static void
commands_group_checked(struct core *core, const struct core_error *err,
    const struct core_group *g, void *arg)
{
	struct commands_sending	*cs = arg;
	struct tui		*t = cs->t;

	(void)core;
	(void)g;
	if (err != NULL && err->code != CORE_ERR_CLOSED) {
		if (t->open != NULL && strcmp(t->open, cs->peer) == 0)
			view_close(t);
		tui_notice(t, 1, "%s: %s", cs->peer, err->msg);
	}
	free(cs->peer);
	free(cs);
}

/* Whether peer has a conversation here or a known key. */
static int
commands_known(struct tui *t, const char *peer)
{
	int	i;

	for (i = 0; i < t->nconvs; i++) {
		if (strcmp(t->convs[i].peer, peer) == 0)
			return (1);
	}
	return (strcmp(core_trust_state(t->core, peer), "unknown") != 0);
}

/* Open at once; a name never seen is looked up, and closed if unknown. */
static void
commands_open(struct tui *t, const char *arg)
{
	struct commands_sending	*cs;

	if (!groupcmd_name_valid(arg)) {
		tui_notice(t, 1, "invalid name \"%.40s\": use 1 to 32 of "
		    "a-z 0-9 . _ -, or # and a group's", arg);
		return;
	}
	tui_notice(t, 0, "%s", "");
	if (groupcmd_is_group(arg) && !commands_known(t, arg)) {
		/* A group never seen here: the server says whether we are in. */
		cs = xcalloc(1, sizeof *cs);
		cs->t = t;
		cs->peer = xstrdup(arg);
		core_group_info(t->core, arg + 1, commands_group_checked, cs);
	} else if (!groupcmd_is_group(arg) && !commands_known(t, arg) &&
	    strcmp(arg, t->account) != 0) {
		cs = xcalloc(1, sizeof *cs);
		cs->t = t;
		cs->peer = xstrdup(arg);
		core_user_check(t->core, arg, commands_open_checked, cs);
	}
	view_open(t, arg);
}

static void
commands_close(struct tui *t, const char *arg)
{
	(void)arg;
	view_close(t);
}

/* Show the hit seq in peer's conversation, inside a window around it. */
static void
commands_show(struct tui *t, const char *peer, int64_t seq)
{
	int64_t	anchor;

	view_open(t, peer);
	/* Some messages after the hit, the rest of a page before it. */
	anchor = core_history_after(t->core, peer, seq, TUI_PAGE / 5);
	t->anchor = anchor > 0 ? anchor : 0;
	t->want = TUI_PAGE;
	t->mark_seq = seq;
	t->mark_top = 1;
	t->search_seq = seq;
	view_reload_msgs(t);
}

/* core_search's hit (one at most). */
struct commands_hit {
	int64_t	seq;
	char	peer[WIRE_NAME_MAX + 1];
};

static void
commands_hit(struct core *core, const struct core_event *ev, void *arg)
{
	struct commands_hit	*h = arg;

	(void)core;
	h->seq = ev->seq;
	snprintf(h->peer, sizeof h->peer, "%s", ev->outgoing ? ev->to :
	    ev->from);
}

void
commands_search_next(struct tui *t, int dir)
{
	struct core_error	 err;
	struct commands_hit	 h;
	const char		*peer = NULL;
	char			*p;
	int64_t			 seq = 0;
	int			 rc;

	if (t->search_text == NULL) {
		tui_notice(t, 1, "no search yet: /search TEXT");
		return;
	}
	snprintf(err.msg, sizeof err.msg, "cannot read the history");
	if (t->search != NULL)
		rc = search_find(t->search, t->core, t->search_text,
		    t->search_seq, dir, &seq, &peer);
	else if (dir < 0) {
		/* No index: the database, older hits only. */
		memset(&h, 0, sizeof h);
		rc = core_search(t->core, t->search_text, t->search_seq,
		    commands_hit, &h, &err);
		seq = h.seq;
		peer = h.peer;
	} else
		rc = 0;
	if (rc < 0)
		tui_notice(t, 1, "%s", err.msg);
	else if (rc == 0 && dir < 0) {
		tui_notice(t, 0, "no %smatch for \"%.60s\"", t->search_seq > 0 ?
		    "older " : "", t->search_text);
		t->search_seq = 0;	/* the next one starts at the newest */
	} else if (rc == 0) {
		tui_notice(t, 0, "no newer match for \"%.60s\"",
		    t->search_text);
		t->search_seq = 0;	/* the next one starts at the oldest */
	} else {
		p = xstrdup(peer);
		commands_show(t, p, seq);
		free(p);
		tui_notice(t, 0, "match in %s; Alt-n (or /search) for an older "
		    "one, Alt-N newer%s", t->open, t->anchor > 0 ?
		    ", PgDn to the end for the latest" : "");
	}
}

static void
commands_search(struct tui *t, const char *arg)
{
	if (*arg != '\0' && (t->search_text == NULL ||
	    strcmp(t->search_text, arg) != 0)) {
		free(t->search_text);
		t->search_text = xstrdup(arg);
		t->search_seq = 0;
	}
	commands_search_next(t, -1);
}

static void
commands_fpr_cb(struct core *core, const struct core_error *err,
    const char *number, void *arg)
{
	struct tui	*t = arg;

	(void)core;
	if (err != NULL)
		tui_notice(t, 1, "%s", err->msg);
	else
		tui_notice(t, 0, "safety number: %s", number);
}

static void
commands_fingerprint(struct tui *t, const char *arg)
{
	(void)arg;
	core_fingerprint(t->core, t->open, commands_fpr_cb, t);
}

static void
commands_verify_cb(struct core *core, const struct core_error *err, void *arg)
{
	struct tui	*t = arg;

	(void)core;
	if (err != NULL) {
		tui_notice(t, 1, "%s", err->msg);
		return;
	}
	t->banner[0] = '\0';
	t->stale_msgs = 1;		/* the header */
	tui_notice(t, 0, "verified");
}

static void
commands_verify(struct tui *t, const char *arg)
{
	core_verify(t->core, t->open, arg, commands_verify_cb, t);
}

static void
commands_accept(struct tui *t, const char *arg)
{
	struct core_error	err;

	(void)arg;
	if (core_trust_accept(t->core, t->open, &err) != 0) {
		tui_notice(t, 1, "%s", err.msg);
		return;
	}
	t->banner[0] = '\0';
	t->stale_msgs = 1;
	tui_notice(t, 0, "accepted the new key of %s (not verified)", t->open);
}

static void
commands_devices_listed(struct core *core, const struct core_error *err,
    const struct core_device *v, size_t n, void *arg)
{
	struct tui	*t = arg;
	char		 line[256];
	size_t		 i, len = 0;

	(void)core;
	if (err != NULL) {
		tui_notice(t, 1, "%s", err->msg);
		return;
	}
	for (i = 0; i < n && len < sizeof line; i++)
		len += (size_t)snprintf(line + len, sizeof line - len,
		    "%s%u%s%s%s%s", i > 0 ? ", " : "", v[i].device,
		    v[i].label != NULL && *v[i].label != '\0' ? " " : "",
		    v[i].label != NULL ? v[i].label : "",
		    v[i].primary ? " (primary)" : "",
		    v[i].current ? " (this one)" : "");
	tui_notice(t, 0, "devices: %s", line);
}

static void
commands_devices_progress(struct core *core, const struct core_event *ev,
    void *arg)
{
	(void)core;
	tui_notice(arg, 0, "history for device %u: %d of %d messages on the "
	    "server", ev->from_device, ev->received, ev->total);
}

static void
commands_devices_approved(struct core *core, const struct core_error *err,
    uint32_t device, const char *label, int history, void *arg)
{
	struct tui	*t = arg;

	(void)core;
	if (err != NULL)
		tui_notice(t, 1, "%s", err->msg);
	else
		tui_notice(t, 0, "device %u (%s) linked to this account; %d "
		    "messages of history sent to it", device, label != NULL &&
		    *label != '\0' ? label : "no name", history);
}

static void
commands_devices_removed(struct core *core, const struct core_error *err,
    void *arg)
{
	struct tui	*t = arg;

	(void)core;
	if (err != NULL)
		tui_notice(t, 1, "%s", err->msg);
	else
		tui_notice(t, 0, "device removed: it can no longer sign in");
}

static void
commands_devices(struct tui *t, const char *arg)
{
	char		*end;
	unsigned long	 n;

	if (*arg == '\0')
		core_devices_list(t->core, commands_devices_listed, t);
	else if (strncmp(arg, "approve ", 8) == 0)
		core_devices_approve(t->core, arg + 8,
		    commands_devices_progress, commands_devices_approved, t);
	else if (strncmp(arg, "remove ", 7) == 0 &&
	    (n = strtoul(arg + 7, &end, 10)) > 0 && *end == '\0' &&
	    n <= UINT32_MAX)
		core_devices_remove(t->core, (uint32_t)n,
		    commands_devices_removed, t);
	else
		tui_notice(t, 1, "usage: /devices [approve CODE | remove N]");
}

/* /help keys: the key map, a line each. */
static void
commands_help_keys(struct tui *t)
{
	const struct keys_help	*k;
	char			 buf[TUI_NOTICE_MAX];
	size_t			 n = 0;

	for (k = keys_map; k->keys != NULL && n < sizeof buf; k++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%-28s %s",
		    n > 0 ? "\n" : "", k->keys, k->help);
	tui_notice(t, 0, "%s", buf);
}

static void
commands_keys_rotated(struct core *core, const struct core_error *err,
    void *arg)
{
	struct tui	*t = arg;

	if (err != NULL)
		tui_notice(t, 1, "%s", err->msg);
	else
		tui_notice(t, 0, "new signed prekey %u is on the server; the old "
		    "one is wiped in 30 days", core_keys_spk_id(core));
}

static void
commands_keys(struct tui *t, const char *arg)
{
	if (*arg == '\0')
		tui_notice(t, 0, "signed prekey %u (a new one weekly; /keys "
		    "rotate for one now)", core_keys_spk_id(t->core));
	else if (strcmp(arg, "rotate") == 0)
		core_keys_rotate(t->core, commands_keys_rotated, t);
	else
		tui_notice(t, 1, "usage: /keys [rotate]");
}

static void
commands_help(struct tui *t, const char *arg)
{
	const struct commands_entry	*e;
	char				 buf[TUI_NOTICE_MAX], use[64];
	size_t				 n = 0;

	if (*arg == '/')
		arg++;
	if (strcmp(arg, "keys") == 0) {
		commands_help_keys(t);
		return;
	}
	if (*arg != '\0') {
		if ((e = commands_find(arg)) == NULL)
			tui_notice(t, 1, "unknown command /%.40s", arg);
		else
			tui_notice(t, 0, "/%s%s%s: %s", e->name,
			    *e->args != '\0' ? " " : "", e->args, e->help);
		return;
	}
	for (e = commands_table; e->name != NULL && n < sizeof buf; e++) {
		snprintf(use, sizeof use, "/%s%s%s", e->name,
		    *e->args != '\0' ? " " : "", e->args);
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%-20s %s\n",
		    use, e->help);
	}
	if (n < sizeof buf)
		snprintf(buf + n, sizeof buf - n, "/help keys lists the keys; "
		    "Esc closes this");
	tui_notice(t, 0, "%s", buf);
}

static void
commands_reconnect(struct tui *t, const char *arg)
{
	(void)arg;
	tui_reconnect(t);
}

static void
commands_quit(struct tui *t, const char *arg)
{
	(void)arg;
	tui_leave(t);
}

/*
 * A failed send keeps its text: back in the input line when that is empty
 * and the conversation still open, else in the input history.
 */
static void
commands_sent(struct core *core, const struct core_error *err, const char *id,
    int64_t ts, void *arg)
{
	struct commands_sending	*cs = arg;
	struct tui		*t = cs->t;

	(void)core;
	(void)id;
	(void)ts;
	if (err != NULL && err->code != CORE_ERR_CLOSED) {
		if (edit_len(t->edit) == 0 && t->open != NULL &&
		    strcmp(t->open, cs->peer) == 0) {
			edit_set(t->edit, cs->text);
			tui_notice(t, 1, "not sent: %s (the text is back in the "
			    "input line)", err->msg);
		} else
			tui_notice(t, 1, "not sent to %s: %s (Up finds the text "
			    "in the input history)", cs->peer, err->msg);
	}
	if (err == NULL || err->code != CORE_ERR_CLOSED)
		t->stale_msgs = t->stale_convs = 1;
	free(cs->peer);
	free(cs->text);
	free(cs);
}

/* Run "/name arg" (line is modified: trailing blanks cut). */
static void
commands_run(struct tui *t, char *line)
{
	const struct commands_entry	*e;
	char				 name[32], *arg;
	size_t				 n, k;

	n = strcspn(line + 1, " \n");
	arg = (char *)line + 1 + n;
	while (*arg == ' ' || *arg == '\n')
		arg++;
	k = strlen(arg);
	while (k > 0 && (arg[k - 1] == ' ' || arg[k - 1] == '\n'))
		arg[--k] = '\0';
	snprintf(name, sizeof name, "%.*s", (int)(n < 31 ? n : 31), line + 1);
	if ((e = commands_find(name)) == NULL) {
		tui_notice(t, 1, "unknown command /%s (/help lists them)", name);
		return;
	}
	if (e->needs_arg && *arg == '\0') {
		tui_notice(t, 1, "usage: /%s %s", e->name, e->args);
		return;
	}
	if (e->needs_open && t->open == NULL) {
		tui_notice(t, 1, "/%s: no conversation open (/open NAME)",
		    e->name);
		return;
	}
	e->run(t, arg);
}

void
commands_line(struct tui *t, char *line)
{
	struct commands_sending	*cs;

	if (line[0] == '/' && line[1] != '/') {
		commands_run(t, line);
		return;
	}
	if (line[0] == '/')
		line++;
	if (t->open == NULL) {
		tui_notice(t, 1, "no conversation open: /open NAME first");
		return;
	}
	cs = xcalloc(1, sizeof *cs);
	cs->t = t;
	cs->peer = xstrdup(t->open);
	cs->text = xstrdup(line);
	core_send_text(t->core, t->open, line, commands_sent, cs);
	t->stale_msgs = t->stale_convs = 1;
	t->scroll = 0;
	if (t->anchor > 0) {
		t->anchor = 0;
		t->want = TUI_PAGE;
	}
}

/* Names Tab may offer beyond the conversation list, owned here. */
struct commands_names {
	char	*v[64];
	int	 n;
	const char *open;	/* members of this group (no '#'), or NULL */
};

static void
commands_add_name(struct commands_names *cn, const char *prefix,
    const char *name)
{
	if (cn->n < (int)(sizeof cn->v / sizeof cn->v[0]))
		xasprintf(&cn->v[cn->n++], "%s%s", prefix, name);
}

/* This device's groups: "#NAME", or the open group's members. */
static void
commands_group_names(struct core *core, const struct core_group *g,
    void *arg)
{
	struct commands_names	*cn = arg;
	size_t			 i;

	(void)core;
	if (cn->open == NULL) {
		commands_add_name(cn, "#", g->name);
		return;
	}
	if (strcmp(cn->open, g->name) != 0)
		return;
	for (i = 0; i < g->nmembers; i++)
		commands_add_name(cn, "", g->members[i]);
}

static int
commands_offer(const char **out, int n, int max, const char *name,
    const char *word, size_t len)
{
	int	i;

	if (n == max || strncmp(name, word, len) != 0)
		return (n);
	for (i = 0; i < n; i++) {
		if (strcmp(out[i], name) == 0)
			return (n);
	}
	out[n++] = name;
	return (n);
}

/*
 * What the word at arg (0: the command's name, 1: its first argument, ...)
 * of line s may become: command names, /group's subcommands, the open
 * group's members (/group remove and admin), or contacts and #groups.
 */
static int
commands_candidates(struct tui *t, const char *s, int arg, const char *word,
    size_t len, struct commands_names *cn, const char **out, int max)
{
	const struct commands_entry	*e;
	int				 n = 0, i, group;

	if (arg == 0) {
		for (e = commands_table; e->name != NULL && n < max; e++)
			n = commands_offer(out, n, max, e->name, word, len);
		return (n);
	}
	group = strncmp(s, "/group ", 7) == 0;
	if (group && arg == 1)
		return (groupcmd_subcommands(word, len, out, max));
	if (group && arg > 1 && (strncmp(s + 7, "remove ", 7) == 0 ||
	    strncmp(s + 7, "admin ", 6) == 0) && groupcmd_is_group(t->open)) {
		cn->open = t->open + 1;
		(void)core_groups_local(t->core, commands_group_names, cn);
		for (i = 0; i < cn->n; i++)
			n = commands_offer(out, n, max, cn->v[i], word, len);
		return (n);
	}
	for (i = 0; i < t->nconvs; i++) {
		/* /group add and create take users, not groups. */
		if (!group || !groupcmd_is_group(t->convs[i].peer))
			n = commands_offer(out, n, max, t->convs[i].peer, word,
			    len);
	}
	if (!group) {
		(void)core_groups_local(t->core, commands_group_names, cn);
		for (i = 0; i < cn->n; i++)
			n = commands_offer(out, n, max, cn->v[i], word, len);
	}
	return (n);
}

/*
 * Tab in the first argument of a command that takes a path: complete it
 * from the file system.  0 if the word is not such an argument.
 */
static int
commands_complete_path(struct tui *t, const char *s, size_t len)
{
	const struct commands_entry	*e;
	char				 name[32], list[TUI_NOTICE_MAX], *out, *line;
	size_t				 n, w, k;
	int				 c;

	if (*s != '/')
		return (0);
	n = strcspn(s + 1, " \n");
	if (s[1 + n] == '\0' || n >= sizeof name)
		return (0);
	snprintf(name, sizeof name, "%.*s", (int)n, s + 1);
	if ((e = commands_find(name)) == NULL || !e->path_arg)
		return (0);
	w = pathcomp_word_start(s, len);
	for (k = 1 + n; k < w && s[k] == ' '; k++)
		;
	if (k != w)
		return (0);
	if ((c = pathcomp_complete(s + w, len - w, &out, list,
	    sizeof list)) == 0) {
		tui_notice(t, 1, "no file matches");
		return (1);
	}
	xasprintf(&line, "%.*s%s%s", (int)w, s, out, c == 1 &&
	    out[strlen(out) - 1] != '/' ? " " : "");
	edit_set(t->edit, line);
	if (c > 1)
		tui_notice(t, 0, "%s", list);
	free(line);
	free(out);
	return (1);
}

void
commands_complete(struct tui *t)
{
	const char		*s = edit_text(t->edit), *word, *c[64], *p;
	size_t			 len = edit_len(t->edit), wl;
	int			 cmd, n, k, arg = 0;
	char			 list[TUI_NOTICE_MAX];
	struct commands_names	 cn;

	if (edit_cursor(t->edit) != len || commands_complete_path(t, s, len))
		return;
	word = s + len;
	while (word > s && word[-1] != ' ' && word[-1] != '\n')
		word--;
	cmd = word == s && *s == '/';
	if (cmd)
		word++;
	else if (*s == '/') {
		/* Which argument of the command: count the words before. */
		for (p = s, arg = 0; p < word; p++)
			arg += (p == s || p[-1] == ' ') && *p != ' ';
	}
	wl = (size_t)(s + len - word);
	memset(&cn, 0, sizeof cn);
	n = commands_candidates(t, s, cmd ? 0 : *s == '/' ? arg : 1, word, wl,
	    &cn, c, 64);
	commands_complete_with(t, c, n, word, wl, cmd, list, sizeof list);
	for (k = 0; k < cn.n; k++)
		free(cn.v[k]);
}

/* Complete the word (wl bytes) to the candidates' common prefix. */
static void
commands_complete_with(struct tui *t, const char **c, int n, const char *word,
    size_t wl, int cmd, char *list, size_t size)
{
	size_t	common, i;
	int	k;

	if (n == 0)
		return;
	common = strlen(c[0]);
	for (k = 1; k < n; k++) {
		for (i = 0; i < common && c[k][i] == c[0][i]; i++)
			;
		common = i;
	}
	if (common > wl)
		edit_insert(t->edit, c[0] + wl, common - wl);
	if (n == 1)
		edit_insert(t->edit, " ", 1);
	else if (common == wl) {
		list[0] = '\0';
		for (k = 0, i = 0; k < n && i < size; k++)
			i += (size_t)snprintf(list + i, size - i, "%s%s%s",
			    k > 0 ? " " : "", cmd ? "/" : "", c[k]);
		tui_notice(t, 0, "%s", list);
	}
}
