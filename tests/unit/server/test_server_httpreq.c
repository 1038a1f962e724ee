/* test_server_httpreq: the asset service's pure parsers (blob ids, numbers,
 * Range, If-None-Match, bearer tokens) and its upload tokens. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "server/assettoken.h"
#include "server/httpreq.h"
#include "tests/unit/unit.h"

#define ID	"0123456789abcdef0123456789abcdef" \
		"0123456789abcdef0123456789abcdef"

START_TEST(test_blob_id)
{
	char	s[80];

	ck_assert_int_eq(httpreq_blob_id(ID), 1);
	ck_assert_int_eq(httpreq_blob_id(""), 0);
	ck_assert_int_eq(httpreq_blob_id("abc"), 0);
	snprintf(s, sizeof s, "%.63s", ID);		/* short */
	ck_assert_int_eq(httpreq_blob_id(s), 0);
	snprintf(s, sizeof s, "%s0", ID);		/* long */
	ck_assert_int_eq(httpreq_blob_id(s), 0);
	snprintf(s, sizeof s, "%s", ID);
	s[10] = 'A';					/* uppercase */
	ck_assert_int_eq(httpreq_blob_id(s), 0);
	s[10] = 'g';					/* not hex */
	ck_assert_int_eq(httpreq_blob_id(s), 0);
	snprintf(s, sizeof s, "%s/", ID);
	ck_assert_int_eq(httpreq_blob_id(s), 0);
}
END_TEST

START_TEST(test_number)
{
	uint64_t	v = 7;

	ck_assert_int_eq(httpreq_number("0", 10, &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(httpreq_number("10", 10, &v), 0);
	ck_assert_uint_eq(v, 10);
	ck_assert_int_eq(httpreq_number("11", 10, &v), -1);
	ck_assert_int_eq(httpreq_number("18446744073709551615", UINT64_MAX,
	    &v), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
	ck_assert_int_eq(httpreq_number("18446744073709551616", UINT64_MAX,
	    &v), -1);
	ck_assert_int_eq(httpreq_number("99999999999999999999999",
	    UINT64_MAX, &v), -1);
	ck_assert_int_eq(httpreq_number("", 10, &v), -1);
	ck_assert_int_eq(httpreq_number("-1", 10, &v), -1);
	ck_assert_int_eq(httpreq_number("+1", 10, &v), -1);
	ck_assert_int_eq(httpreq_number(" 1", 10, &v), -1);
	ck_assert_int_eq(httpreq_number("1 ", 10, &v), -1);
	ck_assert_int_eq(httpreq_number("0x1", 10, &v), -1);
}
END_TEST

/* Range hdr against size: the verdict, and first/len for PART. */
static void
check_range(const char *hdr, uint64_t size, enum httpreq_range want,
    uint64_t first, uint64_t len)
{
	uint64_t		f = 99, l = 99;
	enum httpreq_range	got = httpreq_range(hdr, size, &f, &l);

	ck_assert_msg(got == want, "%s of %llu: %d, want %d", hdr,
	    (unsigned long long)size, got, want);
	if (want == HTTPREQ_RANGE_PART) {
		ck_assert_uint_eq(f, first);
		ck_assert_uint_eq(l, len);
	}
}

START_TEST(test_range)
{
	check_range(NULL, 100, HTTPREQ_RANGE_WHOLE, 0, 0);
	check_range("bytes=0-9", 100, HTTPREQ_RANGE_PART, 0, 10);
	check_range("bytes=10-10", 100, HTTPREQ_RANGE_PART, 10, 1);
	check_range("bytes=90-200", 100, HTTPREQ_RANGE_PART, 90, 10);
	check_range("bytes=95-", 100, HTTPREQ_RANGE_PART, 95, 5);
	check_range("bytes=-5", 100, HTTPREQ_RANGE_PART, 95, 5);
	check_range("bytes=-500", 100, HTTPREQ_RANGE_PART, 0, 100);
	check_range("BYTES=0-0", 100, HTTPREQ_RANGE_PART, 0, 1);
	check_range("bytes=0-18446744073709551615", 100, HTTPREQ_RANGE_PART,
	    0, 100);
	/* Unsatisfiable: 416. */
	check_range("bytes=100-", 100, HTTPREQ_RANGE_UNSATISFIABLE, 0, 0);
	check_range("bytes=100-200", 100, HTTPREQ_RANGE_UNSATISFIABLE, 0, 0);
	check_range("bytes=-0", 100, HTTPREQ_RANGE_UNSATISFIABLE, 0, 0);
	check_range("bytes=0-", 0, HTTPREQ_RANGE_UNSATISFIABLE, 0, 0);
	check_range("bytes=-1", 0, HTTPREQ_RANGE_UNSATISFIABLE, 0, 0);
	/* Ignored: the whole blob. */
	check_range("bytes=5-1", 100, HTTPREQ_RANGE_WHOLE, 0, 0);
	check_range("bytes=0-1,5-6", 100, HTTPREQ_RANGE_WHOLE, 0, 0);
	check_range("items=0-1", 100, HTTPREQ_RANGE_WHOLE, 0, 0);
	check_range("bytes=", 100, HTTPREQ_RANGE_WHOLE, 0, 0);
	check_range("bytes=-", 100, HTTPREQ_RANGE_WHOLE, 0, 0);
	check_range("bytes=a-b", 100, HTTPREQ_RANGE_WHOLE, 0, 0);
	check_range("bytes=1-2x", 100, HTTPREQ_RANGE_WHOLE, 0, 0);
	check_range("bytes= 1-2", 100, HTTPREQ_RANGE_WHOLE, 0, 0);
	check_range("bytes=99999999999999999999-", 100, HTTPREQ_RANGE_WHOLE,
	    0, 0);
	check_range("bytes=--5", 100, HTTPREQ_RANGE_WHOLE, 0, 0);
}
END_TEST

START_TEST(test_if_none_match)
{
	ck_assert_int_eq(httpreq_if_none_match(NULL, "abc"), 0);
	ck_assert_int_eq(httpreq_if_none_match("\"abc\"", "abc"), 1);
	ck_assert_int_eq(httpreq_if_none_match("W/\"abc\"", "abc"), 1);
	ck_assert_int_eq(httpreq_if_none_match("*", "abc"), 1);
	ck_assert_int_eq(httpreq_if_none_match(" * ", "abc"), 1);
	ck_assert_int_eq(httpreq_if_none_match("\"x\", \"abc\"", "abc"), 1);
	ck_assert_int_eq(httpreq_if_none_match("\"x\",\"y\" , W/\"abc\"",
	    "abc"), 1);
	ck_assert_int_eq(httpreq_if_none_match("\"x\", \"y\"", "abc"), 0);
	ck_assert_int_eq(httpreq_if_none_match("\"abcd\"", "abc"), 0);
	ck_assert_int_eq(httpreq_if_none_match("\"ab\"", "abc"), 0);
	ck_assert_int_eq(httpreq_if_none_match("abc", "abc"), 0);
	ck_assert_int_eq(httpreq_if_none_match("\"abc", "abc"), 0);
	ck_assert_int_eq(httpreq_if_none_match("\"x\" \"abc\"", "abc"), 0);
	ck_assert_int_eq(httpreq_if_none_match("", "abc"), 0);
	ck_assert_int_eq(httpreq_if_none_match("*, \"x\"", "abc"), 0);
}
END_TEST

START_TEST(test_bearer)
{
	char	out[HTTPREQ_MAXTOKEN + 1], big[400];

	ck_assert_int_eq(httpreq_bearer("Bearer abc.1.2.ff", out), 0);
	ck_assert_str_eq(out, "abc.1.2.ff");
	ck_assert_int_eq(httpreq_bearer("bearer   tok ", out), 0);
	ck_assert_str_eq(out, "tok");
	ck_assert_int_eq(httpreq_bearer(NULL, out), -1);
	ck_assert_int_eq(httpreq_bearer("", out), -1);
	ck_assert_int_eq(httpreq_bearer("Bearer", out), -1);
	ck_assert_int_eq(httpreq_bearer("Bearer ", out), -1);
	ck_assert_int_eq(httpreq_bearer("Basic YTpi", out), -1);
	ck_assert_int_eq(httpreq_bearer("Bearertok", out), -1);
	ck_assert_int_eq(httpreq_bearer("Bearer a b", out), -1);
	ck_assert_int_eq(httpreq_bearer("Bearer a\"b", out), -1);
	memset(big, 'a', sizeof big);
	memcpy(big, "Bearer ", 7);
	big[7 + HTTPREQ_MAXTOKEN] = '\0';
	ck_assert_int_eq(httpreq_bearer(big, out), 0);
	big[7 + HTTPREQ_MAXTOKEN] = 'a';
	big[8 + HTTPREQ_MAXTOKEN] = '\0';
	ck_assert_int_eq(httpreq_bearer(big, out), -1);
}
END_TEST

START_TEST(test_token)
{
	uint8_t		key[ASSETTOKEN_KEYBYTES], other[ASSETTOKEN_KEYBYTES];
	char		tok[ASSETTOKEN_MAXLEN + 1], bad[ASSETTOKEN_MAXLEN + 8];
	char		name[ASSETTOKEN_MAXNAME + 1];
	uint32_t	device = 0;
	size_t		len;

	memset(key, 1, sizeof key);
	memset(other, 2, sizeof other);
	assettoken_make(key, "al.ice_-9", 3, 2000, tok, sizeof tok);
	ck_assert_int_eq(strncmp(tok, "al.ice_-9.3.2000.", 17), 0);
	ck_assert_uint_eq(strlen(tok), 17 + 64);
	/* Valid until its second. */
	ck_assert_int_eq(assettoken_verify(key, tok, 1999, name, &device),
	    ASSETTOKEN_OK);
	ck_assert_str_eq(name, "al.ice_-9");
	ck_assert_uint_eq(device, 3);
	ck_assert_int_eq(assettoken_verify(key, tok, 2000, name, &device),
	    ASSETTOKEN_EXPIRED);
	/* Another key, a flipped MAC digit, another device or expiry. */
	ck_assert_int_eq(assettoken_verify(other, tok, 1000, name, &device),
	    ASSETTOKEN_FORGED);
	len = strlen(tok);
	snprintf(bad, sizeof bad, "%s", tok);
	bad[len - 1] = bad[len - 1] == '0' ? '1' : '0';
	ck_assert_int_eq(assettoken_verify(key, bad, 1000, name, &device),
	    ASSETTOKEN_FORGED);
	snprintf(bad, sizeof bad, "al.ice_-9.4.2000.%s", tok + 17);
	ck_assert_int_eq(assettoken_verify(key, bad, 1000, name, &device),
	    ASSETTOKEN_FORGED);
	snprintf(bad, sizeof bad, "al.ice_-9.3.9000.%s", tok + 17);
	ck_assert_int_eq(assettoken_verify(key, bad, 1000, name, &device),
	    ASSETTOKEN_FORGED);
	/* Garbage. */
	ck_assert_int_eq(assettoken_verify(key, "", 0, name, &device),
	    ASSETTOKEN_MALFORMED);
	ck_assert_int_eq(assettoken_verify(key, "a.b.c.d", 0, name, &device),
	    ASSETTOKEN_MALFORMED);
	snprintf(bad, sizeof bad, "x.-1.2000.%s", tok + 17);
	ck_assert_int_eq(assettoken_verify(key, bad, 0, name, &device),
	    ASSETTOKEN_MALFORMED);
	snprintf(bad, sizeof bad, ".3.2000.%s", tok + 17);
	ck_assert_int_eq(assettoken_verify(key, bad, 0, name, &device),
	    ASSETTOKEN_MALFORMED);
	snprintf(bad, sizeof bad, "UP.3.2000.%s", tok + 17);
	ck_assert_int_eq(assettoken_verify(key, bad, 0, name, &device),
	    ASSETTOKEN_MALFORMED);
	snprintf(bad, sizeof bad, "a.4294967296.2000.%s", tok + 17);
	ck_assert_int_eq(assettoken_verify(key, bad, 0, name, &device),
	    ASSETTOKEN_MALFORMED);
	snprintf(bad, sizeof bad, "%s0", tok);
	ck_assert_int_eq(assettoken_verify(key, bad, 0, name, &device),
	    ASSETTOKEN_MALFORMED);
	snprintf(bad, sizeof bad, "3.2000.%s", tok + 17);
	ck_assert_int_eq(assettoken_verify(key, bad, 0, name, &device),
	    ASSETTOKEN_MALFORMED);
	memset(bad, 'a', sizeof bad - 1);
	bad[sizeof bad - 1] = '\0';
	ck_assert_int_eq(assettoken_verify(key, bad, 0, name, &device),
	    ASSETTOKEN_MALFORMED);
}
END_TEST

/* The token is HMAC-SHA256(key, domain NUL body), hex: checked against
 * libsodium directly, so the documented recipe is the code's. */
START_TEST(test_token_recipe)
{
	static const char	msg[] = "natter v1 asset token\0bob.2.1234";
	uint8_t			key[ASSETTOKEN_KEYBYTES], mac[32];
	char			tok[ASSETTOKEN_MAXLEN + 1], hex[65];

	memset(key, 9, sizeof key);
	assettoken_make(key, "bob", 2, 1234, tok, sizeof tok);
	crypto_auth_hmacsha256(mac, (const uint8_t *)msg, sizeof msg - 1, key);
	sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
	ck_assert_str_eq(tok + strlen("bob.2.1234."), hex);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("server_httpreq");
	TCase	*tc = tcase_create("httpreq");

	if (sodium_init() < 0)
		return (1);
	tcase_add_test(tc, test_blob_id);
	tcase_add_test(tc, test_number);
	tcase_add_test(tc, test_range);
	tcase_add_test(tc, test_if_none_match);
	tcase_add_test(tc, test_bearer);
	tcase_add_test(tc, test_token);
	tcase_add_test(tc, test_token_recipe);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
