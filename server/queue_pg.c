/* queue_pg: queue.h on the PostgreSQL store, which nodes share.
 *
 * queue.c counts depths and shares in memory, but one device's queue
 * now takes rows from every node, so nothing is counted in memory here.
 * A device's depth is its row of queue_depths, changed by what the turn
 * added or deleted when it commits (pgcount.h: in key order, so that
 * nodes never deadlock on two depths, and with the rows: a rolled back
 * savepoint or a failed turn takes both back). The row is changed with
 * an increment, never overwritten, so nodes changing one device's depth
 * at once just take turns on its row lock. A sender's share is counted
 * from the queue when asked: it is asked only when a message is sent,
 * and a second counter per sender would cost a write on every push. Receipts count in the depth, not in
 * a share, as in queue.c. Sequence numbers come from the identity
 * column, so a device's FIFO is its rows by seq. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/bodies.h"
#include "server/db.h"
#include "server/dbpg.h"
#include "server/itab.h"
#include "server/pgcount.h"
#include "server/queue_pg.h"
#include "shared/util/log.h"
#include "shared/util/xmalloc.h"

static void
queue_pg_device(struct dbpg_params *p, int64_t account, uint32_t device)
{
	dbpg_params_init(p);
	dbpg_param_int64(p, account);
	dbpg_param_int64(p, device);
}

/* The row is sent without waiting for it (dbpg_send): natterd needs
 * nothing back, since a shared store's rows go out only as read back
 * from it (sessiondeliver.c), and a failed insert fails the turn. So
 * *seq is 0: the row's seq is not known here. */
int
queue_pg_push(struct db *db, int64_t account, uint32_t device,
    const struct queue_item *it, int64_t expires, uint64_t *seq)
{
	struct dbpg_params	p;

	if (db_begin(db) != 0)
		return (-1);
	queue_pg_device(&p, account, device);
	dbpg_param_int64(&p, it->from_account);
	/* A group's row refers to its body, which has name and content. */
	dbpg_param_text(&p, it->body != 0 ? "" : it->from);
	dbpg_param_int64(&p, it->from_device);
	dbpg_param_blob(&p, it->message_id, QUEUE_IDBYTES);
	dbpg_param_int64(&p, it->type);
	if (it->body != 0)
		dbpg_param_text(&p, NULL);
	else
		dbpg_param_blob(&p, it->content, it->content_len);
	dbpg_param_int64(&p, it->server_ts);
	dbpg_param_int64(&p, expires);
	dbpg_param_int64(&p, it->status);
	if (it->body != 0)
		dbpg_param_int64(&p, it->body);
	else
		dbpg_param_text(&p, NULL);
	if (dbpg_send(db, "INSERT INTO queue (account, device, "
	    "from_account, from_name, from_device, message_id, type, content, "
	    "server_ts, expires, receipt, body) VALUES ($1, $2, $3, $4, $5, "
	    "$6, $7, $8, $9, $10, $11, $12)", &p) != 0)
		return (-1);
	pgcount_depth(db, account, device, 1);
	if (seq != NULL)
		*seq = 0;
	return (0);
}

static int64_t
queue_pg_dest_account(const void *arg, size_t i)
{
	return (((const struct queue_dest *)arg)[i].account);
}

static int64_t
queue_pg_dest_device(const void *arg, size_t i)
{
	return (((const struct queue_dest *)arg)[i].device);
}

/* A row's status: its own with a message id of its own, else the
 * item's (passed as the array's elements all the same). */
struct queue_pg_statuses {
	const struct queue_dest	*d;
	uint32_t		 status;
};

static int64_t
queue_pg_dest_status(const void *arg, size_t i)
{
	const struct queue_pg_statuses	*st = arg;

	return (st->d[i].message_id != NULL ? st->d[i].status : st->status);
}

/* queue_push_each as one INSERT of unnest()ed arrays: where each row
 * goes and its status; the message ids, 16 bytes each, in one blob. */
#define QUEUE_PG_PUSH_EACH \
	"INSERT INTO queue (account, device, from_account, from_name, " \
	"from_device, message_id, type, content, server_ts, expires, " \
	"receipt, body) SELECT u.a, u.d, $5::bigint, $6::text, " \
	"$7::integer, substring($4::bytea FROM (u.o::integer - 1) * 16 + 1 " \
	"FOR 16), $8::integer, $9::bytea, $10::bigint, $11::bigint, u.r, " \
	"$12::bigint FROM unnest($1::bigint[], $2::bigint[], " \
	"$3::bigint[]) WITH ORDINALITY AS u(a, d, r, o)"

int
queue_pg_push_each(struct db *db, const struct queue_item *it,
    int64_t expires, struct queue_dest *d, size_t n)
{
	struct queue_pg_statuses	 st = { d, it->status };
	struct dbpg_params		 p;
	uint8_t				*ids;
	char				*accts, *devs, *stats;
	size_t				 i;
	int				 rc;

	if (n == 0)
		return (0);
	if (db_begin(db) != 0)
		return (-1);
	ids = xreallocarray(NULL, n, QUEUE_IDBYTES);
	for (i = 0; i < n; i++) {
		memcpy(ids + i * QUEUE_IDBYTES, d[i].message_id != NULL ?
		    d[i].message_id : it->message_id, QUEUE_IDBYTES);
		d[i].seq = 0;
	}
	accts = dbpg_array_each(n, queue_pg_dest_account, d);
	devs = dbpg_array_each(n, queue_pg_dest_device, d);
	stats = dbpg_array_each(n, queue_pg_dest_status, &st);
	dbpg_params_init(&p);
	dbpg_param_text(&p, accts);
	dbpg_param_text(&p, devs);
	dbpg_param_text(&p, stats);
	dbpg_param_blob(&p, ids, n * QUEUE_IDBYTES);
	dbpg_param_int64(&p, it->from_account);
	dbpg_param_text(&p, it->body != 0 ? "" : it->from);
	dbpg_param_int64(&p, it->from_device);
	dbpg_param_int64(&p, it->type);
	if (it->body != 0 || it->content == NULL)
		dbpg_param_text(&p, NULL);
	else
		dbpg_param_blob(&p, it->content, it->content_len);
	dbpg_param_int64(&p, it->server_ts);
	dbpg_param_int64(&p, expires);
	if (it->body != 0)
		dbpg_param_int64(&p, it->body);
	else
		dbpg_param_text(&p, NULL);
	rc = dbpg_send(db, QUEUE_PG_PUSH_EACH, &p);
	free(accts);
	free(devs);
	free(stats);
	free(ids);
	if (rc != 0)
		return (-1);
	for (i = 0; i < n; i++)
		pgcount_depth(db, d[i].account, d[i].device, 1);
	return (0);
}

int
queue_pg_depth(struct db *db, int64_t account, uint32_t device,
    uint64_t *depth)
{
	struct dbpg_params	p;
	int64_t			v = 0;
	int			rc;

	*depth = 0;
	queue_pg_device(&p, account, device);
	rc = dbpg_int64_of(db, "SELECT n FROM queue_depths WHERE "
	    "account = $1 AND device = $2", &p, &v);
	if (rc == -1)
		return (-1);
	/* What this turn added or took is not in the row until it
	 * commits. */
	v += pgcount_depth_pending(db, account, device);
	*depth = v > 0 ? (uint64_t)v : 0;
	return (0);
}

/* The depths of (accts[i], devs[i]) as rows (i + 1, n): the select
 * queue_pg_depths_rows reads.
 * Devices go as bigint: a Send's envelope may name any 32-bit device
 * before it is checked, and one out of integer's range must read as an
 * empty queue, not fail the turn. */
#define QUEUE_PG_DEPTHS \
	"SELECT u.o, coalesce(q.n, 0) FROM unnest($1::bigint[], " \
	"$2::bigint[]) WITH ORDINALITY AS u(account, device, o) " \
	"LEFT JOIN queue_depths q ON q.account = u.account AND " \
	"q.device = u.device"

/* Read res's rows into depths, adding what this turn changed (as
 * queue_pg_depth does), past a row 0: 0, or -1 when a row is missing. */
static int
queue_pg_depths_rows(struct db *db, PGresult *res, const int64_t *accts,
    const uint32_t *devs, size_t n, uint64_t *depths)
{
	int64_t	o, v;
	size_t	got = 0, i;
	int	rows = PQntuples(res), r;

	for (r = 0; r < rows; r++) {
		o = dbpg_int64(res, r, 0);
		if (o == 0)		/* queue_pg_sent_claim_depths' claim */
			continue;
		if (o < 1 || (uint64_t)o > n)
			return (-1);
		i = (size_t)o - 1;
		v = dbpg_int64(res, r, 1) +
		    pgcount_depth_pending(db, accts[i], devs[i]);
		depths[i] = v > 0 ? (uint64_t)v : 0;
		got++;
	}
	return (got == n ? 0 : -1);
}

int
queue_pg_depths_of(struct db *db, const int64_t *accts,
    const uint32_t *devs, size_t n, uint64_t *depths)
{
	struct dbpg_params	 p;
	PGresult		*res;
	char			*a, *d;
	int			 rc = -1;

	if (n == 0)
		return (0);
	a = dbpg_array_int64(accts, n);
	d = dbpg_array_uint32(devs, n);
	dbpg_params_init(&p);
	dbpg_param_text(&p, a);
	dbpg_param_text(&p, d);
	if ((res = dbpg_run(db, QUEUE_PG_DEPTHS, &p)) != NULL) {
		if ((rc = queue_pg_depths_rows(db, res, accts, devs, n,
		    depths)) != 0)
			log_warn("postgresql: %d rows for the depths of %zu "
			    "devices", PQntuples(res), n);
		PQclear(res);
	}
	free(a);
	free(d);
	return (rc);
}

int
queue_pg_share(struct db *db, int64_t account, uint32_t device,
    int64_t from, uint64_t *n)
{
	struct dbpg_params	p;
	int64_t			v = 0;

	*n = 0;
	queue_pg_device(&p, account, device);
	dbpg_param_int64(&p, from);
	if (dbpg_int64_of(db, "SELECT count(*) FROM queue WHERE account = $1 "
	    "AND device = $2 AND from_account = $3 AND receipt = 0", &p,
	    &v) != 0)
		return (-1);
	*n = (uint64_t)v;
	return (0);
}

int
queue_pg_total(struct db *db, uint64_t *total)
{
	struct dbpg_params	p;
	int64_t			v = 0;

	*total = 0;
	dbpg_params_init(&p);
	/* sum() of a bigint is a numeric: cast, for the binary reader. */
	if (dbpg_int64_of(db, "SELECT coalesce(sum(n), 0)::bigint FROM "
	    "queue_depths", &p, &v) != 0)
		return (-1);
	v += pgcount_depths_pending(db);
	*total = v > 0 ? (uint64_t)v : 0;
	return (0);
}

/* Row r of res: seq, from_account, from_name, from_device, message_id,
 * type, server_ts, receipt, body and, with content, content and the
 * body's group id. */
static void
queue_pg_row(const PGresult *res, int r, struct queue_item *it,
    int with_content)
{
	const uint8_t	*b;
	size_t		 len;

	memset(it, 0, sizeof *it);
	it->seq = (uint64_t)dbpg_int64(res, r, 0);
	it->from_account = dbpg_int64(res, r, 1);
	if ((b = dbpg_blob(res, r, 2, &len)) != NULL) {
		if (len > sizeof it->from - 1)
			len = sizeof it->from - 1;
		memcpy(it->from, b, len);	/* NUL from the memset */
	}
	it->from_device = (uint32_t)dbpg_int64(res, r, 3);
	if ((b = dbpg_blob(res, r, 4, &len)) != NULL && len == QUEUE_IDBYTES)
		memcpy(it->message_id, b, QUEUE_IDBYTES);
	it->type = (uint32_t)dbpg_int64(res, r, 5);
	it->server_ts = dbpg_int64(res, r, 6);
	it->status = (uint32_t)dbpg_int64(res, r, 7);
	it->body = dbpg_int64(res, r, 8);
	if (!with_content)
		return;
	if (it->body != 0 && (b = dbpg_blob(res, r, 10, &len)) != NULL &&
	    len == QUEUE_IDBYTES)
		memcpy(it->group, b, QUEUE_IDBYTES);
	if ((b = dbpg_blob(res, r, 9, &len)) != NULL && len > 0) {
		it->content = xmalloc(len);
		memcpy(it->content, b, len);
		it->content_len = len;
	}
}

/* A device's rows as delivered: a group's row takes its name and
 * content from its body. Then the conditions, from $3. */
#define QUEUE_PG_FETCH \
	"SELECT q.seq, q.from_account, coalesce(b.from_name, q.from_name), " \
	"q.from_device, q.message_id, q.type, q.server_ts, q.receipt, " \
	"q.body, coalesce(b.content, q.content), b.group_id FROM queue q " \
	"LEFT JOIN group_bodies b ON b.body = q.body WHERE q.account = $1 " \
	"AND q.device = $2 AND "

/* Run a fetch (QUEUE_PG_FETCH and its conditions) into items. */
static int
queue_pg_fetch_run(struct db *db, const char *sql,
    const struct dbpg_params *p, struct queue_item *items, size_t max,
    size_t *n)
{
	PGresult	*res;
	int		 rows, r;

	*n = 0;
	if ((res = dbpg_run(db, sql, p)) == NULL)
		return (-1);
	rows = PQntuples(res);
	for (r = 0; r < rows && *n < max; r++)
		queue_pg_row(res, r, &items[(*n)++], 1);
	PQclear(res);
	return (0);
}

int
queue_pg_fetch(struct db *db, int64_t account, uint32_t device,
    uint64_t after, int64_t now, struct queue_item *items, size_t max,
    size_t *n)
{
	struct dbpg_params	p;

	queue_pg_device(&p, account, device);
	dbpg_param_int64(&p, (int64_t)after);
	dbpg_param_int64(&p, now);
	dbpg_param_int64(&p, (int64_t)max);
	return (queue_pg_fetch_run(db, QUEUE_PG_FETCH "q.seq > $3 AND "
	    "q.expires > $4 ORDER BY q.seq LIMIT $5", &p, items, max, n));
}

static int64_t
queue_pg_seq_at(const void *arg, size_t i)
{
	return ((int64_t)((const uint64_t *)arg)[i]);
}

int
queue_pg_fetch_except(struct db *db, int64_t account, uint32_t device,
    int64_t now, const uint64_t *skip, size_t nskip,
    struct queue_item *items, size_t max, size_t *n)
{
	struct dbpg_params	 p;
	char			*list;
	int			 rc;

	list = dbpg_array_each(nskip, queue_pg_seq_at, skip);
	queue_pg_device(&p, account, device);
	dbpg_param_text(&p, list);
	dbpg_param_int64(&p, now);
	dbpg_param_int64(&p, (int64_t)max);
	rc = queue_pg_fetch_run(db, QUEUE_PG_FETCH "q.seq <> ALL($3::bigint[]) "
	    "AND q.expires > $4 ORDER BY q.seq LIMIT $5", &p, items, max, n);
	free(list);
	return (rc);
}

/*
 * Delete the device's row seq and take it off the device's depth; the
 * row as queue_pg_row reads it (no content), or no row. Deleting, rather
 * than reading and then deleting, means two nodes acking one row (a
 * device that reconnected elsewhere) cannot both count it: the second
 * finds nothing.
 */
static PGresult *
queue_pg_take(struct db *db, int64_t account, uint32_t device, uint64_t seq)
{
	struct dbpg_params	 p;
	PGresult		*res;

	queue_pg_device(&p, account, device);
	dbpg_param_int64(&p, (int64_t)seq);
	res = dbpg_run(db, "DELETE FROM queue WHERE account = $1 AND "
	    "device = $2 AND seq = $3 RETURNING seq, from_account, from_name, "
	    "from_device, message_id, type, server_ts, receipt, body", &p);
	if (res != NULL && PQntuples(res) == 1)
		pgcount_depth(db, account, device, -1);
	return (res);
}

static int64_t
queue_pg_acked_seq(const void *arg, size_t i)
{
	return ((int64_t)((const struct queue_acked *)arg)[i].seq);
}

/* The ack that row seq answers: the first one naming it not found yet,
 * through seqs (seq -> the first index naming it), or NULL. */
static struct queue_acked *
queue_pg_acked_find(struct queue_acked *acks, size_t n,
    const struct itab *seqs, uint64_t seq)
{
	uint64_t	i;

	if (!itab_get(seqs, seq, &i) || i >= n)
		return (NULL);
	for (; i < n; i++) {
		if (acks[i].seq == seq && !acks[i].found)
			return (&acks[i]);
	}
	return (NULL);
}

/* One DELETE for the rows of a whole Ack (seq = ANY of an array), as
 * queue_pg_take each: the rows it returns are matched to the acks. */
int
queue_pg_ack_many(struct db *db, int64_t account, uint32_t device,
    struct queue_acked *acks, size_t n)
{
	struct dbpg_params	 p;
	struct queue_acked	*a;
	struct itab		*seqs;
	PGresult		*res;
	char			*list;
	size_t			 i;
	int			 rows, r, rc = 0;

	if (n == 0)
		return (0);
	if (db_begin(db) != 0)
		return (-1);
	seqs = itab_create();
	for (i = n; i-- > 0; ) {
		acks[i].found = 0;
		itab_put(seqs, acks[i].seq, i);	/* the first index wins */
	}
	list = dbpg_array_each(n, queue_pg_acked_seq, acks);
	queue_pg_device(&p, account, device);
	dbpg_param_text(&p, list);
	res = dbpg_run(db, "DELETE FROM queue WHERE account = $1 AND "
	    "device = $2 AND seq = ANY($3::bigint[]) RETURNING seq, "
	    "from_account, from_name, from_device, message_id, type, "
	    "server_ts, receipt, body", &p);
	free(list);
	if (res == NULL) {
		itab_free(seqs);
		return (-1);
	}
	rows = PQntuples(res);
	for (r = 0; r < rows && rc == 0; r++) {
		a = queue_pg_acked_find(acks, n, seqs,
		    (uint64_t)dbpg_int64(res, r, 0));
		if (a == NULL) {
			log_warn("postgresql: an ack deleted a row it did not "
			    "name");
			rc = -1;
			break;
		}
		queue_pg_row(res, r, &a->item, 0);
		a->found = 1;
		pgcount_depth(db, account, device, -1);
		if (a->item.body != 0 && bodies_unref(db, a->item.body, 1) != 0)
			rc = -1;
	}
	PQclear(res);
	itab_free(seqs);
	return (rc);
}

int
queue_pg_ack(struct db *db, int64_t account, uint32_t device, uint64_t seq,
    struct queue_item *out)
{
	PGresult	*res;
	int		 found;

	if (db_begin(db) != 0 ||
	    (res = queue_pg_take(db, account, device, seq)) == NULL)
		return (-1);
	if ((found = PQntuples(res) == 1))
		queue_pg_row(res, 0, out, 0);
	PQclear(res);
	if (!found)
		return (1);
	if (out->body != 0 && bodies_unref(db, out->body, 1) != 0)
		return (-1);
	return (0);
}

int
queue_pg_delete(struct db *db, int64_t account, uint32_t device,
    const struct queue_item *it)
{
	struct queue_item	 row;
	PGresult		*res;
	int			 found;

	/* The body is unreferenced as the deleted row names it (the
	 * caller's it->body, which only saves SQLite a lookup). */
	if (db_begin(db) != 0 ||
	    (res = queue_pg_take(db, account, device, it->seq)) == NULL)
		return (-1);
	if ((found = PQntuples(res) == 1))
		queue_pg_row(res, 0, &row, 0);
	PQclear(res);
	if (!found)
		return (1);
	if (row.body != 0 && bodies_unref(db, row.body, 1) != 0)
		return (-1);
	return (0);
}

/* The device's references to bodies go (before its rows): 0 or -1. */
static int
queue_pg_forget_bodies(struct db *db, int64_t account, uint32_t device)
{
	struct dbpg_params	 p;
	PGresult		*res;
	int			 rows, r, rc = 0;

	queue_pg_device(&p, account, device);
	if ((res = dbpg_run(db, "SELECT body, count(*) FROM queue WHERE "
	    "account = $1 AND device = $2 AND body IS NOT NULL GROUP BY body",
	    &p)) == NULL)
		return (-1);
	rows = PQntuples(res);
	for (r = 0; r < rows && rc == 0; r++)
		rc = bodies_unref(db, dbpg_int64(res, r, 0),
		    (uint64_t)dbpg_int64(res, r, 1));
	PQclear(res);
	return (rc);
}

int
queue_pg_forget(struct db *db, int64_t account, uint32_t device)
{
	struct dbpg_params	p;
	uint64_t		gone;

	if (db_begin(db) != 0 ||
	    queue_pg_forget_bodies(db, account, device) != 0)
		return (-1);
	/* Less what was deleted, not set to 0: a row another node pushes
	 * meanwhile is not deleted here, and its count stays. */
	queue_pg_device(&p, account, device);
	if (dbpg_exec(db, "DELETE FROM queue WHERE account = $1 AND "
	    "device = $2", &p, &gone) != 0)
		return (-1);
	pgcount_depth(db, account, device, -(int64_t)gone);
	return (0);
}

/* Run sql, a purge of expired rows that gives how many it deleted per
 * device, adding them to *purged and taking them off the depths: 0 or
 * -1. */
static int
queue_pg_purge_rows(struct db *db, const char *sql, int64_t now,
    uint64_t *purged)
{
	struct dbpg_params	 p;
	PGresult		*res;
	int64_t			 k;
	int			 rows, r;

	dbpg_params_init(&p);
	dbpg_param_int64(&p, now);
	if ((res = dbpg_run(db, sql, &p)) == NULL)
		return (-1);
	rows = PQntuples(res);
	for (r = 0; r < rows; r++) {
		k = dbpg_int64(res, r, 2);
		pgcount_depth(db, dbpg_int64(res, r, 0),
		    (uint32_t)dbpg_int64(res, r, 1), -k);
		*purged += (uint64_t)k;
	}
	PQclear(res);
	return (0);
}

/*
 * The references to bodies expired at now go, and the bodies with them,
 * but only when a body has expired: a reference expires with its body
 * (groupsend.c gives both one expiry), and references are not in the
 * expiry index (pgschema.c, as db.c's migration 7). 0 or -1.
 */
static int
queue_pg_purge_references(struct db *db, int64_t now, uint64_t *purged)
{
	struct dbpg_params	p;
	int64_t			any;
	int			rc;

	dbpg_params_init(&p);
	dbpg_param_int64(&p, now);
	if ((rc = dbpg_int64_of(db, "SELECT 1 FROM group_bodies WHERE "
	    "expires <= $1 LIMIT 1", &p, &any)) != 0)
		return (rc == 1 ? 0 : -1);
	if (queue_pg_purge_rows(db, "WITH q AS (DELETE FROM queue WHERE "
	    "body IS NOT NULL AND expires <= $1 RETURNING account, device) "
	    "SELECT account, device, count(*) FROM q GROUP BY 1, 2", now,
	    purged) != 0)
		return (-1);
	return (bodies_purge(db, now));
}

int
queue_pg_purge(struct db *db, int64_t now, uint64_t *purged)
{
	struct dbpg_params	p;

	*purged = 0;
	if (db_begin(db) != 0)
		return (-1);
	/* Rows by the expiry index, each device's depth less its own. */
	if (queue_pg_purge_rows(db, "WITH q AS (DELETE FROM queue WHERE "
	    "expires <= $1 AND body IS NULL RETURNING account, device) "
	    "SELECT account, device, count(*) FROM q GROUP BY 1, 2", now,
	    purged) != 0 ||
	    queue_pg_purge_references(db, now, purged) != 0)
		return (-1);
	dbpg_params_init(&p);
	dbpg_param_int64(&p, now);
	return (dbpg_exec(db, "DELETE FROM sent WHERE expires <= $1", &p,
	    NULL));
}

int
queue_pg_sent_lookup(struct db *db, int64_t account, uint32_t device,
    const uint8_t id[QUEUE_IDBYTES], int64_t *server_ts)
{
	struct dbpg_params	p;

	queue_pg_device(&p, account, device);
	dbpg_param_blob(&p, id, QUEUE_IDBYTES);
	return (dbpg_int64_of(db, "SELECT server_ts FROM sent WHERE "
	    "account = $1 AND device = $2 AND message_id = $3", &p,
	    server_ts));
}

/* Insert the send record unless one is there (a node recording the
 * same one at once holds its key: this waits for that node's turn):
 * 0 with *added 1 or 0, or -1. */
static int
queue_pg_sent_insert(struct db *db, int64_t account, uint32_t device,
    const uint8_t id[QUEUE_IDBYTES], int64_t server_ts, int64_t expires,
    uint64_t *added)
{
	struct dbpg_params	p;

	if (db_begin(db) != 0)
		return (-1);
	queue_pg_device(&p, account, device);
	dbpg_param_blob(&p, id, QUEUE_IDBYTES);
	dbpg_param_int64(&p, server_ts);
	dbpg_param_int64(&p, expires);
	return (dbpg_exec(db, "INSERT INTO sent (account, device, message_id, "
	    "server_ts, expires) VALUES ($1, $2, $3, $4, $5) "
	    "ON CONFLICT DO NOTHING", &p, added));
}

int
queue_pg_sent_record(struct db *db, int64_t account, uint32_t device,
    const uint8_t id[QUEUE_IDBYTES], int64_t server_ts, int64_t expires)
{
	uint64_t	added;

	return (queue_pg_sent_insert(db, account, device, id, server_ts,
	    expires, &added));
}

int
queue_pg_sent_claim(struct db *db, int64_t account, uint32_t device,
    const uint8_t id[QUEUE_IDBYTES], int64_t server_ts, int64_t expires)
{
	uint64_t	added;

	if (queue_pg_sent_insert(db, account, device, id, server_ts, expires,
	    &added) != 0)
		return (-1);
	return (added == 1 ? 0 : 1);
}

int
queue_pg_sent_forget(struct db *db, int64_t account, uint32_t device,
    const uint8_t id[QUEUE_IDBYTES])
{
	struct dbpg_params	p;

	if (db_begin(db) != 0)
		return (-1);
	queue_pg_device(&p, account, device);
	dbpg_param_blob(&p, id, QUEUE_IDBYTES);
	return (dbpg_exec(db, "DELETE FROM sent WHERE account = $1 AND "
	    "device = $2 AND message_id = $3", &p, NULL));
}

/* A claim (queue_pg_sent_insert's) as row (0, rows inserted), then the
 * depths as rows (i + 1, n), in one statement: a Send's first round
 * trip. The depths are read in the claim's snapshot. */
#define QUEUE_PG_CLAIM \
	"WITH c AS (INSERT INTO sent (account, device, message_id, " \
	"server_ts, expires) VALUES ($3, $4, $5, $6, $7) ON CONFLICT DO " \
	"NOTHING RETURNING 1) SELECT 0::bigint, count(*) FROM c UNION ALL "
#define QUEUE_PG_CLAIM_DEPTHS	QUEUE_PG_CLAIM QUEUE_PG_DEPTHS
/* The same for the usual single device: the depth comes back as the
 * inserted row's only column, and no row means claimed before. Numbers,
 * not arrays: with an array PostgreSQL's plan for any values costs more
 * than one for the values at hand, so it would plan the statement
 * afresh at every run (~50 us, more than the statement itself). The
 * device is compared as a bigint, as in QUEUE_PG_DEPTHS. */
#define QUEUE_PG_CLAIM_DEPTH \
	"INSERT INTO sent (account, device, message_id, server_ts, " \
	"expires) VALUES ($3, $4, $5, $6, $7) ON CONFLICT DO NOTHING " \
	"RETURNING 1::bigint, coalesce((SELECT n FROM queue_depths WHERE " \
	"account = $1::bigint AND device = $2::bigint), 0)"

/* res's claim row: 0 claimed, 1 claimed before, -1 none. With one
 * device (QUEUE_PG_CLAIM_DEPTH) there is none: a row is the claim. */
static int
queue_pg_claim_row(PGresult *res, size_t n)
{
	int	r;

	if (n == 1)
		return (PQntuples(res) == 1 ? 0 : 1);
	for (r = 0; r < PQntuples(res); r++) {
		if (dbpg_int64(res, r, 0) == 0)
			return (dbpg_int64(res, r, 1) == 1 ? 0 : 1);
	}
	return (-1);
}

int
queue_pg_sent_claim_depths(struct db *db, const struct queue_claim *c,
    const int64_t *accts, const uint32_t *devs, size_t n, uint64_t *depths)
{
	struct dbpg_params	 p;
	PGresult		*res;
	char			*a, *d;
	int			 rc = -1;

	if (db_begin(db) != 0)
		return (-1);
	dbpg_params_init(&p);
	if (n == 1) {
		a = d = NULL;
		dbpg_param_int64(&p, accts[0]);
		dbpg_param_int64(&p, devs[0]);
	} else {
		a = dbpg_array_int64(accts, n);
		d = dbpg_array_uint32(devs, n);
		dbpg_param_text(&p, a);
		dbpg_param_text(&p, d);
	}
	dbpg_param_int64(&p, c->account);
	dbpg_param_int64(&p, c->device);
	dbpg_param_blob(&p, c->id, QUEUE_IDBYTES);
	dbpg_param_int64(&p, c->server_ts);
	dbpg_param_int64(&p, c->expires);
	if ((res = dbpg_run(db, n == 1 ? QUEUE_PG_CLAIM_DEPTH :
	    QUEUE_PG_CLAIM_DEPTHS, &p)) != NULL) {
		rc = queue_pg_claim_row(res, n);
		if (rc == 0 && queue_pg_depths_rows(db, res, accts, devs, n,
		    depths) != 0)
			rc = -1;
		if (rc == -1)
			log_warn("postgresql: %d rows for a claim and the "
			    "depths of %zu devices", PQntuples(res), n);
		PQclear(res);
	}
	free(a);
	free(d);
	return (rc);
}
