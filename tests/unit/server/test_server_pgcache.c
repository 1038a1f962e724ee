/* test_server_pgcache: what a node on the PostgreSQL store keeps of
 * accounts (pgcache.c): names only once turns report their end, device
 * lists only while invalidations arrive and never from a read an
 * invalidation overtook, a failed turn or a rolled back savepoint
 * forgets everything, and a change is told to every node only once its
 * turn committed. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "server/pgcache.h"
#include "tests/unit/unit.h"

static int64_t	told[8];
static int	ntold;

static void
tell(int64_t account)
{
	ck_assert_int_lt(ntold, 8);
	told[ntold++] = account;
}

static void
setup(void)
{
	pgcache_free();
	ntold = 0;
	pgcache_publish(tell);
}

static void
teardown(void)
{
	pgcache_free();
}

static int
kept(int64_t account, size_t want)
{
	uint32_t	d[16];
	size_t		n = 99;

	if (!pgcache_devices(account, d, 16, &n))
		return (0);
	ck_assert_uint_eq(n, want);
	return (1);
}

START_TEST(test_names)
{
	int64_t	a = 0;

	/* Until turns report their end, nothing is kept. */
	pgcache_name_put("alice", 5);
	ck_assert_int_eq(pgcache_name("alice", &a), 0);
	pgcache_enable();
	pgcache_name_put("alice", 5);
	ck_assert_int_eq(pgcache_name("alice", &a), 1);
	ck_assert_int_eq(a, 5);
	ck_assert_int_eq(pgcache_name("alicf", &a), 0);
	/* A name too long to be one is not kept. */
	pgcache_name_put("a-name-longer-than-thirty-two-bytes", 6);
	ck_assert_int_eq(pgcache_name("a-name-longer-than-thirty-two-bytes",
	    &a), 0);
	/* A committed turn keeps them; a failed one forgets them. */
	pgcache_turn_closed();
	pgcache_turn_committed(1);
	ck_assert_int_eq(pgcache_name("alice", &a), 1);
	pgcache_turn_closed();
	pgcache_turn_committed(0);
	ck_assert_int_eq(pgcache_name("alice", &a), 0);
	pgcache_name_put("alice", 5);
	pgcache_rollback();
	ck_assert_int_eq(pgcache_name("alice", &a), 0);
}
END_TEST

START_TEST(test_lists)
{
	const uint32_t	d[3] = { 1, 2, 5 };
	uint64_t	e;

	pgcache_enable();
	/* Not live: a change could not be heard, so nothing is kept. */
	pgcache_devices_put(7, pgcache_epoch(), d, 3);
	ck_assert(!kept(7, 3));
	pgcache_live(1);
	pgcache_devices_put(7, pgcache_epoch(), d, 3);
	ck_assert(kept(7, 3));
	/* Another node's change: gone. */
	pgcache_forget(7);
	ck_assert(!kept(7, 3));
	/* A read that an invalidation (of any account) overtook is not
	 * kept: it may be the old list. */
	e = pgcache_epoch();
	pgcache_forget(8);
	pgcache_devices_put(7, e, d, 3);
	ck_assert(!kept(7, 3));
	/* "all", or the directory going down, forgets every list. */
	pgcache_devices_put(7, pgcache_epoch(), d, 3);
	pgcache_devices_put(9, pgcache_epoch(), d, 2);
	pgcache_forget(-1);
	ck_assert(!kept(7, 3) && !kept(9, 2));
	pgcache_devices_put(7, pgcache_epoch(), d, 3);
	pgcache_live(0);
	ck_assert(!kept(7, 3));
	pgcache_devices_put(7, pgcache_epoch(), d, 3);
	ck_assert(!kept(7, 3));
}
END_TEST

START_TEST(test_changes_told_after_commit)
{
	const uint32_t	d[2] = { 1, 2 };

	pgcache_enable();
	pgcache_live(1);
	pgcache_devices_put(7, pgcache_epoch(), d, 2);
	/* This node changes 7: its copy goes at once, nobody is told yet. */
	pgcache_devices_changed(7);
	ck_assert(!kept(7, 2));
	ck_assert_int_eq(ntold, 0);
	/* The same turn reads the new list back and keeps it. */
	pgcache_devices_put(7, pgcache_epoch(), d, 1);
	pgcache_turn_closed();
	/* The next turn changes 9 while the first commit is in flight. */
	pgcache_devices_changed(9);
	pgcache_turn_committed(1);
	ck_assert_int_eq(ntold, 1);
	ck_assert_int_eq(told[0], 7);
	/* Told, and read again here too. */
	ck_assert(!kept(7, 1));
	/* The second turn fails: 9 was never changed, nobody is told, and
	 * everything kept goes. */
	pgcache_devices_put(7, pgcache_epoch(), d, 2);
	pgcache_turn_closed();
	pgcache_turn_committed(0);
	ck_assert_int_eq(ntold, 1);
	ck_assert(!kept(7, 2));
	/* Nothing left over for a later turn. */
	pgcache_turn_closed();
	pgcache_turn_committed(1);
	ck_assert_int_eq(ntold, 1);
}
END_TEST

/* Both tables are bounded: at the bound what is kept goes, and keeping
 * goes on from empty. */
START_TEST(test_bounds)
{
	const uint32_t	d[1] = { 1 };
	char		name[16];
	int64_t		a;
	int		i;

	pgcache_enable();
	pgcache_live(1);
	for (i = 0; i < PGCACHE_MAXNAMES; i++) {
		snprintf(name, sizeof name, "u%d", i);
		pgcache_name_put(name, i);
		pgcache_devices_put(i, pgcache_epoch(), d, 1);
	}
	ck_assert_int_eq(pgcache_name("u0", &a), 1);
	ck_assert(kept(0, 1));
	pgcache_name_put("one-more", 1);
	pgcache_devices_put(PGCACHE_MAXLISTS, pgcache_epoch(), d, 1);
	ck_assert_int_eq(pgcache_name("u0", &a), 0);
	ck_assert(!kept(0, 1));
	ck_assert_int_eq(pgcache_name("one-more", &a), 1);
	ck_assert(kept(PGCACHE_MAXLISTS, 1));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("server_pgcache");
	TCase	*tc = tcase_create("pgcache");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_lists);
	tcase_add_test(tc, test_changes_told_after_commit);
	tcase_add_test(tc, test_bounds);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
