/* queue: per-device FIFO of messages and receipts, idempotent sends, TTL.
 *
 * On the PostgreSQL store queue_pg.c does the work (and counts in
 * tables what is counted in memory here). */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/bodies.h"
#include "server/db.h"
#include "server/itab.h"
#include "server/queue.h"
#include "server/queue_pg.h"
#include "shared/util/xmalloc.h"

/*
 * Queue depths live in memory: the rows of each device, and each sender
 * account's share of a device's queue, the message rows (not receipts) it
 * has there, which QUEUE_MAXSHARE bounds so that one sender cannot fill
 * a queue for everyone. Counted from the table on first use, then
 * adjusted by every push, ack, forget and purge. Changes made inside a
 * request's savepoint are journaled so that a rollback undoes them.
 */
struct queue_undo {
	uint64_t	key;
	int		delta;
	int		share;		/* a share, else a device's depth */
};

struct queue_depths {
	struct itab		*n;	/* (account, device) -> rows */
	struct itab		*share;	/* queue_share_key() -> messages */
	uint64_t		 total;
	int			 loaded;
	struct queue_undo	*undo;
	size_t			 nundo, capundo;
};

/*
 * The key of sender from's share of (account, device)'s queue. Three ids
 * do not fit in 64 bits, so it is a hash: two shares may get one key
 * (odds about n^2 / 2^65 for n shares), and are then counted together,
 * which may refuse a sender early but never lets one past its share.
 */
static uint64_t
queue_share_key(int64_t account, uint32_t device, int64_t from)
{
	uint64_t	k[3] = { (uint64_t)account, device, (uint64_t)from };

	return (itab_key_words(k, 3));
}

static void *
queue_depths_create(void)
{
	struct queue_depths	*d = xcalloc(1, sizeof *d);

	d->n = itab_create();
	d->share = itab_create();
	return (d);
}

static void
queue_depths_release(void *p)
{
	struct queue_depths	*d = p;

	d->nundo = 0;
}

static void
queue_change(struct queue_depths *d, int share, uint64_t key, int delta)
{
	struct itab	*t = share ? d->share : d->n;
	uint64_t	 n = 0;

	(void)itab_get(t, key, &n);
	if (delta < 0 && n < (uint64_t)-delta)
		delta = -(int)n;
	n += (uint64_t)(int64_t)delta;
	if (!share)
		d->total += (uint64_t)(int64_t)delta;
	if (n == 0)
		itab_del(t, key);
	else
		itab_put(t, key, n);
}

static void
queue_depths_rollback(void *p)
{
	struct queue_depths	*d = p;
	struct queue_undo	*u;

	while (d->nundo > 0) {
		u = &d->undo[--d->nundo];
		queue_change(d, u->share, u->key, -u->delta);
	}
}

static void
queue_depths_free(void *p)
{
	struct queue_depths	*d = p;

	itab_free(d->n);
	itab_free(d->share);
	free(d->undo);
	free(d);
}

static const struct db_ext_ops queue_depths_ops = {
	queue_depths_create, queue_depths_release, queue_depths_rollback,
	queue_depths_free
};

/* Change one count by delta, journaled inside a savepoint. */
static void
queue_journal(struct db *db, struct queue_depths *d, int share, uint64_t key,
    int delta)
{
	queue_change(d, share, key, delta);
	if (!db_in_savepoint(db))
		return;
	if (d->nundo == d->capundo) {
		d->capundo = d->capundo * 2 + 64;
		d->undo = xreallocarray(d->undo, d->capundo, sizeof *d->undo);
	}
	d->undo[d->nundo].key = key;
	d->undo[d->nundo].share = share;
	d->undo[d->nundo++].delta = delta;
}

/*
 * Count the rows of st, which gives (account, device, from_account, 1 for
 * messages, 0 for receipts, how many), times sign; journal unless this is
 * the first count (d not loaded yet). 0 or -1.
 */
static int
queue_count_rows(struct db *db, struct queue_depths *d, sqlite3_stmt *st,
    int sign)
{
	int64_t		account, from;
	uint32_t	device;
	int		rc, n;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		account = sqlite3_column_int64(st, 0);
		device = (uint32_t)sqlite3_column_int64(st, 1);
		from = sqlite3_column_int64(st, 2);
		n = sign * (int)sqlite3_column_int64(st, 4);
		if (!d->loaded) {
			queue_change(d, 0, itab_key_pair(account, device), n);
			if (sqlite3_column_int(st, 3))
				queue_change(d, 1, queue_share_key(account,
				    device, from), n);
			continue;
		}
		queue_journal(db, d, 0, itab_key_pair(account, device), n);
		if (sqlite3_column_int(st, 3))
			queue_journal(db, d, 1, queue_share_key(account,
			    device, from), n);
	}
	sqlite3_reset(st);
	return (rc == SQLITE_DONE ? 0 : -1);
}

/* The depths, counted from the table if needed; NULL on a db error. */
static struct queue_depths *
queue_depths(struct db *db)
{
	struct queue_depths	*d;
	sqlite3_stmt		*st;

	d = db_ext(db, DB_EXT_QUEUE, &queue_depths_ops);
	if (d->loaded)
		return (d);
	itab_clear(d->n);
	itab_clear(d->share);
	d->total = 0;
	d->nundo = 0;
	st = db_stmt(db, "SELECT account, device, from_account, receipt = 0, "
	    "count(*) FROM queue GROUP BY 1, 2, 3, 4");
	if (queue_count_rows(db, d, st, 1) != 0)
		return (NULL);
	st = db_stmt(db, "SELECT r.account, r.device, b.from_account, 1, "
	    "count(*) FROM group_refs r JOIN group_bodies b "
	    "ON b.body = r.body GROUP BY 1, 2, 3");
	if (queue_count_rows(db, d, st, 1) != 0)
		return (NULL);
	d->loaded = 1;
	return (d);
}

/* A row of the device, from sender from (a message, or a receipt when
 * receipt is set), was added (delta 1) or deleted (-1). 0 or -1. */
static int
queue_counted(struct db *db, int64_t account, uint32_t device, int64_t from,
    uint32_t receipt, int delta)
{
	struct queue_depths	*d = queue_depths(db);

	if (d == NULL)
		return (-1);
	queue_journal(db, d, 0, itab_key_pair(account, device), delta);
	if (receipt == 0)
		queue_journal(db, d, 1, queue_share_key(account, device, from),
		    delta);
	return (0);
}

int
queue_push(struct db *db, int64_t account, uint32_t device,
    const struct queue_item *it, int64_t expires, uint64_t *seq)
{
	sqlite3_stmt	*st;

	if (db_pg(db) != NULL)
		return (queue_pg_push(db, account, device, it, expires, seq));
	assert(it->body == 0);	/* references: queue_push_refs */
	/* Count before changing the table, so the count is not off by it. */
	if (db_begin(db) != 0 || queue_depths(db) == NULL)
		return (-1);
	st = db_stmt_device(db, "INSERT INTO queue (account, device, "
	    "from_account, from_name, from_device, message_id, type, content, "
	    "server_ts, expires, receipt) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", account, device);
	sqlite3_bind_int64(st, 3, it->from_account);
	sqlite3_bind_int64(st, 5, it->from_device);
	sqlite3_bind_blob(st, 6, it->message_id, QUEUE_IDBYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, it->type);
	sqlite3_bind_int64(st, 9, it->server_ts);
	sqlite3_bind_int64(st, 10, expires);
	sqlite3_bind_int64(st, 11, it->status);
	sqlite3_bind_text(st, 4, it->from, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 8, it->content_len ? (const void *)it->content :
	    "", (int)it->content_len, SQLITE_STATIC);
	if (db_step_done(st) != 0)
		return (-1);
	if (seq != NULL)
		*seq = (uint64_t)sqlite3_last_insert_rowid(
		    sqlite3_db_handle(st));
	return (queue_counted(db, account, device, it->from_account,
	    it->status, 1));
}

int
queue_push_each(struct db *db, const struct queue_item *it, int64_t expires,
    struct queue_dest *d, size_t n)
{
	struct queue_item	row;
	size_t			i;

	if (db_pg(db) != NULL)
		return (queue_pg_push_each(db, it, expires, d, n));
	for (i = 0; i < n; i++) {
		row = *it;
		if (d[i].message_id != NULL) {
			memcpy(row.message_id, d[i].message_id,
			    QUEUE_IDBYTES);
			row.status = d[i].status;
		}
		if (queue_push(db, d[i].account, d[i].device, &row, expires,
		    &d[i].seq) != 0)
			return (-1);
	}
	return (0);
}

/*
 * The last seq given out, which the next rows' seqs follow. Group
 * references take their seqs from the queue's AUTOINCREMENT sequence
 * (sqlite_sequence), so that a device's rows of both tables are one
 * FIFO; queue_push_refs moves it past the block it takes, in the same
 * transaction, so that no seq is given out twice, even after a restart
 * with no rows left. 0 or -1.
 */
static int
queue_seq_last(struct db *db, uint64_t *last)
{
	sqlite3_stmt	*st;
	int64_t		 v;

	st = db_stmt(db, "SELECT max(coalesce((SELECT seq FROM "
	    "sqlite_sequence WHERE name = 'queue'), 0), "
	    "coalesce((SELECT max(seq) FROM queue), 0))");
	if (db_step_int64(st, &v) != 0)
		return (-1);
	*last = (uint64_t)v;
	return (0);
}

static int
queue_seq_set(struct db *db, uint64_t last)
{
	sqlite3_stmt	*st;

	st = db_stmt(db, "UPDATE sqlite_sequence SET seq = ? "
	    "WHERE name = 'queue'");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)last);
	if (db_step_done(st) != 0)
		return (-1);
	if (db_changes(db) == 1)
		return (0);
	/* No row yet (migration 8 makes one; a hand-edited database). */
	st = db_stmt(db, "INSERT INTO sqlite_sequence (name, seq) "
	    "VALUES ('queue', ?)");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)last);
	return (db_step_done(st));
}

/* queue_push_refs on PostgreSQL: queue_push_each's one INSERT. */
static int
queue_push_refs_pg(struct db *db, const struct queue_item *it,
    int64_t expires, struct queue_ref *refs, size_t n)
{
	struct queue_dest	*d = xcalloc(n, sizeof *d);
	size_t			 i;
	int			 rc;

	for (i = 0; i < n; i++) {
		d[i].account = refs[i].account;
		d[i].device = refs[i].device;
	}
	rc = queue_pg_push_each(db, it, expires, d, n);
	for (i = 0; i < n; i++)
		refs[i].seq = d[i].seq;
	free(d);
	return (rc);
}

int
queue_push_refs(struct db *db, const struct queue_item *it, int64_t expires,
    struct queue_ref *refs, size_t n)
{
	sqlite3_stmt	*st;
	uint64_t	 last;
	size_t		 i;

	if (n == 0)
		return (0);
	/* PostgreSQL keeps references in its queue table, all of them in
	 * one statement (queue_pg.c). */
	if (db_pg(db) != NULL)
		return (queue_push_refs_pg(db, it, expires, refs, n));
	if (db_begin(db) != 0 || queue_depths(db) == NULL ||
	    queue_seq_last(db, &last) != 0)
		return (-1);
	/* One row per step, its parameters bound over the last row's:
	 * body stays bound. The body keeps the expiry (and all else). */
	st = db_stmt(db, "INSERT INTO group_refs (account, device, seq, "
	    "body) VALUES (?, ?, ?, ?)");
	sqlite3_bind_int64(st, 4, it->body);
	for (i = 0; i < n; i++) {
		refs[i].seq = ++last;
		sqlite3_bind_int64(st, 1, refs[i].account);
		sqlite3_bind_int64(st, 2, refs[i].device);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)refs[i].seq);
		if (db_step_done(st) != 0 ||
		    queue_counted(db, refs[i].account, refs[i].device,
		    it->from_account, 0, 1) != 0)
			return (-1);
	}
	return (queue_seq_set(db, last));
}

int
queue_depth(struct db *db, int64_t account, uint32_t device, uint64_t *depth)
{
	struct queue_depths	*d;

	if (db_pg(db) != NULL)
		return (queue_pg_depth(db, account, device, depth));
	d = queue_depths(db);
	*depth = 0;
	if (d == NULL)
		return (-1);
	(void)itab_get(d->n, itab_key_pair(account, device), depth);
	return (0);
}

int
queue_depths_of(struct db *db, const int64_t *accts, const uint32_t *devs,
    size_t n, uint64_t *depths)
{
	size_t	i;

	if (db_pg(db) != NULL)
		return (queue_pg_depths_of(db, accts, devs, n, depths));
	for (i = 0; i < n; i++) {
		if (queue_depth(db, accts[i], devs[i], &depths[i]) != 0)
			return (-1);
	}
	return (0);
}

int
queue_share(struct db *db, int64_t account, uint32_t device, int64_t from,
    uint64_t *n)
{
	struct queue_depths	*d;

	if (db_pg(db) != NULL)
		return (queue_pg_share(db, account, device, from, n));
	d = queue_depths(db);
	*n = 0;
	if (d == NULL)
		return (-1);
	(void)itab_get(d->share, queue_share_key(account, device, from), n);
	return (0);
}

int
queue_total(struct db *db, uint64_t *total)
{
	struct queue_depths	*d;

	if (db_pg(db) != NULL)
		return (queue_pg_total(db, total));
	d = queue_depths(db);
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
	it->body = sqlite3_column_int64(st, 8);
	if (!with_content)
		return;
	if (it->body != 0 && sqlite3_column_bytes(st, 10) == QUEUE_IDBYTES)
		memcpy(it->group, sqlite3_column_blob(st, 10), QUEUE_IDBYTES);
	len = sqlite3_column_bytes(st, 9);
	p = sqlite3_column_blob(st, 9);
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

	if (db_pg(db) != NULL)
		return (queue_pg_fetch(db, account, device, after, now, items,
		    max, n));
	*n = 0;
	/* The device's rows and its group references (which take all but
	 * their seq from their body), merged by seq: each side is read in
	 * seq order by its key, so SQLite merges them without a sort. A
	 * reference expires with its body. */
	st = db_stmt_device(db, "SELECT seq, from_account, from_name, "
	    "from_device, message_id, type, server_ts, receipt, 0, content, "
	    "NULL FROM queue WHERE account = ?1 AND device = ?2 "
	    "AND seq > ?3 AND expires > ?4 "
	    "UNION ALL SELECT r.seq, b.from_account, b.from_name, "
	    "b.from_device, b.message_id, b.type, b.server_ts, 0, r.body, "
	    "b.content, b.group_id FROM group_refs r "
	    "JOIN group_bodies b ON b.body = r.body "
	    "WHERE r.account = ?1 AND r.device = ?2 AND r.seq > ?3 "
	    "AND b.expires > ?4 ORDER BY 1 LIMIT ?5", account, device);
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

int
queue_fetch_except(struct db *db, int64_t account, uint32_t device,
    int64_t now, const uint64_t *skip, size_t nskip,
    struct queue_item *items, size_t max, size_t *n)
{
	struct queue_item	*all;
	size_t			 got, i, k;
	int			 rc;

	if (db_pg(db) != NULL)
		return (queue_pg_fetch_except(db, account, device, now, skip,
		    nskip, items, max, n));
	/* SQLite: read past them and leave them out here. */
	all = xcalloc(max + nskip + 1, sizeof *all);
	rc = queue_fetch(db, account, device, 0, now, all, max + nskip, &got);
	for (*n = 0, i = 0; rc == 0 && i < got; i++) {
		for (k = 0; k < nskip && skip[k] != all[i].seq; k++)
			;
		if (k == nskip && *n < max)
			items[(*n)++] = all[i];
		else
			queue_items_clear(&all[i], 1);
	}
	free(all);
	return (rc);
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

	if (db_pg(db) != NULL)
		return (queue_pg_ack(db, account, device, seq, out));
	/* A lookup and a delete by primary key: cheaper than RETURNING. */
	st = db_stmt_device(db, "SELECT seq, from_account, from_name, "
	    "from_device, message_id, type, server_ts, receipt, 0 "
	    "FROM queue WHERE account = ?1 AND device = ?2 AND seq = ?3 "
	    "UNION ALL SELECT r.seq, b.from_account, b.from_name, "
	    "b.from_device, b.message_id, b.type, b.server_ts, 0, r.body "
	    "FROM group_refs r JOIN group_bodies b ON b.body = r.body "
	    "WHERE r.account = ?1 AND r.device = ?2 AND r.seq = ?3",
	    account, device);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)seq);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		queue_row(st, out, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return (rc == SQLITE_DONE ? 1 : -1);
	return (queue_delete(db, account, device, out));
}

int
queue_ack_many(struct db *db, int64_t account, uint32_t device,
    struct queue_acked *acks, size_t n)
{
	size_t	i;
	int	rc;

	if (db_pg(db) != NULL)
		return (queue_pg_ack_many(db, account, device, acks, n));
	for (i = 0; i < n; i++) {
		if (acks[i].recalled)
			rc = queue_delete(db, account, device, &acks[i].item);
		else
			rc = queue_ack(db, account, device, acks[i].seq,
			    &acks[i].item);
		if (rc == -1)
			return (-1);
		acks[i].found = rc == 0;
	}
	return (0);
}

int
queue_delete(struct db *db, int64_t account, uint32_t device,
    const struct queue_item *it)
{
	sqlite3_stmt	*st;

	if (db_pg(db) != NULL)
		return (queue_pg_delete(db, account, device, it));
	/* Counted first, so no count sees the deletion. */
	if (db_begin(db) != 0 || queue_depths(db) == NULL ||
	    bodies_ready(db) != 0)
		return (-1);
	if (it->body != 0)
		st = db_stmt_device(db, "DELETE FROM group_refs WHERE "
		    "account = ? AND device = ? AND seq = ?", account, device);
	else
		st = db_stmt_device(db, "DELETE FROM queue WHERE account = ? "
		    "AND device = ? AND seq = ?", account, device);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)it->seq);
	if (db_step_done(st) != 0)
		return (-1);
	if (db_changes(db) == 0)
		return (1);
	if (it->body != 0 && bodies_unref(db, it->body, 1) != 0)
		return (-1);
	return (queue_counted(db, account, device, it->from_account,
	    it->status, -1));
}

/* The device's references to bodies go (before its rows): 0 or -1. */
static int
queue_forget_bodies(struct db *db, int64_t account, uint32_t device)
{
	sqlite3_stmt	*st;
	int64_t		 body, n;
	int		 rc;

	if (bodies_ready(db) != 0)
		return (-1);
	st = db_stmt_device(db, "SELECT body, count(*) FROM group_refs "
	    "WHERE account = ? AND device = ? GROUP BY body", account,
	    device);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		body = sqlite3_column_int64(st, 0);
		n = sqlite3_column_int64(st, 1);
		/* Stepping on while a body is deleted is safe: the
		 * statement reads group_refs, the delete is elsewhere. */
		if (bodies_unref(db, body, (uint64_t)n) != 0) {
			sqlite3_reset(st);
			return (-1);
		}
	}
	sqlite3_reset(st);
	return (rc == SQLITE_DONE ? 0 : -1);
}

int
queue_forget(struct db *db, int64_t account, uint32_t device)
{
	struct queue_depths	*d;
	sqlite3_stmt		*st;

	if (db_pg(db) != NULL)
		return (queue_pg_forget(db, account, device));
	if (db_begin(db) != 0 || (d = queue_depths(db)) == NULL)
		return (-1);
	st = db_stmt_device(db, "SELECT account, device, from_account, "
	    "receipt = 0, count(*) FROM queue WHERE account = ? AND "
	    "device = ? GROUP BY 3, 4", account, device);
	if (queue_count_rows(db, d, st, -1) != 0)
		return (-1);
	st = db_stmt_device(db, "SELECT r.account, r.device, b.from_account, "
	    "1, count(*) FROM group_refs r JOIN group_bodies b "
	    "ON b.body = r.body WHERE r.account = ? AND r.device = ? "
	    "GROUP BY 3", account, device);
	if (queue_count_rows(db, d, st, -1) != 0 ||
	    queue_forget_bodies(db, account, device) != 0)
		return (-1);
	st = db_stmt_device(db, "DELETE FROM group_refs WHERE account = ? "
	    "AND device = ?", account, device);
	if (db_step_done(st) != 0)
		return (-1);
	st = db_stmt_device(db, "DELETE FROM queue WHERE account = ? AND "
	    "device = ?", account, device);
	return (db_step_done(st));
}

/*
 * Delete the references to bodies expired at now, adding them to
 * *purged. References have no expiry index (it would be one more
 * B-tree write per reference stored and acked), so this scans
 * group_refs, but only when a body has expired: a reference expires
 * with its body. 0 or -1.
 */
static int
queue_purge_references(struct db *db, struct queue_depths *d, int64_t now,
    uint64_t *purged)
{
	sqlite3_stmt	*st;
	int64_t		 any;
	int		 rc;

	st = db_stmt(db, "SELECT 1 FROM group_bodies WHERE expires <= ? "
	    "LIMIT 1");
	sqlite3_bind_int64(st, 1, now);
	if ((rc = db_step_int64(st, &any)) != 0)
		return (rc == 1 ? 0 : -1);
	st = db_stmt(db, "SELECT r.account, r.device, b.from_account, 1, "
	    "count(*) FROM group_refs r JOIN group_bodies b "
	    "ON b.body = r.body WHERE b.expires <= ? GROUP BY 1, 2, 3");
	sqlite3_bind_int64(st, 1, now);
	if (queue_count_rows(db, d, st, -1) != 0)
		return (-1);
	st = db_stmt(db, "DELETE FROM group_refs WHERE body IN "
	    "(SELECT body FROM group_bodies WHERE expires <= ?)");
	sqlite3_bind_int64(st, 1, now);
	if (db_step_done(st) != 0)
		return (-1);
	*purged += (uint64_t)db_changes(db);
	return (0);
}

int
queue_purge(struct db *db, int64_t now, uint64_t *purged)
{
	struct queue_depths	*d;
	sqlite3_stmt		*st;

	if (db_pg(db) != NULL)
		return (queue_pg_purge(db, now, purged));
	*purged = 0;
	if (db_begin(db) != 0 || (d = queue_depths(db)) == NULL)
		return (-1);
	/* Uncount what goes (by the expiry index), then delete it. */
	st = db_stmt(db, "SELECT account, device, from_account, receipt = 0, "
	    "count(*) FROM queue WHERE expires <= ? AND body IS NULL "
	    "GROUP BY 1, 2, 3, 4");
	sqlite3_bind_int64(st, 1, now);
	if (queue_count_rows(db, d, st, -1) != 0)
		return (-1);
	st = db_stmt(db, "DELETE FROM queue WHERE expires <= ? AND "
	    "body IS NULL");
	sqlite3_bind_int64(st, 1, now);
	if (db_step_done(st) != 0)
		return (-1);
	*purged = (uint64_t)db_changes(db);
	if (queue_purge_references(db, d, now, purged) != 0 ||
	    bodies_purge(db, now) != 0)
		return (-1);
	st = db_stmt(db, "DELETE FROM sent WHERE expires <= ?");
	sqlite3_bind_int64(st, 1, now);
	return (db_step_done(st));
}

int
queue_sent_lookup(struct db *db, int64_t account, uint32_t device,
    const uint8_t id[QUEUE_IDBYTES], int64_t *server_ts)
{
	sqlite3_stmt	*st;

	if (db_pg(db) != NULL)
		return (queue_pg_sent_lookup(db, account, device, id,
		    server_ts));
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

	if (db_pg(db) != NULL)
		return (queue_pg_sent_record(db, account, device, id,
		    server_ts, expires));
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
	if (db_pg(db) != NULL)
		return (queue_pg_sent_claim(db, account, device, id,
		    server_ts, expires));
	if (queue_sent_record(db, account, device, id, server_ts,
	    expires) != 0)
		return (-1);
	return (db_changes(db) == 1 ? 0 : 1);
}

int
queue_sent_claim_depths(struct db *db, const struct queue_claim *c,
    const int64_t *accts, const uint32_t *devs, size_t n, uint64_t *depths)
{
	int	rc;

	if (db_pg(db) != NULL)
		return (queue_pg_sent_claim_depths(db, c, accts, devs, n,
		    depths));
	rc = queue_sent_claim(db, c->account, c->device, c->id, c->server_ts,
	    c->expires);
	if (rc != 0)
		return (rc);
	return (queue_depths_of(db, accts, devs, n, depths));
}

int
queue_sent_forget(struct db *db, int64_t account, uint32_t device,
    const uint8_t id[QUEUE_IDBYTES])
{
	sqlite3_stmt	*st;

	if (db_pg(db) != NULL)
		return (queue_pg_sent_forget(db, account, device, id));
	if ((st = db_write_device(db, "DELETE FROM sent WHERE account = ? AND "
	    "device = ? AND message_id = ?", account, device)) == NULL)
		return (-1);
	sqlite3_bind_blob(st, 3, id, QUEUE_IDBYTES, SQLITE_STATIC);
	return (db_step_done(st));
}
