/* test_retire: old private prekeys leave the profile on time (test clock): signed ones 30 days after their replacement, at most 64 kept; one-time ones after 90 days, never uploaded again. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "client/core/prekeys.h"
#include "client/core/retire.h"
#include "client/store/kv.h"
#include "client/store/store.h"
#include "shared/util/timeutil.h"
#include "tests/unit/unit.h"

#define PASS	"pw"
#define DAY	(24LL * 3600 * 1000)
#define MINUTE	(60LL * 1000)

static char		 tmpdir[] = "/tmp/natter-test-retire.XXXXXX";
static struct store	*st;
static struct prekeys	*pk;

static void
setup(void)
{
	char		home[256];
	enum store_err	e;

	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(home, sizeof home, "%s/p", tmpdir);
	st = store_open(home, PASS, strlen(PASS), STORE_CREATE, &e);
	ck_assert_ptr_nonnull(st);
	pk = prekeys_create(st);
	time_set_offset_ms(0);
}

static void
teardown(void)
{
	char	cmd[512];

	prekeys_free(pk);
	store_close(st);
	time_set_offset_ms(0);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
	strcpy(tmpdir, "/tmp/natter-test-retire.XXXXXX");
}

/*
 * Days (and extra ms) on the test clock from the test's start.  The real
 * clock runs on under it, so boundaries are checked a minute either side.
 */
static void
at(long long days, long long ms)
{
	time_set_offset_ms(days * DAY + ms);
}

static void
spk(uint32_t id)
{
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(prekeys_create_spk(pk, id), 0);
	ck_assert_int_eq(store_commit(st), 0);
}

static void
opks(int n)
{
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(prekeys_create_opks(pk, n), 0);
	ck_assert_int_eq(store_commit(st), 0);
}

static int
has(int kind, uint32_t id)
{
	uint8_t	sk[32];

	return ((kind == STORE_SPK ? prekeys_spk_secret(pk, id, sk) :
	    prekeys_opk_secret(pk, id, sk)) == 0);
}

START_TEST(test_spk_after_replacement)
{
	spk(1);
	at(8, 0);
	spk(2);			/* replaces 1 on day 8 */
	at(20, 0);
	spk(3);			/* replaces 2 on day 20 */
	at(38, -MINUTE);
	ck_assert_int_eq(retire_run(st), 0);
	ck_assert(has(STORE_SPK, 1));	/* replaced not quite 30 days ago */
	at(38, MINUTE);
	ck_assert_int_eq(retire_run(st), 0);
	ck_assert(!has(STORE_SPK, 1));
	ck_assert(has(STORE_SPK, 2));
	ck_assert(has(STORE_SPK, 3));
	at(1000, 0);		/* the current one stays, however old */
	ck_assert_int_eq(retire_run(st), 0);
	ck_assert(!has(STORE_SPK, 2));
	ck_assert(has(STORE_SPK, 3));
	ck_assert_int_eq(store_prekey_count(st, STORE_SPK), 1);
	ck_assert_uint_eq(prekeys_spk_id(pk), 3);
}
END_TEST

/* Rotated often (on demand): at most RETIRE_SPK_KEEP replaced ones. */
START_TEST(test_spk_keep)
{
	uint32_t	id;

	for (id = 1; id <= RETIRE_SPK_KEEP + 11; id++)
		spk(id);
	ck_assert_int_eq(retire_run(st), 0);
	ck_assert_int_eq(store_prekey_count(st, STORE_SPK),
	    RETIRE_SPK_KEEP + 1);
	ck_assert(!has(STORE_SPK, 10));
	ck_assert(has(STORE_SPK, 11));
	ck_assert(has(STORE_SPK, RETIRE_SPK_KEEP + 11));
}
END_TEST

START_TEST(test_opk_expiry)
{
	Natter__OneTimePrekey	**v;
	uint32_t		  floor;
	size_t			  n, i;

	opks(10);			/* 1-10 on day 0 */
	at(50, 0);
	opks(10);			/* 11-20 on day 50 */
	at(90, -MINUTE);
	ck_assert_int_eq(retire_run(st), 0);
	ck_assert_int_eq(store_prekey_count(st, STORE_OPK), 20);
	ck_assert_int_ne(kv_get_u32(st, KV_OPK_FLOOR, &floor), 0);
	at(90, MINUTE);
	ck_assert_int_eq(retire_run(st), 0);
	ck_assert_int_eq(store_prekey_count(st, STORE_OPK), 10);
	ck_assert(!has(STORE_OPK, 10));
	ck_assert(has(STORE_OPK, 11));
	ck_assert_int_eq(kv_get_u32(st, KV_OPK_FLOOR, &floor), 0);
	ck_assert_uint_eq(floor, 11);
	/* Uploads start at the floor, lowest first, whatever is asked. */
	v = prekeys_opk_messages(pk, 1, &n);
	ck_assert_uint_eq(n, 10);
	for (i = 0; i < n; i++)
		ck_assert_uint_eq(v[i]->id, 11 + i);
	prekeys_opk_messages_free(v, n);
	/* Keys from profiles before ages were kept: their clocks start now. */
	ck_assert_int_eq(store_done(st, store_prep(st,
	    "UPDATE prekeys SET made = NULL")), 0);
	at(500, 0);
	ck_assert_int_eq(retire_run(st), 0);
	ck_assert_int_eq(store_prekey_count(st, STORE_OPK), 10);
	at(590, -MINUTE);
	ck_assert_int_eq(retire_run(st), 0);
	ck_assert_int_eq(store_prekey_count(st, STORE_OPK), 10);
	at(590, MINUTE);
	ck_assert_int_eq(retire_run(st), 0);
	ck_assert_int_eq(store_prekey_count(st, STORE_OPK), 0);
	ck_assert_int_eq(kv_get_u32(st, KV_OPK_FLOOR, &floor), 0);
	ck_assert_uint_eq(floor, 21);
	/* The next ones are new, above the floor. */
	opks(3);
	v = prekeys_opk_messages(pk, 0, &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(v[0]->id, 21);
	prekeys_opk_messages_free(v, n);
}
END_TEST

/* At most one batch per upload, the lowest ids first. */
START_TEST(test_opk_batches)
{
	Natter__OneTimePrekey	**v;
	size_t			  n, i;

	opks(PREKEYS_BATCH_MAX + 50);
	v = prekeys_opk_messages(pk, 0, &n);
	ck_assert_uint_eq(n, PREKEYS_BATCH_MAX);
	for (i = 0; i < n; i++)
		ck_assert_uint_eq(v[i]->id, 1 + i);
	prekeys_opk_messages_free(v, n);
	v = prekeys_opk_messages(pk, PREKEYS_BATCH_MAX + 1, &n);
	ck_assert_uint_eq(n, 50);
	ck_assert_uint_eq(v[0]->id, PREKEYS_BATCH_MAX + 1);
	prekeys_opk_messages_free(v, n);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("retire");
	TCase	*tc = tcase_create("retire");

	if (sodium_init() < 0)
		return (EXIT_FAILURE);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_spk_after_replacement);
	tcase_add_test(tc, test_spk_keep);
	tcase_add_test(tc, test_opk_expiry);
	tcase_add_test(tc, test_opk_batches);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
