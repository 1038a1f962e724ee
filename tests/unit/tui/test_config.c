/* test_config: the TUI config parser (keys, values, comments, bad and over-long lines). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "client/tui/config.h"
#include "tests/unit/unit.h"

static int
parse(struct config *cf, const char *s, char *err, size_t errlen)
{
	config_default(cf);
	err[0] = '\0';
	return (config_parse(cf, s, strlen(s), err, errlen));
}

START_TEST(test_good)
{
	struct config	cf;
	char		err[128];

	ck_assert_int_eq(parse(&cf, "# comment\n\n  colors = off  \n"
	    "color-own=red\ncolor-peer = default # trailing\n"
	    "timestamp = %H:%M:%S\nsend-key = alt-enter\nnotify = osc777\r\n"
	    "read-receipts = no\n",
	    err, sizeof err), 0);
	ck_assert_int_eq(cf.colors, 0);
	ck_assert_int_eq(cf.color_own, 1);
	ck_assert_int_eq(cf.color_peer, -1);
	ck_assert_str_eq(cf.timefmt, "%H:%M:%S");
	ck_assert_int_eq(cf.enter_sends, 0);
	ck_assert_int_eq(cf.notify, CONFIG_NOTIFY_OSC777);
	ck_assert_int_eq(cf.read_receipts, 0);
	ck_assert_int_eq(parse(&cf, "", err, sizeof err), 0);
	ck_assert_int_eq(cf.enter_sends, 1);
	ck_assert_int_eq(cf.read_receipts, 1);
	ck_assert_str_eq(cf.timefmt, "%H:%M");
}
END_TEST

START_TEST(test_bad)
{
	struct config	 cf;
	char		 err[128], *big;

	ck_assert_int_eq(parse(&cf, "colors = on\nbogus = 1\nnotify = bell\n",
	    err, sizeof err), -1);
	ck_assert_str_eq(err, "line 2: unknown key \"bogus\"");
	ck_assert_int_eq(cf.notify, CONFIG_NOTIFY_BELL);	/* rest applied */
	ck_assert_int_eq(parse(&cf, "color-own = mauve", err, sizeof err), -1);
	ck_assert_str_eq(err, "line 1: color-own: unknown colour");
	ck_assert_int_eq(parse(&cf, "\n\nno equals sign", err, sizeof err), -1);
	ck_assert_str_eq(err, "line 3: expected key = value");
	ck_assert_int_eq(parse(&cf, "send-key = space", err, sizeof err), -1);
	ck_assert_int_eq(parse(&cf, "timestamp = ", err, sizeof err), -1);
	ck_assert_int_eq(parse(&cf, "timestamp = %Y-%m-%d %H:%M:%S and more "
	    "text, longer", err, sizeof err), -1);
	ck_assert_str_eq(cf.timefmt, "%H:%M");
	big = malloc(CONFIG_LINE_MAX * 4);
	memset(big, 'x', CONFIG_LINE_MAX * 4 - 1);
	big[CONFIG_LINE_MAX * 4 - 1] = '\0';
	ck_assert_int_eq(parse(&cf, big, err, sizeof err), -1);
	ck_assert_str_eq(err, "line 1: line too long");
	free(big);
	ck_assert_int_eq(config_parse(&cf, "colors = o\0n", 12, err,
	    sizeof err), -1);
	ck_assert_str_eq(err, "line 1: NUL byte");
	/* Every bad line, each naming its key. */
	ck_assert_int_eq(parse(&cf, "colors = maybe\nnotify = bell\n"
	    "send-key = space\ncolour = red\n", err, sizeof err), -1);
	ck_assert_str_eq(err, "line 1: colors: expected on or off\n"
	    "line 3: send-key: expected enter or alt-enter\n"
	    "line 4: unknown key \"colour\"");
	ck_assert_int_eq(cf.notify, CONFIG_NOTIFY_BELL);
}
END_TEST

START_TEST(test_path)
{
	char	buf[256];

	setenv("XDG_CONFIG_HOME", "/x", 1);
	ck_assert_int_eq(config_path(buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "/x/natter/config");
	unsetenv("XDG_CONFIG_HOME");
	setenv("HOME", "/h", 1);
	ck_assert_int_eq(config_path(buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "/h/.config/natter/config");
	ck_assert_int_eq(config_path(buf, 5), -1);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc = tcase_create("config");

	tcase_add_test(tc, test_good);
	tcase_add_test(tc, test_bad);
	tcase_add_test(tc, test_path);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
