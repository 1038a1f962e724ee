/* test_hugemap: the natter executable's mmap (client/hugemap.c) maps big
 * anonymous regions lazily on huge pages and leaves the rest alone. */
#include <sys/mman.h>

#include <check.h>

#include "tests/unit/unit.h"
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MIB	(1UL << 20)

/* What /proc/self/smaps says of the mapping that starts at p. */
struct region {
	unsigned long	rss_kb;
	int		huge_advised;	/* "hg" in VmFlags */
	int		found;
};

static struct region
region_of(const void *p)
{
	struct region	 r = { 0, 0, 0 };
	FILE		*fp = fopen("/proc/self/smaps", "r");
	char		 line[512];
	unsigned long	 start, end;
	int		 in = 0;

	ck_assert_ptr_nonnull(fp);
	while (fgets(line, sizeof line, fp) != NULL) {
		/* A mapping's header: "start-end perms ..."; its fields
		 * ("Rss:", "AnonHugePages:", ...) never parse so. */
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			in = start == (unsigned long)(uintptr_t)p;
			r.found |= in;
			continue;
		}
		if (!in)
			continue;
		if (strncmp(line, "Rss:", 4) == 0)
			r.rss_kb = strtoul(line + 4, NULL, 10);
		else if (strncmp(line, "VmFlags:", 8) == 0)
			r.huge_advised = strstr(line, " hg") != NULL;
	}
	fclose(fp);
	return (r);
}

static int
thp_available(void)
{
	return (access("/sys/kernel/mm/transparent_hugepage/enabled",
	    F_OK) == 0);
}

/* len bytes of anonymous memory asked for with MAP_POPULATE, as
 * libsodium asks for Argon2id's; *r is what smaps then says of them. */
static uint8_t *
map_populated(size_t len, struct region *r)
{
	uint8_t	*p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ck_assert_ptr_ne(p, MAP_FAILED);
	*r = region_of(p);
	ck_assert_int_eq(r->found, 1);
	return (p);
}

/* 64 MiB come unpopulated, advised for huge pages, zeroed and usable. */
START_TEST(test_big_lazy)
{
	size_t		 len = 64 * MIB, i;
	struct region	 r;
	uint8_t		*p = map_populated(len, &r);

	/* Populated would be 65,536 kB resident. */
	ck_assert_uint_lt(r.rss_kb, 8 * 1024);
	if (thp_available())
		ck_assert_int_eq(r.huge_advised, 1);
	for (i = 0; i < len; i += 4096) {
		ck_assert_uint_eq(p[i], 0);
		p[i] = (uint8_t)i;
	}
	ck_assert_uint_eq(p[len - 4096], (uint8_t)(len - 4096));
	ck_assert_int_eq(munmap(p, len), 0);
}
END_TEST

/* Below 16 MiB nothing changes: MAP_POPULATE is honoured, no advice. */
START_TEST(test_small_unchanged)
{
	size_t		 len = 1 * MIB;
	struct region	 r;
	uint8_t		*p = map_populated(len, &r);

	ck_assert_uint_eq(r.rss_kb, len / 1024);
	ck_assert_int_eq(r.huge_advised, 0);
	ck_assert_int_eq(munmap(p, len), 0);
}
END_TEST

/* Errors come back as mmap(2) gives them. */
START_TEST(test_errors)
{
	errno = 0;
	ck_assert_ptr_eq(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0), MAP_FAILED);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_eq(mmap(NULL, 32 * MIB, PROT_READ, MAP_PRIVATE, -1, 0),
	    MAP_FAILED);
	ck_assert_int_eq(errno, EBADF);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("hugemap");
	TCase	*tc = tcase_create("hugemap");

	tcase_add_test(tc, test_big_lazy);
	tcase_add_test(tc, test_small_unchanged);
	tcase_add_test(tc, test_errors);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
