/* session: per-peer-device session records (active + archived ratchets),
 * prekey messages, Sesame "most recent decrypt wins". */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "shared/crypto/ratchet.h"
#include "shared/crypto/session.h"
#include "shared/crypto/x3dh.h"
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

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

static uint32_t
get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
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
	const uint8_t	*ad;
	int		 them;

	if (rec->n == 0)
		return (-1);
	/* AD = IK_A | IK_B | device A | device B; a responder's peer is A. */
	ad = ratchet_ad(rec->s[0].r);
	them = rec->s[0].responder ? 0 : 1;
	memcpy(ik, ad + 32 * them, 32);
	*device = get32(ad + 64 + 4 * them);
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
	uint8_t			*h = st.hdr;

	memset(&st, 0, sizeof st);
	if (x3dh_initiate(&x, &ek, ours, our_device, peer) != 0)
		return (-1);
	st.r = ratchet_new();
	ratchet_init_alice(st.r, &x);
	st.pending = 1;
	h[0] = SESSION_PREKEY_VERSION;
	h[1] = peer->has_opk ? 1 : 0;
	memcpy(h + 2, ours->ed_pk, 32);
	memcpy(h + 34, ek.pk, 32);
	put32(h + 66, peer->spk_id);
	put32(h + 70, peer->has_opk ? peer->opk_id : 0);
	put32(h + 74, our_device);
	put32(h + 78, peer->device_id);
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

/* Decrypt with state i; on success it becomes active. */
static int
try_state(struct session_record *rec, int i, const uint8_t *c, size_t clen,
    uint64_t now, uint8_t **out, size_t *outlen)
{
	uint8_t	*b;

	if (clen < RATCHET_OVERHEAD)
		return (-1);
	b = xmalloc(clen - RATCHET_OVERHEAD + 1);
	if (ratchet_decrypt(rec->s[i].r, b, outlen, c, clen, now) != 0) {
		free(b);
		return (-1);
	}
	rec->s[i].pending = 0;
	promote(rec, i);
	*out = b;
	return (0);
}

/* Set up a responder state from prekey message h (header and the inner
 * message's header, length checked by the caller), or -1. */
static int
respond(struct session_state *st, const struct keys_identity *ours,
    uint32_t our_device, session_prekey_cb cb, void *arg, const uint8_t *h)
{
	struct keys_prekey	spk, opk;
	struct x3dh_result	x;
	int			has_opk = h[1] & 1, rc = -1;

	memset(st, 0, sizeof *st);
	memset(&opk, 0, sizeof opk);
	if (get32(h + 78) != our_device || cb(arg, 0, get32(h + 66), &spk) != 0)
		return (-1);
	if (has_opk && cb(arg, 1, get32(h + 70), &opk) != 0)
		goto out;
	if (x3dh_respond(&x, ours, our_device, &spk, has_opk ? &opk : NULL,
	    h + 2, get32(h + 74), h + 34) != 0)
		goto out;
	st->r = ratchet_new();
	/* The inner message's header starts with Alice's ratchet key. */
	ratchet_init_bob(st->r, &x, h + SESSION_PREKEY_HDR + 1);
	st->responder = 1;
	memcpy(st->base, h + 34, 32);
	x3dh_result_wipe(&x);
	rc = 0;
out:
	keys_prekey_wipe(&spk);
	keys_prekey_wipe(&opk);
	return (rc);
}

static void
fill_info(struct session_prekey_info *info, const uint8_t *h, int created)
{
	if (info == NULL)
		return;
	info->new_session = created;
	info->used_opk = created && (h[1] & 1);
	info->opk_id = info->used_opk ? get32(h + 70) : 0;
	memcpy(info->peer_ik, h + 2, 32);
	info->peer_device = get32(h + 74);
}

static int
decrypt_prekey(struct session_record *rec, const struct keys_identity *ours,
    uint32_t our_device, session_prekey_cb cb, void *arg, const uint8_t *c,
    size_t clen, uint64_t now, uint8_t **out, size_t *outlen,
    struct session_prekey_info *info)
{
	struct session_state	st;
	const uint8_t		*in = c + SESSION_PREKEY_HDR;
	size_t			 inlen;
	uint8_t			*b;
	int			 i;

	if (clen < SESSION_PREKEY_HDR + RATCHET_OVERHEAD ||
	    c[0] != SESSION_PREKEY_VERSION || (c[1] & ~1) != 0)
		return (-1);
	inlen = clen - SESSION_PREKEY_HDR;
	for (i = 0; i < rec->n; i++)	/* a session from this EK exists */
		if (rec->s[i].responder &&
		    sodium_memcmp(rec->s[i].base, c + 34, 32) == 0) {
			if (try_state(rec, i, in, inlen, now, out, outlen) != 0)
				return (-1);
			fill_info(info, c, 0);
			return (0);
		}
	if (respond(&st, ours, our_device, cb, arg, c) != 0)
		return (-1);
	b = xmalloc(inlen - RATCHET_OVERHEAD + 1);
	if (ratchet_decrypt(st.r, b, outlen, in, inlen, now) != 0) {
		free(b);
		ratchet_free(st.r);
		return (-1);
	}
	push_active(rec, &st);
	*out = b;
	fill_info(info, c, 1);
	return (0);
}

int
session_decrypt(struct session_record *rec, const struct keys_identity *ours,
    uint32_t our_device, session_prekey_cb cb, void *arg, int type,
    const uint8_t *c, size_t clen, uint64_t now, uint8_t **out,
    size_t *outlen, struct session_prekey_info *info)
{
	int	i;

	if (info != NULL)
		memset(info, 0, sizeof *info);
	if (type == SESSION_MSG_PREKEY)
		return (decrypt_prekey(rec, ours, our_device, cb, arg, c, clen,
		    now, out, outlen, info));
	if (type != SESSION_MSG_RATCHET)
		return (-1);
	for (i = 0; i < rec->n; i++)
		if (try_state(rec, i, c, clen, now, out, outlen) == 0)
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
	uint8_t	*rs[MAX_STATES], *b, *p;
	size_t	 rl[MAX_STATES], total = 2;
	int	 i;

	for (i = 0; i < rec->n; i++) {
		ratchet_serialise(rec->s[i].r, &rs[i], &rl[i]);
		total += STATE_FIXED + rl[i];
	}
	b = p = xmalloc(total);
	*p++ = RECORD_VERSION;
	*p++ = rec->n;
	for (i = 0; i < rec->n; i++) {
		*p++ = (rec->s[i].pending ? 1 : 0) |
		    (rec->s[i].responder ? 2 : 0);
		memcpy(p, rec->s[i].hdr, SESSION_PREKEY_HDR);
		p += SESSION_PREKEY_HDR;
		memcpy(p, rec->s[i].base, 32);
		p += 32;
		put32(p, rl[i]);
		p += 4;
		memcpy(p, rs[i], rl[i]);
		p += rl[i];
		sodium_memzero(rs[i], rl[i]);
		free(rs[i]);
	}
	*out = b;
	*len = total;
}

struct session_record *
session_record_parse(const uint8_t *in, size_t len)
{
	struct session_record	*rec;
	struct session_state	*st;
	size_t			 off = 2, rl;
	int			 i, n;

	if (in == NULL || len < 2 || in[0] != RECORD_VERSION ||
	    in[1] > MAX_STATES)
		return (NULL);
	n = in[1];
	rec = session_record_new();
	for (i = 0; i < n; i++) {
		if (len - off < STATE_FIXED || (in[off] & ~3) != 0)
			goto bad;
		st = &rec->s[i];
		st->pending = in[off] & 1;
		st->responder = (in[off] & 2) != 0;
		memcpy(st->hdr, in + off + 1, SESSION_PREKEY_HDR);
		memcpy(st->base, in + off + 1 + SESSION_PREKEY_HDR, 32);
		rl = get32(in + off + STATE_FIXED - 4);
		off += STATE_FIXED;
		if (len - off < rl ||
		    (st->r = ratchet_parse(in + off, rl)) == NULL)
			goto bad;
		rec->n++;
		off += rl;
	}
	if (off != len)
		goto bad;
	return (rec);
bad:
	session_record_free(rec);
	return (NULL);
}
