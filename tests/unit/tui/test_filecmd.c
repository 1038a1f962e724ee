/* test_filecmd: how a file message reads ("[file NAME, SIZE, STATE] CAPTION"), its preview, sizes. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "client/core/core.h"
#include "client/tui/filecmd.h"
#include "tests/unit/unit.h"

START_TEST(test_size)
{
	char	buf[32];

	filecmd_size(buf, sizeof buf, 0);
	ck_assert_str_eq(buf, "0 bytes");
	filecmd_size(buf, sizeof buf, 1);
	ck_assert_str_eq(buf, "1 byte");
	filecmd_size(buf, sizeof buf, 1023);
	ck_assert_str_eq(buf, "1023 bytes");
	filecmd_size(buf, sizeof buf, 1536);
	ck_assert_str_eq(buf, "1.5 KiB");
	filecmd_size(buf, sizeof buf, 20 * 1024 * 1024);
	ck_assert_str_eq(buf, "20.0 MiB");
	filecmd_size(buf, sizeof buf, 3ULL << 30);
	ck_assert_str_eq(buf, "3.0 GiB");
}
END_TEST

START_TEST(test_label)
{
	struct core_attachment	 a;
	char			*s;

	memset(&a, 0, sizeof a);
	a.name = "notes.txt";
	a.size = 42;
	a.state = "ready";
	s = filecmd_label(&a, "the notes", 0);
	ck_assert_str_eq(s, "[file notes.txt, 42 bytes, ready] the notes");
	free(s);
	s = filecmd_label(&a, "", 0);
	ck_assert_str_eq(s, "[file notes.txt, 42 bytes, ready]");
	free(s);
	s = filecmd_label(&a, NULL, 1);
	ck_assert_str_eq(s, "[file notes.txt]");
	free(s);
	s = filecmd_label(&a, "hi", 1);
	ck_assert_str_eq(s, "[file notes.txt] hi");
	free(s);
	a.saved = "/tmp/out/notes.txt";
	s = filecmd_label(&a, NULL, 0);
	ck_assert_str_eq(s, "[file notes.txt, 42 bytes, saved "
	    "/tmp/out/notes.txt]");
	free(s);
	/* A peer's name cannot break the line or move the cursor. */
	a.saved = NULL;
	a.name = "evil\n\033[2Jname";
	a.state = "downloading";
	s = filecmd_label(&a, NULL, 0);
	ck_assert_str_eq(s, "[file evil__[2Jname, 42 bytes, downloading]");
	free(s);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("filecmd");
	TCase	*tc = tcase_create("filecmd");

	tcase_add_test(tc, test_size);
	tcase_add_test(tc, test_label);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
