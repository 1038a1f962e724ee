/* session: per-peer-device session records (active + archived ratchets),
 * prekey messages, Sesame "most recent decrypt wins". */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "shared/crypto/ratchet.h"
#include "shared/crypto/session.h"
#include "shared/crypto/x3dh.h"
#include "shared/util/bytes.h"
#include "shared/util/xmalloc.h"

#define RECORD_VERSION	1
#define MAX_STATES	(1 + SESSION_MAX_ARCHIVED)

struct session_state {
	struct ratchet	*r;
	int		 pending;	/* initiator: wrap as prekey message */
	int		 responder;	/* base holds the peer's EK */
	uint8_t		 hdr[SESSION_PREKEY_HDR];
	uint8_t		 base[32];
};

struct session_record {
	struct session_state	s[MAX_STATES];	/* 0 active */
	int			n;
};

/* A prekey message's header, as read by prekey_read. */
struct prekey {
	uint8_t		 flags;		/* bit 0: OPK used */
	const uint8_t	*ik;		/* IK_A, Ed25519 */
	const uint8_t	*ek;		/* EK_A */
	uint32_t	 spk_id, opk_id, from_device, to_device;
};

/* Read the header at h (SESSION_PREKEY_HDR bytes, length checked by the
 * caller); -1 for an unknown version or flag. */
static int
prekey_read(struct prekey *ph, const uint8_t *h)
{
	struct bytes_reader	r;

	bytes_reader_init(&r, h, SESSION_PREKEY_HDR);
	if (bytes_get8(&r) != SESSION_PREKEY_VERSION)
		return (-1);
	ph->flags = bytes_get8(&r);
	ph->ik = bytes_span(&r, 32);
	ph->ek = bytes_span(&r, 32);
	ph->spk_id = bytes_get32(&r);
	ph->opk_id = bytes_get32(&r);
	ph->from_device = bytes_get32(&r);
	ph->to_device = bytes_get32(&r);
	assert(bytes_reader_done(&r) == 0);
	return ((ph->flags & ~1) != 0 ? -1 : 0);
}

struct session_record *
session_record_new(void)
{
	return (xcalloc(1, sizeof(struct session_record)));
}

void
session_record_free(struct session_record *rec)
{
	int	i;

	if (rec == NULL)
		return;
	for (i = 0; i < rec->n; i++)
		ratchet_free(rec->s[i].r);
	sodium_memzero(rec, sizeof *rec);
	free(rec);
}

int
session_record_has_session(const struct session_record *rec)
{
	return (rec->n > 0);
}

int
session_record_peer(const struct session_record *rec, uint8_t ik[32],
    uint32_t *device)
{
	struct bytes_reader	r;
	uint8_t			ik_a[32], ik_b[32];
	uint32_t		device_a, device_b;

	if (rec->n == 0)
		return (-1);
	/* AD = IK_A | IK_B | device A | device B; a responder's peer is A. */
	bytes_reader_init(&r, ratchet_ad(rec->s[0].r), X3DH_AD_BYTES);
	bytes_get(&r, ik_a, 32);
	bytes_get(&r, ik_b, 32);
	device_a = bytes_get32(&r);
	device_b = bytes_get32(&r);
	assert(bytes_reader_done(&r) == 0);
	memcpy(ik, rec->s[0].responder ? ik_a : ik_b, 32);
	*device = rec->s[0].responder ? device_a : device_b;
	return (0);
}

/* Make st the active state, archiving the others (oldest dropped). */
static void
push_active(struct session_record *rec, struct session_state *st)
{
	if (rec->n == MAX_STATES) {
		ratchet_free(rec->s[MAX_STATES - 1].r);
		rec->n--;
	}
	memmove(&rec->s[1], &rec->s[0], rec->n * sizeof rec->s[0]);
	rec->s[0] = *st;
	rec->n++;
}

/* Move state i to the front. */
static void
promote(struct session_record *rec, int i)
{
	struct session_state	st = rec->s[i];

	memmove(&rec->s[1], &rec->s[0], i * sizeof rec->s[0]);
	rec->s[0] = st;
}

int
session_initiate(struct session_record *rec, const struct keys_identity *ours,
    uint32_t our_device, const struct keys_bundle *peer)
{
	struct session_state	st;
	struct x3dh_result	x;
	struct keys_prekey	ek;
	struct bytes_writer	w;

	memset(&st, 0, sizeof st);
	if (x3dh_initiate(&x, &ek, ours, our_device, peer) != 0)
		return (-1);
	st.r = ratchet_new();
	ratchet_init_alice(st.r, &x);
	st.pending = 1;
	bytes_writer_init(&w, st.hdr, sizeof st.hdr);
	bytes_put8(&w, SESSION_PREKEY_VERSION);
	bytes_put8(&w, peer->has_opk ? 1 : 0);
	bytes_put(&w, ours->ed_pk, 32);
	bytes_put(&w, ek.pk, 32);
	bytes_put32(&w, peer->spk_id);
	bytes_put32(&w, peer->has_opk ? peer->opk_id : 0);
	bytes_put32(&w, our_device);
	bytes_put32(&w, peer->device_id);
	assert(bytes_writer_len(&w) == SESSION_PREKEY_HDR);
	push_active(rec, &st);
	x3dh_result_wipe(&x);
	keys_prekey_wipe(&ek);
	return (0);
}

int
session_encrypt(struct session_record *rec, int *type, uint8_t **out,
    size_t *outlen, const uint8_t *m, size_t mlen)
{
	struct session_state	*st;
	size_t			 off;
	uint8_t			*b;

	if (rec->n == 0)
		return (-1);
	st = &rec->s[0];
	off = st->pending ? SESSION_PREKEY_HDR : 0;
	*outlen = off + mlen + RATCHET_OVERHEAD;
	b = xmalloc(*outlen);
	if (ratchet_encrypt(st->r, b + off, m, mlen) != 0) {
		free(b);
		return (-1);
	}
	memcpy(b, st->hdr, off);
	*type = st->pending ? SESSION_MSG_PREKEY : SESSION_MSG_RATCHET;
	*out = b;
	return (0);
}

/* Decrypt with state i within budget; on success it becomes active. */
static int
try_state(struct session_record *rec, int i, struct ratchet_work *budget,
    const uint8_t *c, size_t clen, uint64_t now, uint8_t **out,
    size_t *outlen)
{
	uint8_t	*b;

	if (clen < RATCHET_OVERHEAD)
		return (-1);
	b = xmalloc(clen - RATCHET_OVERHEAD + 1);
	if (ratchet_decrypt_within(rec->s[i].r, budget, b, outlen, c, clen,
	    now) != 0) {
		free(b);
		return (-1);
	}
	rec->s[i].pending = 0;
	promote(rec, i);
	*out = b;
	return (0);
}

/* Set up a responder state from a prekey message's header ph and its inner
 * message (its header's length checked by the caller), or -1. */
static int
respond(struct session_state *st, const struct keys_identity *ours,
    uint32_t our_device, session_prekey_cb cb, void *arg,
    const struct prekey *ph, const uint8_t *inner)
{
	struct keys_prekey	spk, opk;
	struct x3dh_result	x;
	int			has_opk = ph->flags & 1, rc = -1;

	memset(st, 0, sizeof *st);
	memset(&opk, 0, sizeof opk);
	if (ph->to_device != our_device || cb(arg, 0, ph->spk_id, &spk) != 0)
		return (-1);
	if (has_opk && cb(arg, 1, ph->opk_id, &opk) != 0)
		goto out;
	if (x3dh_respond(&x, ours, our_device, &spk, has_opk ? &opk : NULL,
	    ph->ik, ph->from_device, ph->ek) != 0)
		goto out;
	st->r = ratchet_new();
	/* The inner message's header starts with Alice's ratchet key. */
	ratchet_init_bob(st->r, &x, inner + 1);
	st->responder = 1;
	memcpy(st->base, ph->ek, 32);
	x3dh_result_wipe(&x);
	rc = 0;
out:
	keys_prekey_wipe(&spk);
	keys_prekey_wipe(&opk);
	return (rc);
}

static void
fill_info(struct session_prekey_info *info, const struct prekey *ph,
    int created)
{
	if (info == NULL)
		return;
	info->new_session = created;
	info->used_opk = created && (ph->flags & 1);
	info->opk_id = info->used_opk ? ph->opk_id : 0;
	memcpy(info->peer_ik, ph->ik, 32);
	info->peer_device = ph->from_device;
}

static int
decrypt_prekey(struct session_record *rec, const struct keys_identity *ours,
    uint32_t our_device, session_prekey_cb cb, void *arg, const uint8_t *c,
    size_t clen, uint64_t now, uint8_t **out, size_t *outlen,
    struct session_prekey_info *info)
{
	struct ratchet_work	 budget = { SESSION_MAX_DH, SESSION_MAX_STEPS };
	struct session_state	st;
	struct prekey		ph;
	const uint8_t		*in = c + SESSION_PREKEY_HDR;
	size_t			 inlen;
	uint8_t			*b;
	int			 i;

	if (clen < SESSION_PREKEY_HDR + RATCHET_OVERHEAD ||
	    prekey_read(&ph, c) != 0)
		return (-1);
	inlen = clen - SESSION_PREKEY_HDR;
	for (i = 0; i < rec->n; i++)	/* a session from this EK exists */
		if (rec->s[i].responder &&
		    sodium_memcmp(rec->s[i].base, ph.ek, 32) == 0) {
			if (try_state(rec, i, &budget, in, inlen, now, out,
			    outlen) != 0)
				return (-1);
			fill_info(info, &ph, 0);
			return (0);
		}
	if (respond(&st, ours, our_device, cb, arg, &ph, in) != 0)
		return (-1);
	b = xmalloc(inlen - RATCHET_OVERHEAD + 1);
	if (ratchet_decrypt_within(st.r, &budget, b, outlen, in, inlen,
	    now) != 0) {
		free(b);
		ratchet_free(st.r);
		return (-1);
	}
	push_active(rec, &st);
	*out = b;
	fill_info(info, &ph, 1);
	return (0);
}

int
session_decrypt(struct session_record *rec, const struct keys_identity *ours,
    uint32_t our_device, session_prekey_cb cb, void *arg, int type,
    const uint8_t *c, size_t clen, uint64_t now, uint8_t **out,
    size_t *outlen, struct session_prekey_info *info)
{
	struct ratchet_work	budget = { SESSION_MAX_DH, SESSION_MAX_STEPS };
	int			i, known = 0;

	if (info != NULL)
		memset(info, 0, sizeof *info);
	if (type == SESSION_MSG_PREKEY)
		return (decrypt_prekey(rec, ours, our_device, cb, arg, c, clen,
		    now, out, outlen, info));
	if (type != SESSION_MSG_RATCHET)
		return (-1);
	/*
	 * A ratchet key is one state's alone: the states that know the
	 * header's key (no DH, one chain walk) are the only ones that can
	 * decrypt it.  A key none knows costs each state that tries it a DH
	 * step and a chain walk: the active state tries first (the peer
	 * answers on the session we sent on), then the archived ones while
	 * the budget lasts, so a forged message costs a bounded amount of
	 * work however many states the record keeps.
	 */
	for (i = 0; i < rec->n; i++) {
		if (!ratchet_knows(rec->s[i].r, c, clen))
			continue;
		known = 1;
		if (try_state(rec, i, &budget, c, clen, now, out, outlen) == 0)
			return (0);
	}
	for (i = 0; !known && i < rec->n && budget.dh > 0; i++)
		if (try_state(rec, i, &budget, c, clen, now, out, outlen) == 0)
			return (0);
	return (-1);
}

#define STATE_FIXED	(1 + SESSION_PREKEY_HDR + 32 + 4)

/*
 * Record layout: u8 version | u8 count, then per state (active first):
 * u8 flags (1 pending, 2 responder) | prekey header | base[32] |
 * u32be ratchet state length | ratchet state (ratchet_serialise).
 */
void
session_record_serialise(const struct session_record *rec, uint8_t **out,
    size_t *len)
{
	struct bytes_writer	 w;
	uint8_t			*rs[MAX_STATES];
	size_t			 rl[MAX_STATES], total = 2;
	int			 i;

	for (i = 0; i < rec->n; i++) {
		ratchet_serialise(rec->s[i].r, &rs[i], &rl[i]);
		total += STATE_FIXED + rl[i];
	}
	*out = xmalloc(total);
	*len = total;
	bytes_writer_init(&w, *out, total);
	bytes_put8(&w, RECORD_VERSION);
	bytes_put8(&w, (uint8_t)rec->n);
	for (i = 0; i < rec->n; i++) {
		bytes_put8(&w, (rec->s[i].pending ? 1 : 0) |
		    (rec->s[i].responder ? 2 : 0));
		bytes_put(&w, rec->s[i].hdr, SESSION_PREKEY_HDR);
		bytes_put(&w, rec->s[i].base, 32);
		bytes_put32(&w, (uint32_t)rl[i]);
		bytes_put(&w, rs[i], rl[i]);
		sodium_memzero(rs[i], rl[i]);
		free(rs[i]);
	}
	assert(bytes_writer_check(&w) == 0 && bytes_writer_len(&w) == total);
}

struct session_record *
session_record_parse(const uint8_t *in, size_t len)
{
	struct bytes_reader	 r;
	struct session_record	*rec;
	struct session_state	*st;
	const uint8_t		*rs;
	uint32_t		 rl;
	uint8_t			 flags;
	int			 i, n;

	bytes_reader_init(&r, in, len);
	if (bytes_get8(&r) != RECORD_VERSION ||
	    (n = bytes_get8(&r)) > MAX_STATES)
		return (NULL);
	rec = session_record_new();
	for (i = 0; i < n; i++) {
		st = &rec->s[i];
		flags = bytes_get8(&r);
		bytes_get(&r, st->hdr, SESSION_PREKEY_HDR);
		bytes_get(&r, st->base, 32);
		rl = bytes_get32(&r);
		if ((rs = bytes_span(&r, rl)) == NULL || (flags & ~3) != 0 ||
		    (st->r = ratchet_parse(rs, rl)) == NULL)
			goto bad;
		st->pending = flags & 1;
		st->responder = (flags & 2) != 0;
		rec->n++;
	}
	if (bytes_reader_done(&r) != 0)
		goto bad;
	return (rec);
bad:
	session_record_free(rec);
	return (NULL);
}
