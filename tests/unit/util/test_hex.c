/* test_hex: hex.h over libsodium's codec: lower-case output, strict input. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "shared/util/hex.h"
#include "tests/unit/unit.h"

START_TEST(test_encode)
{
	static const uint8_t	in[] = { 0x00, 0x01, 0x9a, 0xbf, 0xff };
	char			out[2 * sizeof in + 1];

	memset(out, 'x', sizeof out);
	hex_encode(out, in, sizeof in);
	ck_assert_str_eq(out, "00019abfff");
	hex_encode(out, in, 0);
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_decode)
{
	uint8_t	out[4];

	ck_assert_int_eq(hex_decode(out, 4, "deadBEEF"), 0);
	ck_assert_mem_eq(out, "\xde\xad\xbe\xef", 4);
	ck_assert_int_eq(hex_decode(out, 0, ""), 0);
}
END_TEST

START_TEST(test_decode_rejects)
{
	uint8_t	out[4];

	ck_assert_int_eq(hex_decode(out, 4, "deadbee"), -1);	/* odd */
	ck_assert_int_eq(hex_decode(out, 4, "deadbeef00"), -1);	/* long */
	ck_assert_int_eq(hex_decode(out, 4, "deadbe"), -1);	/* short */
	ck_assert_int_eq(hex_decode(out, 4, "deadbeeg"), -1);
	ck_assert_int_eq(hex_decode(out, 4, "dead beef"), -1);
	ck_assert_int_eq(hex_decode(out, 4, "dead:bef"), -1);
	ck_assert_int_eq(hex_decode(out, 4, " deadbee"), -1);
	ck_assert_int_eq(hex_decode(out, 2, "0x12"), -1);
	ck_assert_int_eq(hex_decode(out, 1, "\xc3\xa9"), -1);
}
END_TEST

START_TEST(test_round_trip)
{
	uint8_t	in[256], back[256];
	char	s[2 * sizeof in + 1];
	size_t	i;

	for (i = 0; i < sizeof in; i++)
		in[i] = (uint8_t)i;
	hex_encode(s, in, sizeof in);
	ck_assert_uint_eq(strlen(s), 2 * sizeof in);
	ck_assert_int_eq(hex_decode(back, sizeof back, s), 0);
	ck_assert_mem_eq(back, in, sizeof in);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("hex");
	TCase	*tc = tcase_create("hex");

	if (sodium_init() < 0)
		return (EXIT_FAILURE);
	tcase_add_test(tc, test_encode);
	tcase_add_test(tc, test_decode);
	tcase_add_test(tc, test_decode_rejects);
	tcase_add_test(tc, test_round_trip);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
