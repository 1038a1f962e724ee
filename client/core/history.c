/* history: read-side views of the message log for full-screen front ends (conversations, counts, search, queued). */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "client/core/coreint.h"
#include "client/store/msglog.h"
#include "client/store/store.h"
#include "shared/proto/wire.h"
#include "shared/util/xmalloc.h"

#define HISTORY_MAX_CONVS	1024


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

int
core_conversations(struct core *c, core_conv_cb *each, void *arg,
    struct core_error *err)
{
	Natter__StoredMessage	*m;
	struct core_conv	 cv;
	int64_t			*ids;
	int			 n, i;

	ids = xcalloc(HISTORY_MAX_CONVS, sizeof *ids);
	if ((n = history_convs(c->st, ids, HISTORY_MAX_CONVS)) < 0) {
		free(ids);
		core_seterr(err, CORE_ERR_IO, "cannot read the profile %s",
		    store_dir(c->st));
		return (-1);
	}
	qsort(ids, (size_t)n, sizeof *ids, history_cmp);
	for (i = 0; i < n; i++) {
		if ((m = history_get(c->st, ids[i])) == NULL)
			continue;
		memset(&cv, 0, sizeof cv);
		cv.peer = m->peer;
		cv.last_seq = ids[i];
		cv.ts = m->ts;
		cv.text = m->text;
		cv.outgoing = m->outgoing;
		cv.unread = history_unread(c->st, m);
		each(c, &cv, arg);
		natter__stored_message__free_unpacked(m, NULL);
	}
	free(ids);
	return (0);
}

int64_t
core_history_after(struct core *c, const char *peer, int64_t seq, int n)
{
	sqlite3_stmt	*s;
	uint8_t		 hp[STORE_HASHBYTES];
	int64_t		 id = 0;

	store_hash(c->st, hp, "peer", peer, strlen(peer));
	s = store_prep(c->st, "SELECT id FROM messages WHERE hp = ?"
	    " AND kind = 1 AND id > ? ORDER BY id LIMIT 1 OFFSET ?");
	if (s == NULL)
		return (-1);
	sqlite3_bind_blob(s, 1, hp, sizeof hp, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, seq);
	sqlite3_bind_int(s, 3, n - 1);
	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return (id);
}

struct history_each {
	struct core	*c;
	core_event_cb	*cb;
	void		*arg;
};

static int
history_each_cb(int64_t seq, int kind, int status,
    const Natter__StoredMessage *m, void *arg)
{
	struct history_each	*e = arg;
	struct core_event	 ev;

	(void)kind;
	core_event_from(&ev, seq, STORE_MESSAGE, status, m);
	e->cb(e->c, &ev, e->arg);
	return (0);
}

int
core_history_before(struct core *c, const char *peer, int64_t before,
    int limit, core_event_cb *each, void *arg, struct core_error *err)
{
	struct history_each	e = { c, each, arg };

	if (before <= 0)
		return (core_history(c, peer, limit, each, arg, err));
	if (peer == NULL || !wire_name_valid(peer) || limit < 0) {
		core_seterr(err, CORE_ERR_USAGE, "invalid user name");
		return (-1);
	}
	if (msglog_history_before(c->st, peer, before, limit,
	    history_each_cb, &e) != 0) {
		core_seterr(err, CORE_ERR_IO, "cannot read the history from "
		    "the profile %s", store_dir(c->st));
		return (-1);
	}
	return (0);
}

int
core_search(struct core *c, const char *text, int64_t before,
    core_event_cb *each, void *arg, struct core_error *err)
{
	Natter__StoredMessage	*m;
	struct core_event	 ev;
	sqlite3_stmt		*s;
	int64_t			 id;
	int			 found = 0;

	s = store_prep(c->st, "SELECT id, status, v FROM messages"
	    " WHERE kind = 1 AND id < ? ORDER BY id DESC");
	if (s == NULL) {
		core_seterr(err, CORE_ERR_IO, "cannot read the profile %s",
		    store_dir(c->st));
		return (-1);
	}
	sqlite3_bind_int64(s, 1, before > 0 ? before : INT64_MAX);
	while (!found && sqlite3_step(s) == SQLITE_ROW) {
		id = sqlite3_column_int64(s, 0);
		if ((m = history_row(c->st, s, 2, id)) == NULL)
			continue;
		if (m->text != NULL && strcasestr(m->text, text) != NULL) {
			core_event_from(&ev, id, STORE_MESSAGE,
			    sqlite3_column_int(s, 1), m);
			found = 1;
			each(c, &ev, arg);
		}
		natter__stored_message__free_unpacked(m, NULL);
	}
	sqlite3_finalize(s);
	return (found);
}

int
core_messages_after(struct core *c, int64_t after, int limit,
    core_event_cb *each, void *arg, struct core_error *err)
{
	Natter__StoredMessage	*m;
	struct core_event	 ev;
	sqlite3_stmt		*s;
	int64_t			 id;
	int			 n = 0;

	s = store_prep(c->st, "SELECT id, status, v FROM messages"
	    " WHERE kind = 1 AND id > ? ORDER BY id LIMIT ?");
	if (s == NULL) {
		core_seterr(err, CORE_ERR_IO, "cannot read the profile %s",
		    store_dir(c->st));
		return (-1);
	}
	sqlite3_bind_int64(s, 1, after);
	sqlite3_bind_int(s, 2, limit);
	while (sqlite3_step(s) == SQLITE_ROW) {
		id = sqlite3_column_int64(s, 0);
		if ((m = history_row(c->st, s, 2, id)) == NULL)
			continue;
		core_event_from(&ev, id, STORE_MESSAGE,
			    sqlite3_column_int(s, 1), m);
		each(c, &ev, arg);
		natter__stored_message__free_unpacked(m, NULL);
		n++;
	}
	sqlite3_finalize(s);
	return (n);
}

void
core_queued(struct core *c, const char *peer, core_event_cb *each, void *arg)
{
	struct core_send	*q;
	struct core_event	 ev;

	TAILQ_FOREACH(q, &c->sends, entry) {
		if (q->text == NULL || (peer != NULL && strcmp(q->to, peer) != 0))
			continue;
		memset(&ev, 0, sizeof ev);
		ev.type = CORE_EV_MESSAGE;
		core_id_hex(ev.id, q->id, sizeof q->id);
		ev.from = c->name;
		ev.from_device = c->device;
		ev.to = q->to;
		ev.ts = q->ts;
		ev.text = q->text;
		ev.outgoing = 1;
		ev.status = "queued";
		each(c, &ev, arg);
	}
}

int
core_mark_seen(struct core *c, const char *peer)
{
	sqlite3_stmt	*s;
	uint8_t		 hp[STORE_HASHBYTES];

	store_hash(c->st, hp, "peer", peer, strlen(peer));
	/* Through the printed index: few rows are unprinted. */
	s = store_prep(c->st, "UPDATE messages SET printed = 1"
	    " WHERE printed = 0 AND +hp = ?");
	if (s == NULL)
		return (-1);
	sqlite3_bind_blob(s, 1, hp, sizeof hp, SQLITE_TRANSIENT);
	return (store_done(c->st, s));
}
