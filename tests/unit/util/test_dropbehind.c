/* test_dropbehind: a large file read through leaves the page cache behind
 * the reader, a small one stays, and a file written through reads back
 * whole. */
#include <sys/mman.h>
#include <sys/vfs.h>

#include <check.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/util/dropbehind.h"
#include "tests/unit/unit.h"

#define MIB		(1024 * 1024)
#define TMPFS_MAGIC_	0x01021994	/* linux/magic.h */

static char	dir[] = "/var/tmp/dropbehind.XXXXXX";
static char	path[sizeof dir + 8];

/* A page-cache-backed file system here (tmpfs keeps every page). */
static int
setup_dir(void)
{
	struct statfs	sf;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/f", dir);
	ck_assert_int_eq(statfs(dir, &sf), 0);
	return (sf.f_type != TMPFS_MAGIC_);
}

static void
cleanup_dir(void)
{
	(void)unlink(path);
	(void)rmdir(dir);
}

static void
fill(uint8_t *buf, uint64_t at)
{
	size_t	i;

	for (i = 0; i < MIB; i += 8)
		memcpy(buf + i, &at, 8), at += 8;
}

/* Write mib MiB of numbered bytes, through a dropbehind if db. */
static int
write_file(size_t mib, int db)
{
	struct dropbehind	 d;
	uint8_t			*buf = malloc(MIB);
	size_t			 i;
	int			 fd;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ne(fd, -1);
	dropbehind_write(&d, db ? fd : -1, 0);
	for (i = 0; i < mib; i++) {
		fill(buf, (uint64_t)i * MIB);
		ck_assert_int_eq(write(fd, buf, MIB), MIB);
		dropbehind_advance(&d, (uint64_t)(i + 1) * MIB);
	}
	ck_assert_int_eq(fdatasync(fd), 0);
	free(buf);
	return (fd);
}

/* Read fd through, checking every byte, through a dropbehind. */
static void
read_file(int fd, size_t mib)
{
	struct dropbehind	 d;
	uint8_t			*buf = malloc(MIB), *want = malloc(MIB);
	size_t			 i;

	dropbehind_read(&d, fd, 0);
	for (i = 0; i < mib; i++) {
		fill(want, (uint64_t)i * MIB);
		ck_assert_int_eq(pread(fd, buf, MIB, (off_t)(i * MIB)), MIB);
		ck_assert_mem_eq(buf, want, MIB);
		dropbehind_advance(&d, (uint64_t)(i + 1) * MIB);
	}
	free(buf);
	free(want);
}

/* Pages of [off, off + len) in the page cache. */
static size_t
resident(int fd, size_t off, size_t len)
{
	long		 pg = sysconf(_SC_PAGESIZE);
	unsigned char	*vec = malloc(len / (size_t)pg);
	void		*m;
	size_t		 i, n = 0;

	m = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, (off_t)off);
	ck_assert_ptr_ne(m, MAP_FAILED);
	ck_assert_int_eq(mincore(m, len, vec), 0);
	for (i = 0; i < len / (size_t)pg; i++)
		n += vec[i] & 1;
	munmap(m, len);
	free(vec);
	return (n);
}

START_TEST(test_large_read_leaves_cache)
{
	int	fd;

	if (!setup_dir()) {
		cleanup_dir();
		return;
	}
	fd = write_file(80, 0);
	read_file(fd, 80);
	/* Everything but the last step read is gone. */
	ck_assert_uint_eq(resident(fd, 0, 72 * MIB), 0);
	ck_assert_uint_gt(resident(fd, 72 * MIB, 8 * MIB), 0);
	close(fd);
	cleanup_dir();
}
END_TEST

START_TEST(test_small_read_stays)
{
	long	pg = sysconf(_SC_PAGESIZE);
	int	fd;

	if (!setup_dir()) {
		cleanup_dir();
		return;
	}
	fd = write_file(32, 0);
	read_file(fd, 32);
	ck_assert_uint_eq(resident(fd, 0, 32 * MIB), 32 * MIB / (size_t)pg);
	close(fd);
	cleanup_dir();
}
END_TEST

START_TEST(test_write_reads_back)
{
	int	fd;

	setup_dir();
	fd = write_file(80, 1);
	read_file(fd, 80);
	close(fd);
	cleanup_dir();
}
END_TEST

START_TEST(test_no_fd)
{
	struct dropbehind	d;

	dropbehind_write(&d, -1, 0);
	dropbehind_advance(&d, 1ULL << 40);
	ck_assert_uint_eq(d.started, 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("dropbehind");
	TCase	*tc = tcase_create("dropbehind");

	tcase_add_test(tc, test_large_read_leaves_cache);
	tcase_add_test(tc, test_small_read_stays);
	tcase_add_test(tc, test_write_reads_back);
	tcase_add_test(tc, test_no_fd);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
