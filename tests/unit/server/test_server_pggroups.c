/* test_server_pggroups: the group modules on the PostgreSQL store
 * (groupdb_pg.c, bodies_pg.c, assets_pg.c) against a real PostgreSQL,
 * in the scenarios test_server_groups and the asset tests run on
 * SQLite: groups created with unique names (a taken name is an answer,
 * not a failed turn), members sorted, writes, the device set following
 * the devices table, what another node commits seen at the next find
 * (a removed member is not fanned out to), a found group valid until
 * its request ends; bodies counted in their row, gone with their last
 * reference or their expiry, their counts rolled back with a failed
 * turn; asset rows recorded once, touched, looked up, expired and
 * purged. Accounts and devices are planted with plain SQL: accounts.c
 * is not this suite's subject. */
#include <sys/stat.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/assets.h"
#include "server/assets_pg.h"
#include "server/bodies.h"
#include "server/db.h"
#include "server/dbpg.h"
#include "server/groupdb.h"
#include "server/metrics.h"
#include "tests/unit/pgunit.h"
#include "tests/unit/unit.h"

/* Plant rows as another node (or accounts.c) would: committed. */
static void
plant(const char *sql)
{
	ck_assert_msg(pgunit_admin(pgunit_url, sql) == 0, "%s", sql);
}

/* Accounts carol (1), al (2), bo (3), one device each, as
 * test_server_groups' accounts_create gives them. */
static void
plant_accounts(void)
{
	plant("INSERT INTO accounts (name, created) VALUES ('carol', 0), "
	    "('al', 0), ('bo', 0)");
	plant("INSERT INTO devices (account, device, identity_key) "
	    "SELECT id, 1, '\\x01' FROM accounts");
}

/* --- groupdb */

struct grp {
	uint8_t		id[16], id2[16];
	int64_t		gid, gid2;
	struct groupdb_group *held;
};

static struct grp	grp;

static void
grp_create(void *arg)
{
	struct groupdb_group	*g;

	memset(grp.id, 1, sizeof grp.id);
	memset(grp.id2, 2, sizeof grp.id2);
	ck_assert_int_eq(groupdb_create(pgunit_db, "team", grp.id, 1000,
	    &grp.gid), 0);
	ck_assert_int_eq(groupdb_create(pgunit_db, "team", grp.id2, 1000,
	    &grp.gid2), 1);
	ck_assert_int_eq(groupdb_add(pgunit_db, grp.gid, 1, 1, 1000), 0);
	ck_assert_int_eq(groupdb_add(pgunit_db, grp.gid, 2, 0, 1001), 0);
	ck_assert_int_eq(groupdb_add(pgunit_db, grp.gid, 3, 0, 1002), 0);
	/* Added twice: still one membership, still an admin. */
	ck_assert_int_eq(groupdb_add(pgunit_db, grp.gid, 1, 0, 1003), 0);
	ck_assert_int_eq(groupdb_find_id(pgunit_db, grp.id, &g), 0);
	ck_assert_int_eq(g->gid, grp.gid);
	ck_assert_str_eq(g->name, "team");
	ck_assert_int_eq(g->created, 1000);
	ck_assert_uint_eq(g->epoch, 1);
	ck_assert_uint_eq(g->nmembers, 3);
	ck_assert_str_eq(g->members[0].name, "al");
	ck_assert_str_eq(g->members[1].name, "bo");
	ck_assert_str_eq(g->members[2].name, "carol");
	ck_assert_int_eq(g->members[2].admin, 1);
	ck_assert_int_eq(g->members[2].added, 1000);
	ck_assert_int_eq(g->members[0].admin, 0);
	ck_assert_int_eq(groupdb_member(g, 3), 1);
	ck_assert_int_eq(groupdb_member(g, 99), -1);
	ck_assert_int_eq(groupdb_find_id(pgunit_db, grp.id2, &g), 1);
	ck_assert_int_eq(groupdb_find_name(pgunit_db, "nope", &g), 1);
	ck_assert_int_eq(groupdb_find_gid(pgunit_db, grp.gid + 100, &g), 1);
}

/* The device set in the hash's order; a device another node adds is in
 * it at the next look, even on the same copy of the group. */
static void
grp_devices(void *arg)
{
	struct groupdb_group	*g;

	ck_assert_int_eq(groupdb_find_name(pgunit_db, "team", &g), 0);
	ck_assert_int_eq(groupdb_devices(pgunit_db, g), 0);
	ck_assert_uint_eq(g->ndevs, 3);
	ck_assert_str_eq(g->devs[0].name, "al");
	ck_assert_int_eq(g->devaccts[0], 2);
	plant("INSERT INTO devices (account, device, identity_key) VALUES "
	    "(3, 2, '\\x02')");
	ck_assert_int_eq(groupdb_devices(pgunit_db, g), 0);
	ck_assert_uint_eq(g->ndevs, 4);
	ck_assert_str_eq(g->devs[2].name, "bo");
	ck_assert_uint_eq(g->devs[2].device, 2);
	ck_assert_int_eq(g->devaccts[2], 3);
	ck_assert_str_eq(g->devs[3].name, "carol");
	ck_assert_ptr_nonnull(g->enc);
	ck_assert_uint_eq(g->encoff[4], 4 * 5 + 2 + 2 + 2 + 5);
}

static void
grp_writes(void *arg)
{
	struct groupdb_group	*g, *before;
	int64_t			 gids[4];
	uint64_t		 n;
	size_t			 ng;

	ck_assert_int_eq(groupdb_find_gid(pgunit_db, grp.gid, &before), 0);
	ck_assert_int_eq(groupdb_remove(pgunit_db, grp.gid, 2), 0);
	ck_assert_int_eq(groupdb_set_admin(pgunit_db, grp.gid, 3), 0);
	ck_assert_int_eq(groupdb_bump(pgunit_db, grp.gid), 0);
	ck_assert_int_eq(groupdb_create(pgunit_db, "other", grp.id2, 1000,
	    &grp.gid2), 0);
	ck_assert_int_eq(groupdb_rename(pgunit_db, grp.gid, "other"), 1);
	ck_assert_int_eq(groupdb_rename(pgunit_db, grp.gid, "crew"), 0);
	/* The same name again is no conflict with itself. */
	ck_assert_int_eq(groupdb_rename(pgunit_db, grp.gid, "crew"), 0);
	ck_assert_int_eq(groupdb_find_name(pgunit_db, "team", &g), 1);
	ck_assert_int_eq(groupdb_find_name(pgunit_db, "crew", &g), 0);
	ck_assert_uint_eq(g->epoch, 2);
	ck_assert_uint_eq(g->nmembers, 2);
	ck_assert_str_eq(g->members[0].name, "bo");
	ck_assert_int_eq(g->members[0].admin, 1);
	/* A copy found before the writes is intact until the request
	 * ends: it is the group as it was. */
	ck_assert_uint_eq(before->nmembers, 3);
	ck_assert_str_eq(before->name, "team");
	ck_assert_int_eq(groupdb_of_account(pgunit_db, 3, gids, 4, &ng), 0);
	ck_assert_uint_eq(ng, 1);
	ck_assert_int_eq(gids[0], grp.gid);
	ck_assert_int_eq(groupdb_add(pgunit_db, grp.gid2, 3, 0, 5), 0);
	/* Ordered by name: crew, other; and at most max. */
	ck_assert_int_eq(groupdb_of_account(pgunit_db, 3, gids, 4, &ng), 0);
	ck_assert_uint_eq(ng, 2);
	ck_assert_int_eq(gids[0], grp.gid);
	ck_assert_int_eq(gids[1], grp.gid2);
	ck_assert_int_eq(groupdb_of_account(pgunit_db, 3, gids, 1, &ng), 0);
	ck_assert_uint_eq(ng, 1);
	ck_assert_int_eq(groupdb_count(pgunit_db, &n), 0);
	ck_assert_uint_eq(n, 2);
}

static void
grp_delete(void *arg)
{
	struct groupdb_group	*g;
	uint64_t		 n;

	ck_assert_int_eq(groupdb_delete(pgunit_db, grp.gid), 0);
	ck_assert_int_eq(groupdb_find_id(pgunit_db, grp.id, &g), 1);
	ck_assert_int_eq(groupdb_count(pgunit_db, &n), 0);
	ck_assert_uint_eq(n, 1);
	/* Its name (and id) are free again. */
	ck_assert_int_eq(groupdb_create(pgunit_db, "crew", grp.id, 1000,
	    &grp.gid), 0);
}

START_TEST(test_groupdb)
{
	plant_accounts();
	ck_assert_int_eq(pgunit_turn(grp_create, NULL), 1);
	ck_assert_int_eq(pgunit_number("SELECT count(*) FROM group_members"),
	    3);
	ck_assert_int_eq(pgunit_turn(grp_devices, NULL), 1);
	ck_assert_int_eq(pgunit_turn(grp_writes, NULL), 1);
	ck_assert_int_eq(pgunit_turn(grp_delete, NULL), 1);
	ck_assert_int_eq(pgunit_number("SELECT count(*) FROM group_members "
	    "WHERE gid NOT IN (SELECT gid FROM groups)"), 0);
	ck_assert_int_eq(pgunit_number("SELECT count(*) FROM groups"), 2);
}
END_TEST

/* A name another node took is refused as taken, and the turn commits:
 * no statement leans on the unique index. */
static void
grp_taken(void *arg)
{
	int64_t	gid;
	uint8_t	id[16];

	memset(id, 3, sizeof id);
	ck_assert_int_eq(groupdb_create(pgunit_db, "team", id, 1, &gid), 1);
	ck_assert_int_eq(groupdb_create(pgunit_db, "spare", id, 1, &gid), 0);
	ck_assert_int_eq(groupdb_rename(pgunit_db, gid, "team"), 1);
	ck_assert_int_eq(groupdb_rename(pgunit_db, gid + 100, "free"), 1);
}

START_TEST(test_groupdb_names)
{
	plant("INSERT INTO groups (id, name, created, epoch) VALUES "
	    "('\\x01010101010101010101010101010101', 'team', 0, 1)");
	ck_assert_int_eq(pgunit_turn(grp_taken, NULL), 1);
	ck_assert_int_eq(pgunit_number("SELECT count(*) FROM groups WHERE "
	    "name = 'spare'"), 1);
	ck_assert_int_eq(pgunit_number("SELECT count(*) FROM groups WHERE "
	    "name = 'free'"), 0);
}
END_TEST

/* Another node removes bo and gives al a second device: this node's
 * next find and device set say so at once. */
static void
grp_other_node(void *arg)
{
	struct groupdb_group	*g;

	ck_assert_int_eq(groupdb_find_id(pgunit_db, grp.id, &g), 0);
	ck_assert_int_eq(groupdb_devices(pgunit_db, g), 0);
	ck_assert_uint_eq(g->ndevs, 3);
	plant("DELETE FROM group_members WHERE account = 3; "
	    "UPDATE groups SET epoch = epoch + 1; "
	    "INSERT INTO devices (account, device, identity_key) VALUES "
	    "(2, 5, '\\x05')");
	ck_assert_int_eq(groupdb_find_id(pgunit_db, grp.id, &g), 0);
	ck_assert_uint_eq(g->nmembers, 2);
	ck_assert_int_eq(groupdb_member(g, 3), -1);
	ck_assert_uint_eq(g->epoch, 2);
	ck_assert_int_eq(groupdb_devices(pgunit_db, g), 0);
	ck_assert_uint_eq(g->ndevs, 3);
	ck_assert_str_eq(g->devs[0].name, "al");
	ck_assert_uint_eq(g->devs[1].device, 5);
	ck_assert_str_eq(g->devs[2].name, "carol");
}

START_TEST(test_groupdb_other_node)
{
	plant_accounts();
	ck_assert_int_eq(pgunit_turn(grp_create, NULL), 1);
	ck_assert_int_eq(pgunit_turn(grp_other_node, NULL), 1);
}
END_TEST

/* A group without members reads as one, empty (the last member left). */
static void
grp_empty(void *arg)
{
	struct groupdb_group	*g;

	ck_assert_int_eq(groupdb_create(pgunit_db, "lone", grp.id, 7,
	    &grp.gid), 0);
	ck_assert_int_eq(groupdb_find_gid(pgunit_db, grp.gid, &g), 0);
	ck_assert_uint_eq(g->nmembers, 0);
	ck_assert_int_eq(groupdb_devices(pgunit_db, g), 0);
	ck_assert_uint_eq(g->ndevs, 0);
}

START_TEST(test_groupdb_empty)
{
	memset(grp.id, 4, sizeof grp.id);
	ck_assert_int_eq(pgunit_turn(grp_empty, NULL), 1);
}
END_TEST

/* --- bodies */

struct bod {
	const char	*text;
	uint64_t	 refs, n;
	int64_t		 expires, body;
	int		 fail;		/* end the turn with a failure */
};

static void
bod_put(void *arg)
{
	struct bod		*b = arg;
	struct bodies_row	 r;
	uint8_t			 gid[16], mid[16];

	memset(gid, 0xaa, sizeof gid);
	memset(mid, 0xbb, sizeof mid);
	memset(&r, 0, sizeof r);
	r.group_id = gid;
	r.from_account = 3;
	r.from_name = "sender";
	r.from_device = 1;
	r.message_id = mid;
	r.type = 3;
	r.content = (const uint8_t *)b->text;
	r.content_len = strlen(b->text);
	r.server_ts = 100;
	r.expires = b->expires;
	ck_assert_int_eq(bodies_ready(pgunit_db), 0);
	ck_assert_int_eq(bodies_put(pgunit_db, &r, b->refs, &b->body), 0);
	ck_assert_int_gt(b->body, 0);
}

static void
bod_unref(void *arg)
{
	struct bod		*b = arg;
	struct dbpg_params	 p;

	ck_assert_int_eq(bodies_unref(pgunit_db, b->body, b->n), 0);
	if (b->fail) {
		dbpg_params_init(&p);
		ck_assert_ptr_null(dbpg_run(pgunit_db, "SELECT 1 / 0", &p));
	}
}

static void
bod_total(void *arg)
{
	struct bod	*b = arg;

	ck_assert_int_eq(bodies_total(pgunit_db, &b->n), 0);
}

static void
bod_purge(void *arg)
{
	struct bod	*b = arg;

	ck_assert_int_eq(bodies_purge(pgunit_db, b->expires), 0);
}

static int64_t
put(const char *text, uint64_t refs, int64_t expires)
{
	struct bod	b;

	memset(&b, 0, sizeof b);
	b.text = text;
	b.refs = refs;
	b.expires = expires;
	ck_assert_int_eq(pgunit_turn(bod_put, &b), 1);
	return (b.body);
}

static int
unref(int64_t body, uint64_t n, int fail)
{
	struct bod	b;

	memset(&b, 0, sizeof b);
	b.body = body;
	b.n = n;
	b.fail = fail;
	return (pgunit_turn(bod_unref, &b));
}

static uint64_t
total(void)
{
	struct bod	b;

	memset(&b, 0, sizeof b);
	ck_assert_int_eq(pgunit_turn(bod_total, &b), 1);
	return (b.n);
}

START_TEST(test_bodies)
{
	struct bod	b;
	int64_t		body;

	body = put("hello", 3, 5000);
	ck_assert_int_eq(pgunit_number("SELECT count(*) FROM group_bodies "
	    "WHERE content = 'hello' AND from_name = 'sender' AND "
	    "group_id = '\\xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' AND refs = 3"), 1);
	ck_assert_uint_eq(total(), 1);
	ck_assert_int_eq(unref(body, 1, 0), 1);
	ck_assert_int_eq(pgunit_number("SELECT refs FROM group_bodies"), 2);
	/* The last references go: so does the body. */
	ck_assert_int_eq(unref(body, 2, 0), 1);
	ck_assert_int_eq(pgunit_number("SELECT count(*) FROM group_bodies"),
	    0);
	ck_assert_uint_eq(total(), 0);
	/* A body gone already (purged) is no error. */
	ck_assert_int_eq(unref(body, 1, 0), 1);
	/* More references gone than counted: clamped, as in memory. */
	body = put("few", 1, 5000);
	ck_assert_int_eq(unref(body, 5, 0), 1);
	ck_assert_int_eq(pgunit_number("SELECT count(*) FROM group_bodies"),
	    0);

	/* Expiry takes the expired body only. */
	(void)put("old", 2, 200);
	body = put("new", 3, 5000);
	memset(&b, 0, sizeof b);
	b.expires = 300;
	ck_assert_int_eq(pgunit_turn(bod_purge, &b), 1);
	ck_assert_int_eq(pgunit_number("SELECT count(*) FROM group_bodies"),
	    1);
	ck_assert_int_eq(pgunit_number("SELECT body FROM group_bodies"), body);
	ck_assert_uint_eq(total(), 1);
}
END_TEST

/* A turn that fails takes its unrefs with it: the body and its count
 * are back (test_server_groups/test_bodies_rollback). */
START_TEST(test_bodies_rollback)
{
	int64_t	body = put("kept", 2, 5000);

	ck_assert_int_eq(unref(body, 2, 1), 0);
	ck_assert_int_eq(pgunit_number("SELECT refs FROM group_bodies"), 2);
	ck_assert_uint_eq(total(), 1);
	ck_assert_int_eq(unref(body, 1, 0), 1);
	ck_assert_int_eq(pgunit_number("SELECT count(*) FROM group_bodies"),
	    1);
	ck_assert_int_eq(unref(body, 1, 0), 1);
	ck_assert_int_eq(pgunit_number("SELECT count(*) FROM group_bodies"),
	    0);
}
END_TEST

/* --- asset metadata */

#define ASSET_TTL	1000

static char	adir[64];

/* A blob id of 64 times the hex digit c. */
static const char *
blob_id(char c)
{
	static char	ids[16][65];
	int		i = c <= '9' ? c - '0' : c - 'a' + 10;

	memset(ids[i], c, 64);
	ids[i][64] = '\0';
	return (ids[i]);
}

/* A blob file of len bytes under adir, as blobstore_commit leaves it. */
static void
blob_file(char c, size_t len)
{
	char	 path[256];
	FILE	*f;

	snprintf(path, sizeof path, "%.63s/blobs/%c%c", adir, c, c);
	(void)mkdir(path, 0700);
	snprintf(path, sizeof path, "%.63s/blobs/%c%c/%.64s", adir, c, c,
	    blob_id(c));
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	while (len-- > 0)
		fputc('x', f);
	fclose(f);
}

static int
blob_exists(char c)
{
	char		path[256];
	struct stat	sb;

	snprintf(path, sizeof path, "%.63s/blobs/%c%c/%.64s", adir, c, c,
	    blob_id(c));
	return (stat(path, &sb) == 0);
}

static void
asset_setup(void)
{
	char	path[128];

	pgunit_setup();
	snprintf(adir, sizeof adir, "/tmp/natter-pgassets.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(adir));
	snprintf(path, sizeof path, "%s/blobs", adir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
}

static void
asset_teardown(void)
{
	char	*cmd;

	assets_stop();
	xasprintf(&cmd, "rm -rf '%s'", adir);
	(void)system(cmd);
	free(cmd);
	pgunit_teardown();
}

static void
asset_start(void *arg)
{
	struct assets_config	 c;
	char			*err = NULL;

	memset(&c, 0, sizeof c);
	c.dir = adir;
	c.db = pgunit_db;
	c.loop = &pgunit_loop;
	c.ttl_ms = ASSET_TTL;
	c.max_asset = 1 << 20;
	ck_assert_msg(assets_start(&c, &err) == 0, "%s", err);
}

/* Start: a file without a row is adopted, a row without a file is
 * forgotten, the bytes are counted. */
START_TEST(test_assets_start)
{
	blob_file('a', 5);
	blob_file('c', 7);
	plant("INSERT INTO assets VALUES "
	    "(repeat('b', 64), 3, 9000000000000), "
	    "(repeat('c', 64), 7, 9000000000000)");
	ck_assert_int_eq(pgunit_turn(asset_start, NULL), 1);
	ck_assert_int_eq(pgunit_number("SELECT count(*) FROM assets"), 2);
	ck_assert_int_eq(pgunit_number("SELECT size FROM assets WHERE id "
	    "LIKE 'a%'"), 5);
	/* Kept a TTL from the start's clock (ms since the epoch). */
	ck_assert_int_eq(pgunit_number("SELECT count(*) FROM assets WHERE "
	    "id LIKE 'a%' AND expires > 1600000000000"), 1);
	ck_assert_uint_eq(metrics_get(METRICS_ASSET_BYTES), 12);
}
END_TEST

static void
asset_use(void *arg)
{
	uint64_t	size = 0;
	const char	*d = blob_id('d');

	asset_start(NULL);
	ck_assert_int_eq(assets_lookup(blob_id('c'), 0, &size), 0);
	ck_assert_uint_eq(size, 7);
	/* Recorded once; again, it is touched (dedup). */
	ck_assert_int_eq(assets_record(d, 9, 1000), 0);
	ck_assert_uint_eq(metrics_get(METRICS_ASSETS_STORED), 1);
	ck_assert_int_eq(assets_record(d, 9, 2000), 1);
	ck_assert_uint_eq(metrics_get(METRICS_ASSETS_STORED), 1);
	ck_assert_int_eq(assets_lookup(d, 2999, &size), 0);
	ck_assert_uint_eq(size, 9);
	/* Expired is gone, purged or not; unknown is gone. */
	ck_assert_int_eq(assets_lookup(d, 3000, &size), 1);
	ck_assert_int_eq(assets_lookup(blob_id('e'), 0, &size), 1);
	/* A touch extends, never shortens. */
	ck_assert_int_eq(assets_touch(d, 5000), 0);
	ck_assert_int_eq(assets_touch(d, 100), 0);
	ck_assert_int_eq(assets_lookup(d, 5999, &size), 0);
}

START_TEST(test_assets_use)
{
	blob_file('c', 7);
	ck_assert_int_eq(pgunit_turn(asset_use, NULL), 1);
	ck_assert_int_eq(pgunit_number("SELECT expires FROM assets WHERE id "
	    "LIKE 'd%'"), 5000 + ASSET_TTL);
	ck_assert_int_eq(pgunit_number("SELECT size FROM assets WHERE id "
	    "LIKE 'd%'"), 9);
}
END_TEST

static void
asset_purge(void *arg)
{
	char		ids[4][HTTPREQ_IDLEN + 1];
	uint64_t	sizes[4], size;
	size_t		n;

	asset_start(NULL);
	ck_assert_int_eq(assets_pg_expired(pgunit_db, 200, ids, sizes, 4, &n),
	    0);
	ck_assert_uint_eq(n, 2);
	/* Another node touches f after the purge listed it: kept. */
	ck_assert_int_eq(assets_touch(blob_id('f'), 5000), 0);
	ck_assert_int_eq(assets_pg_expire(pgunit_db, blob_id('f'), 200,
	    &size), 1);
	assets_purge(200);
	ck_assert_uint_eq(metrics_get(METRICS_ASSET_BYTES), 6 + 8);
}

START_TEST(test_assets_purge)
{
	blob_file('e', 4);
	blob_file('f', 6);
	blob_file('9', 8);
	plant("INSERT INTO assets VALUES "
	    "(repeat('e', 64), 4, 100), "
	    "(repeat('f', 64), 6, 100), "
	    "(repeat('9', 64), 8, 9000000000000)");
	ck_assert_int_eq(pgunit_turn(asset_purge, NULL), 1);
	ck_assert_int_eq(blob_exists('e'), 0);
	ck_assert_int_eq(blob_exists('f'), 1);
	ck_assert_int_eq(blob_exists('9'), 1);
	ck_assert_int_eq(pgunit_number("SELECT count(*) FROM assets"), 2);
	ck_assert_int_eq(pgunit_number("SELECT count(*) FROM assets WHERE "
	    "id LIKE 'e%'"), 0);
}
END_TEST

/* Off a fiber (natterd's start, the HTTP side) nothing waits for the
 * store: the start's reconciliation runs in the background, a lookup
 * answers from the blob file, and a record or touch is written by a
 * fiber of its own; groupdb, which has no such side, refuses. */
START_TEST(test_assets_off_fiber)
{
	struct assets_config	 c;
	char			*err = NULL;
	uint64_t		 size, n;

	blob_file('a', 5);
	blob_file('c', 7);
	plant("INSERT INTO assets VALUES (repeat('b', 64), 3, 9000000000000)");
	memset(&c, 0, sizeof c);
	c.dir = adir;
	c.db = pgunit_db;
	c.loop = &pgunit_loop;
	c.ttl_ms = ASSET_TTL;
	ck_assert_int_eq(assets_start(&c, &err), 0);
	ck_assert_int_eq(assets_lookup(blob_id('a'), 0, &size), 0);
	ck_assert_uint_eq(size, 5);
	ck_assert_int_eq(assets_lookup(blob_id('b'), 0, &size), 1);
	ck_assert_int_eq(assets_touch(blob_id('a'), 0), 0);
	ck_assert_int_eq(assets_record(blob_id('c'), 7, 0), 0);
	ck_assert_int_eq(pgunit_settle(), 1);
	/* a and c adopted (c recorded as well), b's row forgotten. */
	ck_assert_int_eq(pgunit_number("SELECT count(*) FROM assets"), 2);
	ck_assert_int_eq(pgunit_number("SELECT count(*) FROM assets WHERE "
	    "id LIKE 'b%'"), 0);
	ck_assert_int_eq(groupdb_count(pgunit_db, &n), -1);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("server_pggroups");
	TCase	*tc = tcase_create("pggroups");

	tcase_add_unchecked_fixture(tc, pgunit_cluster_up, pgunit_cluster_down);
	tcase_add_checked_fixture(tc, pgunit_setup, pgunit_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_groupdb);
	tcase_add_test(tc, test_groupdb_names);
	tcase_add_test(tc, test_groupdb_other_node);
	tcase_add_test(tc, test_groupdb_empty);
	tcase_add_test(tc, test_bodies);
	tcase_add_test(tc, test_bodies_rollback);
	suite_add_tcase(s, tc);
	tc = tcase_create("pgassets");
	tcase_add_unchecked_fixture(tc, pgunit_cluster_up, pgunit_cluster_down);
	tcase_add_checked_fixture(tc, asset_setup, asset_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_assets_start);
	tcase_add_test(tc, test_assets_use);
	tcase_add_test(tc, test_assets_purge);
	tcase_add_test(tc, test_assets_off_fiber);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
