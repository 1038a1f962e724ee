/* test_url: server URLs as net_connect takes them (url.c over libcurl):
 * IPv6 literals, default ports and path, and a sentence for each bad one. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "client/net/url.h"
#include "tests/unit/unit.h"

struct good {
	const char	*in;
	int		 tls;
	const char	*host, *address;
	int		 port;
	const char	*path;
};

START_TEST(test_good)
{
	static const struct good	t[] = {
		{ "ws://[::1]:7878/", 0, "[::1]", "::1", 7878, "/v1/ws" },
		{ "ws://[::1]:7878", 0, "[::1]", "::1", 7878, "/v1/ws" },
		{ "wss://[2001:db8::7]", 1, "[2001:db8::7]", "2001:db8::7", 443,
		    "/v1/ws" },
		{ "ws://[fe80::1%25eth0]:9/", 0, "[fe80::1]", "fe80::1%eth0", 9,
		    "/v1/ws" },
		{ "wss://chat.example.org:8443", 1, "chat.example.org",
		    "chat.example.org", 8443, "/v1/ws" },
		{ "ws://127.0.0.1:7878", 0, "127.0.0.1", "127.0.0.1", 7878,
		    "/v1/ws" },
		{ "ws://localhost", 0, "localhost", "localhost", 80, "/v1/ws" },
		{ "wss://example.org/", 1, "example.org", "example.org", 443,
		    "/v1/ws" },
		{ "ws://h:1/natter/ws", 0, "h", "h", 1, "/natter/ws" },
		{ "ws://h:65535/?v=1", 0, "h", "h", 65535, "/?v=1" },
		{ "ws://h/a/b?x=1&y=2", 0, "h", "h", 80, "/a/b?x=1&y=2" },
		{ "WSS://h:7", 1, "h", "h", 7, "/v1/ws" },
	};
	struct url	u;
	char		err[256];
	size_t		i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		err[0] = '\0';
		ck_assert_msg(url_parse(&u, t[i].in, err, sizeof err) == 0,
		    "%s: %s", t[i].in, err);
		ck_assert_int_eq(u.tls, t[i].tls);
		ck_assert_str_eq(u.host, t[i].host);
		ck_assert_str_eq(u.address, t[i].address);
		ck_assert_int_eq(u.port, t[i].port);
		ck_assert_str_eq(u.path, t[i].path);
		url_clear(&u);
		ck_assert_ptr_null(u.host);
	}
	url_clear(&u);		/* a zeroed one: no-op */
}
END_TEST

START_TEST(test_bad)
{
	static const struct {
		const char	*in, *says;
	} t[] = {
		{ "http://127.0.0.1:7878", "ws:// or wss://" },
		{ "https://h", "ws:// or wss://" },
		{ "ftp://h", "ws:// or wss://" },
		{ "127.0.0.1:7878", "ws://HOST:PORT" },
		{ "localhost:7878", "ws://HOST:PORT" },
		{ "", "ws://HOST:PORT" },
		{ "ws://", "ws://HOST:PORT" },
		{ "ws://[::1", "IPv6" },
		{ "ws://[::g]:1", "IPv6" },
		{ "ws://h:0", "between 1 and 65535" },
		{ "ws://h:65536", "65535" },
		{ "ws://h:-1", "65535" },
		{ "ws://h:80x", "65535" },
		{ "ws://h h:1", "ws://HOST:PORT" },
		{ "ws://bob:pw@h:1", "user name" },
		{ "ws://h:1/#top", "#fragment" },
	};
	struct url	u;
	char		err[256];
	size_t		i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		err[0] = '\0';
		ck_assert_msg(url_parse(&u, t[i].in, err, sizeof err) == -1,
		    "%s: accepted", t[i].in);
		ck_assert_ptr_null(u.host);
		ck_assert_ptr_null(u.address);
		ck_assert_ptr_null(u.path);
		ck_assert_msg(strncmp(err, "bad server URL ", 15) == 0 &&
		    strstr(err, t[i].in) != NULL &&
		    strstr(err, t[i].says) != NULL, "%s: \"%s\"", t[i].in, err);
	}
	/* A short buffer gets a truncated sentence, never an overflow. */
	ck_assert_int_eq(url_parse(&u, "http://h", err, 8), -1);
	ck_assert_str_eq(err, "bad ser");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("url");
	TCase	*tc = tcase_create("url");

	tcase_add_test(tc, test_good);
	tcase_add_test(tc, test_bad);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
