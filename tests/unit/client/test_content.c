/* test_content: padding and decoding of the end-to-end plaintext. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "client/content.h"

START_TEST(test_padding)
{
	Natter__Content	 c = NATTER__CONTENT__INIT;
	Natter__Content	*d;
	uint8_t		 id[16], *buf;
	size_t		 len, prev = 0;
	char		 text[1000];
	int		 i;

	memset(id, 7, sizeof id);
	c.message_id.data = id;
	c.message_id.len = sizeof id;
	c.ts = 1234567;
	c.to = (char *)"bob";
	c.body_case = NATTER__CONTENT__BODY_TEXT;
	for (i = 0; i < (int)sizeof text - 1; i += 37) {
		memset(text, 'a', (size_t)i);
		text[i] = '\0';
		c.text = text;
		ck_assert_int_eq(content_encode(&c, &buf, &len), 0);
		ck_assert_uint_eq(len % CONTENT_BLOCK, 0);
		ck_assert_uint_gt(len, (size_t)i);
		ck_assert_uint_ge(len, prev);
		prev = len;
		d = content_decode(buf, len);
		ck_assert_ptr_nonnull(d);
		ck_assert_int_eq(d->body_case, NATTER__CONTENT__BODY_TEXT);
		ck_assert_str_eq(d->text, text);
		ck_assert_int_eq(d->ts, 1234567);
		ck_assert_mem_eq(d->message_id.data, id, 16);
		content_free(d);
		free(buf);
	}
}
END_TEST

START_TEST(test_malformed)
{
	Natter__Content	 c = NATTER__CONTENT__INIT;
	uint8_t		 id[16], *buf, junk[CONTENT_BLOCK];
	size_t		 len;

	memset(id, 1, sizeof id);
	c.message_id.data = id;
	c.message_id.len = sizeof id;
	c.body_case = NATTER__CONTENT__BODY_TEXT;
	c.text = (char *)"hello";
	ck_assert_int_eq(content_encode(&c, &buf, &len), 0);
	/* Wrong lengths. */
	ck_assert_ptr_null(content_decode(buf, 0));
	ck_assert_ptr_null(content_decode(buf, len - 1));
	/* No 0x80 marker. */
	memset(junk, 0, sizeof junk);
	ck_assert_ptr_null(content_decode(junk, sizeof junk));
	/* Garbage before the marker. */
	memset(junk, 0xff, sizeof junk);
	junk[sizeof junk - 1] = 0x80;
	ck_assert_ptr_null(content_decode(junk, sizeof junk));
	/* Field number 0 as a two-byte tag (0x80 0x00) after a good body. */
	memset(junk, 0, sizeof junk);
	natter__content__pack(&c, junk);
	{
		size_t n = natter__content__get_packed_size(&c);

		memcpy(junk + n, "\x80\x00\x00\x80", 4);
		ck_assert_ptr_null(content_decode(junk, sizeof junk));
	}
	/* A bad message id length. */
	free(buf);
	c.message_id.len = 15;
	ck_assert_int_eq(content_encode(&c, &buf, &len), 0);
	ck_assert_ptr_null(content_decode(buf, len));
	free(buf);
	/* Too large to encode. */
	{
		char *big = malloc(CONTENT_MAX + 1);

		memset(big, 'x', CONTENT_MAX);
		big[CONTENT_MAX] = '\0';
		c.message_id.len = 16;
		c.text = big;
		ck_assert_int_eq(content_encode(&c, &buf, &len), -1);
		free(big);
	}
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("content");
	TCase	*tc = tcase_create("content");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_padding);
	tcase_add_test(tc, test_malformed);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
