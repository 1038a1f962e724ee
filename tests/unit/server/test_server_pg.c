/* test_server_pg: natterd's PostgreSQL connection (pg.c) against a real
 * PostgreSQL that tests/tools/pgtmp starts: the schema migrates once and
 * refuses a newer one, a turn's statements come back in order and
 * commit as one transaction, a failing statement fails its whole turn
 * and nothing of it is stored, turns queued back to back commit in
 * order, and a connection killed by the server fails what was pending
 * (also when it is found gone while a statement is queued), comes back
 * by itself and prepares its statements again, and a turn that lost its
 * transaction takes no statement on the new connection. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <uv.h>

#include "server/pg.h"
#include "server/pgschema.h"
#include "tests/unit/pgunit.h"
#include "tests/unit/unit.h"

static struct pg	*pg;

static void
setup(void)
{
	pgunit_setup_db(0);
	pg = NULL;
}

static void
teardown(void)
{
	pg_close(pg);
	pgunit_teardown();
}

static struct pg *
open_pg(char **err)
{
	struct pg_config	c;

	memset(&c, 0, sizeof c);
	c.loop = &pgunit_loop;
	c.conninfo = pgunit_url;
	c.migrations = pgschema_migrations;
	c.nmigrations = pgschema_nmigrations;
	return (pg_open(&c, 5, err));
}

/* What the callbacks saw, in order. */
struct seen {
	int	n;
	char	what[16][64];
	int	committed, commit_ok;
	int	want, all;	/* all is set once n reaches want */
};

static void
on_result(void *arg, PGresult *res)
{
	struct seen	*s = arg;

	ck_assert_int_lt(s->n, 16);
	if (res == NULL)
		snprintf(s->what[s->n++], 64, "lost");
	else if (pg_ok(res) && PQntuples(res) > 0)
		snprintf(s->what[s->n++], 64, "%s", PQgetvalue(res, 0, 0));
	else if (pg_ok(res))
		snprintf(s->what[s->n++], 64, "ok");
	else
		snprintf(s->what[s->n++], 64, "error %s", pg_sqlstate(res));
	if (s->want > 0 && s->n >= s->want)
		s->all = 1;
	PQclear(res);
}

static void
on_commit(void *arg, int ok)
{
	struct seen	*s = arg;

	s->committed = 1;
	s->commit_ok = ok;
}

static const char	*sql_add = "INSERT INTO accounts (name, created) "
			    "VALUES ($1, 0) RETURNING id";
static const char	*sql_count = "SELECT count(*) FROM accounts";

static void
add(struct seen *s, const char *name)
{
	const char	*v[1] = { name };

	ck_assert_int_eq(pg_exec(pg, sql_add, 1, v, NULL, NULL, 0, on_result,
	    s), 0);
}

START_TEST(test_migrate)
{
	char	*err = NULL;

	pg = open_pg(&err);
	ck_assert_msg(pg != NULL, "pg_open: %s", err != NULL ? err : "?");
	ck_assert_int_eq(pgunit_number("SELECT max(version) FROM "
	    "natter_schema"), (long)pgschema_nmigrations);
	pg_close(pg);
	uv_run(&pgunit_loop, UV_RUN_NOWAIT);
	/* Opening again applies nothing twice. */
	pg = open_pg(&err);
	ck_assert_msg(pg != NULL, "pg_open again: %s", err);
	ck_assert_int_eq(pgunit_number("SELECT count(*) FROM natter_schema"),
	    (long)pgschema_nmigrations);
	pg_close(pg);
	uv_run(&pgunit_loop, UV_RUN_NOWAIT);
	pg = NULL;
	/* A schema from a newer natterd is refused with a sentence. */
	ck_assert_int_eq(pgunit_admin(pgunit_url, "INSERT INTO natter_schema VALUES "
	    "(1000)"), 0);
	ck_assert_ptr_null(open_pg(&err));
	ck_assert_ptr_nonnull(strstr(err, "newer"));
	free(err);
}
END_TEST

START_TEST(test_turn)
{
	struct seen	s;
	const char	*none[1] = { NULL };

	memset(&s, 0, sizeof s);
	ck_assert_ptr_nonnull(pg = open_pg(NULL));
	add(&s, "alice");
	add(&s, "bob");
	ck_assert_int_eq(pg_exec(pg, sql_count, 0, none, NULL, NULL, 0,
	    on_result, &s), 0);
	ck_assert_int_eq(pg_commit(pg, on_commit, &s), 1);
	/* Nothing more was queued: no transaction to commit. */
	ck_assert_int_eq(pg_commit(pg, on_commit, &s), 0);
	pgunit_wait(&s.committed);
	ck_assert_int_eq(s.commit_ok, 1);
	ck_assert_int_eq(s.n, 3);
	ck_assert_str_eq(s.what[0], "1");
	ck_assert_str_eq(s.what[1], "2");
	ck_assert_str_eq(s.what[2], "2");	/* sees its own turn */
	ck_assert_uint_eq(pg_statements(pg), 3);
	ck_assert_uint_eq(pg_commits(pg), 1);
	ck_assert_int_eq(pg_busy(pg), 0);
	ck_assert_int_eq(pgunit_number(sql_count), 2);
}
END_TEST

START_TEST(test_failed_turn)
{
	struct seen	s, t;

	memset(&s, 0, sizeof s);
	memset(&t, 0, sizeof t);
	ck_assert_ptr_nonnull(pg = open_pg(NULL));
	add(&s, "alice");
	add(&s, "alice");	/* unique violation */
	add(&s, "carol");
	ck_assert_int_eq(pg_commit(pg, on_commit, &s), 1);
	/* The next turn, queued before the first one's results came
	 * back, is a transaction of its own and commits. */
	add(&t, "dave");
	ck_assert_int_eq(pg_commit(pg, on_commit, &t), 1);
	pgunit_wait(&t.committed);
	ck_assert_int_eq(s.committed, 1);
	ck_assert_int_eq(s.commit_ok, 0);
	ck_assert_str_eq(s.what[0], "1");
	ck_assert_str_eq(s.what[1], "error 23505");
	ck_assert_str_eq(s.what[2], "error ");	/* aborted with it */
	ck_assert_int_eq(t.commit_ok, 1);
	ck_assert_uint_eq(pg_failures(pg), 1);
	/* Only dave is stored. */
	ck_assert_int_eq(pgunit_number(sql_count), 1);
	ck_assert_int_eq(pgunit_number("SELECT count(*) FROM accounts "
	    "WHERE name = 'dave'"), 1);
}
END_TEST

/* A statement's result comes back before its turn commits: a fiber
 * waiting for it mid-turn (dbpg.h) would otherwise wait forever. */
START_TEST(test_result_before_commit)
{
	struct seen	s, t;

	memset(&s, 0, sizeof s);
	memset(&t, 0, sizeof t);
	ck_assert_ptr_nonnull(pg = open_pg(NULL));
	add(&s, "alice");
	pgunit_wait(&s.n);
	ck_assert_str_eq(s.what[0], "1");
	/* The next one sees the first, in the same open transaction. */
	add(&t, "bob");
	pgunit_wait(&t.n);
	ck_assert_str_eq(t.what[0], "2");
	ck_assert_int_eq(pgunit_number(sql_count), 0);
	ck_assert_int_eq(pg_commit(pg, on_commit, &s), 1);
	pgunit_wait(&s.committed);
	ck_assert_int_eq(s.commit_ok, 1);
	ck_assert_int_eq(pgunit_number(sql_count), 2);
}
END_TEST

/* A failed statement mid-turn: the statements queued behind it come
 * back (aborted) before the turn commits, the transaction takes no more,
 * its commit fails, and the next turn is a fresh transaction. Without
 * the early sync the second result never comes: nothing commits while a
 * request waits for it. */
START_TEST(test_failure_mid_turn)
{
	struct seen	s, t;

	memset(&s, 0, sizeof s);
	memset(&t, 0, sizeof t);
	ck_assert_ptr_nonnull(pg = open_pg(NULL));
	add(&s, "alice");
	add(&s, "alice");	/* unique violation */
	add(&s, "bob");
	s.want = 3;
	pgunit_wait(&s.all);
	ck_assert_str_eq(s.what[0], "1");
	ck_assert_str_eq(s.what[1], "error 23505");
	ck_assert_str_eq(s.what[2], "error ");
	ck_assert_int_eq(pg_exec(pg, sql_add, 0, NULL, NULL, NULL, 0,
	    on_result, &s), -1);
	ck_assert_int_eq(pg_commit(pg, on_commit, &s), 1);
	pgunit_wait(&s.committed);
	ck_assert_int_eq(s.commit_ok, 0);
	add(&t, "carol");
	ck_assert_int_eq(pg_commit(pg, on_commit, &t), 1);
	pgunit_wait(&t.committed);
	ck_assert_int_eq(t.commit_ok, 1);
	ck_assert_int_eq(pgunit_number(sql_count), 1);
}
END_TEST

/* Connection state changes: downs, ups, and an up after a down. */
struct changes {
	int	down, up, again;
};

static void
on_state(void *arg, int up)
{
	struct changes	*c = arg;

	if (!up)
		c->down++;
	else if (c->up++ > 0)
		c->again = 1;
}

/* pg_open with on_state counting into changes. */
static struct pg *
open_pg_watched(struct changes *changes)
{
	struct pg_config	c;

	memset(changes, 0, sizeof *changes);
	memset(&c, 0, sizeof c);
	c.loop = &pgunit_loop;
	c.conninfo = pgunit_url;
	c.migrations = pgschema_migrations;
	c.nmigrations = pgschema_nmigrations;
	c.state = on_state;
	c.arg = changes;
	return (pg_open(&c, 5, NULL));
}

/* Backends other than ours running the 30 s sleep. */
#define SLEEPERS	"FROM pg_stat_activity WHERE query LIKE " \
			"'%pg_sleep(30)%' AND pid <> pg_backend_pid()"

static long
sleepers(void)
{
	return (pgunit_number("SELECT count(*) " SLEEPERS));
}

/* The server ends the sessions running the sleep. */
static void
sleep_killed(void)
{
	ck_assert_int_eq(pgunit_admin(pgunit_url, "SELECT "
	    "pg_terminate_backend(pid) " SLEEPERS), 0);
}

/* Queue the 30 s sleep (its result to s) and wait until it runs. */
static void
sleep_running(struct seen *s)
{
	const char	*none[1] = { NULL };
	int		 i;

	ck_assert_int_eq(pg_exec(pg, "SELECT pg_sleep(30)", 0, none, NULL,
	    NULL, 0, on_result, s), 0);
	for (i = 0; i < 200 && sleepers() != 1; i++)
		uv_run(&pgunit_loop, UV_RUN_NOWAIT);
	ck_assert_int_eq(sleepers(), 1);
}

/* Back after a loss: a turn runs and commits (t fresh). */
static void
serves_again(struct seen *t)
{
	const char	*none[1] = { NULL };

	ck_assert_int_eq(pg_exec(pg, sql_count, 0, none, NULL, NULL, 0,
	    on_result, t), 0);
	ck_assert_int_eq(pg_commit(pg, on_commit, t), 1);
	pgunit_wait(&t->committed);
	ck_assert_int_eq(t->commit_ok, 1);
	ck_assert_str_eq(t->what[0], "0");
}

START_TEST(test_reconnect)
{
	struct seen		 s, t;
	struct changes		 changes;
	const char		*none[1] = { NULL };

	memset(&s, 0, sizeof s);
	memset(&t, 0, sizeof t);
	ck_assert_ptr_nonnull(pg = open_pg_watched(&changes));
	ck_assert_int_eq(changes.up, 1);
	/* The server ends our session while a turn waits on a sleep. */
	ck_assert_int_eq(pg_exec(pg, "SELECT pg_sleep(30)", 0, none, NULL,
	    NULL, 0, on_result, &s), 0);
	ck_assert_int_eq(pg_commit(pg, on_commit, &s), 1);
	sleep_killed();
	pgunit_wait(&s.committed);
	pgunit_wait(&changes.down);
	ck_assert_int_eq(s.commit_ok, 0);
	/* The server's goodbye, or nothing if the socket closed first. */
	ck_assert_msg(strcmp(s.what[0], "error 57P01") == 0 ||
	    strcmp(s.what[0], "lost") == 0, "got %s", s.what[0]);
	ck_assert_int_eq(changes.down, 1);
	ck_assert_int_eq(pg_exec(pg, sql_count, 0, none, NULL, NULL, 0,
	    on_result, &t), -1);
	/* It comes back by itself and prepares what it runs again. */
	pgunit_wait(&changes.again);
	ck_assert_int_eq(pg_is_up(pg), 1);
	serves_again(&t);
}
END_TEST

/*
 * libpq finds the connection gone while a statement is being queued (the
 * statement fills its buffer, so it writes, the write fails and the read
 * that follows sees the end) and closes the socket there. pg_exec refuses
 * that statement; what was sent before must still fail at once: once the
 * socket is closed no poll callback comes for it, and a fiber waiting for
 * the sleep's result would wait forever, holding its turn open.
 */
START_TEST(test_lost_while_queueing)
{
	struct seen		 s, t;
	struct changes		 changes;
	const char		*big[1];
	char			*text;
	int			 i, sent;

	memset(&s, 0, sizeof s);
	memset(&t, 0, sizeof t);
	ck_assert_ptr_nonnull(pg = open_pg_watched(&changes));
	sleep_running(&s);
	/* The server ends the session; our loop does not run meanwhile. */
	sleep_killed();
	for (i = 0; i < 200 && sleepers() != 0; i++)
		usleep(10000);
	ck_assert_int_eq(sleepers(), 0);
	text = xmalloc(16384);
	memset(text, 'x', 16383);
	text[16383] = '\0';
	big[0] = text;
	/* The first write goes out (the server answers it with a reset),
	 * the next fail; libpq gives up on the connection within a few. */
	for (sent = 0; sent < 16; sent++) {
		usleep(20000);
		if (pg_exec(pg, "SELECT length($1::text)", 1, big, NULL, NULL,
		    0, on_result, &t) != 0)
			break;
	}
	free(text);
	ck_assert_int_lt(sent, 16);
	ck_assert_int_eq(pg_is_up(pg), 0);
	ck_assert_int_eq(changes.down, 1);
	/* Everything pending failed, before the loop ran again. */
	ck_assert_int_eq(s.n, 1);
	ck_assert_msg(strcmp(s.what[0], "error 57P01") == 0 ||
	    strcmp(s.what[0], "lost") == 0, "got %s", s.what[0]);
	ck_assert_int_eq(t.n, sent);
	for (i = 0; i < sent; i++)
		ck_assert_str_eq(t.what[i], "lost");
	ck_assert_int_eq(pg_busy(pg), 0);
	/* Its turn fails; the next one, after the reconnect, commits. */
	ck_assert_int_eq(pg_commit(pg, on_commit, &s), 1);
	ck_assert_int_eq(s.committed, 1);
	ck_assert_int_eq(s.commit_ok, 0);
	pgunit_wait(&changes.again);
	memset(&t, 0, sizeof t);
	serves_again(&t);
}
END_TEST

/*
 * The connection is lost mid-turn and back before the turn commits (its
 * requests were slow to leave). The turn is failed: pg_exec refuses
 * more of it, its commit fails, and nothing of it is left open for the
 * next turn to commit. Before, a statement queued after the reconnect
 * opened a new transaction that the failed commit left open, and the
 * next turn committed it.
 */
START_TEST(test_reconnect_mid_turn)
{
	struct seen		 s, t;
	struct changes		 changes;
	const char		*v[1] = { "alice" };

	memset(&s, 0, sizeof s);
	memset(&t, 0, sizeof t);
	ck_assert_ptr_nonnull(pg = open_pg_watched(&changes));
	sleep_running(&s);
	sleep_killed();
	pgunit_wait(&changes.again);
	ck_assert_int_eq(s.n, 1);
	ck_assert_int_eq(pg_exec(pg, sql_add, 1, v, NULL, NULL, 0, on_result,
	    &s), -1);
	ck_assert_int_eq(pg_commit(pg, on_commit, &s), 1);
	ck_assert_int_eq(s.committed, 1);
	ck_assert_int_eq(s.commit_ok, 0);
	/* Nothing of the failed turn is open: no transaction to commit. */
	ck_assert_int_eq(pg_commit(pg, on_commit, &t), 0);
	ck_assert_int_eq(pgunit_number(sql_count), 0);
	add(&t, "bob");
	ck_assert_int_eq(pg_commit(pg, on_commit, &t), 1);
	pgunit_wait(&t.committed);
	ck_assert_int_eq(t.commit_ok, 1);
	ck_assert_int_eq(pgunit_number(sql_count), 1);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("server_pg");
	TCase	*tc = tcase_create("pg");

	tcase_add_unchecked_fixture(tc, pgunit_cluster_up, pgunit_cluster_down);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_migrate);
	tcase_add_test(tc, test_turn);
	tcase_add_test(tc, test_failed_turn);
	tcase_add_test(tc, test_result_before_commit);
	tcase_add_test(tc, test_failure_mid_turn);
	tcase_add_test(tc, test_reconnect);
	tcase_add_test(tc, test_lost_while_queueing);
	tcase_add_test(tc, test_reconnect_mid_turn);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
