/* test_session: prekey messages, OPK reporting, Sesame convergence under
 * simultaneous initiation, replay, malformed input, record round trip,
 * the work bound on forged messages. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "shared/crypto/ratchet.h"
#include "shared/crypto/session.h"
#include "tests/unit/unit.h"

#define NOW	1700000000000ULL

struct dev {
	struct keys_identity	 id;
	uint32_t		 dev;
	struct keys_prekey	 spk, opk;
	int			 opk_gone;
	struct session_record	*rec;	/* with the other device */
};

static struct dev	A, B;

static int
lookup(void *arg, int is_opk, uint32_t id, struct keys_prekey *out)
{
	struct dev	*d = arg;

	if (!is_opk && id == d->spk.id) {
		*out = d->spk;
		return (0);
	}
	if (is_opk && id == d->opk.id && !d->opk_gone) {
		*out = d->opk;
		return (0);
	}
	return (-1);
}

static void
mkdev(struct dev *d, uint32_t dev)
{
	memset(d, 0, sizeof *d);
	ck_assert_int_eq(keys_identity_generate(&d->id), 0);
	d->dev = dev;
	keys_spk_generate(&d->spk, &d->id, dev * 10);
	keys_opk_generate(&d->opk, dev * 100);
	d->rec = session_record_new();
}

static void
setup(void)
{
	mkdev(&A, 1);
	mkdev(&B, 2);
}

static void
teardown(void)
{
	session_record_free(A.rec);
	session_record_free(B.rec);
}

static void
initiate(struct dev *from, struct dev *to, int with_opk)
{
	struct keys_bundle	b;

	keys_bundle_make(&b, to->dev, &to->id, &to->spk,
	    with_opk ? &to->opk : NULL);
	ck_assert_int_eq(session_initiate(from->rec, &from->id, from->dev,
	    &b), 0);
}

struct wire {
	int	type;
	uint8_t	*c;
	size_t	len;
};

static struct wire
enc(struct dev *from, const char *text)
{
	struct wire	w;

	ck_assert_int_eq(session_encrypt(from->rec, &w.type, &w.c, &w.len,
	    (const uint8_t *)text, strlen(text)), 0);
	return (w);
}

static int
dec(struct dev *to, struct wire w, const char *text,
    struct session_prekey_info *info)
{
	uint8_t	*pt;
	size_t	 len;

	if (session_decrypt(to->rec, &to->id, to->dev, lookup, to, w.type,
	    w.c, w.len, NOW, &pt, &len, info) != 0)
		return (-1);
	ck_assert_uint_eq(len, strlen(text));
	ck_assert_mem_eq(pt, text, len);
	if (info != NULL && info->used_opk)
		to->opk_gone = 1;
	free(pt);
	return (0);
}

static void
exchange(struct dev *x, struct dev *y, int rounds)
{
	struct wire	w;

	while (rounds-- > 0) {
		w = enc(x, "ping");
		ck_assert_int_eq(dec(y, w, "ping", NULL), 0);
		free(w.c);
		w = enc(y, "pong");
		ck_assert_int_eq(dec(x, w, "pong", NULL), 0);
		ck_assert_int_eq(w.type, SESSION_MSG_RATCHET);
		free(w.c);
	}
}

static void
basic(int with_opk)
{
	struct session_prekey_info	info;
	struct wire			w1, w2, r;
	uint8_t				ik[32], *rec;
	uint32_t			dev;
	size_t				reclen;

	ck_assert_int_eq(session_record_peer(A.rec, ik, &dev), -1);
	initiate(&A, &B, with_opk);
	ck_assert_int_eq(session_record_peer(A.rec, ik, &dev), 0);
	ck_assert_mem_eq(ik, B.id.ed_pk, 32);
	ck_assert_uint_eq(dev, 2);
	w1 = enc(&A, "hello");
	w2 = enc(&A, "again");
	ck_assert_int_eq(w1.type, SESSION_MSG_PREKEY);
	ck_assert_int_eq(w2.type, SESSION_MSG_PREKEY);
	ck_assert_int_eq(dec(&B, w2, "again", &info), 0);
	ck_assert_int_eq(info.new_session, 1);
	ck_assert_int_eq(info.used_opk, with_opk);
	if (with_opk)
		ck_assert_uint_eq(info.opk_id, 200);
	ck_assert_mem_eq(info.peer_ik, A.id.ed_pk, 32);
	ck_assert_uint_eq(info.peer_device, 1);
	ck_assert_int_eq(session_record_peer(B.rec, ik, &dev), 0);
	ck_assert_mem_eq(ik, A.id.ed_pk, 32);
	ck_assert_uint_eq(dev, 1);
	/* B's session keeps neither prekey's private key (nor A its EK). */
	session_record_serialise(B.rec, &rec, &reclen);
	ck_assert_ptr_null(memmem(rec, reclen, B.spk.sk, 32));
	ck_assert_ptr_null(memmem(rec, reclen, B.opk.sk, 32));
	free(rec);
	/* Second prekey message from the same EK: same session, OPK gone. */
	ck_assert_int_eq(dec(&B, w1, "hello", &info), 0);
	ck_assert_int_eq(info.new_session, 0);
	ck_assert_int_eq(dec(&B, w1, "hello", NULL), -1);	/* replay */
	r = enc(&B, "reply");
	ck_assert_int_eq(r.type, SESSION_MSG_RATCHET);
	ck_assert_int_eq(dec(&A, r, "reply", NULL), 0);
	ck_assert_int_eq(dec(&A, r, "reply", NULL), -1);	/* replay */
	free(r.c);
	r = enc(&A, "now plain");
	ck_assert_int_eq(r.type, SESSION_MSG_RATCHET);
	ck_assert_int_eq(dec(&B, r, "now plain", NULL), 0);
	free(r.c);
	free(w1.c);
	free(w2.c);
	exchange(&A, &B, 3);
}

START_TEST(test_with_opk)
{
	basic(1);
}
END_TEST

START_TEST(test_without_opk)
{
	basic(0);
}
END_TEST

START_TEST(test_bad_spk)
{
	struct keys_bundle	b;

	keys_bundle_make(&b, 2, &B.id, &B.spk, &B.opk);
	b.spk_sig[0] ^= 1;
	ck_assert_int_eq(session_initiate(A.rec, &A.id, 1, &b), -1);
	ck_assert_int_eq(session_record_has_session(A.rec), 0);
}
END_TEST

/* Both initiate; ordering i picks how the first messages cross. */
START_TEST(test_simultaneous)
{
	struct wire	wa, wb, r;

	initiate(&A, &B, 1);
	initiate(&B, &A, 1);
	wa = enc(&A, "from A");
	wb = enc(&B, "from B");
	switch (_i) {
	case 0:
		ck_assert_int_eq(dec(&B, wa, "from A", NULL), 0);
		ck_assert_int_eq(dec(&A, wb, "from B", NULL), 0);
		break;
	case 1:
		ck_assert_int_eq(dec(&A, wb, "from B", NULL), 0);
		ck_assert_int_eq(dec(&B, wa, "from A", NULL), 0);
		break;
	case 2:
		ck_assert_int_eq(dec(&B, wa, "from A", NULL), 0);
		r = enc(&B, "reply B");
		ck_assert_int_eq(dec(&A, r, "reply B", NULL), 0);
		free(r.c);
		ck_assert_int_eq(dec(&A, wb, "from B", NULL), 0);
		break;
	case 3:
		ck_assert_int_eq(dec(&A, wb, "from B", NULL), 0);
		r = enc(&A, "reply A");
		ck_assert_int_eq(dec(&B, r, "reply A", NULL), 0);
		free(r.c);
		ck_assert_int_eq(dec(&B, wa, "from A", NULL), 0);
		break;
	}
	free(wa.c);
	free(wb.c);
	exchange(&A, &B, 2);
	exchange(&B, &A, 2);
}
END_TEST

START_TEST(test_malformed_and_record)
{
	struct session_record	*copy;
	struct wire		 w;
	uint8_t			*s, *pt, *t;
	size_t			 slen, tlen, len, i;

	initiate(&A, &B, 1);
	w = enc(&A, "hello");
	for (i = 0; i < w.len; i++) {
		ck_assert_int_eq(session_decrypt(B.rec, &B.id, 2, lookup, &B,
		    w.type, w.c, i, NOW, &pt, &len, NULL), -1);
		w.c[i] ^= 4;
		ck_assert_int_eq(dec(&B, w, "hello", NULL), -1);
		w.c[i] ^= 4;
	}
	ck_assert_int_eq(session_record_has_session(B.rec), 0);
	ck_assert_int_eq(dec(&B, w, "hello", NULL), 0);
	free(w.c);
	session_record_serialise(B.rec, &s, &slen);
	for (i = 0; i < slen; i++)
		ck_assert_ptr_null(session_record_parse(s, i));
	copy = session_record_parse(s, slen);
	ck_assert_ptr_nonnull(copy);
	session_record_serialise(copy, &t, &tlen);
	ck_assert_uint_eq(tlen, slen);
	ck_assert_mem_eq(t, s, slen);
	free(s);
	free(t);
	session_record_free(B.rec);
	B.rec = copy;
	exchange(&B, &A, 2);
}
END_TEST

/* Random byte strings never crash a decoder and never decrypt. */
START_TEST(test_random_input)
{
	struct session_record	*r;
	struct keys_bundle	 b;
	uint8_t			 buf[600], *pt;
	size_t			 len, plen;
	int			 i, type;

	initiate(&A, &B, 1);
	for (i = 0; i < 3000; i++) {
		len = randombytes_uniform(sizeof buf);
		randombytes_buf(buf, len);
		type = 1 + (i & 1);
		if (i % 3 == 0 && len > 2) {	/* plausible headers */
			buf[0] = 1;
			buf[1] &= 1;
		}
		ck_assert_int_eq(session_decrypt(B.rec, &B.id, 2, lookup, &B,
		    type, buf, len, NOW, &pt, &plen, NULL), -1);
		ck_assert_int_eq(session_decrypt(A.rec, &A.id, 1, lookup, &A,
		    type, buf, len, NOW, &pt, &plen, NULL), -1);
		r = session_record_parse(buf, len);
		session_record_free(r);
		ratchet_free(ratchet_parse(buf, len));
		if (keys_bundle_parse(&b, buf, len) == 0)
			ck_assert_uint_eq(len, KEYS_BUNDLE_BYTES);
	}
}
END_TEST

/* The work a failed decrypt of c took; the record must not change. */
static struct ratchet_work
forged_work(struct dev *to, int type, const uint8_t *c, size_t len)
{
	struct ratchet_work	 w0, w1;
	uint8_t			*s0, *s1, *pt;
	size_t			 l0, l1, plen;

	session_record_serialise(to->rec, &s0, &l0);
	ratchet_work_get(&w0);
	ck_assert_int_eq(session_decrypt(to->rec, &to->id, to->dev, lookup, to,
	    type, c, len, NOW, &pt, &plen, NULL), -1);
	ratchet_work_get(&w1);
	session_record_serialise(to->rec, &s1, &l1);
	ck_assert_uint_eq(l1, l0);
	ck_assert_mem_eq(s1, s0, l0);
	free(s0);
	free(s1);
	w1.dh -= w0.dh;
	w1.steps -= w0.steps;
	return (w1);
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * The review's reproduction: B keeps 41 states with A, and a forged
 * message asks for the most work one can (a ratchet key no state knows,
 * the longest jump).  It cost 41 DH steps and 41,041 chain steps (71 ms);
 * now at most SESSION_MAX_DH and SESSION_MAX_STEPS.  A forgery under a
 * key one state knows costs that state's chain walk and no DH.
 */
START_TEST(test_forged_work)
{
	struct ratchet_work	work;
	struct wire		w;
	uint8_t			c[100 + RATCHET_OVERHEAD];
	uint32_t		n;
	int			i;

	for (i = 0; i <= SESSION_MAX_ARCHIVED; i++) {
		initiate(&A, &B, 0);
		w = enc(&A, "hello");
		ck_assert_int_eq(dec(&B, w, "hello", NULL), 0);
		free(w.c);
	}
	exchange(&B, &A, 1);
	randombytes_buf(c, sizeof c);
	c[0] = RATCHET_VERSION;
	put32(c + 33, 0);
	put32(c + 37, RATCHET_MAX_SKIP);
	work = forged_work(&B, SESSION_MSG_RATCHET, c, sizeof c);
	ck_assert_uint_ge(work.dh, 1);
	ck_assert_uint_le(work.dh, SESSION_MAX_DH);
	ck_assert_uint_le(work.steps, SESSION_MAX_STEPS);
	ck_assert_uint_ge(work.steps, RATCHET_MAX_SKIP + 1);

	/* A's ratchet key, known to B's active state, and the longest jump. */
	w = enc(&A, "real");
	ck_assert_int_eq(w.type, SESSION_MSG_RATCHET);
	memcpy(c, w.c, RATCHET_HEADER_BYTES);
	n = (uint32_t)c[37] << 24 | (uint32_t)c[38] << 16 |
	    (uint32_t)c[39] << 8 | c[40];
	put32(c + 37, n + RATCHET_MAX_SKIP);
	work = forged_work(&B, SESSION_MSG_RATCHET, c, sizeof c);
	ck_assert_uint_eq(work.dh, 0);
	ck_assert_uint_eq(work.steps, RATCHET_MAX_SKIP + 1);
	/* One past the longest jump costs nothing. */
	put32(c + 37, n + RATCHET_MAX_SKIP + 1);
	work = forged_work(&B, SESSION_MSG_RATCHET, c, sizeof c);
	ck_assert_uint_eq(work.dh + work.steps, 0);
	ck_assert_int_eq(dec(&B, w, "real", NULL), 0);
	free(w.c);
	exchange(&A, &B, 2);
}
END_TEST

/*
 * A new ratchet key on an archived state (the peer answers on a session
 * we have since replaced) still decrypts within the budget, after a jump.
 */
START_TEST(test_archived_new_key)
{
	struct session_record	*old;
	struct wire		 w;
	uint8_t			*s;
	size_t			 len;
	int			 i;

	initiate(&A, &B, 1);
	exchange(&A, &B, 1);
	session_record_serialise(A.rec, &s, &len);
	old = session_record_parse(s, len);
	ck_assert_ptr_nonnull(old);
	free(s);
	for (i = 0; i < SESSION_MAX_DH - 1; i++) {
		initiate(&A, &B, 0);
		w = enc(&A, "newer");
		ck_assert_int_eq(dec(&B, w, "newer", NULL), 0);
		free(w.c);
	}
	session_record_free(A.rec);
	A.rec = old;
	for (i = 0; i < 500; i++) {	/* lost on the way */
		w = enc(&A, "skipped");
		free(w.c);
	}
	w = enc(&A, "on the old session");
	ck_assert_int_eq(w.type, SESSION_MSG_RATCHET);
	ck_assert_int_eq(dec(&B, w, "on the old session", NULL), 0);
	free(w.c);
	exchange(&B, &A, 2);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("session");
	TCase	*tc = tcase_create("session");

	if (sodium_init() < 0)
		return (EXIT_FAILURE);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_with_opk);
	tcase_add_test(tc, test_without_opk);
	tcase_add_test(tc, test_bad_spk);
	tcase_add_loop_test(tc, test_simultaneous, 0, 4);
	tcase_add_test(tc, test_malformed_and_record);
	tcase_add_test(tc, test_random_input);
	tcase_add_test(tc, test_forged_work);
	tcase_add_test(tc, test_archived_new_key);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
