/* test_server_listenaddr: --listen values: addresses, names resolved, and the bad ones refused as usage errors. */
#include <check.h>
#include <string.h>

#include "server/listenaddr.h"
#include "tests/unit/unit.h"

START_TEST(test_numeric)
{
	static const struct {
		const char	*in, *host, *shown;
		int		 port, v6;
	} t[] = {
		{ "127.0.0.1:7878", "127.0.0.1", "127.0.0.1:7878", 7878, 0 },
		{ "0.0.0.0:1", "0.0.0.0", "0.0.0.0:1", 1, 0 },
		{ "[::1]:65535", "::1", "[::1]:65535", 65535, 1 },
		{ "::1:8080", "::1", "[::1]:8080", 8080, 1 },
		{ "[2001:DB8::7]:443", "2001:db8::7", "[2001:db8::7]:443", 443,
		    1 },
	};
	struct listenaddr	a;
	char			err[256], shown[80];
	size_t			i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		ck_assert_msg(listenaddr_parse(t[i].in, &a, err, sizeof err) ==
		    LISTENADDR_OK, "%s: %s", t[i].in, err);
		ck_assert_str_eq(a.host, t[i].host);
		ck_assert_int_eq(a.port, t[i].port);
		ck_assert_int_eq(a.v6, t[i].v6);
		listenaddr_format(&a, shown, sizeof shown);
		ck_assert_str_eq(shown, t[i].shown);
	}
}
END_TEST

/* localhost is a name: resolved, to a loopback address, IPv4 first. */
START_TEST(test_name)
{
	struct listenaddr	a;
	char			err[256];

	ck_assert_msg(listenaddr_parse("localhost:7999", &a, err, sizeof err)
	    == LISTENADDR_OK, "localhost: %s", err);
	ck_assert_int_eq(a.port, 7999);
	ck_assert_msg(strncmp(a.host, "127.", 4) == 0 ||
	    strcmp(a.host, "::1") == 0, "localhost is %s", a.host);
	ck_assert_msg(listenaddr_parse("LOCALHOST:1", &a, err, sizeof err)
	    == LISTENADDR_OK, "LOCALHOST: %s", err);
}
END_TEST

START_TEST(test_bad)
{
	static const char *const bad[] = { "", "7878", ":7878", "[]:7878",
	    "localhost", "localhost:", "localhost:0", "localhost:65536",
	    "localhost:http", "localhost:+80", "localhost:080080",
	    "999.1.1.1:7878", "127.1:80", "12345:80", "0x7f.0.0.1:80",
	    "[::1:7878", "::1]:7878", "bad_host:80", "-lead:80", "trail-:80",
	    "a..b:80", "a b:80", "[127.0.0.1]x:80",
	    ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    ".example:80") };
	struct listenaddr	a;
	char			err[256];
	size_t			i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		ck_assert_msg(listenaddr_parse(bad[i], &a, err, sizeof err) ==
		    LISTENADDR_BAD, "\"%s\" was taken", bad[i]);
		ck_assert_msg(err[0] != '\0', "\"%s\": no sentence", bad[i]);
	}
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("listenaddr");
	TCase	*tc = tcase_create("listenaddr");

	tcase_add_test(tc, test_numeric);
	tcase_add_test(tc, test_name);
	tcase_add_test(tc, test_bad);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
