/* tui_bench: fill a registered profile's history and time the TUI's views (start, open, paging, search) off screen. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <uv.h>

#include "client/core/core.h"
#include "client/store/kv.h"
#include "client/store/store.h"
#include "client/store/msglog.h"
#include "client/tui/edit.h"
#include "client/tui/grid.h"
#include "client/tui/layout.h"
#include "client/tui/search.h"
#include "client/tui/tuiint.h"
#include "client/tui/width.h"

#define BENCH_PEERS	20

static double
ms_since(uint64_t t0)
{
	return ((double)(uv_hrtime() - t0) / 1e6);
}

/* Add n messages: 90% with bob, the rest spread over other peers. */
static int
bench_fill_store(struct store *st, const char *self, int n)
{
	Natter__StoredMessage	 m = NATTER__STORED_MESSAGE__INIT;
	uint8_t			 id[CORE_IDBYTES];
	char			 peer[32], text[160];
	int64_t			 seq, now = (int64_t)time(NULL) * 1000;
	int			 i;

	if (store_begin(st) != 0)
		return (-1);
	for (i = 0; i < n; i++) {
		if (i % 10 == 9)
			snprintf(peer, sizeof peer, "peer%d", i % BENCH_PEERS);
		else
			snprintf(peer, sizeof peer, "bob");
		randombytes_buf(id, sizeof id);
		snprintf(text, sizeof text, "message number %d: the quick brown"
		    " fox jumps over the lazy dog 日本語 %s", i,
		    i == n / 2 ? "needle-in-the-middle" : "");
		m.message_id.data = id;
		m.message_id.len = sizeof id;
		m.peer = peer;
		m.outgoing = i % 2;
		m.from = m.outgoing ? (char *)self : peer;
		m.to = m.outgoing ? peer : (char *)self;
		m.ts = now - (int64_t)(n - i) * 60000;
		m.text = text;
		if (msglog_add(st, STORE_MESSAGE, m.outgoing ?
		    STORE_ST_DELIVERED : STORE_ST_RECEIVED, &m, &seq) != 0 ||
		    msglog_mark_printed(st, seq) != 0) {
			store_rollback(st);
			return (-1);
		}
		if (i % 5000 == 4999 && (store_commit(st) != 0 ||
		    store_begin(st) != 0))
			return (-1);
	}
	return (store_commit(st));
}

/* Fill the profile in home (through the store, before the core opens it). */
static int
bench_fill(const char *home, const char *pass, int n)
{
	struct store	*st;
	enum store_err	 se;
	char		*self;
	int		 rc = -1;

	if ((st = store_open(home, pass, strlen(pass), 0, &se)) == NULL)
		return (-1);
	if ((self = kv_get_str(st, KV_NAME)) != NULL)
		rc = bench_fill_store(st, self, n);
	free(self);
	store_close(st);
	return (rc);
}

static void
bench_frame(struct tui *t, struct grid *g)
{
	int	cy, cx;

	layout_draw(g, t, &cy, &cx);
}

static void
bench_views(struct tui *t, struct grid *g)
{
	struct core_error	err;
	uint64_t		t0;
	double			worst = 0, ms;
	int			i;

	t0 = uv_hrtime();
	view_reload_convs(t);
	bench_frame(t, g);
	printf("first frame (list + draw, profile open): %.2f ms\n",
	    ms_since(t0));
	t0 = uv_hrtime();
	view_open(t, "bob");
	bench_frame(t, g);
	printf("open bob (%d loaded) + draw: %.2f ms\n", t->nmsgs,
	    ms_since(t0));
	for (i = 0; i < 20; i++) {
		t0 = uv_hrtime();
		t->scroll += t->rows - 1;
		if (t->scroll > t->nlines - t->rows && t->more) {
			t->want += TUI_PAGE;
			view_reload_msgs(t);
		}
		bench_frame(t, g);
		ms = ms_since(t0);
		if (ms > worst)
			worst = ms;
	}
	printf("page up x20 (now %d loaded): worst %.2f ms\n", t->nmsgs,
	    worst);
	t0 = uv_hrtime();
	commands_line(t, (char[]){ "/search needle-in-the-middle" });
	bench_frame(t, g);
	printf("/search, database scan, hit half-way back (%s) + draw: "
	    "%.2f ms\n", t->notice, ms_since(t0));
	t->search = search_create();
	t0 = uv_hrtime();
	while (search_step(t->search, t->core) == 1)
		;
	printf("search index built (as the TUI does while idle): %.2f ms\n",
	    ms_since(t0));
	free(t->search_text);
	t->search_text = NULL;
	t0 = uv_hrtime();
	commands_line(t, (char[]){ "/search needle-in-the-middle" });
	bench_frame(t, g);
	printf("/search, index, hit half-way back + draw: %.2f ms\n",
	    ms_since(t0));
	t0 = uv_hrtime();
	commands_line(t, (char[]){ "/search no-such-text" });
	bench_frame(t, g);
	printf("/search, index, no hit (%s) + draw: %.2f ms\n", t->notice,
	    ms_since(t0));
	t0 = uv_hrtime();
	if (core_search(t->core, "no-such-text", 0, NULL, NULL, &err) < 0)
		printf("search failed: %s\n", err.msg);
	printf("/search, no hit (all rows): %.2f ms\n", ms_since(t0));
}

int
main(int argc, char **argv)
{
	struct tui		 t;
	struct core_error	 err;
	struct grid		*g;
	const char		*pass = getenv("NATTER_PASSPHRASE");
	uint64_t		 t0;
	int			 n;

	if (argc != 3 || pass == NULL) {
		fprintf(stderr, "usage: NATTER_PASSPHRASE=... natter-tui-bench "
		    "HOME FILL_COUNT\n");
		return (2);
	}
	width_locale();
	memset(&t, 0, sizeof t);
	uv_loop_init(&t.loop);
	config_default(&t.conf);
	t.edit = edit_create();
	if ((n = atoi(argv[2])) > 0) {
		t0 = uv_hrtime();
		if (bench_fill(argv[1], pass, n) != 0) {
			fprintf(stderr, "natter-tui-bench: fill failed\n");
			return (1);
		}
		printf("filled %d messages in %.0f ms\n", n, ms_since(t0));
	}
	t0 = uv_hrtime();
	if (core_open(&t.core, &t.loop, argv[1], pass, strlen(pass), NULL, 0,
	    &err) != 0) {
		fprintf(stderr, "natter-tui-bench: %s\n", err.msg);
		return (1);
	}
	printf("core_open (Argon2id unwrap): %.2f ms\n", ms_since(t0));
	t.account = core_account(t.core);
	t.wall = (int64_t)time(NULL) * 1000;
	g = grid_create(100, 30);
	bench_views(&t, g);
	grid_free(g);
	core_close(t.core);
	t.core = NULL;
	uv_run(&t.loop, UV_RUN_DEFAULT);
	uv_loop_close(&t.loop);
	view_free(&t);
	edit_free(t.edit);
	search_free(t.search);
	free(t.search_text);
	return (0);
}
