/* test_wire: frame decoding bounds, round trips, and field number 0. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "shared/proto/wire.h"
#include "tests/unit/unit.h"

START_TEST(test_roundtrip_and_bounds)
{
	Natter__Frame	 f = NATTER__FRAME__INIT, *g;
	Natter__Ping	 p = NATTER__PING__INIT;
	uint8_t		 buf[64];
	size_t		 n;

	f.id = 42;
	f.body_case = NATTER__FRAME__BODY_PING;
	f.ping = &p;
	n = wire_encode(&f, buf, sizeof buf);
	ck_assert_uint_gt(n, 0);
	ck_assert_uint_eq(wire_encode(&f, buf, n - 1), 0);
	ck_assert_ptr_nonnull(g = wire_decode(buf, n, n));
	ck_assert_uint_eq(g->id, 42);
	ck_assert_int_eq(g->body_case, NATTER__FRAME__BODY_PING);
	wire_free(g);
	ck_assert_ptr_null(wire_decode(buf, n, n - 1));	/* over maxlen */
	ck_assert_ptr_null(wire_decode(buf, 0, n));
	ck_assert_ptr_null(wire_decode(buf, 2, n));	/* id, no body */
}
END_TEST

/*
 * Found by fuzz_frame: a Ping followed by field number 0 in a two-byte tag.
 * protobuf-c took it as an unknown field and re-encoded it in a form that
 * no longer decodes; wire_decode refuses it, also inside a sub-message.
 */
START_TEST(test_field_zero)
{
	static const uint8_t	top[] = { 0x82, 0x01, 0x00, 0x82, 0x00, 0x00 };
	static const uint8_t	sub[] = { 0x82, 0x01, 0x03, 0x82, 0x00, 0x00 };
	static const uint8_t	fine[] = { 0x82, 0x01, 0x03, 0xf8, 0x07, 0x01 };
	Natter__Frame		*f;

	ck_assert_ptr_null(wire_decode(top, sizeof top, 1024));
	ck_assert_ptr_null(wire_decode(sub, sizeof sub, 1024));
	/* An unknown field with a valid number (127) is still accepted. */
	ck_assert_ptr_nonnull(f = wire_decode(fine, sizeof fine, 1024));
	wire_free(f);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("wire");
	TCase	*tc = tcase_create("wire");

	tcase_add_test(tc, test_roundtrip_and_bounds);
	tcase_add_test(tc, test_field_zero);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
