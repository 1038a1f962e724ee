/* test_bgsync: a sync goes to a worker every step and never two at once,
 * on a descriptor of its own; freeing while one runs leaks nothing and
 * touches nothing freed. */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <uv.h>

#include "shared/util/bgsync.h"
#include "tests/unit/unit.h"

/* Descriptors this process has open. */
static int
open_fds(void)
{
	DIR		*d = opendir("/proc/self/fd");
	struct dirent	*de;
	int		 n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return (n - 1);		/* the DIR's own */
}

static int
temp_file(void)
{
	char	path[] = "/var/tmp/bgsync.XXXXXX";
	int	fd = mkstemp(path);

	ck_assert_int_ne(fd, -1);
	unlink(path);
	ck_assert_int_eq(write(fd, "some bytes", 10), 10);
	return (fd);
}

START_TEST(test_steps)
{
	uv_loop_t	 loop;
	struct bgsync	*b;
	int		 fd, base;

	uv_loop_init(&loop);
	fd = temp_file();
	base = open_fds();
	b = bgsync_new(&loop, fd);
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(open_fds(), base + 1);		/* its own */
	bgsync_advance(b, BGSYNC_STEP - 1);
	ck_assert_int_eq(open_fds(), base + 1);		/* not yet */
	bgsync_advance(b, BGSYNC_STEP);
	ck_assert_int_eq(open_fds(), base + 2);		/* a job's */
	bgsync_advance(b, 3 * BGSYNC_STEP);
	ck_assert_int_eq(open_fds(), base + 2);		/* one at a time */
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(open_fds(), base + 1);
	bgsync_advance(b, 3 * BGSYNC_STEP + 1);		/* past the next mark */
	ck_assert_int_eq(open_fds(), base + 2);
	uv_run(&loop, UV_RUN_DEFAULT);
	bgsync_advance(b, 4 * BGSYNC_STEP);		/* not yet */
	ck_assert_int_eq(open_fds(), base + 1);
	bgsync_free(b);
	ck_assert_int_eq(open_fds(), base);
	close(fd);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
}
END_TEST

START_TEST(test_free_while_syncing)
{
	uv_loop_t	 loop;
	struct bgsync	*b;
	int		 fd, base;

	uv_loop_init(&loop);
	fd = temp_file();
	base = open_fds();
	b = bgsync_new(&loop, fd);
	bgsync_advance(b, BGSYNC_STEP);
	bgsync_free(b);
	close(fd);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(open_fds(), base - 1);		/* fd too */
	ck_assert_int_eq(uv_loop_close(&loop), 0);
	bgsync_free(NULL);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("bgsync");
	TCase	*tc = tcase_create("bgsync");

	tcase_add_test(tc, test_steps);
	tcase_add_test(tc, test_free_while_syncing);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
