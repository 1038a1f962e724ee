/* test_sealed: key file (create, open, wrong passphrase, corruption, change) and sealed columns. */
#include <sys/stat.h>

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "shared/crypto/sealed.h"
#include "tests/unit/unit.h"

static char	dir[] = "/tmp/natter-test-sealed.XXXXXX";
static char	path[256];

static void
setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/key", dir);
}

static void
teardown(void)
{
	unlink(path);
	rmdir(dir);
	strcpy(dir, "/tmp/natter-test-sealed.XXXXXX");
}

#define PASS	"correct horse"

static void
rewrite(const uint8_t *buf, size_t len)
{
	FILE	*f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(test_create_open)
{
	struct sealed	*s, *t;
	enum sealed_err	 e;
	struct stat	 sb;
	uint8_t		 val[] = "secret message body", box[sizeof val + 40];
	uint8_t		 out[sizeof val];

	s = sealed_create(path, PASS, strlen(PASS), &e);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(e, SEALED_OK);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_size, SEALED_FILEBYTES);
	ck_assert_int_eq(sb.st_mode & 077, 0);
	/* Never overwrite an existing key file. */
	ck_assert_ptr_null(sealed_create(path, PASS, strlen(PASS), &e));
	ck_assert_int_eq(e, SEALED_EEXIST);
	ck_assert_int_eq(sealed_column_seal(s, box, val, sizeof val, "messages",
	    7, "body"), 0);
	t = sealed_open(path, PASS, strlen(PASS), &e);
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(sealed_column_open(t, out, box, sizeof box, "messages",
	    7, "body"), 0);
	ck_assert_mem_eq(out, val, sizeof val);
	sealed_free(s);
	sealed_free(t);
	sealed_free(NULL);
}
END_TEST

START_TEST(test_wrong_passphrase)
{
	struct sealed	*s;
	enum sealed_err	 e = SEALED_OK;

	s = sealed_create(path, PASS, strlen(PASS), NULL);
	sealed_free(s);
	ck_assert_ptr_null(sealed_open(path, "wrong", 5, &e));
	ck_assert_int_eq(e, SEALED_EPASS);
	ck_assert_ptr_null(sealed_open(path, PASS, strlen(PASS) - 1, &e));
	ck_assert_int_eq(e, SEALED_EPASS);
	ck_assert_str_eq(sealed_strerror(SEALED_EPASS), "wrong passphrase");
}
END_TEST

START_TEST(test_corrupt)
{
	struct sealed	*s;
	enum sealed_err	 e;
	uint8_t		 buf[SEALED_FILEBYTES], bad[SEALED_FILEBYTES + 1];
	FILE		*f;
	size_t		 i;

	s = sealed_create(path, PASS, strlen(PASS), NULL);
	sealed_free(s);
	f = fopen(path, "rb");
	ck_assert_uint_eq(fread(buf, 1, sizeof buf, f), sizeof buf);
	fclose(f);
	/* A flipped bit anywhere is "corrupt", never "wrong passphrase". */
	for (i = 0; i < sizeof buf; i += 7) {
		memcpy(bad, buf, sizeof buf);
		bad[i] ^= 0x10;
		rewrite(bad, sizeof buf);
		ck_assert_ptr_null(sealed_open(path, PASS, strlen(PASS), &e));
		ck_assert_int_eq(e, SEALED_ECORRUPT);
	}
	/* Truncated, extended, empty. */
	rewrite(buf, sizeof buf - 1);
	ck_assert_ptr_null(sealed_open(path, PASS, strlen(PASS), &e));
	ck_assert_int_eq(e, SEALED_ECORRUPT);
	memcpy(bad, buf, sizeof buf);
	bad[sizeof buf] = 0;
	rewrite(bad, sizeof bad);
	ck_assert_ptr_null(sealed_open(path, PASS, strlen(PASS), &e));
	ck_assert_int_eq(e, SEALED_ECORRUPT);
	rewrite(buf, 0);
	ck_assert_ptr_null(sealed_open(path, PASS, strlen(PASS), &e));
	ck_assert_int_eq(e, SEALED_ECORRUPT);
	unlink(path);
	ck_assert_ptr_null(sealed_open(path, PASS, strlen(PASS), &e));
	ck_assert_int_eq(e, SEALED_EIO);
	/* The intact file still opens. */
	rewrite(buf, sizeof buf);
	s = sealed_open(path, PASS, strlen(PASS), &e);
	ck_assert_ptr_nonnull(s);
	sealed_free(s);
}
END_TEST

START_TEST(test_change_passphrase)
{
	struct sealed	*s, *t;
	enum sealed_err	 e;
	uint8_t		 val[] = "kept across the change", box[sizeof val + 40];
	uint8_t		 out[sizeof val];

	s = sealed_create(path, PASS, strlen(PASS), NULL);
	ck_assert_int_eq(sealed_column_seal(s, box, val, sizeof val, "t", 1,
	    "c"), 0);
	ck_assert_int_eq(sealed_change_passphrase(s, path, "new one", 7, &e), 0);
	ck_assert_ptr_null(sealed_open(path, PASS, strlen(PASS), &e));
	ck_assert_int_eq(e, SEALED_EPASS);
	t = sealed_open(path, "new one", 7, &e);
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(sealed_column_open(t, out, box, sizeof box, "t", 1,
	    "c"), 0);
	ck_assert_mem_eq(out, val, sizeof val);
	sealed_free(s);
	sealed_free(t);
}
END_TEST

START_TEST(test_columns)
{
	struct sealed	*s = sealed_create(path, PASS, strlen(PASS), NULL);
	uint8_t		 a[] = "row one", b[] = "row two";
	uint8_t		 ba[sizeof a + 40], bb[sizeof b + 40], out[64];
	uint8_t		 k1[32], k2[32];
	size_t		 i;

	ck_assert_int_eq(sealed_column_seal(s, ba, a, sizeof a, "messages", 1,
	    "body"), 0);
	ck_assert_int_eq(sealed_column_seal(s, bb, b, sizeof b, "messages", 2,
	    "body"), 0);
	/* Rows swapped: each value fails to open at the other's rowid. */
	ck_assert_int_eq(sealed_column_open(s, out, ba, sizeof ba, "messages",
	    2, "body"), -1);
	ck_assert_int_eq(sealed_column_open(s, out, bb, sizeof bb, "messages",
	    1, "body"), -1);
	/* Other column, other table. */
	ck_assert_int_eq(sealed_column_open(s, out, ba, sizeof ba, "messages",
	    1, "sender"), -1);
	ck_assert_int_eq(sealed_column_open(s, out, ba, sizeof ba, "contacts",
	    1, "body"), -1);
	/* Each flipped byte, and every truncation, fails. */
	for (i = 0; i < sizeof ba; i++) {
		ba[i] ^= 4;
		ck_assert_int_eq(sealed_column_open(s, out, ba, sizeof ba,
		    "messages", 1, "body"), -1);
		ba[i] ^= 4;
		ck_assert_int_eq(sealed_column_open(s, out, ba, i, "messages",
		    1, "body"), -1);
	}
	ck_assert_int_eq(sealed_column_open(s, out, ba, sizeof ba, "messages",
	    1, "body"), 0);
	ck_assert_mem_eq(out, a, sizeof a);
	/* Empty values work; bad table names are refused. */
	ck_assert_int_eq(sealed_column_seal(s, ba, a, 0, "messages", 3, "x"), 0);
	ck_assert_int_eq(sealed_column_open(s, out, ba, 40, "messages", 3, "x"),
	    0);
	ck_assert_int_eq(sealed_column_seal(s, ba, a, 1, "", 3, "x"), -1);
	/* Subkeys differ per table and are stable. */
	ck_assert_int_eq(sealed_table_key(s, k1, "messages"), 0);
	ck_assert_int_eq(sealed_table_key(s, k2, "contacts"), 0);
	ck_assert_mem_ne(k1, k2, 32);
	ck_assert_int_eq(sealed_table_key(s, k2, "messages"), 0);
	ck_assert_mem_eq(k1, k2, 32);
	sealed_column_seal_key(bb, b, sizeof b, k1, "messages", 9, "body");
	ck_assert_int_eq(sealed_column_open(s, out, bb, sizeof bb, "messages",
	    9, "body"), 0);
	sealed_free(s);
}
END_TEST

int
main(void)
{
	Suite	*su = suite_create("sealed");
	TCase	*tc = tcase_create("sealed");

	if (sodium_init() < 0)
		return (1);
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_create_open);
	tcase_add_test(tc, test_wrong_passphrase);
	tcase_add_test(tc, test_corrupt);
	tcase_add_test(tc, test_change_passphrase);
	tcase_add_test(tc, test_columns);
	suite_add_tcase(su, tc);
	return (unit_run(su));
}
