/* test_content: padding and decoding of the end-to-end plaintext, and the
 * bounds a received read receipt must keep. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "client/core/content.h"
#include "client/core/outbox.h"
#include "client/core/receipts.h"
#include "tests/unit/unit.h"

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

/* A read receipt with ids_n ids of id_len bytes, encoded and decoded as
 * it would travel; NULL if it does not survive that. */
static Natter__Content *
receipt_roundtrip(size_t ids_n, size_t id_len)
{
	Natter__Content		 c = NATTER__CONTENT__INIT;
	Natter__ReadReceipt	 rr = NATTER__READ_RECEIPT__INIT;
	ProtobufCBinaryData	*ids = calloc(ids_n + 1, sizeof *ids);
	Natter__Content		*d;
	uint8_t			 id[CORE_IDBYTES * 2], mid[16], *buf;
	size_t			 len, i;

	ck_assert_uint_le(id_len, sizeof id);
	memset(id, 3, sizeof id);
	memset(mid, 9, sizeof mid);
	for (i = 0; i < ids_n; i++) {
		ids[i].data = id;
		ids[i].len = id_len;
	}
	rr.n_message_ids = ids_n;
	rr.message_ids = ids;
	c.message_id.data = mid;
	c.message_id.len = sizeof mid;
	c.body_case = NATTER__CONTENT__BODY_READ_RECEIPT;
	c.read_receipt = &rr;
	ck_assert_int_eq(content_encode(&c, &buf, &len), 0);
	d = content_decode(buf, len);
	free(buf);
	free(ids);
	return (d);
}

/*
 * A receipt from a peer names 1 to OUTBOX_READ_MAX ids of CORE_IDBYTES:
 * anything else is refused as malformed (1) before it touches the store,
 * which is why no core is needed here.
 */
START_TEST(test_receipt_bounds)
{
	Natter__Delivery	 dl = NATTER__DELIVERY__INIT;
	struct receipts_seen	*seen;
	Natter__Content		*ct;
	const size_t		 bad[][2] = { { 0, CORE_IDBYTES },
				    { OUTBOX_READ_MAX + 1, CORE_IDBYTES },
				    { 1, CORE_IDBYTES - 1 },
				    { 2, CORE_IDBYTES + 1 } };
	size_t			 i;

	dl.from = (char *)"alice";
	dl.from_device = 1;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ct = receipt_roundtrip(bad[i][0], bad[i][1]);
		ck_assert_ptr_nonnull(ct);
		ck_assert_int_eq(receipts_apply(NULL, &dl, ct, &seen), 1);
		ck_assert_ptr_null(seen);
		content_free(ct);
	}
	/* The largest valid receipt still fits one padded plaintext. */
	ct = receipt_roundtrip(OUTBOX_READ_MAX, CORE_IDBYTES);
	ck_assert_ptr_nonnull(ct);
	ck_assert_uint_eq(ct->read_receipt->n_message_ids, OUTBOX_READ_MAX);
	content_free(ct);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("content");
	TCase	*tc = tcase_create("content");

	tcase_add_test(tc, test_padding);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_receipt_bounds);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
