/* queue: per-device FIFO of messages and receipts, idempotent sends, TTL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/db.h"
#include "server/queue.h"
#include "shared/util/xmalloc.h"

static int
queue_depth_add(struct db *db, int64_t account, uint32_t device, int delta)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = db_stmt(db, "INSERT INTO depth (account, device, n) "
	    "VALUES (?1, ?2, max(?3, 0)) ON CONFLICT (account, device) "
	    "DO UPDATE SET n = max(n + ?3, 0)");
	sqlite3_bind_int64(st, 1, account);
	sqlite3_bind_int64(st, 2, device);
	sqlite3_bind_int(st, 3, delta);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return (rc == SQLITE_DONE ? 0 : -1);
}

int
queue_push(struct db *db, int64_t account, uint32_t device,
    const struct queue_item *it, int64_t expires, uint64_t *seq)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (db_begin(db) != 0)
		return (-1);
	st = db_stmt(db, "INSERT INTO queue (account, device, from_account, "
	    "from_name, from_device, message_id, type, content, server_ts, "
	    "expires, receipt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	sqlite3_bind_int64(st, 1, account);
	sqlite3_bind_int64(st, 2, device);
	sqlite3_bind_int64(st, 3, it->from_account);
	sqlite3_bind_text(st, 4, it->from, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, it->from_device);
	sqlite3_bind_blob(st, 6, it->message_id, QUEUE_IDBYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, it->type);
	sqlite3_bind_blob(st, 8, it->content_len ? (const void *)it->content :
	    "", (int)it->content_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, it->server_ts);
	sqlite3_bind_int64(st, 10, expires);
	sqlite3_bind_int64(st, 11, it->status);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (-1);
	if (seq != NULL)
		*seq = (uint64_t)sqlite3_last_insert_rowid(
		    sqlite3_db_handle(st));
	return (queue_depth_add(db, account, device, 1));
}

int
queue_depth(struct db *db, int64_t account, uint32_t device, uint64_t *depth)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = db_stmt(db, "SELECT n FROM depth WHERE account = ? AND device = ?");
	sqlite3_bind_int64(st, 1, account);
	sqlite3_bind_int64(st, 2, device);
	rc = sqlite3_step(st);
	*depth = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return (rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1);
}

int
queue_total(struct db *db, uint64_t *total)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = db_stmt(db, "SELECT coalesce(sum(n), 0) FROM depth");
	rc = sqlite3_step(st);
	*total = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return (rc == SQLITE_ROW ? 0 : -1);
}

static void
queue_row(sqlite3_stmt *st, struct queue_item *it, int with_content)
{
	const void	*p;
	int		 len;

	memset(it, 0, sizeof *it);
	it->from_account = sqlite3_column_int64(st, 1);
	p = sqlite3_column_text(st, 2);
	if (p != NULL)
		snprintf(it->from, sizeof it->from, "%s", (const char *)p);
	it->from_device = (uint32_t)sqlite3_column_int64(st, 3);
	if (sqlite3_column_bytes(st, 4) == QUEUE_IDBYTES)
		memcpy(it->message_id, sqlite3_column_blob(st, 4),
		    QUEUE_IDBYTES);
	it->type = (uint32_t)sqlite3_column_int64(st, 5);
	it->server_ts = sqlite3_column_int64(st, 6);
	it->status = (uint32_t)sqlite3_column_int64(st, 7);
	it->seq = (uint64_t)sqlite3_column_int64(st, 0);
	if (!with_content)
		return;
	len = sqlite3_column_bytes(st, 8);
	p = sqlite3_column_blob(st, 8);
	if (len > 0 && p != NULL) {
		it->content = xmalloc((size_t)len);
		memcpy(it->content, p, (size_t)len);
		it->content_len = (size_t)len;
	}
}

int
queue_fetch(struct db *db, int64_t account, uint32_t device, uint64_t after,
    int64_t now, struct queue_item *items, size_t max, size_t *n)
{
	sqlite3_stmt	*st;
	int		 rc;

	*n = 0;
	st = db_stmt(db, "SELECT seq, from_account, from_name, from_device, "
	    "message_id, type, server_ts, receipt, content FROM queue "
	    "WHERE account = ? AND device = ? AND seq > ? AND expires > ? "
	    "ORDER BY seq LIMIT ?");
	sqlite3_bind_int64(st, 1, account);
	sqlite3_bind_int64(st, 2, device);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)after);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max)
		queue_row(st, &items[(*n)++], 1);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		queue_items_clear(items, *n);
		*n = 0;
		return (-1);
	}
	return (0);
}

void
queue_items_clear(struct queue_item *items, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(items[i].content);
		items[i].content = NULL;
		items[i].content_len = 0;
	}
}

int
queue_ack(struct db *db, int64_t account, uint32_t device, uint64_t seq,
    struct queue_item *out)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (db_begin(db) != 0)
		return (-1);
	st = db_stmt(db, "DELETE FROM queue WHERE seq = ? AND account = ? AND "
	    "device = ? RETURNING seq, from_account, from_name, from_device, "
	    "message_id, type, server_ts, receipt");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
	sqlite3_bind_int64(st, 2, account);
	sqlite3_bind_int64(st, 3, device);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		queue_row(st, out, 0);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return (-1);
		return (queue_depth_add(db, account, device, -1));
	}
	sqlite3_reset(st);
	return (rc == SQLITE_DONE ? 1 : -1);
}

int
queue_purge(struct db *db, int64_t now, uint64_t *purged)
{
	sqlite3_stmt	*st;
	int		 rc;

	*purged = 0;
	if (db_begin(db) != 0)
		return (-1);
	st = db_stmt(db, "DELETE FROM queue WHERE expires <= ?");
	sqlite3_bind_int64(st, 1, now);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (-1);
	*purged = (uint64_t)db_changes(db);
	if (*purged > 0 && db_exec(db, "UPDATE depth SET n = (SELECT count(*) "
	    "FROM queue q WHERE q.account = depth.account AND "
	    "q.device = depth.device)") != 0)
		return (-1);
	st = db_stmt(db, "DELETE FROM sent WHERE expires <= ?");
	sqlite3_bind_int64(st, 1, now);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return (rc == SQLITE_DONE ? 0 : -1);
}

int
queue_sent_lookup(struct db *db, int64_t account, uint32_t device,
    const uint8_t id[QUEUE_IDBYTES], int64_t *server_ts)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = db_stmt(db, "SELECT server_ts FROM sent WHERE account = ? AND "
	    "device = ? AND message_id = ?");
	sqlite3_bind_int64(st, 1, account);
	sqlite3_bind_int64(st, 2, device);
	sqlite3_bind_blob(st, 3, id, QUEUE_IDBYTES, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*server_ts = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return (0);
	return (rc == SQLITE_DONE ? 1 : -1);
}

int
queue_sent_record(struct db *db, int64_t account, uint32_t device,
    const uint8_t id[QUEUE_IDBYTES], int64_t server_ts, int64_t expires)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (db_begin(db) != 0)
		return (-1);
	st = db_stmt(db, "INSERT OR IGNORE INTO sent (account, device, "
	    "message_id, server_ts, expires) VALUES (?, ?, ?, ?, ?)");
	sqlite3_bind_int64(st, 1, account);
	sqlite3_bind_int64(st, 2, device);
	sqlite3_bind_blob(st, 3, id, QUEUE_IDBYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, server_ts);
	sqlite3_bind_int64(st, 5, expires);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return (rc == SQLITE_DONE ? 0 : -1);
}
