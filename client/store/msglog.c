/* msglog: the profile's message log (messages and receipts, sealed), history and printed-once state. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "client/store/msglog.h"
#include "client/store/store.h"
#include "shared/util/xmalloc.h"

/* Message ids are looked up by keyed hash; peers too. */
static int
msglog_bind(struct store *st, sqlite3_stmt *s, int64_t id, int kind,
    int status, const Natter__StoredMessage *m)
{
	uint8_t	 hm[STORE_HASHBYTES], hp[STORE_HASHBYTES], *buf;
	size_t	 len;
	int	 rc;

	store_hash(st, hm, "message", m->message_id.data, m->message_id.len);
	store_hash(st, hp, "peer", m->peer, strlen(m->peer));
	len = natter__stored_message__get_packed_size(m);
	buf = xmalloc(len + 1);
	natter__stored_message__pack(m, buf);
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, kind);
	sqlite3_bind_blob(s, 3, hp, sizeof hp, SQLITE_TRANSIENT);
	sqlite3_bind_blob(s, 4, hm, sizeof hm, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 5, status);
	rc = store_bind_sealed(st, s, 6, "messages", id, buf, len);
	sodium_memzero(buf, len);
	free(buf);
	return (rc);
}

int
msglog_exists(struct store *st, const uint8_t *mid, size_t len)
{
	uint8_t	 hm[STORE_HASHBYTES];

	store_hash(st, hm, "message", mid, len);
	return (store_find(st,
	    "SELECT id FROM messages WHERE hm = ? AND kind = 1", hm) > 0);
}

int
msglog_add(struct store *st, int kind, int status,
    const Natter__StoredMessage *m, int64_t *seq)
{
	sqlite3_stmt	*s;
	int64_t		 id;

	if (kind == STORE_MESSAGE && msglog_exists(st, m->message_id.data,
	    m->message_id.len))
		return (1);
	if ((id = store_next_id(st, "messages")) < 0)
		return (-1);
	s = store_prep(st, "INSERT INTO messages(id, kind, hp, hm, status,"
	    " printed, v) VALUES (?, ?, ?, ?, ?, 0, ?)");
	if (s == NULL)
		return (-1);
	if (msglog_bind(st, s, id, kind, status, m) != 0) {
		sqlite3_finalize(s);
		return (-1);
	}
	if (store_done(st, s) != 0)
		return (-1);
	if (seq != NULL)
		*seq = id;
	return (0);
}

/* The row of message mid (with peer unless NULL): > 0, 0 if none, -1. */
static int64_t
msglog_find(struct store *st, const uint8_t *mid, size_t len, const char *peer)
{
	sqlite3_stmt	*s;
	uint8_t		 hm[STORE_HASHBYTES], hp[STORE_HASHBYTES];
	int64_t		 id = 0;
	int		 rc;

	store_hash(st, hm, "message", mid, len);
	if (peer == NULL)
		return (store_find(st, "SELECT id FROM messages WHERE hm = ?"
		    " AND kind = 1", hm));
	store_hash(st, hp, "peer", peer, strlen(peer));
	s = store_prep(st, "SELECT id FROM messages WHERE hm = ? AND kind = 1"
	    " AND hp = ?");
	if (s == NULL)
		return (-1);
	sqlite3_bind_blob(s, 1, hm, sizeof hm, SQLITE_TRANSIENT);
	sqlite3_bind_blob(s, 2, hp, sizeof hp, SQLITE_TRANSIENT);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	else if (rc != SQLITE_DONE)
		id = -1;
	sqlite3_finalize(s);
	return (id);
}

int
msglog_set_status(struct store *st, const uint8_t *mid, size_t len,
    const char *peer, int status, int64_t *seq)
{
	sqlite3_stmt	*s;
	sqlite3		*db;
	int64_t		 id;

	if ((id = msglog_find(st, mid, len, peer)) <= 0)
		return (id == 0 ? 1 : -1);
	/* Only upwards, and only within the family: ours or received. */
	s = store_prep(st, "UPDATE messages SET status = ?1 WHERE id = ?2"
	    " AND status < ?1 AND (status >= 4) = (?1 >= 4)");
	if (s == NULL)
		return (-1);
	sqlite3_bind_int(s, 1, status);
	sqlite3_bind_int64(s, 2, id);
	if (seq != NULL)
		*seq = id;
	db = sqlite3_db_handle(s);
	if (store_done(st, s) != 0)
		return (-1);
	return (sqlite3_changes(db) > 0 ? 0 : 2);
}

int
msglog_set_status_seq(struct store *st, int64_t seq, int status)
{
	sqlite3_stmt	*s;

	s = store_prep(st, "UPDATE messages SET status = ? WHERE id = ?");
	if (s == NULL)
		return (-1);
	sqlite3_bind_int(s, 1, status);
	sqlite3_bind_int64(s, 2, seq);
	return (store_done(st, s));
}

/* msglog_get's row: the first one msglog_each finds. */
struct msglog_one {
	int64_t			 seq;
	int			 status;
	Natter__StoredMessage	*m;
};

static int
msglog_one_cb(int64_t seq, int kind, int status,
    const Natter__StoredMessage *m, void *arg)
{
	struct msglog_one	*o = arg;
	uint8_t			*buf;
	size_t			 len;

	(void)kind;
	if (o->m != NULL)
		return (0);
	len = natter__stored_message__get_packed_size(m);
	buf = xmalloc(len + 1);
	natter__stored_message__pack(m, buf);
	o->m = natter__stored_message__unpack(NULL, len, buf);
	sodium_memzero(buf, len);
	free(buf);
	o->seq = seq;
	o->status = status;
	return (o->m == NULL ? -1 : 0);
}

/* Run a query of (id, kind, status, v) rows and call cb for each. */
static int
msglog_each(struct store *st, sqlite3_stmt *s, msglog_cb *cb, void *arg)
{
	Natter__StoredMessage	*m;
	uint8_t			*v;
	size_t			 len;
	int64_t			 id;
	int			 rc = 0;

	while (rc == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		id = sqlite3_column_int64(s, 0);
		if (store_col_open(st, s, 3, "messages", id, &v, &len) != 0) {
			rc = -1;
			break;
		}
		m = natter__stored_message__unpack(NULL, len, v);
		sodium_memzero(v, len);
		free(v);
		if (m == NULL) {
			rc = -1;
			break;
		}
		rc = cb(id, sqlite3_column_int(s, 1), sqlite3_column_int(s, 2),
		    m, arg);
		natter__stored_message__free_unpacked(m, NULL);
	}
	if (rc == SQLITE_DONE)
		rc = 0;
	sqlite3_finalize(s);
	return (rc == 0 ? 0 : -1);
}

int
msglog_history(struct store *st, const char *peer, int limit, msglog_cb *cb,
    void *arg)
{
	sqlite3_stmt	*s;

	s = store_prep_peer(st, "SELECT * FROM (SELECT id, kind, status, v FROM"
	    " messages WHERE hp = ? AND kind = 1 ORDER BY id DESC LIMIT ?)"
	    " ORDER BY id", peer);
	if (s == NULL)
		return (-1);
	sqlite3_bind_int(s, 2, limit);
	return (msglog_each(st, s, cb, arg));
}

int
msglog_history_before(struct store *st, const char *peer, int64_t before,
    int limit, msglog_cb *cb, void *arg)
{
	sqlite3_stmt	*s;

	s = store_prep_peer(st, "SELECT * FROM (SELECT id, kind, status, v FROM"
	    " messages WHERE hp = ? AND kind = 1 AND id < ? ORDER BY id DESC"
	    " LIMIT ?) ORDER BY id", peer);
	if (s == NULL)
		return (-1);
	sqlite3_bind_int64(s, 2, before);
	sqlite3_bind_int(s, 3, limit);
	return (msglog_each(st, s, cb, arg));
}

int
msglog_unseen(struct store *st, const char *peer, int64_t from, int64_t to,
    int limit, msglog_cb *cb, void *arg)
{
	sqlite3_stmt	*s;

	s = store_prep_peer(st, "SELECT id, kind, status, v FROM messages"
	    " WHERE hp = ? AND id BETWEEN ? AND ? AND kind = 1 AND status = 4"
	    " ORDER BY id LIMIT ?", peer);
	if (s == NULL)
		return (-1);
	sqlite3_bind_int64(s, 2, from);
	sqlite3_bind_int64(s, 3, to > 0 ? to : INT64_MAX);
	sqlite3_bind_int(s, 4, limit);
	return (msglog_each(st, s, cb, arg));
}

int
msglog_unprinted(struct store *st, msglog_cb *cb, void *arg)
{
	sqlite3_stmt	*s;

	s = store_prep(st, "SELECT id, kind, status, v FROM messages"
	    " WHERE printed = 0 ORDER BY id");
	if (s == NULL)
		return (-1);
	return (msglog_each(st, s, cb, arg));
}

int
msglog_mark_printed(struct store *st, int64_t seq)
{
	sqlite3_stmt	*s;

	s = store_prep(st, "UPDATE messages SET printed = 1 WHERE id = ?");
	if (s == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, seq);
	return (store_done(st, s));
}


int
msglog_get(struct store *st, const uint8_t *mid, size_t len, int64_t *seq,
    int *status, Natter__StoredMessage **m)
{
	struct msglog_one	 o = { 0, 0, NULL };
	sqlite3_stmt		*s;
	int64_t			 id;

	*m = NULL;
	if ((id = msglog_find(st, mid, len, NULL)) <= 0)
		return (id == 0 ? 1 : -1);
	s = store_prep(st, "SELECT id, kind, status, v FROM messages WHERE"
	    " id = ?");
	if (s == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, id);
	if (msglog_each(st, s, msglog_one_cb, &o) != 0 || o.m == NULL) {
		if (o.m != NULL)
			natter__stored_message__free_unpacked(o.m, NULL);
		return (-1);
	}
	*seq = o.seq;
	*status = o.status;
	*m = o.m;
	return (0);
}

int
msglog_redo(struct store *st, int status, const Natter__StoredMessage *m,
    int64_t *seq)
{
	Natter__StoredMessage	*old;
	sqlite3_stmt		*s;
	int64_t			 id;
	int			 was, rc;

	if ((rc = msglog_get(st, m->message_id.data, m->message_id.len, &id,
	    &was, &old)) != 0)
		return (rc);
	natter__stored_message__free_unpacked(old, NULL);
	if (was != STORE_ST_UNDECRYPTABLE)
		return (1);
	s = store_prep(st, "UPDATE messages SET kind = ?2, hp = ?3, hm = ?4,"
	    " status = ?5, printed = 0, v = ?6 WHERE id = ?1");
	if (s == NULL)
		return (-1);
	if (msglog_bind(st, s, id, STORE_MESSAGE, status, m) != 0) {
		sqlite3_finalize(s);
		return (-1);
	}
	if (store_done(st, s) != 0)
		return (-1);
	*seq = id;
	return (0);
}

int
msglog_replace(struct store *st, int64_t seq, const Natter__StoredMessage *m)
{
	sqlite3_stmt	*s;
	uint8_t		*buf;
	size_t		 len;
	int		 rc;

	len = natter__stored_message__get_packed_size(m);
	buf = xmalloc(len + 1);
	natter__stored_message__pack(m, buf);
	s = store_prep(st, "UPDATE messages SET v = ?2 WHERE id = ?1");
	if (s == NULL) {
		free(buf);
		return (-1);
	}
	sqlite3_bind_int64(s, 1, seq);
	rc = store_bind_sealed(st, s, 2, "messages", seq, buf, len);
	sodium_memzero(buf, len);
	free(buf);
	if (rc != 0) {
		sqlite3_finalize(s);
		return (-1);
	}
	return (store_done(st, s));
}
