/* history: read-side views of the message log for full-screen front ends (conversations, counts, search, queued). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "client/coreint.h"
#include "client/store.h"
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

int
core_conversations(struct core *c, core_conv_cb *each, void *arg,
    struct core_error *err)
{
	Natter__StoredMessage	*m;
	struct core_conv	 cv;
	sqlite3_stmt		*s;
	int64_t			*ids;
	int			*unread, n = 0, i;

	s = store_prep(c->st, "SELECT max(id), sum(printed = 0 AND status = 4)"
	    " FROM messages WHERE kind = 1 GROUP BY hp ORDER BY max(id) DESC");
	if (s == NULL)
		goto fail;
	ids = xcalloc(HISTORY_MAX_CONVS, sizeof *ids);
	unread = xcalloc(HISTORY_MAX_CONVS, sizeof *unread);
	while (n < HISTORY_MAX_CONVS && sqlite3_step(s) == SQLITE_ROW) {
		ids[n] = sqlite3_column_int64(s, 0);
		unread[n++] = sqlite3_column_int(s, 1);
	}
	sqlite3_finalize(s);
	for (i = 0; i < n; i++) {
		if ((m = history_get(c->st, ids[i])) == NULL)
			continue;
		memset(&cv, 0, sizeof cv);
		cv.peer = m->peer;
		cv.last_seq = ids[i];
		cv.ts = m->ts;
		cv.text = m->text;
		cv.outgoing = m->outgoing;
		cv.unread = unread[i];
		each(c, &cv, arg);
		natter__stored_message__free_unpacked(m, NULL);
	}
	free(ids);
	free(unread);
	return (0);
fail:
	core_seterr(err, CORE_ERR_IO, "cannot read the profile %s",
	    store_dir(c->st));
	return (-1);
}

int
core_history_count(struct core *c, const char *peer, int64_t since)
{
	sqlite3_stmt	*s;
	uint8_t		 hp[STORE_HASHBYTES];
	int		 n = -1;

	store_hash(c->st, hp, "peer", peer, strlen(peer));
	s = store_prep(c->st, "SELECT count(*) FROM messages"
	    " WHERE hp = ? AND kind = 1 AND id >= ?");
	if (s == NULL)
		return (-1);
	sqlite3_bind_blob(s, 1, hp, sizeof hp, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, since);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return (n);
}

/* Does hay contain needle (ASCII case folded)? */
static int
history_match(const char *hay, const char *needle, size_t nlen)
{
	size_t	i;

	for (; *hay != '\0'; hay++) {
		for (i = 0; i < nlen && hay[i] != '\0'; i++) {
			if (tolower((unsigned char)hay[i]) !=
			    tolower((unsigned char)needle[i]))
				break;
		}
		if (i == nlen)
			return (1);
	}
	return (0);
}

/* Fill ev from a message row (strings point into m). */
static void
history_event(struct core_event *ev, int64_t seq, int status,
    const Natter__StoredMessage *m)
{
	static const char *names[] = { "pending", "sent", "delivered", "read",
	    "received" };

	memset(ev, 0, sizeof *ev);
	ev->type = CORE_EV_MESSAGE;
	ev->seq = seq;
	core_id_hex(ev->id, m->message_id.data, m->message_id.len);
	ev->from = m->from;
	ev->from_device = m->from_device;
	ev->to = m->to;
	ev->ts = m->ts;
	ev->text = m->text;
	ev->outgoing = m->outgoing;
	ev->status = names[status >= 0 && status <= 4 ? status : 0];
}

int
core_search(struct core *c, const char *text, int64_t before,
    core_event_cb *each, void *arg, struct core_error *err)
{
	Natter__StoredMessage	*m;
	struct core_event	 ev;
	sqlite3_stmt		*s;
	int64_t			 id;
	size_t			 nlen = strlen(text);
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
		if (m->text != NULL && history_match(m->text, text, nlen)) {
			history_event(&ev, id, sqlite3_column_int(s, 1), m);
			found = 1;
			each(c, &ev, arg);
		}
		natter__stored_message__free_unpacked(m, NULL);
	}
	sqlite3_finalize(s);
	return (found);
}

void
core_queued(struct core *c, const char *peer, core_event_cb *each, void *arg)
{
	struct core_send	*q;
	struct core_event	 ev;

	TAILQ_FOREACH(q, &c->sends, entry) {
		if (peer != NULL && strcmp(q->to, peer) != 0)
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
	s = store_prep(c->st, "UPDATE messages SET printed = 1"
	    " WHERE hp = ? AND printed = 0");
	if (s == NULL)
		return (-1);
	sqlite3_bind_blob(s, 1, hp, sizeof hp, SQLITE_TRANSIENT);
	return (store_done(c->st, s));
}
