/* history: read-side views of the message log for the front ends (history, conversations, counts, search, printed-once). */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "client/core/err.h"
#include "client/core/event.h"
#include "client/core/groups.h"
#include "client/core/history.h"
#include "client/store/msglog.h"
#include "client/store/store.h"
#include "shared/proto/wire.h"
#include "shared/util/fold.h"
#include "shared/util/xmalloc.h"

#define HISTORY_MAX_CONVS	1024

struct history {
	struct store		*st;
	struct core		*c;
	struct event_sink	*ev;
};

struct history *
history_create(struct store *st, struct core *c, struct event_sink *ev)
{
	struct history	*h;

	h = xcalloc(1, sizeof *h);
	h->st = st;
	h->c = c;
	h->ev = ev;
	return (h);
}

void
history_free(struct history *h)
{
	free(h);
}


/* Decrypt and unpack the v column (col) of the current row; NULL on error. */
static Natter__StoredMessage *
history_row(struct store *st, sqlite3_stmt *s, int col, int64_t id)
{
	Natter__StoredMessage	*m;
	uint8_t			*v;
	size_t			 len;

	if (store_col_open(st, s, col, "messages", id, &v, &len) != 0)
		return (NULL);
	m = natter__stored_message__unpack(NULL, len, v);
	sodium_memzero(v, len);
	free(v);
	return (m);
}

/* The message with this seq; NULL if absent or damaged. */
static Natter__StoredMessage *
history_get(struct store *st, int64_t id)
{
	Natter__StoredMessage	*m = NULL;
	sqlite3_stmt		*s;

	s = store_prep(st, "SELECT v FROM messages WHERE id = ?");
	if (s == NULL)
		return (NULL);
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW)
		m = history_row(st, s, 0, id);
	sqlite3_finalize(s);
	return (m);
}

/*
 * The conversations' peer hashes, by index seeks (one per conversation, not
 * one per message), with the seq of each one's last message.
 */
static int
history_convs(struct store *st, int64_t *ids, int max)
{
	sqlite3_stmt	*next, *last;
	uint8_t		 hp[STORE_HASHBYTES];
	int		 n = 0;

	next = store_prep(st, "SELECT hp FROM messages WHERE hp > ?"
	    " ORDER BY hp LIMIT 1");
	last = store_prep(st, "SELECT id FROM messages WHERE hp = ?"
	    " AND kind = 1 ORDER BY id DESC LIMIT 1");
	if (next == NULL || last == NULL) {
		sqlite3_finalize(next);
		sqlite3_finalize(last);
		return (-1);
	}
	memset(hp, 0, sizeof hp);
	sqlite3_bind_blob(next, 1, "", 0, SQLITE_STATIC);
	while (n < max && sqlite3_step(next) == SQLITE_ROW &&
	    sqlite3_column_bytes(next, 0) == (int)sizeof hp) {
		memcpy(hp, sqlite3_column_blob(next, 0), sizeof hp);
		sqlite3_reset(next);
		sqlite3_bind_blob(next, 1, hp, sizeof hp, SQLITE_TRANSIENT);
		sqlite3_bind_blob(last, 1, hp, sizeof hp, SQLITE_TRANSIENT);
		if (sqlite3_step(last) == SQLITE_ROW)
			ids[n++] = sqlite3_column_int64(last, 0);
		sqlite3_reset(last);
	}
	sqlite3_finalize(next);
	sqlite3_finalize(last);
	return (n);
}

static int
history_cmp(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x < y ? 1 : x > y ? -1 : 0);
}

/* Unread messages of the conversation whose last message is m. */
static int
history_unread(struct store *st, const Natter__StoredMessage *m)
{
	sqlite3_stmt	*s;
	uint8_t		 hp[STORE_HASHBYTES];
	int		 n = 0;

	store_hash(st, hp, "peer", m->peer, strlen(m->peer));
	s = store_prep(st, "SELECT count(*) FROM messages WHERE printed = 0"
	    " AND +hp = ? AND kind = 1 AND status = 4");
	if (s == NULL)
		return (0);
	sqlite3_bind_blob(s, 1, hp, sizeof hp, SQLITE_TRANSIENT);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return (n);
}

/* A user, or a group's conversation ("#" and its id: core.c maps). */
static int
history_peer_valid(const char *peer)
{
	uint8_t	id[GROUPS_IDBYTES];

	return (peer != NULL && (wire_name_valid(peer) ||
	    groups_peer_id(peer, id) == 0));
}

int
history_conversations(struct history *h, core_conv_cb *each, void *arg,
    struct core_error *err)
{
	Natter__StoredMessage	*m;
	struct core_conv	 cv;
	struct core_event	 gev;
	int64_t			*ids;
	int			 n, i;

	ids = xcalloc(HISTORY_MAX_CONVS, sizeof *ids);
	if ((n = history_convs(h->st, ids, HISTORY_MAX_CONVS)) < 0) {
		free(ids);
		err_set(err, CORE_ERR_IO, "cannot read the profile %s",
		    store_dir(h->st));
		return (-1);
	}
	qsort(ids, (size_t)n, sizeof *ids, history_cmp);
	for (i = 0; i < n; i++) {
		if ((m = history_get(h->st, ids[i])) == NULL)
			continue;
		memset(&cv, 0, sizeof cv);
		cv.peer = m->peer;
		if (m->group.len > 0) {
			/* A group's rows keep its id: "#NAME" as it is now. */
			memset(&gev, 0, sizeof gev);
			event_decorate(h->ev, &gev, m);
			cv.peer = gev.to;
		}
		cv.last_seq = ids[i];
		cv.ts = m->ts;
		cv.text = m->text;
		cv.outgoing = m->outgoing;
		cv.unread = history_unread(h->st, m);
		each(h->c, &cv, arg);
		natter__stored_message__free_unpacked(m, NULL);
	}
	free(ids);
	return (0);
}

int64_t
history_after(struct history *h, const char *peer, int64_t seq, int n)
{
	sqlite3_stmt	*s;
	int64_t		 id = 0;

	s = store_prep_peer(h->st, "SELECT id FROM messages WHERE hp = ?"
	    " AND kind = 1 AND id > ? ORDER BY id LIMIT 1 OFFSET ?", peer);
	if (s == NULL)
		return (-1);
	sqlite3_bind_int64(s, 2, seq);
	sqlite3_bind_int(s, 3, n - 1);
	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return (id);
}

struct history_each {
	struct core		*c;
	core_event_cb		*cb;
	void			*arg;
	struct event_sink	*ev;
};

/* Rows as they are: messages and receipts (history_each_cb: messages). */
static int
history_row_cb(int64_t seq, int kind, int status,
    const Natter__StoredMessage *m, void *arg)
{
	struct history_each	*e = arg;
	struct core_event	 ev;

	event_from_row(&ev, seq, kind, status, m);
	event_decorate(e->ev, &ev, m);
	e->cb(e->c, &ev, e->arg);
	return (0);
}

static int
history_each_cb(int64_t seq, int kind, int status,
    const Natter__StoredMessage *m, void *arg)
{
	struct history_each	*e = arg;
	struct core_event	 ev;

	(void)kind;
	event_from_row(&ev, seq, STORE_MESSAGE, status, m);
	event_decorate(e->ev, &ev, m);
	e->cb(e->c, &ev, e->arg);
	return (0);
}

int
history_before(struct history *h, const char *peer, int64_t before,
    int limit, core_event_cb *each, void *arg, struct core_error *err)
{
	struct history_each	e = { h->c, each, arg, h->ev };

	if (before <= 0)
		return (history_list(h, peer, limit, each, arg, err));
	if (!history_peer_valid(peer) || limit < 0) {
		err_set(err, CORE_ERR_USAGE, "invalid user name, or no such "
		    "group here");
		return (-1);
	}
	if (msglog_history_before(h->st, peer, before, limit,
	    history_each_cb, &e) != 0) {
		err_set(err, CORE_ERR_IO, "cannot read the history from "
		    "the profile %s", store_dir(h->st));
		return (-1);
	}
	return (0);
}

/*
 * Emit the message rows of s (columns id, status, v) whose text contains
 * match (NULL: every row), at most max of them.  The count, or -1 with err.
 */
static int
history_walk(struct history *h, sqlite3_stmt *s, const char *match, int max,
    core_event_cb *each, void *arg, struct core_error *err)
{
	Natter__StoredMessage	*m;
	struct core_event	 ev;
	int64_t			 id;
	int			 n = 0;

	if (s == NULL) {
		err_set(err, CORE_ERR_IO, "cannot read the profile %s",
		    store_dir(h->st));
		return (-1);
	}
	while (n < max && sqlite3_step(s) == SQLITE_ROW) {
		id = sqlite3_column_int64(s, 0);
		if ((m = history_row(h->st, s, 2, id)) == NULL)
			continue;
		if (match == NULL || (m->text != NULL && fold_contains(m->text,
		    strlen(m->text), match, strlen(match)))) {
			event_from_row(&ev, id, STORE_MESSAGE,
			    sqlite3_column_int(s, 1), m);
			event_decorate(h->ev, &ev, m);
			each(h->c, &ev, arg);
			n++;
		}
		natter__stored_message__free_unpacked(m, NULL);
	}
	sqlite3_finalize(s);
	return (n);
}

int
history_search(struct history *h, const char *text, int64_t before,
    core_event_cb *each, void *arg, struct core_error *err)
{
	sqlite3_stmt	*s;

	char		*f;
	size_t		 flen;
	int		 n;

	s = store_prep(h->st, "SELECT id, status, v FROM messages"
	    " WHERE kind = 1 AND id < ? ORDER BY id DESC");
	if (s != NULL)
		sqlite3_bind_int64(s, 1, before > 0 ? before : INT64_MAX);
	f = fold_text(text, strlen(text), &flen);
	n = history_walk(h, s, f, 1, each, arg, err);
	sodium_memzero(f, flen);
	free(f);
	return (n);
}

int
history_messages_after(struct history *h, int64_t after, int limit,
    core_event_cb *each, void *arg, struct core_error *err)
{
	sqlite3_stmt	*s;

	s = store_prep(h->st, "SELECT id, status, v FROM messages"
	    " WHERE kind = 1 AND id > ? ORDER BY id LIMIT ?");
	if (s != NULL) {
		sqlite3_bind_int64(s, 1, after);
		sqlite3_bind_int(s, 2, limit);
	}
	return (history_walk(h, s, NULL, limit, each, arg, err));
}

int
history_mark_seen(struct history *h, const char *peer)
{
	sqlite3_stmt	*s;

	/* Through the printed index: few rows are unprinted. */
	s = store_prep_peer(h->st, "UPDATE messages SET printed = 1"
	    " WHERE printed = 0 AND +hp = ?", peer);
	if (s == NULL)
		return (-1);
	return (store_done(h->st, s));
}

int
history_list(struct history *h, const char *peer, int limit,
    core_event_cb *each, void *arg, struct core_error *err)
{
	struct history_each	e = { h->c, each, arg, h->ev };

	if (!history_peer_valid(peer) || limit < 0) {
		err_set(err, CORE_ERR_USAGE, "invalid user name, or no such "
		    "group here");
		return (-1);
	}
	if (msglog_history(h->st, peer, limit, history_row_cb, &e) != 0) {
		err_set(err, CORE_ERR_IO, "cannot read the history from the "
		    "profile %s", store_dir(h->st));
		return (-1);
	}
	return (0);
}

int
history_unprinted(struct history *h, core_event_cb *each, void *arg,
    struct core_error *err)
{
	struct history_each	e = { h->c, each, arg, h->ev };

	if (msglog_unprinted(h->st, history_row_cb, &e) != 0) {
		err_set(err, CORE_ERR_IO, "cannot read the profile %s",
		    store_dir(h->st));
		return (-1);
	}
	return (0);
}

int
history_mark_printed(struct history *h, int64_t seq)
{
	if (seq <= 0)
		return (0);
	return (msglog_mark_printed(h->st, seq));
}
