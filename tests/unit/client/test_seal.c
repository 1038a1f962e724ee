/* test_seal: a file sealed on the worker lanes decrypts back to itself
 * (plain, zstd and empty), its blob is named by its hash; the same file again
 * reuses key and blob and leaves nothing behind; a file that changes
 * while it is read is refused; a seal freed midway cleans up. */
#include <sys/stat.h>

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <uv.h>

#include "client/core/attach.h"
#include "client/core/seal.h"
#include "client/store/store.h"
#include "shared/crypto/sha256.h"
#include "shared/util/hex.h"
#include "tests/unit/unit.h"

#define PASS	"seal test passphrase"
#define MIB	(1024 * 1024)

static char		 home[] = "/var/tmp/natter-test-seal.XXXXXX";
static char		 path[sizeof home + 16];
static uv_loop_t	 loop;
static struct store	*st;
static struct attach	*at;

struct run {
	int			 done;
	int			 progress;
	int			 failed;
	char			 why[512];
	struct seal		*s;
	int			 append_at_first;	/* change the file */
	int			 free_at_first;
};

static void
setup(void)
{
	enum store_err	e;

	ck_assert_ptr_nonnull(mkdtemp(home));
	snprintf(path, sizeof path, "%s/file", home);
	uv_loop_init(&loop);
	st = store_open(home, PASS, strlen(PASS), STORE_CREATE, &e);
	ck_assert_msg(st != NULL, "store_open: %s", store_strerror(e));
	at = attach_create(st, home);
}

static void
teardown(void)
{
	char	cmd[sizeof home + 16];

	attach_free(at);
	store_close(st);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
	snprintf(cmd, sizeof cmd, "rm -rf %s", home);
	ck_assert_int_eq(system(cmd), 0);
}

/* mib MiB: random bytes, or numbered lines zstd shrinks. */
static void
make_file(size_t mib, int text)
{
	FILE	*f = fopen(path, "w");
	char	 line[64];
	size_t	 n = 0;

	ck_assert_ptr_nonnull(f);
	if (text) {
		for (unsigned i = 0; n < mib * MIB; i++)
			n += (size_t)fprintf(f, "line %u of the log\n", i);
	} else {
		for (; n < mib * MIB; n += sizeof line) {
			randombytes_buf(line, sizeof line);
			fwrite(line, 1, sizeof line, f);
		}
	}
	ck_assert_int_eq(fclose(f), 0);
}

static void
on_progress(void *arg)
{
	struct run	*r = arg;
	int		 fd;

	if (r->progress++ > 0)
		return;
	if (r->append_at_first) {
		fd = open(path, O_WRONLY | O_APPEND);
		ck_assert_int_eq(write(fd, "x", 1), 1);
		close(fd);
	}
	if (r->free_at_first) {
		seal_free(r->s);
		r->s = NULL;
		r->done = 1;
	}
}

static void
on_done(void *arg, const struct core_error *err)
{
	struct run	*r = arg;

	r->done = 1;
	if (err != NULL) {
		r->failed = 1;
		snprintf(r->why, sizeof r->why, "%s", err->msg);
	}
}

/* Seal path; *out the pointer (NULL if it failed). */
static void
seal_file(struct run *r, Natter__Attachment **out)
{
	struct core_error	err;

	*out = NULL;
	r->s = seal_begin(&loop, at, path, "a caption", &err);
	ck_assert_ptr_nonnull(r->s);
	seal_run(r->s, on_progress, on_done, r);
	while (!r->done)
		uv_run(&loop, UV_RUN_ONCE);
	if (r->s == NULL)
		return;
	if (!r->failed)
		ck_assert_int_eq(seal_end(r->s, out, &err), 0);
	seal_free(r->s);
	r->s = NULL;
}

static void
file_sha(const char *p, uint8_t out[SHA256_BYTES])
{
	struct sha256	*h = sha256_new();
	uint8_t		 buf[65536];
	ssize_t		 n;
	int		 fd = open(p, O_RDONLY);

	ck_assert_int_ne(fd, -1);
	while ((n = read(fd, buf, sizeof buf)) > 0)
		sha256_update(h, buf, (size_t)n);
	close(fd);
	sha256_final(h, out);
	sha256_free(h);
}

/* Files in HOME/files whose name starts with prefix. */
static int
count_files(const char *prefix)
{
	char		 dir[sizeof home + 16];
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	snprintf(dir, sizeof dir, "%s/files", home);
	if ((d = opendir(dir)) == NULL)
		return (0);
	while ((de = readdir(d)) != NULL)
		n += strncmp(de->d_name, prefix, strlen(prefix)) == 0;
	closedir(d);
	return (n);
}

/* a's blob is named by its hash, and saves back to the file. */
static void
check_round_trip(const Natter__Attachment *a)
{
	struct core_error	 err;
	uint8_t			 h[SHA256_BYTES];
	char			 hex[SHA256_HEXBYTES], out[sizeof home + 16];
	char			*written = NULL;
	struct stat		 sb;

	hex_encode(hex, a->blob_sha256.data, SHA256_BYTES);
	file_sha(attach_blob_path(at, hex), h);
	ck_assert_mem_eq(h, a->blob_sha256.data, SHA256_BYTES);
	ck_assert_int_eq(stat(attach_blob_path(at, hex), &sb), 0);
	ck_assert_uint_eq((uint64_t)sb.st_size, a->blob_size);
	file_sha(path, h);
	ck_assert_mem_eq(h, a->plain_sha256.data, SHA256_BYTES);
	snprintf(out, sizeof out, "%s/out", home);
	ck_assert_msg(attach_save(at, a, "00112233445566778899aabbccddeeff",
	    out, &written, &err) == 0, "save: %s", err.msg);
	file_sha(out, h);
	ck_assert_mem_eq(h, a->plain_sha256.data, SHA256_BYTES);
	free(written);
	ck_assert_int_eq(count_files(".send."), 0);
}

START_TEST(test_random_file)
{
	struct run		 r = { 0 };
	Natter__Attachment	*a;

	setup();
	make_file(24, 0);
	seal_file(&r, &a);
	ck_assert_msg(!r.failed, "%s", r.why);
	ck_assert_int_gt(r.progress, 0);
	ck_assert_uint_eq(a->size, 24 * MIB);
	ck_assert_int_eq(a->compression, 0);
	ck_assert_str_eq(a->caption, "a caption");
	check_round_trip(a);
	natter__attachment__free_unpacked(a, NULL);
	teardown();
}
END_TEST

START_TEST(test_text_file_compressed)
{
	struct run		 r = { 0 };
	Natter__Attachment	*a;

	setup();
	make_file(12, 1);
	seal_file(&r, &a);
	ck_assert_msg(!r.failed, "%s", r.why);
	ck_assert_int_eq(a->compression, 1);
	ck_assert_uint_lt(a->blob_size, a->size / 2);
	check_round_trip(a);
	natter__attachment__free_unpacked(a, NULL);
	teardown();
}
END_TEST

START_TEST(test_empty_file)
{
	struct run		 r = { 0 };
	Natter__Attachment	*a;

	setup();
	make_file(0, 0);
	seal_file(&r, &a);
	ck_assert_msg(!r.failed, "%s", r.why);
	ck_assert_uint_eq(a->size, 0);
	check_round_trip(a);
	natter__attachment__free_unpacked(a, NULL);
	teardown();
}
END_TEST

START_TEST(test_sent_before)
{
	struct run		 r1 = { 0 }, r2 = { 0 };
	Natter__Attachment	*a, *b;

	setup();
	make_file(20, 0);
	seal_file(&r1, &a);
	ck_assert(!r1.failed);
	seal_file(&r2, &b);
	ck_assert_msg(!r2.failed, "%s", r2.why);
	ck_assert_mem_eq(a->media_key.data, b->media_key.data,
	    a->media_key.len);
	ck_assert_mem_eq(a->blob_sha256.data, b->blob_sha256.data,
	    SHA256_BYTES);
	uv_run(&loop, UV_RUN_DEFAULT);	/* the stopped lanes let go */
	ck_assert_int_eq(count_files(".send."), 0);
	ck_assert_int_eq(count_files(""), 3);	/* ., .., the blob */
	natter__attachment__free_unpacked(a, NULL);
	natter__attachment__free_unpacked(b, NULL);
	teardown();
}
END_TEST

START_TEST(test_changed_while_read)
{
	struct run		 r = { .append_at_first = 1 };
	Natter__Attachment	*a;

	setup();
	make_file(64, 0);
	seal_file(&r, &a);
	ck_assert_int_eq(r.failed, 1);
	ck_assert_ptr_nonnull(strstr(r.why, "changed while it was being sent"));
	ck_assert_ptr_null(a);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(count_files(".send."), 0);
	teardown();
}
END_TEST

START_TEST(test_freed_midway)
{
	struct run		 r = { .free_at_first = 1 };
	Natter__Attachment	*a;

	setup();
	make_file(64, 0);
	seal_file(&r, &a);
	ck_assert_ptr_null(a);
	uv_run(&loop, UV_RUN_DEFAULT);	/* the lanes stop and let go */
	ck_assert_int_eq(count_files(".send."), 0);
	teardown();
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("seal");
	TCase	*tc = tcase_create("seal");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_random_file);
	tcase_add_test(tc, test_text_file_compressed);
	tcase_add_test(tc, test_empty_file);
	tcase_add_test(tc, test_sent_before);
	tcase_add_test(tc, test_changed_while_read);
	tcase_add_test(tc, test_freed_midway);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
