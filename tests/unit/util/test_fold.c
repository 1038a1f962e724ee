/* test_fold: caseless search's folding (NFKC_Casefold): case, composition, compatibility forms, ignorables, bad bytes. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "shared/util/fold.h"
#include "tests/unit/unit.h"

static void
folds(const char *in, const char *want)
{
	char	*f;
	size_t	 n;

	f = fold_text(in, strlen(in), &n);
	ck_assert_msg(strcmp(f, want) == 0, "fold(\"%s\") = \"%s\", want "
	    "\"%s\"", in, f, want);
	ck_assert_uint_eq(n, strlen(want));
	free(f);
}

START_TEST(test_fold)
{
	folds("", "");
	folds("Hello, World", "hello, world");
	/* HÉLLO, precomposed and with a combining acute. */
	folds("H\xc3\x89LLO", "h\xc3\xa9llo");
	folds("HE\xcc\x81LLO", "h\xc3\xa9llo");
	folds("he\xcc\x81llo", "h\xc3\xa9llo");
	/* Full folding: ß is ss, final sigma is sigma. */
	folds("Stra\xc3\x9f" "e", "strasse");
	folds("\xce\xa3\xce\x8a\xce\xa3\xce\xa5\xce\xa6\xce\x9f\xce\xa3",
	    "\xcf\x83\xce\xaf\xcf\x83\xcf\x85\xcf\x86\xce\xbf\xcf\x83");
	/* Compatibility forms: the fi ligature, full-width letters. */
	folds("\xef\xac\x81le", "file");
	folds("\xef\xbc\xa1\xef\xbc\xa2\xef\xbc\xa3", "abc");
	/* Default ignorables go: ZWJ, soft hyphen, VS16. */
	folds("caf\xe2\x80\x8d\xc3\xa9", "caf\xc3\xa9");
	folds("co\xc2\xadop", "coop");
	folds("\xe2\x9d\xa4\xef\xb8\x8f", "\xe2\x9d\xa4");
	/* Hangul jamo compose into the syllable; CJK stays as it is. */
	folds("\xe1\x84\x80\xe1\x85\xa1\xe1\x86\xa8", "\xea\xb0\x81");
	folds("\xe6\x97\xa5\xe6\x9c\xac", "\xe6\x97\xa5\xe6\x9c\xac");
	/* Marks in canonical order: dot below before diaeresis. */
	folds("A\xcc\x88\xcc\xa3", "\xe1\xba\xa1\xcc\x88");
	/* Bad bytes are U+FFFD, one each. */
	folds("A\xff" "B\xc0", "a\xef\xbf\xbd" "b\xef\xbf\xbd");
}
END_TEST

START_TEST(test_contains)
{
	char	*n;
	size_t	 nlen;

	n = fold_text("W\xc3\x96RLD", 6, &nlen);
	ck_assert(fold_contains("Hello w\xc3\xb6rld!", 14, n, nlen));
	ck_assert(fold_contains("HELLO WO\xcc\x88RLD", 14, n, nlen));
	ck_assert(!fold_contains("Hello world", 11, n, nlen));
	free(n);
	ck_assert(fold_contains("anything", 8, "", 0));
	ck_assert(fold_find("abcabd", 6, "abd", 3));
	ck_assert(fold_find("abd", 3, "abd", 3));
	ck_assert(!fold_find("abcab", 5, "abd", 3));
	ck_assert(!fold_find("ab", 2, "abd", 3));
	ck_assert(!fold_find("xxxxa", 4, "a", 1));
}
END_TEST

/* A text whose folded form is longer than the buffer first guessed. */
START_TEST(test_long)
{
	char	*in, *f, *want;
	size_t	 n, i;

	in = malloc(3000 + 1);
	want = malloc(3000 + 1);
	for (i = 0; i < 1000; i++) {
		memcpy(in + 3 * i, "\xef\xac\x83", 3);		/* ffi */
		memcpy(want + 3 * i, "ffi", 3);
	}
	in[3000] = want[3000] = '\0';
	f = fold_text(in, 3000, &n);
	ck_assert_uint_eq(n, 3000);
	ck_assert_str_eq(f, want);
	free(f);
	for (i = 0; i < 1000; i++)
		memcpy(in + 3 * i, "\xc3\x9f" "A", 3);		/* ßA */
	f = fold_text(in, 3000, &n);
	ck_assert_uint_eq(n, 3000);
	for (i = 0; i < 1000; i++)
		ck_assert(memcmp(f + 3 * i, "ssa", 3) == 0);
	free(f);
	free(in);
	free(want);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("fold");
	TCase	*tc = tcase_create("fold");

	tcase_add_test(tc, test_fold);
	tcase_add_test(tc, test_contains);
	tcase_add_test(tc, test_long);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
