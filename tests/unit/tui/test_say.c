/* test_say: the core's sentences name the TUI's commands in the TUI. */
#include <check.h>
#include <string.h>

#include "client/tui/say.h"
#include "tests/unit/unit.h"

START_TEST(test_commands)
{
	char	out[512];

	say_tui("the identity key of bob has changed: compare safety numbers "
	    "(natter fingerprint bob), then run natter verify bob NUMBER, or "
	    "accept it with natter trust bob", out, sizeof out);
	ck_assert_str_eq(out, "the identity key of bob has changed: compare "
	    "safety numbers (/fingerprint), then run /verify NUMBER, or "
	    "accept it with /accept");
	say_tui("5 devices: remove one first (natter devices remove N)", out,
	    sizeof out);
	ck_assert_str_eq(out, "5 devices: remove one first (/devices remove "
	    "N)");
	say_tui("no command here", out, sizeof out);
	ck_assert_str_eq(out, "no command here");
}
END_TEST

START_TEST(test_short)
{
	char	out[8];

	say_tui("abcdefghijkl", out, sizeof out);
	ck_assert_str_eq(out, "abcdefg");
	say_tui("ab natter trust x", out, sizeof out);
	ck_assert_str_eq(out, "ab ");
	say_tui("", out, sizeof out);
	ck_assert_str_eq(out, "");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("say");
	TCase	*tc = tcase_create("say");

	tcase_add_test(tc, test_commands);
	tcase_add_test(tc, test_short);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
