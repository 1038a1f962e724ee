/* pgunit: unit tests of natterd's PostgreSQL store on a real PostgreSQL.
 *
 * The suite starts one throwaway cluster (tests/tools/pgtmp) in an
 * unchecked fixture; every test gets a database of its own, migrated by
 * db_open_pg, and a loop. pgunit_turn runs a function on a fiber, as
 * natterd runs a request, then commits the turn and waits for the
 * commit: what the function's store calls wrote is committed when it
 * returns 1. */
#ifndef NATTER_TESTS_UNIT_PGUNIT_H
#define NATTER_TESTS_UNIT_PGUNIT_H

#include <sys/stat.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <uv.h>

#include "server/db.h"
#include "server/fiber.h"
#include "server/pg.h"
#include "shared/util/xmalloc.h"

#define PGUNIT_DEADLINE_MS	20000

static char		 pgunit_dir[64];
static char		 pgunit_admin_url[512];	/* the cluster's db */
static char		 pgunit_url[512];	/* this test's own */
static uv_loop_t	 pgunit_loop;
static struct db	*pgunit_db;

/* Unchecked fixture: `pgtmp start` once for the suite. */
static inline void
pgunit_cluster_up(void)
{
	char	*cmd;
	FILE	*f;
	size_t	 n;

	snprintf(pgunit_dir, sizeof pgunit_dir, "/tmp/natter-pg.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(pgunit_dir));
	/* As root, pgtmp runs PostgreSQL as the postgres user, which must
	 * reach the cluster's directory inside this one. */
	ck_assert_int_eq(chmod(pgunit_dir, 0755), 0);
	xasprintf(&cmd, "'%s/tests/tools/pgtmp' start '%s/c'",
	    getenv("NATTER_SOURCE_DIR"), pgunit_dir);
	f = popen(cmd, "r");
	free(cmd);
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(pgunit_admin_url,
	    sizeof pgunit_admin_url, f));
	ck_assert_int_eq(pclose(f), 0);
	n = strlen(pgunit_admin_url);
	while (n > 0 && pgunit_admin_url[n - 1] == '\n')
		pgunit_admin_url[--n] = '\0';
	ck_assert_msg(strncmp(pgunit_admin_url, "postgresql://", 13) == 0,
	    "pgtmp printed %s", pgunit_admin_url);
}

static inline void
pgunit_cluster_down(void)
{
	char	*cmd;

	xasprintf(&cmd, "'%s/tests/tools/pgtmp' stop '%s/c'; rmdir '%s'",
	    getenv("NATTER_SOURCE_DIR"), pgunit_dir, pgunit_dir);
	(void)system(cmd);
	free(cmd);
}

/* Run sql on a blocking connection to conninfo: 0 or -1. */
static inline int
pgunit_admin(const char *conninfo, const char *sql)
{
	PGconn		*c = PQconnectdb(conninfo);
	PGresult	*r = PQexec(c, sql);
	int		 ok = pg_ok(r);

	PQclear(r);
	PQfinish(c);
	return (ok ? 0 : -1);
}

/* The first column of the first row of sql on the test's database, as
 * a number, or -1. */
static inline long
pgunit_number(const char *sql)
{
	PGconn		*c = PQconnectdb(pgunit_url);
	PGresult	*r = PQexec(c, sql);
	long		 v = -1;

	if (pg_ok(r) && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0))
		v = strtol(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	PQfinish(c);
	return (v);
}

/* Checked fixture: a fresh database, its URL in pgunit_url, a loop;
 * opens the store when open is 1. */
static inline void
pgunit_setup_db(int open)
{
	char	 sql[128], *p, *err = NULL;

	snprintf(sql, sizeof sql, "CREATE DATABASE t%d", (int)getpid());
	ck_assert_int_eq(pgunit_admin(pgunit_admin_url, sql), 0);
	snprintf(pgunit_url, sizeof pgunit_url, "%s", pgunit_admin_url);
	p = strrchr(pgunit_url, '/');
	ck_assert_ptr_nonnull(p);
	snprintf(p + 1, sizeof pgunit_url - (size_t)(p + 1 - pgunit_url),
	    "t%d", (int)getpid());
	ck_assert_int_eq(uv_loop_init(&pgunit_loop), 0);
	pgunit_db = NULL;
	if (open) {
		pgunit_db = db_open_pg(&pgunit_loop, pgunit_url, &err);
		ck_assert_msg(pgunit_db != NULL, "db_open_pg: %s", err);
		fiber_enable(1);
	}
}

static inline void
pgunit_setup(void)
{
	pgunit_setup_db(1);
}

static inline void
pgunit_teardown(void)
{
	db_close(pgunit_db);
	pgunit_db = NULL;
	uv_run(&pgunit_loop, UV_RUN_NOWAIT);
	(void)uv_loop_close(&pgunit_loop);
	fiber_shutdown();
}

static int	pgunit_timed_out;

static inline void
pgunit_deadline_cb(uv_timer_t *t)
{
	pgunit_timed_out = 1;
}

/* Run the loop until *flag is set; fails the test at the deadline. */
static inline void
pgunit_wait(const int *flag)
{
	uv_timer_t	t;

	pgunit_timed_out = 0;
	uv_timer_init(&pgunit_loop, &t);
	uv_timer_start(&t, pgunit_deadline_cb, PGUNIT_DEADLINE_MS, 0);
	while (!*flag && !pgunit_timed_out)
		uv_run(&pgunit_loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&t, NULL);
	uv_run(&pgunit_loop, UV_RUN_NOWAIT);
	ck_assert_msg(*flag, "timed out");
}

struct pgunit_call {
	void	(*fn)(void *);
	void	*arg;
	int	 ended, committed, ok;
};

static inline void
pgunit_ended(void *arg)
{
	((struct pgunit_call *)arg)->ended = 1;
}

static inline void
pgunit_commit_cb(void *arg, int ok)
{
	struct pgunit_call	*c = arg;

	c->committed = 1;
	c->ok = ok;
}

/* Run fn(arg) on a fiber to its end, commit what it wrote, and return 1
 * if the commit succeeded (or there was nothing to commit), else 0. */
static inline int
pgunit_turn(void (*fn)(void *), void *arg)
{
	struct pgunit_call	c;

	memset(&c, 0, sizeof c);
	ck_assert_int_eq(fiber_run(fn, arg, pgunit_ended, &c), 0);
	pgunit_wait(&c.ended);
	(void)db_commit(pgunit_db);
	if (pg_commit(db_pg(pgunit_db), pgunit_commit_cb, &c) == 0)
		return (1);
	pgunit_wait(&c.committed);
	return (c.ok);
}

/* Run the loop until no fiber is left (work started off a fiber, in
 * the background), then commit: 1 if that committed or there was
 * nothing, else 0. */
static inline int
pgunit_settle(void)
{
	struct pgunit_call	c;
	uv_timer_t		t;

	memset(&c, 0, sizeof c);
	pgunit_timed_out = 0;
	uv_timer_init(&pgunit_loop, &t);
	uv_timer_start(&t, pgunit_deadline_cb, PGUNIT_DEADLINE_MS, 0);
	while (fiber_count() > 0 && !pgunit_timed_out)
		uv_run(&pgunit_loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&t, NULL);
	uv_run(&pgunit_loop, UV_RUN_NOWAIT);
	ck_assert_msg(fiber_count() == 0, "fibers still waiting");
	(void)db_commit(pgunit_db);
	if (pg_commit(db_pg(pgunit_db), pgunit_commit_cb, &c) == 0)
		return (1);
	pgunit_wait(&c.committed);
	return (c.ok);
}

#endif
