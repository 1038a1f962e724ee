/* test_server_fiber: fibers (fiber.c) run straight through when off, run
 * until their first wait when on, resume where they waited, end with
 * their done callback, wake one another, keep a deep stack of their own,
 * stop at FIBER_MAX, run what they deferred when their function
 * returns (newest first, before done), reuse a stack for the next
 * request, also one started from another fiber, give kept stacks back
 * (fiber_trim) and tell the most alive at once (fiber_peak_take). */
#include <check.h>
#include <string.h>

#include "server/fiber.h"
#include "tests/unit/unit.h"

struct job {
	struct fiber	*self;
	int		 step;
	int		 done;
	struct job	*peer;	/* woken before this one waits again */
};

static void
job_fn(void *arg)
{
	struct job	*j = arg;

	j->self = fiber_self();
	j->step = 1;
	if (fiber_enabled())
		fiber_wait();
	j->step = 2;
	if (j->peer != NULL)
		fiber_wake(j->peer->self);
	if (fiber_enabled())
		fiber_wait();
	j->step = 3;
}

static void
job_done(void *arg)
{
	((struct job *)arg)->done++;
}

START_TEST(test_off)
{
	struct job	j;

	memset(&j, 0, sizeof j);
	fiber_enable(0);
	ck_assert_int_eq(fiber_run(job_fn, &j, job_done, &j), 0);
	ck_assert_int_eq(j.step, 3);
	ck_assert_int_eq(j.done, 1);
	ck_assert_ptr_null(j.self);
}
END_TEST

START_TEST(test_wait_wake)
{
	struct job	a, b;

	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	fiber_enable(1);
	ck_assert_int_eq(fiber_run(job_fn, &a, job_done, &a), 0);
	ck_assert_int_eq(fiber_run(job_fn, &b, job_done, &b), 0);
	ck_assert_int_eq(a.step, 1);
	ck_assert_int_eq(b.step, 1);
	ck_assert_ptr_nonnull(a.self);
	ck_assert_ptr_null(fiber_self());
	ck_assert_uint_eq(fiber_count(), 2);
	/* a wakes b from its own stack, then waits; b waits again. */
	a.peer = &b;
	fiber_wake(a.self);
	ck_assert_int_eq(a.step, 2);
	ck_assert_int_eq(b.step, 2);
	fiber_wake(b.self);
	ck_assert_int_eq(b.step, 3);
	ck_assert_int_eq(b.done, 1);
	ck_assert_int_eq(a.done, 0);
	fiber_wake(a.self);
	ck_assert_int_eq(a.step, 3);
	ck_assert_int_eq(a.done, 1);
	ck_assert_uint_eq(fiber_count(), 0);
	fiber_shutdown();
}
END_TEST

/* Uses most of a fiber's stack: it is the fiber's own, not the loop's,
 * and it is intact after a wait. */
static struct fiber	*deep;

static void
deep_fn(void *arg)
{
	volatile char	buf[FIBER_STACK - 32 * 1024];
	int		*out = arg;

	memset((char *)buf, 7, sizeof buf);
	deep = fiber_self();
	fiber_wait();
	*out = buf[sizeof buf - 1] + buf[0];
}

START_TEST(test_deep_stack)
{
	int	out = 0;

	fiber_enable(1);
	ck_assert_int_eq(fiber_run(deep_fn, &out, NULL, NULL), 0);
	ck_assert_int_eq(out, 0);
	fiber_wake(deep);
	ck_assert_int_eq(out, 14);
	ck_assert_uint_eq(fiber_count(), 0);
}
END_TEST

/* A stack that ended one request runs the next from its start (fiber.c
 * keeps the stack in fiber_main's loop); a fiber started from another
 * fiber returns to it when it first waits. */
static void
nest_fn(void *arg)
{
	struct job	*inner = arg;

	ck_assert_int_eq(fiber_run(job_fn, inner, job_done, inner), 0);
	ck_assert_int_eq(inner->step, 1);
	ck_assert_ptr_ne(inner->self, fiber_self());
	fiber_wait();
}

START_TEST(test_reuse)
{
	struct job	j[3], inner;
	struct fiber	*outer;
	int		i;

	fiber_enable(1);
	for (i = 0; i < 3; i++) {
		memset(&j[i], 0, sizeof j[i]);
		ck_assert_int_eq(fiber_run(job_fn, &j[i], job_done, &j[i]),
		    0);
		ck_assert_int_eq(j[i].step, 1);
		fiber_wake(j[i].self);
		fiber_wake(j[i].self);
		ck_assert_int_eq(j[i].step, 3);
		ck_assert_int_eq(j[i].done, 1);
		/* One stack for all three, one after another. */
		ck_assert_ptr_eq(j[i].self, j[0].self);
	}
	memset(&inner, 0, sizeof inner);
	ck_assert_int_eq(fiber_run(nest_fn, &inner, NULL, NULL), 0);
	ck_assert_uint_eq(fiber_count(), 2);
	outer = inner.self == j[0].self ? NULL : j[0].self;
	ck_assert_ptr_nonnull(outer);
	fiber_wake(inner.self);
	fiber_wake(inner.self);
	ck_assert_int_eq(inner.done, 1);
	fiber_wake(outer);
	ck_assert_uint_eq(fiber_count(), 0);
	fiber_shutdown();
}
END_TEST

static struct fiber	*parked[FIBER_MAX];
static int		 nparked;

static void
park_fn(void *arg)
{
	parked[nparked++] = fiber_self();
	fiber_wait();
}

START_TEST(test_max)
{
	int	i, rc;

	fiber_enable(1);
	for (i = 0; i < FIBER_MAX; i++)
		ck_assert_int_eq(fiber_run(park_fn, NULL, NULL, NULL), 0);
	rc = fiber_run(park_fn, NULL, NULL, NULL);
	ck_assert_int_eq(rc, -1);
	for (i = 0; i < nparked; i++)
		fiber_wake(parked[i]);
	ck_assert_uint_eq(fiber_count(), 0);
	nparked = 0;
	ck_assert_int_eq(fiber_run(park_fn, NULL, NULL, NULL), 0);
	fiber_wake(parked[0]);
	fiber_shutdown();
}
END_TEST

/* Stacks kept after a burst go back with fiber_trim; fibers run on
 * after it, on the stacks left or on new ones. */
START_TEST(test_trim)
{
	int	i, round;

	fiber_enable(1);
	for (round = 0; round < 3; round++) {
		nparked = 0;
		for (i = 0; i < 10; i++)
			ck_assert_int_eq(fiber_run(park_fn, NULL, NULL,
			    NULL), 0);
		for (i = 0; i < nparked; i++)
			fiber_wake(parked[i]);
		ck_assert_uint_eq(fiber_count(), 0);
		fiber_trim(round == 0 ? 2 : 0);
	}
	nparked = 0;
	fiber_trim(0);
	fiber_trim(0);
	ck_assert_int_eq(fiber_run(park_fn, NULL, NULL, NULL), 0);
	ck_assert_uint_eq(fiber_count(), 1);
	fiber_wake(parked[0]);
	ck_assert_uint_eq(fiber_count(), 0);
	fiber_shutdown();
}
END_TEST

/* fiber_peak_take: the most alive at once since the last take, not the
 * count at the moment (natterd trims only after a tick whose peak was
 * low, not whenever few happen to be alive when it looks). */
START_TEST(test_peak)
{
	int	i;

	fiber_enable(1);
	(void)fiber_peak_take();
	nparked = 0;
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(fiber_run(park_fn, NULL, NULL, NULL), 0);
	for (i = 0; i < 4; i++)
		fiber_wake(parked[i]);
	ck_assert_uint_eq(fiber_count(), 1);
	ck_assert_uint_eq(fiber_peak_take(), 5);
	/* Taken: from the count now. */
	ck_assert_uint_eq(fiber_peak_take(), 1);
	fiber_wake(parked[4]);
	ck_assert_uint_eq(fiber_peak_take(), 1);
	ck_assert_uint_eq(fiber_peak_take(), 0);
	nparked = 0;
	fiber_shutdown();
}
END_TEST

/* What ran, in order: deferred calls append their letter. */
static char		 deferred[8];
static char		 letters[] = "abdx";
static struct fiber	*deferring;

static void
defer_note(void *arg)
{
	size_t	n = strlen(deferred);

	deferred[n] = *(const char *)arg;
	deferred[n + 1] = '\0';
}

static void
defer_fn(void *arg)
{
	deferring = fiber_self();
	ck_assert_int_eq(fiber_defer(defer_note, &letters[0]), 0);
	fiber_wait();
	ck_assert_int_eq(fiber_defer(defer_note, &letters[1]), 0);
	ck_assert_str_eq(deferred, "");
}

static void
defer_nothing(void *arg)
{
}

static void
defer_done(void *arg)
{
	defer_note(&letters[2]);
}

START_TEST(test_defer)
{
	deferred[0] = '\0';
	fiber_enable(1);
	ck_assert_int_eq(fiber_defer(defer_note, &letters[3]), -1);
	ck_assert_int_eq(fiber_run(defer_fn, NULL, defer_done, NULL), 0);
	ck_assert_str_eq(deferred, "");
	fiber_wake(deferring);
	ck_assert_str_eq(deferred, "bad");
	/* The stack is reused: its next fiber has nothing queued. */
	deferred[0] = '\0';
	ck_assert_int_eq(fiber_run(defer_nothing, NULL, defer_done, NULL), 0);
	ck_assert_str_eq(deferred, "d");
	ck_assert_uint_eq(fiber_count(), 0);
	fiber_enable(0);
	fiber_shutdown();
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("server_fiber");
	TCase	*tc = tcase_create("fiber");

	tcase_add_test(tc, test_off);
	tcase_add_test(tc, test_wait_wake);
	tcase_add_test(tc, test_deep_stack);
	tcase_add_test(tc, test_reuse);
	tcase_add_test(tc, test_max);
	tcase_add_test(tc, test_trim);
	tcase_add_test(tc, test_peak);
	tcase_add_test(tc, test_defer);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
