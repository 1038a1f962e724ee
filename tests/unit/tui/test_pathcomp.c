/* test_pathcomp: Tab completion of paths (directories with "/", "~/" expanded, escaped spaces, dot files) and the path argument. */
#include <sys/stat.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/tui/pathcomp.h"
#include "shared/util/xmalloc.h"
#include "tests/unit/unit.h"

static char	dir[64];

/* A directory with: alpha.txt, alpine/, beta file, .hidden, sub/deep.bin. */
static void
setup(void)
{
	static const char	*files[] = { "alpha.txt", "beta file",
	    ".hidden", "sub/deep.bin" };
	char			 p[256];
	size_t			 i;
	FILE			*f;

	snprintf(dir, sizeof dir, "/tmp/test_pathcomp.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(p, sizeof p, "%s/alpine", dir);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	snprintf(p, sizeof p, "%s/sub", dir);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, files[i]);
		ck_assert_ptr_nonnull(f = fopen(p, "w"));
		fclose(f);
	}
}

static void
teardown(void)
{
	char	*cmd;

	xasprintf(&cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

/* Complete "DIR/" + rest; the word it became, or NULL; n matches. */
static char *
complete(const char *rest, int *n, char *list, size_t size)
{
	char	*word, *out;

	xasprintf(&word, "%s/%s", dir, rest);
	*n = pathcomp_complete(word, strlen(word), &out, list, size);
	free(word);
	return (out);
}

static void
check(const char *rest, int want_n, const char *want)
{
	char	 list[256], *out, *exp;
	int	 n;

	out = complete(rest, &n, list, sizeof list);
	ck_assert_int_eq(n, want_n);
	if (want == NULL) {
		ck_assert_ptr_null(out);
		return;
	}
	xasprintf(&exp, "%s/%s", dir, want);
	ck_assert_str_eq(out, exp);
	free(exp);
	free(out);
}

START_TEST(test_complete)
{
	char	 list[256], *out;
	int	 n;

	check("alpha", 1, "alpha.txt");
	check("alpi", 1, "alpine/");
	check("su", 1, "sub/");
	check("sub/d", 1, "sub/deep.bin");
	check("b", 1, "beta\\ file");
	check("beta\\ f", 1, "beta\\ file");
	check("zzz", 0, NULL);
	check("nodir/x", 0, NULL);
	check(".h", 1, ".hidden");
	/* Two matches: the common part, and the list (sorted, dirs with /). */
	out = complete("al", &n, list, sizeof list);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(list, "alpha.txt alpine/");
	ck_assert_ptr_nonnull(strstr(out, "/alp"));
	ck_assert_str_eq(out + strlen(out) - 4, "/alp");
	free(out);
	/* Dot files only when asked for. */
	out = complete("", &n, list, sizeof list);
	ck_assert_int_eq(n, 4);
	ck_assert_str_eq(list, "alpha.txt alpine/ beta file sub/");
	free(out);
}
END_TEST

START_TEST(test_home)
{
	static const char	*cases[][2] = { { "~/alpi", "alpine/" },
	    { "~/su", "sub/" }, { "~/sub/d", "sub/deep.bin" } };
	char			 list[64], *out, *want;
	size_t			 i;

	/* Each test runs in its own process: HOME need not be restored. */
	setenv("HOME", dir, 1);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ck_assert_int_eq(pathcomp_complete(cases[i][0],
		    strlen(cases[i][0]), &out, list, sizeof list), 1);
		xasprintf(&want, "%s/%s", dir, cases[i][1]);
		ck_assert_str_eq(out, want);
		free(out);
		free(want);
	}
}
END_TEST

START_TEST(test_take)
{
	const char	*rest;
	char		*p;

	p = pathcomp_take("a\\ b.txt  the caption", &rest);
	ck_assert_str_eq(p, "a b.txt");
	ck_assert_str_eq(rest, "the caption");
	free(p);
	p = pathcomp_take("only", &rest);
	ck_assert_str_eq(p, "only");
	ck_assert_str_eq(rest, "");
	free(p);
	p = pathcomp_take("", &rest);
	ck_assert_str_eq(p, "");
	free(p);
	p = pathcomp_take("back\\\\slash x", &rest);
	ck_assert_str_eq(p, "back\\slash");
	ck_assert_str_eq(rest, "x");
	free(p);
	setenv("HOME", "/home/u", 1);
	p = pathcomp_take("~/f.txt", &rest);
	ck_assert_str_eq(p, "/home/u/f.txt");
	free(p);
	p = pathcomp_take("~x/f", &rest);
	ck_assert_str_eq(p, "~x/f");
	free(p);
	ck_assert_uint_eq(pathcomp_word_start("/send-file a\\ b", 15), 11);
	ck_assert_uint_eq(pathcomp_word_start("/save ", 6), 6);
	ck_assert_uint_eq(pathcomp_word_start("x", 1), 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("pathcomp");
	TCase	*tc = tcase_create("pathcomp");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_complete);
	tcase_add_test(tc, test_home);
	tcase_add_test(tc, test_take);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
