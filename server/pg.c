/* pg: natterd's PostgreSQL connection: libpq's pipeline on the loop.
 *
 * What the connection promises is in pg.h. How: libpq in non-blocking
 * pipeline mode, its socket watched by a uv_poll handle. Every command
 * sent (BEGIN, a PREPARE, a statement, COMMIT, the sync that ends a
 * turn) leaves an entry on a FIFO; results arrive in the same order, so
 * the head entry always owns the next result. A query's results end
 * with a NULL from PQgetResult; a sync's is one PGRES_PIPELINE_SYNC.
 *
 * Reconnecting uses PQconnectStartParams/PQconnectPoll on the same
 * handle, so nothing blocks once natterd serves; only pg_open, before
 * any client is accepted, connects and migrates with blocking calls. */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/pg.h"
#include "shared/util/log.h"
#include "shared/util/xmalloc.h"

#define PG_MIGRATE_LOCK	"7406541"	/* pg_advisory_xact_lock's key */

enum pg_kind {
	PG_CONTROL,	/* BEGIN or a PREPARE: only failures matter */
	PG_STATEMENT,
	PG_COMMIT,
	PG_SYNC
};

struct pg_pending {
	enum pg_kind			 kind;
	pg_result_fn			 fn;
	pg_commit_fn			 cfn;
	void				*arg;
	int				 got;	/* a result arrived */
	int				 prep;	/* a PREPARE: its slot + 1 */
	uint64_t			 txn;	/* the transaction it is in */
	int				 ok;	/* PG_COMMIT: it committed */
	STAILQ_ENTRY(pg_pending)	 entry;
};

struct pg_prepared {
	const char	*sql;
	char		 name[16];	/* "sN" */
};

struct pg_poll {
	uv_poll_t	 h;
	int		 fd;
	int		 events;
};

enum pg_state {
	PG_DOWN,	/* waiting for the retry timer */
	PG_CONNECTING,
	PG_UP
};

struct pg {
	struct pg_config		 cfg;
	char				*conninfo;
	PGconn				*conn;
	enum pg_state			 state;
	struct pg_poll			*poll;
	uv_timer_t			 retry;
	uv_idle_t			 flusher;	/* pg_exec's write */
	int				 handles;	/* open: pg_free_cb */
	uint64_t			 retry_ms;
	int				 in_txn;
	int				 txn_lost;	/* lost with in_txn */
	uint64_t			 txn;		/* the open one's number */
	int				 txn_failed;	/* a statement of it failed */
	int				 sync_owed;	/* pg_sync_failed's */
	int				 flush_owed;	/* statements sent */
	STAILQ_HEAD(, pg_pending)	 pending;
	size_t				 npending;
	struct pg_prepared		*prepared;
	size_t				 nprepared, capprepared;
	uint64_t			 statements, commits, failures;
};

static void	pg_lost(struct pg *, const char *why);
static void	pg_poll_cb(uv_poll_t *, int, int);

int
pg_ok(const PGresult *res)
{
	ExecStatusType	st;

	if (res == NULL)
		return (0);
	st = PQresultStatus(res);
	return (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK);
}

const char *
pg_sqlstate(const PGresult *res)
{
	const char	*s;

	if (res == NULL)
		return ("");
	s = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	return (s != NULL ? s : "");
}

/* The first line of libpq's message for conn: one line for the log. */
static void
pg_conn_error(PGconn *conn, char *buf, size_t size)
{
	const char	*m = conn != NULL ? PQerrorMessage(conn) : "";

	if (*m == '\0')
		m = "no connection";
	snprintf(buf, size, "%.*s", (int)strcspn(m, "\n"), m);
}

/* PostgreSQL's notices ("relation already exists, skipping") are for
 * debugging, not for natterd's log. */
static void
pg_notice(void *arg, const char *message)
{
	log_debug("postgresql: %s", message);
}

/* --- the poll handle: watch the connection's socket. */

static void
pg_poll_closed(uv_handle_t *h)
{
	free(h->data);
}

static void
pg_poll_drop(struct pg *pg)
{
	if (pg->poll == NULL)
		return;
	uv_poll_stop(&pg->poll->h);
	uv_close((uv_handle_t *)&pg->poll->h, pg_poll_closed);
	pg->poll->h.data = pg->poll;
	pg->poll = NULL;
}

/* Watch the connection's socket for events (it can change while a
 * connection is being made, so a new fd gets a new handle). */
static int
pg_poll_watch(struct pg *pg, int events)
{
	int	fd = PQsocket(pg->conn);

	if (fd < 0)
		return (-1);
	if (pg->poll != NULL && pg->poll->fd != fd)
		pg_poll_drop(pg);
	if (pg->poll == NULL) {
		pg->poll = xcalloc(1, sizeof *pg->poll);
		pg->poll->fd = fd;
		if (uv_poll_init_socket(pg->cfg.loop, &pg->poll->h, fd) != 0) {
			free(pg->poll);
			pg->poll = NULL;
			return (-1);
		}
		pg->poll->h.data = pg;
		pg->poll->events = 0;
	}
	if (pg->poll->events != events) {
		pg->poll->events = events;
		if (uv_poll_start(&pg->poll->h, events, pg_poll_cb) != 0)
			return (-1);
	}
	return (0);
}

/* --- results: the head of the FIFO owns the next one. */

static struct pg_pending *
pg_push(struct pg *pg, enum pg_kind kind)
{
	struct pg_pending	*p = xcalloc(1, sizeof *p);

	p->kind = kind;
	p->txn = pg->txn;
	STAILQ_INSERT_TAIL(&pg->pending, p, entry);
	pg->npending++;
	return (p);
}

static void
pg_pop(struct pg *pg)
{
	struct pg_pending	*p = STAILQ_FIRST(&pg->pending);

	STAILQ_REMOVE_HEAD(&pg->pending, entry);
	pg->npending--;
	if (p->kind == PG_COMMIT) {
		if (p->ok)
			pg->commits++;
		else
			pg->failures++;
		if (p->cfn != NULL)
			p->cfn(p->arg, p->ok);
	} else if (p->kind == PG_STATEMENT && !p->got && p->fn != NULL)
		p->fn(p->arg, NULL);
	free(p);
}

/*
 * A statement of transaction txn failed. PostgreSQL now skips everything
 * up to the next sync, flush requests included, so the statements queued
 * behind it would get no answer until the turn's sync, which waits for
 * the requests that wait for those answers. If txn is the open one, it
 * takes no more statements (pg_exec refuses), and a sync goes out once
 * the results at hand are read (pg_sync_failed: libpq must not be given
 * a command between a result and the NULL that ends it); the skipped
 * statements then come back aborted, and the COMMIT answers ROLLBACK.
 */
static void
pg_failed_in(struct pg *pg, uint64_t txn)
{
	if (!pg->in_txn || txn != pg->txn || pg->txn_failed)
		return;
	pg->txn_failed = 1;
	pg->sync_owed = 1;
}

/* Send the sync pg_failed_in owes, unless the turn's COMMIT went out
 * meanwhile (its own syncs do the job). */
static int
pg_sync_failed(struct pg *pg)
{
	if (!pg->sync_owed)
		return (0);
	pg->sync_owed = 0;
	if (!pg->in_txn || !pg->txn_failed)
		return (0);
	if (!PQpipelineSync(pg->conn))
		return (-1);
	(void)pg_push(pg, PG_SYNC);
	return (0);
}

/* Hand res to the head entry, which consumes it. */
static void
pg_result(struct pg *pg, struct pg_pending *p, PGresult *res)
{
	ExecStatusType	st = PQresultStatus(res);

	p->got = 1;
	switch (p->kind) {
	case PG_STATEMENT:
		if (st == PGRES_FATAL_ERROR)
			pg_failed_in(pg, p->txn);
		if (p->fn != NULL) {
			p->fn(p->arg, res);	/* it owns res now */
			return;
		}
		break;
	case PG_COMMIT:
		/* COMMIT of an aborted transaction says ROLLBACK. */
		p->ok = st == PGRES_COMMAND_OK &&
		    strcmp(PQcmdStatus(res), "COMMIT") == 0;
		break;
	case PG_CONTROL:
		if (st == PGRES_FATAL_ERROR)
			log_warn("postgresql: %s", PQresultErrorMessage(res));
		/* A PREPARE in an aborted transaction did not happen. */
		if (p->prep > 0 && st != PGRES_COMMAND_OK)
			pg->prepared[p->prep - 1].sql = NULL;
		break;
	case PG_SYNC:
		break;
	}
	PQclear(res);
}

/* Read every result that has arrived: 0, or -1 if the connection is
 * lost. Callbacks may queue new statements meanwhile. */
static int
pg_drain(struct pg *pg)
{
	struct pg_pending	*p;
	PGresult		*res;

	if (!PQconsumeInput(pg->conn))
		return (-1);
	/* A callback may commit, and so lose the connection. */
	while (pg->state == PG_UP && (p = STAILQ_FIRST(&pg->pending)) != NULL &&
	    !PQisBusy(pg->conn)) {
		res = PQgetResult(pg->conn);
		if (res == NULL) {
			/* The end of the head query's results. */
			if (!p->got || p->kind == PG_SYNC)
				break;
			pg_pop(pg);
			continue;
		}
		if (PQresultStatus(res) == PGRES_PIPELINE_SYNC) {
			PQclear(res);
			if (p->kind != PG_SYNC) {
				log_warn("postgresql: results out of step");
				return (-1);
			}
			pg_pop(pg);
			continue;
		}
		pg_result(pg, p, res);
	}
	return (pg->state == PG_UP ? pg_sync_failed(pg) : 0);
}

/* Send what libpq holds; watch for writability while some is left.
 * The statements queued since the last write share one flush request:
 * PostgreSQL then answers them in one write, not one each. */
static int
pg_flush(struct pg *pg)
{
	int	rc;

	(void)uv_idle_stop(&pg->flusher);
	if (pg->flush_owed) {
		pg->flush_owed = 0;
		if (!PQsendFlushRequest(pg->conn))
			return (-1);
	}
	if ((rc = PQflush(pg->conn)) < 0)
		return (-1);
	return (pg_poll_watch(pg, UV_READABLE | (rc == 1 ? UV_WRITABLE : 0)));
}

/* --- connecting. */

static void	pg_connect_start(struct pg *);

static void
pg_retry_cb(uv_timer_t *t)
{
	pg_connect_start(t->data);
}

/* The connection works: pipeline it and serve. */
static void
pg_attach(struct pg *pg)
{
	char	why[256];

	PQsetNoticeProcessor(pg->conn, pg_notice, NULL);
	if (PQsetnonblocking(pg->conn, 1) != 0 ||
	    PQenterPipelineMode(pg->conn) != 1 ||
	    pg_poll_watch(pg, UV_READABLE) != 0) {
		pg_conn_error(pg->conn, why, sizeof why);
		pg_lost(pg, why);
		return;
	}
	pg->state = PG_UP;
	pg->retry_ms = 0;
	pg->nprepared = 0;	/* prepared statements die with a session */
	if (pg->cfg.state != NULL)
		pg->cfg.state(pg->cfg.arg, 1);
}

/* One step of an asynchronous connect. */
static void
pg_connect_step(struct pg *pg)
{
	char	why[256];

	switch (PQconnectPoll(pg->conn)) {
	case PGRES_POLLING_READING:
		if (pg_poll_watch(pg, UV_READABLE) == 0)
			return;
		break;
	case PGRES_POLLING_WRITING:
		if (pg_poll_watch(pg, UV_WRITABLE) == 0)
			return;
		break;
	case PGRES_POLLING_OK:
		log_info("postgresql: connected again");
		pg_attach(pg);
		return;
	default:
		break;
	}
	pg_conn_error(pg->conn, why, sizeof why);
	pg_lost(pg, why);
}

static void
pg_connect_start(struct pg *pg)
{
	const char *const	keys[] = { "dbname", NULL };
	const char		*values[] = { pg->conninfo, NULL };

	pg->conn = PQconnectStartParams(keys, values, 1);
	if (pg->conn == NULL || PQstatus(pg->conn) == CONNECTION_BAD) {
		pg_lost(pg, "cannot start a connection");
		return;
	}
	pg->state = PG_CONNECTING;
	pg_connect_step(pg);
}

/* The connection failed or broke: fail everything pending, forget the
 * connection and try again later. */
static void
pg_lost(struct pg *pg, const char *why)
{
	int	was_up = pg->state == PG_UP;

	if (was_up)
		log_warn("postgresql: connection lost (%s); reconnecting", why);
	pg_poll_drop(pg);
	if (pg->conn != NULL)
		PQfinish(pg->conn);
	pg->conn = NULL;
	pg->state = PG_DOWN;
	pg->flush_owed = 0;
	/* Statements of the open transaction ran and are gone: its
	 * pg_commit must report failure, not "nothing to commit". */
	if (pg->in_txn)
		pg->txn_lost = 1;
	pg->in_txn = 0;
	while (!STAILQ_EMPTY(&pg->pending))
		pg_pop(pg);
	if (was_up && pg->cfg.state != NULL)
		pg->cfg.state(pg->cfg.arg, 0);
	pg->retry_ms = pg->retry_ms == 0 ? PG_RETRY_MIN_MS : pg->retry_ms * 2;
	if (pg->retry_ms > PG_RETRY_MAX_MS)
		pg->retry_ms = PG_RETRY_MAX_MS;
	uv_timer_start(&pg->retry, pg_retry_cb, pg->retry_ms, 0);
}

static void
pg_poll_cb(uv_poll_t *h, int status, int events)
{
	struct pg	*pg = h->data;
	char		 why[256];

	/* libuv stops a handle that reports an error: the next watch must
	 * start it again, even for the events it had. */
	if (status < 0 && pg->poll != NULL)
		pg->poll->events = 0;
	if (pg->state == PG_CONNECTING) {
		pg_connect_step(pg);
		return;
	}
	if (status < 0 || ((events & UV_WRITABLE) && pg_flush(pg) != 0) ||
	    ((events & UV_READABLE) && pg_drain(pg) != 0) ||
	    (pg->state == PG_UP && pg_flush(pg) != 0)) {
		pg_conn_error(pg->conn, why, sizeof why);
		pg_lost(pg, why);
	}
}

/* --- startup: connect and migrate, blocking, before serving. */

/* Run sql on conn (blocking): 0, or -1 with *err set. */
static int
pg_exec_blocking(PGconn *conn, const char *sql, char **err)
{
	PGresult	*res = PQexec(conn, sql);
	int		 rc = pg_ok(res) ? 0 : -1;

	if (rc != 0)
		xasprintf(err, "postgresql: %s", res != NULL ?
		    PQresultErrorMessage(res) : PQerrorMessage(conn));
	PQclear(res);
	return (rc);
}

/* Bring the schema up to date under an advisory lock, in one
 * transaction: 0 or -1 with *err set. */
static int
pg_migrate(struct pg *pg, char **err)
{
	PGresult	*res;
	char		 sql[128];
	size_t		 v, have;

	if (pg_exec_blocking(pg->conn, "BEGIN", err) != 0 ||
	    pg_exec_blocking(pg->conn, "SELECT pg_advisory_xact_lock("
	    PG_MIGRATE_LOCK ")", err) != 0 ||
	    pg_exec_blocking(pg->conn, "CREATE TABLE IF NOT EXISTS "
	    "natter_schema (version integer NOT NULL)", err) != 0)
		return (-1);
	res = PQexec(pg->conn, "SELECT max(version) FROM natter_schema");
	if (!pg_ok(res) || PQntuples(res) != 1) {
		xasprintf(err, "postgresql: cannot read the schema version");
		PQclear(res);
		return (-1);
	}
	have = PQgetisnull(res, 0, 0) ? 0 :
	    (size_t)strtoul(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	if (have > pg->cfg.nmigrations) {
		xasprintf(err, "the database's schema (version %zu) is newer "
		    "than this natterd's (%zu): upgrade natterd", have,
		    pg->cfg.nmigrations);
		return (-1);
	}
	for (v = have; v < pg->cfg.nmigrations; v++) {
		if (pg_exec_blocking(pg->conn, pg->cfg.migrations[v],
		    err) != 0)
			return (-1);
		snprintf(sql, sizeof sql, "INSERT INTO natter_schema "
		    "VALUES (%zu)", v + 1);
		if (pg_exec_blocking(pg->conn, sql, err) != 0)
			return (-1);
	}
	return (pg_exec_blocking(pg->conn, "COMMIT", err));
}

struct pg *
pg_open(const struct pg_config *cfg, int connect_s, char **err)
{
	const char *const	 keys[] = { "dbname", "connect_timeout", NULL };
	const char		*values[3];
	char			 timeout[16], why[256];
	struct pg		*pg = xcalloc(1, sizeof *pg);

	pg->cfg = *cfg;
	pg->conninfo = xstrdup(cfg->conninfo);
	STAILQ_INIT(&pg->pending);
	uv_timer_init(cfg->loop, &pg->retry);
	pg->retry.data = pg;
	uv_idle_init(cfg->loop, &pg->flusher);
	pg->flusher.data = pg;
	pg->handles = 2;
	snprintf(timeout, sizeof timeout, "%d", connect_s);
	values[0] = pg->conninfo;
	values[1] = timeout;
	values[2] = NULL;
	pg->conn = PQconnectdbParams(keys, values, 1);
	if (PQstatus(pg->conn) != CONNECTION_OK) {
		pg_conn_error(pg->conn, why, sizeof why);
		xasprintf(err, "cannot connect to PostgreSQL: %s", why);
		goto fail;
	}
	PQsetNoticeProcessor(pg->conn, pg_notice, NULL);
	if (pg_migrate(pg, err) != 0)
		goto fail;
	pg_attach(pg);
	if (pg->state != PG_UP) {
		xasprintf(err, "cannot use the PostgreSQL connection");
		goto fail;
	}
	return (pg);
fail:
	pg->state = PG_DOWN;
	pg_close(pg);
	return (NULL);
}

static void
pg_free_cb(uv_handle_t *h)
{
	struct pg	*pg = h->data;

	if (--pg->handles == 0)
		free(pg);
}

void
pg_close(struct pg *pg)
{
	if (pg == NULL)
		return;
	pg_poll_drop(pg);
	if (pg->conn != NULL)
		PQfinish(pg->conn);
	pg->conn = NULL;
	pg->state = PG_DOWN;
	while (!STAILQ_EMPTY(&pg->pending))
		pg_pop(pg);
	free(pg->prepared);
	free(pg->conninfo);
	uv_timer_stop(&pg->retry);
	(void)uv_idle_stop(&pg->flusher);
	uv_close((uv_handle_t *)&pg->retry, pg_free_cb);
	uv_close((uv_handle_t *)&pg->flusher, pg_free_cb);
}

int
pg_is_up(struct pg *pg)
{
	return (pg->state == PG_UP);
}

int
pg_busy(struct pg *pg)
{
	return (!STAILQ_EMPTY(&pg->pending));
}

/* --- a turn: BEGIN, statements, COMMIT, sync. */

/* The prepared statement for sql on this connection, preparing it (in
 * the pipeline) on first use: its number, or -1. */
static int
pg_prepare(struct pg *pg, const char *sql, int n, const char **name)
{
	struct pg_prepared	*pp;
	size_t			 i;

	for (i = 0; i < pg->nprepared; i++) {
		if (pg->prepared[i].sql == sql) {
			*name = pg->prepared[i].name;
			return (0);
		}
	}
	if (pg->nprepared == pg->capprepared) {
		pg->capprepared = pg->capprepared ? 2 * pg->capprepared : 32;
		pg->prepared = xreallocarray(pg->prepared, pg->capprepared,
		    sizeof *pg->prepared);
	}
	pp = &pg->prepared[pg->nprepared];
	snprintf(pp->name, sizeof pp->name, "s%zu", pg->nprepared);
	if (!PQsendPrepare(pg->conn, pp->name, sql, n, NULL))
		return (-1);
	pg_push(pg, PG_CONTROL)->prep = (int)pg->nprepared + 1;
	pp->sql = sql;
	pg->nprepared++;
	*name = pp->name;
	return (0);
}

/* What pg_exec queued goes out in one write before the loop next
 * waits: an idle handle keeps the loop from blocking until it ran, and
 * pg_poll_cb's own flush, if it comes first, stops it. (Asking the poll
 * for writability instead costs two epoll_ctl calls per write.) */
static void
pg_flusher_cb(uv_idle_t *h)
{
	struct pg	*pg = h->data;
	char		 why[256];

	(void)uv_idle_stop(h);
	if (pg->state == PG_UP && pg_flush(pg) != 0) {
		pg_conn_error(pg->conn, why, sizeof why);
		pg_lost(pg, why);
	}
}

int
pg_exec(struct pg *pg, const char *sql, int n, const char *const *values,
    const int *lengths, const int *formats, int binary, pg_result_fn fn,
    void *arg)
{
	struct pg_pending	*p;
	const char		*name;
	char			 why[256];

	if (pg->state != PG_UP || n > PG_MAXPARAMS)
		return (-1);
	if (pg->in_txn && pg->txn_failed)
		return (-1);	/* it can only roll back now */
	/* The turn lost its transaction with the connection and can only
	 * fail: a statement now, on the new connection, would open a
	 * transaction its failed pg_commit leaves open for the next turn
	 * to commit. */
	if (pg->txn_lost)
		return (-1);
	if (!pg->in_txn) {
		if (!PQsendQueryParams(pg->conn, "BEGIN", 0, NULL, NULL, NULL,
		    NULL, 0))
			goto lost;
		pg->txn++;
		pg->txn_failed = 0;
		(void)pg_push(pg, PG_CONTROL);
		pg->in_txn = 1;
	}
	if (pg_prepare(pg, sql, n, &name) != 0)
		goto lost;
	/* pg_flush adds the flush request that asks the server to send
	 * the result now: without it, the result would wait in its buffer
	 * for the turn's sync. */
	if (!PQsendQueryPrepared(pg->conn, name, n, values, lengths, formats,
	    binary))
		goto lost;
	pg->flush_owed = 1;
	p = pg_push(pg, PG_STATEMENT);
	p->fn = fn;
	p->arg = arg;
	pg->statements++;
	/* Send it before the loop next waits, not at the turn's end: a
	 * fiber may be waiting for this result before its turn can end.
	 * Whatever else this loop iteration queues goes in the same write. */
	(void)uv_idle_start(&pg->flusher, pg_flusher_cb);
	return (0);
lost:
	/* libpq writes once its buffer fills, and when that finds the
	 * connection gone it closes the socket: no poll callback would
	 * ever come for what is pending, so it fails here. (Any other
	 * reason leaves libpq's output in doubt, and a new connection is
	 * the way out of that too.) */
	pg_conn_error(pg->conn, why, sizeof why);
	pg_lost(pg, why);
	return (-1);
}

int
pg_commit(struct pg *pg, pg_commit_fn fn, void *arg)
{
	struct pg_pending	*p;
	char			 why[256];

	if (pg->txn_lost) {
		pg->txn_lost = 0;
		pg->failures++;
		if (fn != NULL)
			fn(arg, 0);
		return (1);
	}
	if (!pg->in_txn || pg->state != PG_UP)
		return (0);
	pg->in_txn = 0;
	pg->flush_owed = 0;	/* the sync has every result sent */
	(void)pg_push(pg, PG_SYNC);
	p = pg_push(pg, PG_COMMIT);
	p->cfn = fn;
	p->arg = arg;
	/* After a failed statement PostgreSQL skips everything up to the
	 * next sync, which leaves the transaction open and aborted. So the
	 * turn ends sync, COMMIT, sync: the COMMIT always runs, and answers
	 * ROLLBACK for an aborted transaction, closing it either way. */
	if (!PQpipelineSync(pg->conn) || !PQsendQueryParams(pg->conn,
	    "COMMIT", 0, NULL, NULL, NULL, NULL, 0) ||
	    !PQpipelineSync(pg->conn)) {
		pg_conn_error(pg->conn, why, sizeof why);
		pg_lost(pg, why);	/* fails p, calling fn */
		return (1);
	}
	(void)pg_push(pg, PG_SYNC);
	if (pg_flush(pg) != 0) {
		pg_conn_error(pg->conn, why, sizeof why);
		pg_lost(pg, why);
	}
	return (1);
}

uint64_t
pg_statements(struct pg *pg)
{
	return (pg->statements);
}

uint64_t
pg_commits(struct pg *pg)
{
	return (pg->commits);
}

uint64_t
pg_failures(struct pg *pg)
{
	return (pg->failures);
}
