/* bench_ratchet: natter-bench crypto's one-to-one workloads on the session API. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "shared/crypto/keys.h"
#include "shared/crypto/ratchet.h"
#include "shared/crypto/session.h"
#include "tests/bench/bench_crypto.h"

#define BR_MSGBYTES	100
#define BR_NOW		1700000000000ULL
#define BR_OPKS		64	/* one-time prekeys the setup workload cycles */

/* One device: identity, signed prekey, one-time prekeys, its record. */
struct br_dev {
	struct keys_identity	 id;
	uint32_t		 dev;
	struct keys_prekey	 spk;
	struct keys_prekey	 opk[BR_OPKS];
	struct session_record	*rec;	/* with the other device */
};

struct br_pair {
	struct br_dev	a, b;
	uint8_t		m[BR_MSGBYTES];
};

/* session_prekey_cb: our signed or one-time prekey by id. */
static int
br_lookup(void *arg, int is_opk, uint32_t id, struct keys_prekey *out)
{
	struct br_dev	*d = arg;

	if (!is_opk) {
		if (id != d->spk.id)
			return (-1);
		*out = d->spk;
		return (0);
	}
	if (id < 1 || id > BR_OPKS)
		return (-1);
	*out = d->opk[id - 1];
	return (0);
}

static void
br_dev_init(struct br_dev *d, uint32_t dev)
{
	uint32_t	i;

	memset(d, 0, sizeof *d);
	if (keys_identity_generate(&d->id) != 0)
		abort();
	d->dev = dev;
	keys_spk_generate(&d->spk, &d->id, 7);
	for (i = 0; i < BR_OPKS; i++)
		keys_opk_generate(&d->opk[i], i + 1);
	d->rec = session_record_new();
}

static void
br_dev_fini(struct br_dev *d)
{
	session_record_free(d->rec);
	sodium_memzero(d, sizeof *d);
}

/* Send m from one device to the other; -1 unless it decrypts to m. */
static int
br_send(struct br_dev *from, struct br_dev *to, const uint8_t *m,
    size_t mlen)
{
	uint8_t	*c, *p;
	size_t	 clen, plen;
	int	 type, rc;

	if (session_encrypt(from->rec, &type, &c, &clen, m, mlen) != 0)
		return (-1);
	rc = session_decrypt(to->rec, &to->id, to->dev, br_lookup, to, type,
	    c, clen, BR_NOW, &p, &plen, NULL);
	free(c);
	if (rc != 0)
		return (-1);
	rc = plen == mlen && memcmp(p, m, mlen) == 0 ? 0 : -1;
	free(p);
	return (rc);
}

/* Two devices with a session set up and answered (no prekey messages). */
static struct br_pair *
br_pair_new(void)
{
	struct br_pair		*bp = calloc(1, sizeof *bp);
	struct keys_bundle	 b;

	if (bp == NULL)
		abort();
	br_dev_init(&bp->a, 1);
	br_dev_init(&bp->b, 2);
	randombytes_buf(bp->m, sizeof bp->m);
	keys_bundle_make(&b, bp->b.dev, &bp->b.id, &bp->b.spk, &bp->b.opk[0]);
	if (session_initiate(bp->a.rec, &bp->a.id, bp->a.dev, &b) != 0 ||
	    br_send(&bp->a, &bp->b, bp->m, sizeof bp->m) != 0 ||
	    br_send(&bp->b, &bp->a, bp->m, sizeof bp->m) != 0)
		abort();
	return (bp);
}

void *
bc_ratchet_init(void)
{
	return (br_pair_new());
}

void *
bc_pingpong_init(void)
{
	return (br_pair_new());
}

/* Same chain: A sends, B receives, every time. */
int
bc_ratchet_run(void *arg, uint64_t n)
{
	struct br_pair	*bp = arg;
	uint64_t	 i;

	for (i = 0; i < n; i++) {
		bp->m[0] = (uint8_t)i;
		if (br_send(&bp->a, &bp->b, bp->m, sizeof bp->m) != 0)
			return (-1);
	}
	return (0);
}

/* Ping-pong: the direction alternates, so every message turns the ratchet. */
int
bc_pingpong_run(void *arg, uint64_t n)
{
	struct br_pair	*bp = arg;
	uint64_t	 i;
	int		 rc;

	for (i = 0; i < n; i++) {
		bp->m[0] = (uint8_t)i;
		if (i % 2 == 0)
			rc = br_send(&bp->a, &bp->b, bp->m, sizeof bp->m);
		else
			rc = br_send(&bp->b, &bp->a, bp->m, sizeof bp->m);
		if (rc != 0)
			return (-1);
	}
	return (0);
}

void
bc_ratchet_fini(void *arg)
{
	struct br_pair	*bp = arg;

	br_dev_fini(&bp->a);
	br_dev_fini(&bp->b);
	free(bp);
}

void *
bc_x3dh_init(void)
{
	return (br_pair_new());
}

/*
 * One full setup: B's serialised bundle (with a one-time prekey) is
 * parsed and its SPK signature verified, A runs X3DH and encrypts the
 * first message (a prekey message), B runs X3DH and decrypts it. Fresh
 * session records each time; generating B's prekeys is not timed. The
 * two identity keys' X25519 forms are remembered from the previous setup
 * (keys_ed_pk_to_x) unless cold.
 */
static int
br_setups(struct br_pair *bp, uint64_t n, int cold)
{
	struct keys_bundle	 b;
	uint8_t			 wire[KEYS_BUNDLE_BYTES];
	uint64_t		 i;
	int			 rc;

	for (i = 0; i < n; i++) {
		keys_bundle_make(&b, bp->b.dev, &bp->b.id, &bp->b.spk,
		    &bp->b.opk[i % BR_OPKS]);
		keys_bundle_serialise(wire, &b);
		session_record_free(bp->a.rec);
		session_record_free(bp->b.rec);
		bp->a.rec = session_record_new();
		bp->b.rec = session_record_new();
		bp->m[0] = (uint8_t)i;
		if (cold)
			keys_xcache_clear();
		rc = keys_bundle_parse(&b, wire, sizeof wire);
		if (rc == 0)
			rc = session_initiate(bp->a.rec, &bp->a.id, bp->a.dev,
			    &b);
		if (rc == 0)
			rc = br_send(&bp->a, &bp->b, bp->m, sizeof bp->m);
		if (rc != 0)
			return (-1);
	}
	return (0);
}

int
bc_x3dh_run(void *arg, uint64_t n)
{
	return (br_setups(arg, n, 0));
}

/* As bc_x3dh_run, first contact: no identity key's X25519 form known. */
int
bc_x3dh_cold_run(void *arg, uint64_t n)
{
	return (br_setups(arg, n, 1));
}

void
bc_x3dh_fini(void *arg)
{
	bc_ratchet_fini(arg);
}

/*
 * The security review's reproduction: B keeps 41 session states with A
 * (the active one and SESSION_MAX_ARCHIVED archived), and gets a forged
 * ratchet message under a ratchet key no state knows, asking for the
 * longest chain walk there is (n = RATCHET_MAX_SKIP).  Each must fail and
 * leave the record as it was; the rate says what one costs B.
 */
struct br_forged {
	struct br_pair	*bp;
	uint8_t		 c[BR_MSGBYTES + RATCHET_OVERHEAD];
};

void *
bc_forged_init(void)
{
	struct br_forged	*f = calloc(1, sizeof *f);
	struct keys_bundle	 b;
	int			 i;

	if (f == NULL)
		abort();
	f->bp = br_pair_new();
	for (i = 1; i <= SESSION_MAX_ARCHIVED; i++) {
		keys_bundle_make(&b, f->bp->b.dev, &f->bp->b.id, &f->bp->b.spk,
		    &f->bp->b.opk[i % BR_OPKS]);
		if (session_initiate(f->bp->a.rec, &f->bp->a.id, f->bp->a.dev,
		    &b) != 0 || br_send(&f->bp->a, &f->bp->b, f->bp->m,
		    sizeof f->bp->m) != 0)
			abort();
	}
	randombytes_buf(f->c, sizeof f->c);
	f->c[0] = RATCHET_VERSION;
	memset(f->c + 33, 0, 4);			/* previous chain 0 */
	f->c[37] = (RATCHET_MAX_SKIP >> 24) & 0xff;	/* message number */
	f->c[38] = (RATCHET_MAX_SKIP >> 16) & 0xff;
	f->c[39] = (RATCHET_MAX_SKIP >> 8) & 0xff;
	f->c[40] = RATCHET_MAX_SKIP & 0xff;
	return (f);
}

int
bc_forged_run(void *arg, uint64_t n)
{
	struct br_forged	*f = arg;
	struct br_dev		*b = &f->bp->b;
	uint8_t			*p;
	size_t			 plen;
	uint64_t		 i;

	for (i = 0; i < n; i++) {
		if (session_decrypt(b->rec, &b->id, b->dev, br_lookup, b,
		    SESSION_MSG_RATCHET, f->c, sizeof f->c, BR_NOW, &p, &plen,
		    NULL) == 0) {
			free(p);
			return (-1);	/* a forgery decrypted */
		}
	}
	return (0);
}

void
bc_forged_fini(void *arg)
{
	struct br_forged	*f = arg;

	bc_ratchet_fini(f->bp);
	free(f);
}
