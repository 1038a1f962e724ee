/* unit: how every Check suite under tests/unit is run from its main. */
#ifndef NATTER_TESTS_UNIT_UNIT_H
#define NATTER_TESTS_UNIT_UNIT_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

/* Run every test of s (each in its own process); main's exit status. */
static inline int
unit_run(Suite *s)
{
	SRunner	*sr = srunner_create(s);
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}

#define UNIT_SOURCE_MAX	(1 << 20)

/*
 * The file rel of the source tree (man/natter.1, say), NUL-terminated, at
 * most UNIT_SOURCE_MAX - 1 bytes; NULL when NATTER_SOURCE_DIR is not set.
 * The caller frees it.
 */
static inline char *
unit_source_file(const char *rel)
{
	const char	*src = getenv("NATTER_SOURCE_DIR");
	char		 path[1024], *buf;
	FILE		*f;
	size_t		 n;

	if (src == NULL)
		return (NULL);
	snprintf(path, sizeof path, "%s/%s", src, rel);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	buf = calloc(1, UNIT_SOURCE_MAX);
	ck_assert_ptr_nonnull(buf);
	n = fread(buf, 1, UNIT_SOURCE_MAX - 1, f);
	fclose(f);
	buf[n] = '\0';
	return (buf);
}

#endif
