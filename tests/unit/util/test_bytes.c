/* test_bytes: the big-endian writer and reader: exact bytes, and that no
 * operation ever touches a byte outside its buffer. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shared/util/bytes.h"
#include "tests/unit/unit.h"

START_TEST(test_write_layout)
{
	static const uint8_t	want[] = { 0x7f, 0x01, 0x02, 0xde, 0xad, 0xbe,
				    0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
				    0xcd, 0xef, 'h', 'i' };
	struct bytes_writer	w;
	uint8_t			buf[sizeof want];

	bytes_writer_init(&w, buf, sizeof buf);
	bytes_put8(&w, 0x7f);
	bytes_put16(&w, 0x0102);
	bytes_put32(&w, 0xdeadbeef);
	bytes_put64(&w, 0x0123456789abcdefULL);
	bytes_put(&w, "hi", 2);
	ck_assert_int_eq(bytes_writer_check(&w), 0);
	ck_assert_uint_eq(bytes_writer_len(&w), sizeof want);
	ck_assert_mem_eq(buf, want, sizeof want);
}
END_TEST

START_TEST(test_write_overflow)
{
	struct bytes_writer	w;
	uint8_t			buf[8];

	memset(buf, 0xaa, sizeof buf);
	bytes_writer_init(&w, buf, 5);
	bytes_put32(&w, 0x01020304);
	ck_assert_int_eq(bytes_writer_check(&w), 0);
	bytes_put16(&w, 0xffff);	/* one byte short: nothing written */
	ck_assert_int_eq(bytes_writer_check(&w), -1);
	ck_assert_uint_eq(buf[4], 0xaa);
	bytes_put8(&w, 0x55);		/* would fit, but the flag sticks */
	ck_assert_uint_eq(buf[4], 0xaa);
	ck_assert_ptr_null(bytes_reserve(&w, 0));
	ck_assert_int_eq(bytes_writer_check(&w), -1);
	ck_assert_uint_eq(bytes_writer_len(&w), 5);
	ck_assert_uint_eq(buf[5], 0xaa);
}
END_TEST

START_TEST(test_reserve)
{
	struct bytes_writer	w;
	uint8_t			buf[6], *p;

	bytes_writer_init(&w, buf, sizeof buf);
	bytes_put8(&w, 1);
	p = bytes_reserve(&w, 4);
	ck_assert_ptr_eq(p, buf + 1);
	memcpy(p, "abcd", 4);
	ck_assert_ptr_null(bytes_reserve(&w, 2));
	ck_assert_int_eq(bytes_writer_check(&w), -1);
	ck_assert_mem_eq(buf, "\001abcd", 5);

	/* An exact fit, and SIZE_MAX without wrapping around. */
	bytes_writer_init(&w, buf, sizeof buf);
	ck_assert_ptr_eq(bytes_reserve(&w, sizeof buf), buf);
	ck_assert_int_eq(bytes_writer_check(&w), 0);
	bytes_writer_init(&w, buf, sizeof buf);
	bytes_put8(&w, 0);
	ck_assert_ptr_null(bytes_reserve(&w, SIZE_MAX));
}
END_TEST

START_TEST(test_read_values)
{
	static const uint8_t	in[] = { 0x7f, 0x01, 0x02, 0xde, 0xad, 0xbe,
				    0xef, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				    0xff, 0xfe, 'h', 'i', 'x' };
	struct bytes_reader	r;
	uint8_t			two[2];
	const uint8_t		*x;

	bytes_reader_init(&r, in, sizeof in);
	ck_assert_uint_eq(bytes_get8(&r), 0x7f);
	ck_assert_uint_eq(bytes_get16(&r), 0x0102);
	ck_assert_uint_eq(bytes_get32(&r), 0xdeadbeef);
	ck_assert(bytes_get64(&r) == UINT64_MAX - 1);
	bytes_get(&r, two, 2);
	ck_assert_mem_eq(two, "hi", 2);
	ck_assert_uint_eq(bytes_left(&r), 1);
	ck_assert_int_eq(bytes_reader_check(&r), 0);
	ck_assert_int_eq(bytes_reader_done(&r), -1);	/* a trailing byte */
	x = bytes_span(&r, 1);
	ck_assert_ptr_eq(x, in + sizeof in - 1);
	ck_assert_int_eq(bytes_reader_done(&r), 0);
}
END_TEST

START_TEST(test_read_past_end)
{
	static const uint8_t	in[] = { 1, 2, 3, 4, 5 };
	struct bytes_reader	r;
	uint8_t			out[4];

	bytes_reader_init(&r, in, sizeof in);
	ck_assert_uint_eq(bytes_get32(&r), 0x01020304);
	ck_assert_uint_eq(bytes_get16(&r), 0);		/* one byte short */
	ck_assert_int_eq(bytes_reader_check(&r), -1);
	ck_assert_uint_eq(bytes_left(&r), 0);
	ck_assert_uint_eq(bytes_get8(&r), 0);		/* the flag sticks */
	memset(out, 0xaa, sizeof out);
	bytes_get(&r, out, sizeof out);
	ck_assert_mem_eq(out, "\0\0\0\0", 4);		/* zeros, not stale */
	ck_assert_ptr_null(bytes_span(&r, 0));
	ck_assert_int_eq(bytes_reader_done(&r), -1);

	bytes_reader_init(&r, in, sizeof in);
	ck_assert_ptr_null(bytes_span(&r, SIZE_MAX));
	ck_assert(bytes_get64(&r) == 0);
	ck_assert_int_eq(bytes_reader_check(&r), -1);
}
END_TEST

START_TEST(test_empty)
{
	struct bytes_reader	r;
	struct bytes_writer	w;

	bytes_reader_init(&r, NULL, 0);
	ck_assert_int_eq(bytes_reader_done(&r), 0);
	ck_assert_uint_eq(bytes_get8(&r), 0);
	ck_assert_int_eq(bytes_reader_check(&r), -1);

	bytes_writer_init(&w, NULL, 0);
	bytes_put(&w, NULL, 0);
	ck_assert_int_eq(bytes_writer_check(&w), 0);
	bytes_put8(&w, 1);
	ck_assert_int_eq(bytes_writer_check(&w), -1);
}
END_TEST

START_TEST(test_round_trip)
{
	static const uint64_t	v[] = { 0, 1, 0x80, 0xff, 0x100, 0x7fffffff,
				    0x80000000, 0xffffffff, 0x100000000ULL,
				    UINT64_MAX };
	struct bytes_writer	w;
	struct bytes_reader	r;
	uint8_t			buf[sizeof v / sizeof v[0] * 15];
	size_t			i;

	bytes_writer_init(&w, buf, sizeof buf);
	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		bytes_put8(&w, (uint8_t)v[i]);
		bytes_put16(&w, (uint16_t)v[i]);
		bytes_put32(&w, (uint32_t)v[i]);
		bytes_put64(&w, v[i]);
	}
	ck_assert_int_eq(bytes_writer_check(&w), 0);
	bytes_reader_init(&r, buf, bytes_writer_len(&w));
	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		ck_assert_uint_eq(bytes_get8(&r), (uint8_t)v[i]);
		ck_assert_uint_eq(bytes_get16(&r), (uint16_t)v[i]);
		ck_assert_uint_eq(bytes_get32(&r), (uint32_t)v[i]);
		ck_assert(bytes_get64(&r) == v[i]);
	}
	ck_assert_int_eq(bytes_reader_done(&r), 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("bytes");
	TCase	*tc = tcase_create("bytes");

	tcase_add_test(tc, test_write_layout);
	tcase_add_test(tc, test_write_overflow);
	tcase_add_test(tc, test_reserve);
	tcase_add_test(tc, test_read_values);
	tcase_add_test(tc, test_read_past_end);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_round_trip);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
