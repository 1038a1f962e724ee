/* test_feed: bytes reach the worker whole and in order however they are
 * cut, a full feed says so until the worker catches up, a refusal sticks,
 * and a feed freed while its worker eats lets go only after every byte
 * put was eaten. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "shared/util/feed.h"
#include "tests/unit/unit.h"

#define TOTAL	(9 * 1024 * 1024 + 12345)

struct eater {
	uint8_t		*got;
	size_t		 len;
	int		 calls;
	int		 refuse_at;	/* that call refuses (0: none) */
	int		 slow_us;
	int		 released;
	size_t		 most;		/* the largest buffer eaten */
};

struct ready {
	int	calls;
};

static int
eat(void *arg, const uint8_t *p, size_t n)
{
	struct eater	*e = arg;

	if (e->slow_us > 0)
		usleep((useconds_t)e->slow_us);
	if (++e->calls == e->refuse_at)
		return (-1);
	if (n > e->most)
		e->most = n;
	memcpy(e->got + e->len, p, n);
	e->len += n;
	return (0);
}

static void
on_ready(void *arg)
{
	((struct ready *)arg)->calls++;
}

static void
release(void *arg)
{
	((struct eater *)arg)->released = 1;
}

static uint8_t *
pattern(void)
{
	uint8_t	*p = malloc(TOTAL);
	size_t	 i;

	for (i = 0; i < TOTAL; i++)
		p[i] = (uint8_t)(i * 131 + (i >> 13));
	return (p);
}

/* Put all of src in pieces of 1 to 70000 bytes, as a sink would. */
static int
put_all(uv_loop_t *loop, struct feed *f, const uint8_t *src, int *fulls)
{
	size_t	off = 0, n;
	int	rc;

	srand(7);
	while (off < TOTAL) {
		while (feed_full(f)) {
			(*fulls)++;
			uv_run(loop, UV_RUN_ONCE);
		}
		n = 1 + (size_t)rand() % 70000;
		if (n > TOTAL - off)
			n = TOTAL - off;
		if ((rc = feed_put(f, src + off, n)) != 0)
			return (rc);
		off += n;
	}
	return (0);
}

/* One test's loop, eater and feed. */
struct rig {
	uv_loop_t	 loop;
	struct eater	 e;
	struct ready	 r;
	struct feed	*f;
	uint8_t		*src;
};

static void
rig_start(struct rig *g, struct eater e)
{
	memset(g, 0, sizeof *g);
	g->e = e;
	g->e.got = malloc(TOTAL);
	g->src = pattern();
	uv_loop_init(&g->loop);
	g->f = feed_new(&g->loop, eat, &g->e, on_ready, &g->r);
}

/* Everything put flushed through and eaten. */
static void
rig_drain(struct rig *g)
{
	feed_flush(g->f);
	while (!feed_idle(g->f))
		uv_run(&g->loop, UV_RUN_ONCE);
}

static void
rig_end(struct rig *g)
{
	uv_run(&g->loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(uv_loop_close(&g->loop), 0);
	free(g->src);
	free(g->e.got);
}

START_TEST(test_order_and_fullness)
{
	struct rig	g;
	int		fulls = 0;

	rig_start(&g, (struct eater){ .slow_us = 2000 });
	ck_assert_int_eq(put_all(&g.loop, g.f, g.src, &fulls), 0);
	ck_assert_int_gt(fulls, 0);		/* the slow worker held it up */
	rig_drain(&g);
	ck_assert_int_gt(g.r.calls, 0);
	ck_assert_int_eq(feed_failed(g.f), 0);
	ck_assert_uint_eq(g.e.len, TOTAL);
	ck_assert_mem_eq(g.e.got, g.src, TOTAL);
	/* A buffer, and the piece that filled it, at most at a time. */
	ck_assert_uint_le(g.e.most, FEED_BUFBYTES + 70000);
	feed_free(g.f, release);
	ck_assert_int_eq(g.e.released, 1);
	rig_end(&g);
}
END_TEST

START_TEST(test_refusal_sticks)
{
	struct rig	g;
	int		fulls = 0;

	rig_start(&g, (struct eater){ .refuse_at = 2 });
	(void)put_all(&g.loop, g.f, g.src, &fulls);
	rig_drain(&g);
	ck_assert_int_eq(feed_failed(g.f), 1);
	ck_assert_int_eq(feed_put(g.f, g.src, 10), -1);
	ck_assert_int_eq(g.e.calls, 2);		/* nothing after the refusal */
	/* The first buffer only: the first piece (the worker was free). */
	ck_assert_uint_gt(g.e.len, 0);
	ck_assert_uint_le(g.e.len, 70000);
	ck_assert_mem_eq(g.e.got, g.src, g.e.len);
	feed_reset(g.f);
	ck_assert_int_eq(feed_failed(g.f), 0);
	ck_assert_int_eq(feed_idle(g.f), 1);
	feed_free(g.f, NULL);
	rig_end(&g);
}
END_TEST

START_TEST(test_free_while_eating)
{
	struct rig	g;

	rig_start(&g, (struct eater){ .slow_us = 100000 });
	ck_assert_int_eq(feed_put(g.f, g.src, FEED_BUFBYTES), 0);	/* goes */
	ck_assert_int_eq(feed_idle(g.f), 0);
	ck_assert_int_eq(feed_put(g.f, g.src + FEED_BUFBYTES, 1000), 0);
	feed_free(g.f, release);
	ck_assert_int_eq(g.e.released, 0);	/* the worker has it */
	uv_run(&g.loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(g.e.released, 1);
	ck_assert_int_eq(g.r.calls, 0);
	/* Both, in order, before the release. */
	ck_assert_uint_eq(g.e.len, FEED_BUFBYTES + 1000);
	ck_assert_mem_eq(g.e.got, g.src, g.e.len);
	rig_end(&g);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("feed");
	TCase	*tc = tcase_create("feed");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_order_and_fullness);
	tcase_add_test(tc, test_refusal_sticks);
	tcase_add_test(tc, test_free_while_eating);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
