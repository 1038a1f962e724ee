/* test_err: server-chosen text reaches the user's terminal only as
 * printable UTF-8: escape sequences, C1 controls (U+009B is a CSI of its
 * own) and bytes that are not UTF-8 become '?', and a long message is cut
 * on a character boundary. */
#include <check.h>
#include <string.h>

#include "client/core/err.h"
#include "tests/unit/unit.h"

START_TEST(test_controls)
{
	char	out[64];

	err_clean(out, sizeof out, "\x1b[31mred\x07\x7f");
	ck_assert_str_eq(out, "?[31mred??");
	err_clean(out, sizeof out, "a\xc2\x9b" "2Jb\xc2\x85" "c");
	ck_assert_str_eq(out, "a?2Jb?c");
	err_clean(out, sizeof out, "bad \xff\xc0\x80 end");
	ck_assert_str_eq(out, "bad ??? end");
	err_clean(out, sizeof out, "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x91\x8d");
	ck_assert_str_eq(out, "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x91\x8d");
}
END_TEST

START_TEST(test_cut)
{
	char	out[6];

	err_clean(out, sizeof out, "abcd\xc3\xa9");
	ck_assert_str_eq(out, "abcd");
	err_clean(out, sizeof out, "\xf0\x9f\x91\x8dxyz");
	ck_assert_str_eq(out, "\xf0\x9f\x91\x8d" "x");
}
END_TEST

START_TEST(test_response)
{
	Natter__Response	r = NATTER__RESPONSE__INIT;
	struct core_error	err;
	char			msg[] = "\x1b]0;owned\x07\xc2\x9b" "2J";

	r.code = NATTER__CODE__INTERNAL;
	r.message = msg;
	err_from_resp(&err, &r, "send");
	ck_assert_ptr_null(strchr(err.msg, '\x1b'));
	ck_assert_ptr_null(strstr(err.msg, "\xc2\x9b"));
	ck_assert_str_eq(err.msg, "send failed: server said ?]0;owned??2J "
	    "(code 10)");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("err");
	TCase	*tc = tcase_create("err");

	tcase_add_test(tc, test_controls);
	tcase_add_test(tc, test_cut);
	tcase_add_test(tc, test_response);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
