/* fuzz_content: the end-to-end plaintext decoder (padding, Content, read receipts, file pointers and their checks). */
#include <stdlib.h>
#include <string.h>

#include "client/core/attach.h"
#include "client/core/content.h"
#include "shared/crypto/media.h"
#include "tests/fuzz/fuzz.h"

static void
seed_content(const char *name, Natter__Content *c)
{
	uint8_t	*buf;
	size_t	 len;

	if (content_encode(c, &buf, &len) != 0)
		fuzz_fail(__FILE__, __LINE__, "seed too large");
	fuzz_seed(name, buf, len);
	free(buf);
}

/* A file pointer as send-file makes one. */
static void
seed_attachment(Natter__Content *c)
{
	Natter__Attachment	a = NATTER__ATTACHMENT__INIT;
	uint8_t			key[32], ps[32], bs[32];
	char			name[] = "notes.txt", mime[] = "text/plain";
	char			cap[] = "the notes";

	memset(key, 1, sizeof key);
	memset(ps, 2, sizeof ps);
	memset(bs, 3, sizeof bs);
	a.media_key.data = key;
	a.media_key.len = sizeof key;
	a.plain_sha256.data = ps;
	a.plain_sha256.len = sizeof ps;
	a.blob_sha256.data = bs;
	a.blob_sha256.len = sizeof bs;
	a.size = 8893;
	a.blob_size = MEDIA_BLOBSIZE(8893);
	a.name = name;
	a.mime = mime;
	a.caption = cap;
	c->body_case = NATTER__CONTENT__BODY_ATTACHMENT;
	c->attachment = &a;
	seed_content("attachment", c);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	Natter__Content		c = NATTER__CONTENT__INIT;
	Natter__ReadReceipt	rr = NATTER__READ_RECEIPT__INIT;
	ProtobufCBinaryData	ids[3];
	uint8_t			id[16], rid[3][16];
	char			to[] = "bob", text[] = "hello \xe2\x9c\x85 bob";
	int			i;

	(void)argc;
	(void)argv;
	fuzz_init();
	memset(id, 7, sizeof id);
	c.message_id.data = id;
	c.message_id.len = sizeof id;
	c.ts = 1795880330865;
	c.to = to;
	c.body_case = NATTER__CONTENT__BODY_TEXT;
	c.text = text;
	seed_content("text", &c);
	for (i = 0; i < 3; i++) {
		memset(rid[i], i + 1, sizeof rid[i]);
		ids[i].data = rid[i];
		ids[i].len = sizeof rid[i];
	}
	rr.message_ids = ids;
	rr.n_message_ids = 3;
	c.body_case = NATTER__CONTENT__BODY_READ_RECEIPT;
	c.read_receipt = &rr;
	seed_content("read-receipt", &c);
	seed_attachment(&c);
	return (0);
}

/* Pack c into a fresh buffer (*len bytes). */
static uint8_t *
pack(const Natter__Content *c, size_t *len)
{
	uint8_t	*buf;

	*len = natter__content__get_packed_size(c);
	buf = malloc(*len + 1);
	FUZZ_CHECK(buf != NULL);
	natter__content__pack(c, buf);
	return (buf);
}

/*
 * What decodes has a 16-byte id, and encodes again (padded) to bytes that
 * decode to the same message.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Natter__Content	*c, *d;
	uint8_t		*enc, *p1, *p2;
	size_t		 enclen, n1, n2;

	if ((c = content_decode(data, size)) == NULL)
		return (0);
	FUZZ_CHECK(c->message_id.len == 16);
	FUZZ_CHECK(size % CONTENT_BLOCK == 0 && size <= CONTENT_MAX);
	/* A pointer that passes the checks names a file, not a path. */
	if (c->body_case == NATTER__CONTENT__BODY_ATTACHMENT &&
	    attach_valid(c->attachment) == 0) {
		FUZZ_CHECK(strchr(c->attachment->name, '/') == NULL);
		FUZZ_CHECK(c->attachment->media_key.len == MEDIA_KEYBYTES);
		FUZZ_CHECK(c->attachment->size <= ATTACH_SIZEMAX);
	}
	if (content_encode(c, &enc, &enclen) == 0) {
		FUZZ_CHECK(enclen % CONTENT_BLOCK == 0);
		d = content_decode(enc, enclen);
		FUZZ_CHECK(d != NULL);
		p1 = pack(c, &n1);
		p2 = pack(d, &n2);
		FUZZ_CHECK(n1 == n2 && memcmp(p1, p2, n1) == 0);
		free(p1);
		free(p2);
		content_free(d);
		free(enc);
	}
	content_free(c);
	return (0);
}
