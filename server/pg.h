/* pg: natterd's PostgreSQL connection: libpq's pipeline on the loop. */
#ifndef NATTER_SERVER_PG_H
#define NATTER_SERVER_PG_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>
#include <uv.h>

/*
 * One connection per node, in libpq's pipeline mode, never blocking the
 * loop once natterd serves (pg_open connects and migrates the schema
 * before that, with a timeout). Statements queued during a loop turn go
 * into one transaction: the first pg_exec of a turn sends BEGIN, and
 * pg_commit at the end of the turn sends COMMIT and a pipeline sync, so a
 * turn costs one round trip however many statements it holds, and the
 * next turn's statements queue behind it without waiting.
 *
 * Results come back in order. A statement's callback sees its result
 * while later statements of the same transaction may still fail: nothing
 * a callback learns is committed until the commit callback says so, which
 * is why callers hold what they answer until then (durable.h's
 * generations). When a statement fails, PostgreSQL aborts the rest of the
 * transaction: later callbacks get a result whose status is
 * PGRES_PIPELINE_ABORTED and the commit reports failure. When the
 * connection is lost every pending callback gets NULL and the commit
 * fails; pg reconnects in the background (doubling waits up to
 * PG_RETRY_MAX_MS) and pg_exec refuses until it is back, and until the
 * turn that was open then has ended with its failed pg_commit.
 */

#define PG_RETRY_MIN_MS		100
#define PG_RETRY_MAX_MS		5000
#define PG_MAXPARAMS		16

struct pg;

/* A statement's result: res is NULL when the statement never ran (the
 * connection was lost); otherwise libpq's result, which the callback
 * owns (PQclear). */
typedef void	(*pg_result_fn)(void *arg, PGresult *res);
/* The end of a turn's transaction: ok is 1 only when COMMIT answered
 * COMMIT (a COMMIT of an aborted transaction answers ROLLBACK). */
typedef void	(*pg_commit_fn)(void *arg, int ok);

struct pg_config {
	uv_loop_t	*loop;
	const char	*conninfo;	/* postgresql://... */
	/* The schema, applied once at pg_open and on no reconnect: an
	 * array of scripts, run in order inside one transaction under an
	 * advisory lock (nodes starting together take turns). */
	const char *const *migrations;
	size_t		 nmigrations;
	/* Called on the loop whenever the connection goes up (1) or is
	 * lost (0); may be NULL. */
	void		(*state)(void *arg, int up);
	void		*arg;
};

/* Connect (at most connect_s seconds), migrate, and start serving on the
 * loop: the pg, or NULL with *err set to a sentence (caller frees). */
struct pg	*pg_open(const struct pg_config *, int connect_s, char **err);
/* Fail what is pending and close. NULL is a no-op. The loop must run
 * once more to close the poll handle. */
void		 pg_close(struct pg *);
/* 1 while connected. */
int		 pg_is_up(struct pg *);

/*
 * Queue sql (a string literal: statements are prepared once per
 * connection and found again by the pointer) with n text or binary
 * parameters into the turn's transaction; fn (may be NULL) gets the
 * result. values[i] NULL is SQL NULL; lengths and formats as for
 * PQexecParams (formats NULL: all text). Results are asked for in
 * binary when binary is 1. The statement is sent when the loop next
 * polls, with whatever else was queued meanwhile and one flush request
 * for them all, so that their results come back together before the turn
 * ends (a fiber waits for it: dbpg.h).
 * Returns 0, or -1 when the connection is down (fn is not called). When
 * queueing finds the connection lost, it is lost as anywhere else: the
 * statements pending before this one get their NULL before pg_exec
 * returns -1 (their callbacks may run other fibers meanwhile).
 */
int		 pg_exec(struct pg *, const char *sql, int n,
		     const char *const *values, const int *lengths,
		     const int *formats, int binary, pg_result_fn fn,
		     void *arg);
/* End the turn: COMMIT what pg_exec queued since the last pg_commit and
 * call fn (may be NULL) with the outcome. Returns 1 if a transaction was
 * open (fn will be called, perhaps before pg_commit returns), 0 if there
 * was none (fn is not called). A transaction whose connection was lost
 * counts as open and failed. */
int		 pg_commit(struct pg *, pg_commit_fn fn, void *arg);
/* 1 while a result is awaited. */
int		 pg_busy(struct pg *);

/* Counters since pg_open: statements sent, transactions committed,
 * transactions failed. */
uint64_t	 pg_statements(struct pg *);
uint64_t	 pg_commits(struct pg *);
uint64_t	 pg_failures(struct pg *);

/* 1 if res is a successful result (a command or rows). */
int		 pg_ok(const PGresult *res);
/* The SQLSTATE of a failed res ("" if none): "40P01" is a deadlock,
 * "40001" a serialization failure, "23505" a unique violation. */
const char	*pg_sqlstate(const PGresult *res);

#endif
