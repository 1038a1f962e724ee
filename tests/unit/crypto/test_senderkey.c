/* test_senderkey: sender keys (rotation, tampering, ordering, limits, serialisation). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "shared/crypto/senderkey.h"
#include "shared/util/xmalloc.h"
#include "tests/unit/unit.h"

#define GID	"group-1"
#define GIDLEN	(sizeof GID - 1)

struct msg {
	uint8_t	buf[256];
	size_t	len;
};

static void
enc(struct senderkey *s, struct msg *m, const char *text)
{
	ck_assert_int_eq(senderkey_encrypt(s, m->buf, &m->len,
	    (const uint8_t *)text, strlen(text)), 0);
	ck_assert_uint_eq(m->len, strlen(text) + SENDERKEY_OVERHEAD(GIDLEN));
}

static int
dec(struct senderkey_peer *p, const struct msg *m, char *out)
{
	size_t	n;
	int	rc;

	rc = senderkey_peer_decrypt(p, (uint8_t *)out, &n, m->buf, m->len);
	if (rc == 0)
		out[n] = '\0';
	return (rc);
}

static struct senderkey_peer *
peer_of(const struct senderkey *s)
{
	struct senderkey_peer	*p = senderkey_peer_create();
	uint8_t			 d[SENDERKEY_DISTMAX];
	size_t			 n;

	senderkey_distribution(s, d, &n);
	ck_assert_uint_eq(n, SENDERKEY_DISTBYTES(GIDLEN));
	ck_assert_int_eq(senderkey_peer_process(p, d, n), 0);
	return (p);
}

/* The peer's serialised form, to check a failed decrypt left it unchanged. */
static uint8_t *
snap(const struct senderkey_peer *p, size_t *len)
{
	return (senderkey_peer_serialize(p, len));
}

START_TEST(test_roundtrip)
{
	struct senderkey	*s = senderkey_create((const uint8_t *)GID, GIDLEN);
	struct senderkey_peer	*p = peer_of(s);
	struct msg		 m;
	char			 out[256];
	int			 i;

	for (i = 0; i < 10; i++) {
		enc(s, &m, "hello group");
		ck_assert_int_eq(dec(p, &m, out), 0);
		ck_assert_str_eq(out, "hello group");
	}
	/* A replay fails: its key is gone. */
	ck_assert_int_eq(dec(p, &m, out), -1);
	ck_assert_uint_eq(senderkey_iteration(s), 10);
	senderkey_peer_free(p);
	senderkey_free(s);
}
END_TEST

START_TEST(test_rotation_on_removal)
{
	struct senderkey	*s = senderkey_create((const uint8_t *)GID, GIDLEN);
	struct senderkey_peer	*kept = peer_of(s), *removed = peer_of(s);
	struct msg		 m;
	char			 out[256];
	uint32_t		 old = senderkey_key_id(s);
	uint8_t			 d[SENDERKEY_DISTMAX];
	size_t			 n;

	enc(s, &m, "before");
	ck_assert_int_eq(dec(kept, &m, out), 0);
	ck_assert_int_eq(dec(removed, &m, out), 0);
	/* A member is removed: rotate, redistribute to the others only. */
	senderkey_rotate(s);
	ck_assert_uint_ne(senderkey_key_id(s), old);
	ck_assert_uint_eq(senderkey_iteration(s), 0);
	senderkey_distribution(s, d, &n);
	ck_assert_int_eq(senderkey_peer_process(kept, d, n), 0);
	enc(s, &m, "after");
	ck_assert_int_eq(dec(kept, &m, out), 0);
	ck_assert_str_eq(out, "after");
	ck_assert_int_eq(dec(removed, &m, out), -1);
	senderkey_peer_free(kept);
	senderkey_peer_free(removed);
	senderkey_free(s);
}
END_TEST

START_TEST(test_tampered)
{
	struct senderkey	*s = senderkey_create((const uint8_t *)GID, GIDLEN);
	struct senderkey	*forger;
	struct senderkey_peer	*p = peer_of(s);
	struct msg		 m, t;
	uint8_t			*before, *after, *ser;
	size_t			 blen, alen, slen, i;
	char			 out[256];

	enc(s, &m, "pay 10 to bob");
	before = snap(p, &blen);
	/* Every single flipped byte is rejected and leaves the peer unchanged. */
	for (i = 0; i < m.len; i++) {
		t = m;
		t.buf[i] ^= 0x01;
		ck_assert_int_eq(dec(p, &t, out), -1);
	}
	t = m;
	t.len--;
	ck_assert_int_eq(dec(p, &t, out), -1);
	after = snap(p, &alen);
	ck_assert_uint_eq(alen, blen);
	ck_assert_mem_eq(after, before, blen);
	free(after);
	/* Valid signature, wrong chain (so a wrong tag): the tag check alone
	 * must reject it, with the state unchanged. */
	ser = senderkey_serialize(s, &slen);
	ser[SENDERKEY_HEADERBYTES(GIDLEN)] ^= 0x80;	/* first chain key byte */
	forger = senderkey_deserialize(ser, slen);
	ck_assert_ptr_nonnull(forger);
	enc(forger, &t, "pay 99 to eve");
	ck_assert_int_eq(dec(p, &t, out), -1);
	after = snap(p, &alen);
	ck_assert_mem_eq(after, before, blen);
	free(after);
	/* The genuine message still decrypts. */
	ck_assert_int_eq(dec(p, &m, out), 0);
	ck_assert_str_eq(out, "pay 10 to bob");
	sodium_memzero(ser, slen);
	free(ser);
	free(before);
	senderkey_free(forger);
	senderkey_peer_free(p);
	senderkey_free(s);
}
END_TEST

START_TEST(test_signature_other_key)
{
	struct senderkey	*s = senderkey_create((const uint8_t *)GID, GIDLEN);
	struct senderkey_peer	*p = peer_of(s);
	struct msg		 m;
	uint8_t			 sk[64], pk[32];
	char			 out[256];

	/* Re-sign a genuine message with another key: signature rejected. */
	enc(s, &m, "hi");
	crypto_sign_keypair(pk, sk);
	crypto_sign_detached(m.buf + m.len - 64, NULL, m.buf, m.len - 64, sk);
	ck_assert_int_eq(dec(p, &m, out), -1);
	senderkey_peer_free(p);
	senderkey_free(s);
}
END_TEST

START_TEST(test_out_of_order)
{
	struct senderkey	*s = senderkey_create((const uint8_t *)GID, GIDLEN);
	struct senderkey_peer	*p = peer_of(s);
	struct msg		*m = xcalloc(SENDERKEY_MAXJUMP + 7, sizeof *m);
	char			 out[256], want[32];
	int			 i, n = SENDERKEY_MAXJUMP + 7;

	for (i = 0; i < n; i++) {
		snprintf(want, sizeof want, "m%d", i);
		enc(s, &m[i], want);
	}
	/* Message 5 first (skips 0-4), then 2, then 0; replays fail. */
	ck_assert_int_eq(dec(p, &m[5], out), 0);
	ck_assert_str_eq(out, "m5");
	ck_assert_int_eq(dec(p, &m[2], out), 0);
	ck_assert_str_eq(out, "m2");
	ck_assert_int_eq(dec(p, &m[0], out), 0);
	ck_assert_int_eq(dec(p, &m[2], out), -1);
	ck_assert_int_eq(dec(p, &m[5], out), -1);
	/* Jump of exactly the limit from 6: message 6 + 2000 works. */
	ck_assert_int_eq(dec(p, &m[6 + SENDERKEY_MAXJUMP], out), 0);
	ck_assert_int_eq(dec(p, &m[1000], out), 0);
	ck_assert_str_eq(out, "m1000");
	senderkey_peer_free(p);
	/* A jump over the limit is rejected: a fresh peer at iteration 0
	 * gets message SENDERKEY_MAXJUMP + 1 (2001 keys to skip). */
	p = senderkey_peer_create();
	{
		uint8_t	d[SENDERKEY_DISTMAX];
		size_t	dl;
		struct senderkey	*s2 = senderkey_create((const uint8_t *)GID,
					    GIDLEN);

		senderkey_distribution(s2, d, &dl);
		ck_assert_int_eq(senderkey_peer_process(p, d, dl), 0);
		for (i = 0; i <= SENDERKEY_MAXJUMP + 1; i++)
			enc(s2, &m[i], "far");
		ck_assert_int_eq(dec(p, &m[SENDERKEY_MAXJUMP + 1], out), -1);
		ck_assert_int_eq(dec(p, &m[SENDERKEY_MAXJUMP], out), 0);
		senderkey_free(s2);
	}
	free(m);
	senderkey_peer_free(p);
	senderkey_free(s);
}
END_TEST

START_TEST(test_states_kept)
{
	struct senderkey	*s = senderkey_create((const uint8_t *)GID, GIDLEN);
	struct senderkey_peer	*p = senderkey_peer_create();
	struct msg		 m[7];
	uint8_t			 d[SENDERKEY_DISTMAX];
	size_t			 n;
	char			 out[256];
	int			 i;

	/* Seven rotations; each message sent but not yet received. */
	for (i = 0; i < 7; i++) {
		if (i > 0)
			senderkey_rotate(s);
		senderkey_distribution(s, d, &n);
		ck_assert_int_eq(senderkey_peer_process(p, d, n), 0);
		enc(s, &m[i], "x");
	}
	/* Only the newest SENDERKEY_MAXSTATES (5) chains remain. */
	ck_assert_int_eq(dec(p, &m[0], out), -1);
	ck_assert_int_eq(dec(p, &m[1], out), -1);
	for (i = 2; i < 7; i++)
		ck_assert_int_eq(dec(p, &m[i], out), 0);
	senderkey_peer_free(p);
	senderkey_free(s);
}
END_TEST

START_TEST(test_serialize)
{
	struct senderkey	*s = senderkey_create((const uint8_t *)GID, GIDLEN);
	struct senderkey	*s2;
	struct senderkey_peer	*p = peer_of(s), *p2;
	struct msg		 m[4];
	uint8_t			*buf, junk1;
	size_t			 len, i;
	char			 out[256];

	for (i = 0; i < 4; i++)
		enc(s, &m[i], "ser");
	ck_assert_int_eq(dec(p, &m[3], out), 0);	/* 3 skipped keys */
	buf = senderkey_peer_serialize(p, &len);
	p2 = senderkey_peer_deserialize(buf, len);
	ck_assert_ptr_nonnull(p2);
	/* Every truncation and the empty input are rejected. */
	for (i = 0; i < len; i++)
		ck_assert_ptr_null(senderkey_peer_deserialize(buf, i));
	free(buf);
	ck_assert_int_eq(dec(p2, &m[1], out), 0);
	ck_assert_int_eq(dec(p2, &m[3], out), -1);
	buf = senderkey_serialize(s, &len);
	s2 = senderkey_deserialize(buf, len);
	ck_assert_ptr_nonnull(s2);
	for (i = 0; i < len; i++)
		ck_assert_ptr_null(senderkey_deserialize(buf, i));
	/* A wrong version or an empty group id, even with nothing after
	 * it (a fuzzer's find: "\055" alone once parsed). */
	for (i = 0; i < 256; i++) {
		junk1 = (uint8_t)i;
		ck_assert_ptr_null(senderkey_deserialize(&junk1, 1));
	}
	ck_assert_ptr_null(senderkey_deserialize((const uint8_t *)"\001", 2));
	buf[0] ^= 0x80;
	ck_assert_ptr_null(senderkey_deserialize(buf, len));
	free(buf);
	enc(s2, &m[0], "from restored");
	ck_assert_int_eq(dec(p2, &m[0], out), 0);
	ck_assert_str_eq(out, "from restored");
	senderkey_peer_free(p);
	senderkey_peer_free(p2);
	senderkey_free(s);
	senderkey_free(s2);
}
END_TEST

START_TEST(test_bad_input)
{
	struct senderkey	*s = senderkey_create((const uint8_t *)GID, GIDLEN);
	struct senderkey	*other = senderkey_create((const uint8_t *)"group-2", 7);
	struct senderkey_peer	*p = peer_of(s);
	uint8_t			 d[SENDERKEY_DISTMAX], junk[300];
	size_t			 n, i;
	char			 out[512];
	const uint8_t		*gid;
	size_t			 gidlen;
	uint32_t		 kid;
	struct msg		 m;

	ck_assert_ptr_null(senderkey_create((const uint8_t *)"", 0));
	/* A distribution for another group cannot join this record. */
	senderkey_distribution(other, d, &n);
	ck_assert_int_eq(senderkey_peer_process(p, d, n), -1);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(senderkey_peer_process(p, d, i), -1);
	/* A message of another group is refused. */
	enc(other, &m, "elsewhere");
	ck_assert_int_eq(dec(p, &m, out), -1);
	/* Short and random inputs. */
	randombytes_buf(junk, sizeof junk);
	for (i = 0; i < sizeof junk; i++) {
		size_t	ml;

		ck_assert_int_eq(senderkey_peer_decrypt(p, (uint8_t *)out, &ml,
		    junk, i), -1);
	}
	enc(s, &m, "peek");
	ck_assert_int_eq(senderkey_message_peek(m.buf, m.len, &gid, &gidlen,
	    &kid), 0);
	ck_assert_uint_eq(gidlen, GIDLEN);
	ck_assert_mem_eq(gid, GID, GIDLEN);
	ck_assert_uint_eq(kid, senderkey_key_id(s));
	ck_assert_int_eq(senderkey_message_peek(m.buf, 5, &gid, &gidlen, &kid),
	    -1);
	senderkey_peer_free(p);
	senderkey_free(s);
	senderkey_free(other);
}
END_TEST

int
main(void)
{
	Suite	*su = suite_create("senderkey");
	TCase	*tc = tcase_create("senderkey");

	if (sodium_init() < 0)
		return (1);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_rotation_on_removal);
	tcase_add_test(tc, test_tampered);
	tcase_add_test(tc, test_signature_other_key);
	tcase_add_test(tc, test_out_of_order);
	tcase_add_test(tc, test_states_kept);
	tcase_add_test(tc, test_serialize);
	tcase_add_test(tc, test_bad_input);
	suite_add_tcase(su, tc);
	return (unit_run(su));
}
