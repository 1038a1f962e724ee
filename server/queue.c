/* queue: per-device FIFO of messages and receipts, idempotent sends, TTL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/db.h"
#include "server/itab.h"
#include "server/queue.h"
#include "shared/util/xmalloc.h"

/*
 * Queue depths live in memory: counted from the table on first use (and
 * again after a purge), then adjusted by every push and ack. Changes made
 * inside a request's savepoint are journaled so that a rollback undoes
 * them.
 */
struct queue_undo {
	uint64_t	key;
	int		delta;
};

struct queue_depths {
	struct itab		*n;	/* (account, device) -> rows */
	uint64_t		 total;
	int			 loaded;
	struct queue_undo	*undo;
	size_t			 nundo, capundo;
};

static void *
queue_depths_create(void)
{
	struct queue_depths	*d = xcalloc(1, sizeof *d);

	d->n = itab_create();
	return (d);
}

static void
queue_depths_release(void *p)
{
	struct queue_depths	*d = p;

	d->nundo = 0;
}

static void
queue_change(struct queue_depths *d, uint64_t key, int delta)
{
	uint64_t	n = 0;

	(void)itab_get(d->n, key, &n);
	if (delta < 0 && n < (uint64_t)-delta)
		delta = -(int)n;
	n += (uint64_t)(int64_t)delta;
	d->total += (uint64_t)(int64_t)delta;
	if (n == 0)
		itab_del(d->n, key);
	else
		itab_put(d->n, key, n);
}

static void
queue_depths_rollback(void *p)
{
	struct queue_depths	*d = p;

	while (d->nundo > 0) {
		d->nundo--;
		queue_change(d, d->undo[d->nundo].key,
		    -d->undo[d->nundo].delta);
	}
}

static void
queue_depths_free(void *p)
{
	struct queue_depths	*d = p;

	itab_free(d->n);
	free(d->undo);
	free(d);
}

static const struct db_ext_ops queue_depths_ops = {
	queue_depths_create, queue_depths_release, queue_depths_rollback,
	queue_depths_free
};

/* The depths, counted from the table if needed; NULL on a db error. */
static struct queue_depths *
queue_depths(struct db *db)
{
	struct queue_depths	*d;
	sqlite3_stmt		*st;
	int			 rc;

	d = db_ext(db, DB_EXT_QUEUE, &queue_depths_ops);
	if (d->loaded)
		return (d);
	itab_clear(d->n);
	d->total = 0;
	d->nundo = 0;
	st = db_stmt(db, "SELECT account, device, count(*) FROM queue "
	    "GROUP BY account, device");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		itab_put(d->n, itab_key_pair(sqlite3_column_int64(st, 0),
		    (uint32_t)sqlite3_column_int64(st, 1)),
		    (uint64_t)sqlite3_column_int64(st, 2));
		d->total += (uint64_t)sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (NULL);
	d->loaded = 1;
	return (d);
}

static int
queue_depth_add(struct db *db, int64_t account, uint32_t device, int delta)
{
	struct queue_depths	*d = queue_depths(db);
	uint64_t		 key = itab_key_pair(account, device);

	if (d == NULL)
		return (-1);
	queue_change(d, key, delta);
	if (db_in_savepoint(db)) {
		if (d->nundo == d->capundo) {
			d->capundo = d->capundo * 2 + 64;
			d->undo = xreallocarray(d->undo, d->capundo,
			    sizeof *d->undo);
		}
		d->undo[d->nundo].key = key;
		d->undo[d->nundo++].delta = delta;
	}
	return (0);
}

int
queue_push(struct db *db, int64_t account, uint32_t device,
    const struct queue_item *it, int64_t expires, uint64_t *seq)
{
	sqlite3_stmt	*st;

	/* Count before changing the table, so the count is not off by it. */
	if (db_begin(db) != 0 || queue_depths(db) == NULL)
		return (-1);
	st = db_stmt_device(db, "INSERT INTO queue (account, device, "
	    "from_account, from_name, from_device, message_id, type, content, "
	    "server_ts, expires, receipt) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", account, device);
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
	if (db_step_done(st) != 0)
		return (-1);
	if (seq != NULL)
		*seq = (uint64_t)sqlite3_last_insert_rowid(
		    sqlite3_db_handle(st));
	return (queue_depth_add(db, account, device, 1));
}

int
queue_depth(struct db *db, int64_t account, uint32_t device, uint64_t *depth)
{
	struct queue_depths	*d = queue_depths(db);

	*depth = 0;
	if (d == NULL)
		return (-1);
	(void)itab_get(d->n, itab_key_pair(account, device), depth);
	return (0);
}

int
queue_total(struct db *db, uint64_t *total)
{
	struct queue_depths	*d = queue_depths(db);

	*total = d != NULL ? d->total : 0;
	return (d != NULL ? 0 : -1);
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
	st = db_stmt_device(db, "SELECT seq, from_account, from_name, "
	    "from_device, message_id, type, server_ts, receipt, content "
	    "FROM queue "
	    "WHERE account = ? AND device = ? AND seq > ? AND expires > ? "
	    "ORDER BY seq LIMIT ?", account, device);
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

	/* A lookup and a delete by primary key: cheaper than RETURNING. */
	if (db_begin(db) != 0 || queue_depths(db) == NULL)
		return (-1);
	st = db_stmt_device(db, "SELECT seq, from_account, from_name, "
	    "from_device, message_id, type, server_ts, receipt FROM queue "
	    "WHERE account = ? AND device = ? AND seq = ?", account, device);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)seq);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		queue_row(st, out, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return (rc == SQLITE_DONE ? 1 : -1);
	st = db_stmt(db, "DELETE FROM queue WHERE seq = ?");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
	if (db_step_done(st) != 0)
		return (-1);
	return (queue_depth_add(db, account, device, -1));
}

int
queue_delete(struct db *db, int64_t account, uint32_t device, uint64_t seq)
{
	sqlite3_stmt	*st;

	if (db_begin(db) != 0 || queue_depths(db) == NULL)
		return (-1);
	st = db_stmt_device(db, "DELETE FROM queue WHERE account = ? AND "
	    "device = ? AND seq = ?", account, device);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)seq);
	if (db_step_done(st) != 0)
		return (-1);
	if (db_changes(db) == 0)
		return (1);
	return (queue_depth_add(db, account, device, -1));
}

int
queue_forget(struct db *db, int64_t account, uint32_t device)
{
	sqlite3_stmt	*st;
	uint64_t	 depth;

	if (db_begin(db) != 0 || queue_depth(db, account, device, &depth) != 0)
		return (-1);
	st = db_stmt_device(db, "DELETE FROM queue WHERE account = ? AND "
	    "device = ?", account, device);
	if (db_step_done(st) != 0)
		return (-1);
	return (queue_depth_add(db, account, device, -(int)depth));
}

int
queue_purge(struct db *db, int64_t now, uint64_t *purged)
{
	struct queue_depths	*d;
	sqlite3_stmt		*st;

	*purged = 0;
	if (db_begin(db) != 0)
		return (-1);
	st = db_stmt(db, "DELETE FROM queue WHERE expires <= ?");
	sqlite3_bind_int64(st, 1, now);
	if (db_step_done(st) != 0)
		return (-1);
	*purged = (uint64_t)db_changes(db);
	if (*purged > 0) {
		d = db_ext(db, DB_EXT_QUEUE, &queue_depths_ops);
		d->loaded = 0;	/* count again on next use */
	}
	st = db_stmt(db, "DELETE FROM sent WHERE expires <= ?");
	sqlite3_bind_int64(st, 1, now);
	return (db_step_done(st));
}

int
queue_sent_lookup(struct db *db, int64_t account, uint32_t device,
    const uint8_t id[QUEUE_IDBYTES], int64_t *server_ts)
{
	sqlite3_stmt	*st;

	st = db_stmt_device(db, "SELECT server_ts FROM sent WHERE account = ? "
	    "AND device = ? AND message_id = ?", account, device);
	sqlite3_bind_blob(st, 3, id, QUEUE_IDBYTES, SQLITE_STATIC);
	return (db_step_int64(st, server_ts));
}

int
queue_sent_record(struct db *db, int64_t account, uint32_t device,
    const uint8_t id[QUEUE_IDBYTES], int64_t server_ts, int64_t expires)
{
	sqlite3_stmt	*st;

	if ((st = db_write_device(db, "INSERT OR IGNORE INTO sent (account, "
	    "device, message_id, server_ts, expires) VALUES (?, ?, ?, ?, ?)",
	    account, device)) == NULL)
		return (-1);
	sqlite3_bind_blob(st, 3, id, QUEUE_IDBYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, server_ts);
	sqlite3_bind_int64(st, 5, expires);
	return (db_step_done(st));
}

int
queue_sent_claim(struct db *db, int64_t account, uint32_t device,
    const uint8_t id[QUEUE_IDBYTES], int64_t server_ts, int64_t expires)
{
	if (queue_sent_record(db, account, device, id, server_ts,
	    expires) != 0)
		return (-1);
	return (db_changes(db) == 1 ? 0 : 1);
}

int
queue_sent_forget(struct db *db, int64_t account, uint32_t device,
    const uint8_t id[QUEUE_IDBYTES])
{
	sqlite3_stmt	*st;

	if ((st = db_write_device(db, "DELETE FROM sent WHERE account = ? AND "
	    "device = ? AND message_id = ?", account, device)) == NULL)
		return (-1);
	sqlite3_bind_blob(st, 3, id, QUEUE_IDBYTES, SQLITE_STATIC);
	return (db_step_done(st));
}
