/* link: linking a new device: pending offers, lookups and relays.
 *
 * A new device, before it belongs to an account, offers its keys on a
 * connection that has not logged in (LinkOffer). natterd keeps the offer
 * in memory under its fingerprint, SHA-256(identity key)[0..16], which
 * the device's link code carries, until the offer is used, its
 * connection closes, or link_ttl_ms (10 minutes) pass; then it closes
 * that connection. Device 1 of the account the device joins looks the
 * offer up by fingerprint (LinkLookup) and the two pass their approval
 * and countersignature through natterd (LinkRelay, arriving as
 * Event.link): opaque bytes, bounded in size and number. Device 1 then
 * publishes a list with the new device (devices.c), which takes the
 * offer's keys; the offering connection hears Event.linked.
 *
 * With several nodes (a Redis directory and a shared store), the offer
 * is also written to Redis, and a lookup or relay for an offer that is
 * not on this node, or that Redis knows of, goes through it: linkdir.c,
 * which keeps the same bounds and answers. An offer that Redis could
 * not take (it was down) stays on its node, as with one natterd.
 *
 * Nothing of this is in the database: a restart loses pending offers,
 * and the new device starts again. Offers are bounded in number
 * (LINK_MAXOFFERS), each lives on one connection, and every offer of a
 * node has the same lifetime, so the list in creation order is the list
 * in expiry order.
 */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "server/auth.h"
#include "server/bucket.h"
#include "server/handle.h"
#include "server/itab.h"
#include "server/link.h"
#include "server/linkdir.h"
#include "server/online.h"
#include "server/prekeys.h"
#include "server/session.h"
#include "shared/util/log.h"
#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"

#define C(x)	NATTER__CODE__##x

struct link_offer {
	uint8_t			 fp[LINK_FPBYTES];
	uint8_t			 ik[LINK_KEYBYTES];
	struct prekeys_upload	 keys;
	struct session		*s;		/* the offering connection */
	int64_t			 expires;	/* ms */
	int64_t			 account;	/* looked up by; 0: not yet */
	unsigned		 relays;
	int			 registered;	/* in Redis (linkdir.c) */
	TAILQ_ENTRY(link_offer)	 entry;
};
TAILQ_HEAD(link_list, link_offer);

static struct link_list		 link_offers =
    TAILQ_HEAD_INITIALIZER(link_offers);	/* oldest first */
static size_t			 link_n;
static struct itab		*link_byfp;	/* link_key(fp) -> offer */
static struct itab		*link_bysession;	/* session -> offer */
static struct bucket_table	*link_lookups;	/* account -> bucket */

const char link_none[] =
    "no pending link with that code (expired, used, or never made)";

/* The table key of a fingerprint: its first 8 bytes (a hash already). */
static uint64_t
link_key(const uint8_t fp[LINK_FPBYTES])
{
	uint64_t	k;

	memcpy(&k, fp, sizeof k);
	return (k);
}

static struct link_offer *
link_find(const uint8_t *fp, size_t len)
{
	uint64_t		 v;
	struct link_offer	*o;

	if (len != LINK_FPBYTES || link_byfp == NULL ||
	    !itab_get(link_byfp, link_key(fp), &v))
		return (NULL);
	o = (struct link_offer *)(uintptr_t)v;
	return (memcmp(o->fp, fp, LINK_FPBYTES) == 0 ? o : NULL);
}

static struct link_offer *
link_of_session(struct session *s)
{
	uint64_t	v;

	if (link_bysession == NULL ||
	    !itab_get(link_bysession, (uint64_t)(uintptr_t)s, &v))
		return (NULL);
	return ((struct link_offer *)(uintptr_t)v);
}

static void
link_free(struct link_offer *o)
{
	TAILQ_REMOVE(&link_offers, o, entry);
	itab_del(link_byfp, link_key(o->fp));
	itab_del(link_bysession, (uint64_t)(uintptr_t)o->s);
	link_n--;
	if (o->registered)
		linkdir_ended(o->fp);
	free(o->keys.opks);
	free(o);
}

/* Keep the offer that s made with m; its keys are checked already. */
static void
link_add(struct session *s, const Natter__LinkOffer *m,
    struct prekeys_upload *keys, const uint8_t fp[LINK_FPBYTES])
{
	struct link_offer	*o = xcalloc(1, sizeof *o);

	if (link_byfp == NULL) {
		link_byfp = itab_create();
		link_bysession = itab_create();
	}
	memcpy(o->fp, fp, LINK_FPBYTES);
	memcpy(o->ik, m->identity_key.data, LINK_KEYBYTES);
	o->keys = *keys;
	o->s = s;
	o->expires = time_now_ms() + session_link_ttl_ms(s);
	TAILQ_INSERT_TAIL(&link_offers, o, entry);
	itab_put(link_byfp, link_key(fp), (uint64_t)(uintptr_t)o);
	itab_put(link_bysession, (uint64_t)(uintptr_t)s,
	    (uint64_t)(uintptr_t)o);
	link_n++;
	session_linking(s, 1);
	o->registered = linkdir_on() && linkdir_offer(fp, o->ik, &o->keys,
	    session_link_ttl_ms(s)) == 0;
}

/* The fingerprint of ik; OK, or a Code if it cannot be kept. An offer of
 * the same key on another connection gives way (the device started
 * again; only the key's holder can sign an offer). */
static uint32_t
link_room(struct session *s, const uint8_t ik[LINK_KEYBYTES],
    uint8_t fp[LINK_FPBYTES], const char **why)
{
	uint8_t			 h[crypto_hash_sha256_BYTES];
	struct link_offer	*o;
	uint64_t		 v;

	if (link_of_session(s) != NULL) {
		*why = "this connection has a link offer pending already";
		return (C(BAD_REQUEST));
	}
	crypto_hash_sha256(h, ik, LINK_KEYBYTES);
	memcpy(fp, h, LINK_FPBYTES);
	if ((o = link_find(fp, LINK_FPBYTES)) != NULL) {
		session_close(o->s, SESSION_CLOSE_LINK, "link offer replaced");
		link_free(o);
	} else if (link_byfp != NULL && itab_get(link_byfp, link_key(fp),
	    &v)) {
		*why = "cannot keep this link offer; make a new key";
		return (C(INTERNAL));	/* 64-bit prefix collision */
	}
	if (link_n >= LINK_MAXOFFERS) {
		*why = "too many devices are waiting to be linked on this "
		    "server; try again in a few minutes";
		return (C(RATE_LIMITED));
	}
	return (C(OK));
}

uint32_t
link_offer(struct session *s, const Natter__Frame *f, const char **why)
{
	const Natter__LinkOffer	*m = f->link_offer;
	struct prekeys_upload	 keys;
	uint8_t			 fp[LINK_FPBYTES];
	uint32_t		 code;

	if (m->identity_key.len != LINK_KEYBYTES || m->signed_prekey == NULL) {
		*why = "identity key and signed prekey are required";
		return (C(BAD_REQUEST));
	}
	if (auth_verify_link(m->signature.data, m->signature.len,
	    session_nonce(s), m->identity_key.data) != 0)
		return (C(BAD_SIGNATURE));
	code = handle_prekeys(m->signed_prekey, m->one_time_prekeys,
	    m->n_one_time_prekeys, &keys, why);
	if (code != C(OK))
		return (code);
	/* Last: an older offer of the key gives way only to a good one. */
	if ((code = link_room(s, m->identity_key.data, fp, why)) != C(OK)) {
		free(keys.opks);
		return (code);
	}
	link_add(s, m, &keys, fp);
	/* The nonce is spent. A fresh one, before the answer (as after a
	 * refusal), for the Auth that may follow Linked. */
	session_rechallenge(s);
	session_respond(s, f->id, C(OK), NULL);
	return (C(OK));
}

uint32_t
link_lookup(struct session *s, const Natter__Frame *f, const char **why)
{
	const Natter__LinkLookup	*m = f->link_lookup;
	Natter__Response		 r = NATTER__RESPONSE__INIT;
	struct link_offer		*o;
	uint8_t				 ik[LINK_KEYBYTES];
	int64_t				 now = time_now_ms();
	uint32_t			 code;

	if (session_device(s) != 1) {
		*why = "only device 1 of an account links a new device";
		return (C(NOT_PRIMARY));
	}
	if (m->fingerprint.len != LINK_FPBYTES) {
		*why = "a link fingerprint has 16 bytes";
		return (C(BAD_REQUEST));
	}
	if (link_lookups == NULL)
		link_lookups = bucket_table_create(LINK_LOOKUP_RATE,
		    LINK_LOOKUP_BURST);
	if (!bucket_table_take(link_lookups, (uint64_t)session_account(s),
	    now)) {
		*why = "too many link lookups; wait a minute and try again";
		return (C(RATE_LIMITED));
	}
	o = link_find(m->fingerprint.data, m->fingerprint.len);
	if (linkdir_on() && (o == NULL || o->registered)) {
		/* Redis records who looked it up, for every node. */
		code = linkdir_lookup(m->fingerprint.data, session_account(s),
		    ik, why);
		if (code != C(OK))
			return (code);
	} else if (o == NULL) {
		*why = link_none;
		return (C(UNKNOWN_USER));
	} else {
		o->account = session_account(s);
		memcpy(ik, o->ik, LINK_KEYBYTES);
	}
	r.code = C(OK);
	r.identity_key.data = ik;
	r.identity_key.len = LINK_KEYBYTES;
	r.server_ts = now;
	session_send_response(s, f->id, &r);
	return (C(OK));
}

/* Event.link {fp, payload} to s. */
static void
link_event(struct session *s, const uint8_t fp[LINK_FPBYTES],
    const uint8_t *payload, size_t len)
{
	Natter__Event		ev = NATTER__EVENT__INIT;
	Natter__LinkRelay	out = NATTER__LINK_RELAY__INIT;

	out.fingerprint.data = (uint8_t *)fp;
	out.fingerprint.len = LINK_FPBYTES;
	out.payload.data = (uint8_t *)payload;
	out.payload.len = len;
	ev.kind_case = NATTER__EVENT__KIND_LINK;
	ev.link = &out;
	session_send_event(s, &ev);
}

/* Where a LinkRelay from s goes: the offering connection when s is the
 * device 1 that looked the offer up, that device 1 when s is the
 * offering connection. OK with *o and *to set, or a Code. */
static uint32_t
link_route(struct session *s, const Natter__LinkRelay *m,
    struct link_offer **o, struct session **to, const char **why)
{
	*o = link_find(m->fingerprint.data, m->fingerprint.len);
	if (session_is_authed(s)) {
		if (session_device(s) != 1) {
			*why = "only device 1 of an account links a new device";
			return (C(NOT_PRIMARY));
		}
		if (*o == NULL || (*o)->account != session_account(s)) {
			*why = link_none;
			return (C(UNKNOWN_USER));
		}
		*to = (*o)->s;
		return (C(OK));
	}
	if (link_of_session(s) == NULL) {
		*why = "log in, or offer a link first";
		return (C(NOT_AUTHENTICATED));
	}
	*why = "the device approving this link is not connected";
	if (*o == NULL || (*o)->s != s)
		*why = link_none;
	else if ((*o)->account == 0)
		*why = "no device has looked this link up yet";
	else if ((*to = online_find((*o)->account, 1)) != NULL)
		return (C(OK));
	return (C(UNKNOWN_USER));
}

/* 1 if a LinkRelay from s goes through Redis (linkdir.c): from device 1
 * about an offer not kept here only, or one Redis knows of; from an
 * offering connection whose offer Redis knows of. */
static int
link_crosses(struct session *s, const Natter__LinkRelay *m)
{
	struct link_offer	*o;

	if (!linkdir_on())
		return (0);
	if (session_is_authed(s)) {
		if (session_device(s) != 1)
			return (0);	/* refused as on one node */
		o = link_find(m->fingerprint.data, m->fingerprint.len);
		return (o == NULL || o->registered);
	}
	o = link_of_session(s);
	return (o != NULL && o->registered);
}

/* A relay through Redis: linkdir.c checks and counts it there. */
static uint32_t
link_relay_across(struct session *s, const Natter__LinkRelay *m,
    const char **why)
{
	struct link_offer	*o;

	if (m->fingerprint.len != LINK_FPBYTES) {
		*why = link_none;
		return (C(UNKNOWN_USER));
	}
	if (session_is_authed(s))
		return (linkdir_relay_primary(m->fingerprint.data,
		    session_account(s), m->payload.data, m->payload.len, why));
	o = link_find(m->fingerprint.data, m->fingerprint.len);
	if (o == NULL || o->s != s) {
		*why = link_none;
		return (C(UNKNOWN_USER));
	}
	return (linkdir_relay_new(o->fp, m->payload.data, m->payload.len,
	    why));
}

uint32_t
link_relay(struct session *s, const Natter__Frame *f, const char **why)
{
	const Natter__LinkRelay	*m = f->link_relay;
	struct link_offer	*o;
	struct session		*to;
	uint32_t		 code;

	if (m->payload.len > LINK_MAXPAYLOAD) {
		*why = "a link relay carries at most 1024 bytes";
		return (C(TOO_LARGE));
	}
	if (link_crosses(s, m)) {
		if ((code = link_relay_across(s, m, why)) == C(OK))
			session_respond(s, f->id, C(OK), NULL);
		return (code);
	}
	if ((code = link_route(s, m, &o, &to, why)) != C(OK))
		return (code);
	if (o->relays >= LINK_MAXRELAYS) {
		*why = "too many relays for this link; start again";
		return (C(RATE_LIMITED));
	}
	o->relays++;
	link_event(to, o->fp, m->payload.data, m->payload.len);
	session_respond(s, f->id, C(OK), NULL);
	return (C(OK));
}

const struct prekeys_upload *
link_pending(const uint8_t fp[LINK_FPBYTES], int64_t account,
    const uint8_t **ik)
{
	struct link_offer	*o = link_find(fp, LINK_FPBYTES);

	/* An offer Redis knows of was looked up through it, from this
	 * node or another: linkdir.c has what this node's device 1 saw. */
	if (o == NULL || o->registered)
		return (linkdir_pending(fp, account, ik));
	if (o->account != account)
		return (NULL);
	*ik = o->ik;
	return (&o->keys);
}

/* The offer under fp is used: tell its connection, here. */
static void
link_linked(const uint8_t fp[LINK_FPBYTES], const char *name,
    uint32_t device)
{
	Natter__Event		 ev = NATTER__EVENT__INIT;
	Natter__Linked		 l = NATTER__LINKED__INIT;
	struct link_offer	*o = link_find(fp, LINK_FPBYTES);

	if (o == NULL)
		return;
	l.name = (char *)name;
	l.device = device;
	ev.kind_case = NATTER__EVENT__KIND_LINKED;
	ev.linked = &l;
	session_send_event(o->s, &ev);
	session_linking(o->s, 0);
	link_free(o);
}

void
link_used(const uint8_t fp[LINK_FPBYTES], int64_t account, const char *name,
    uint32_t device)
{
	struct link_offer	*o = link_find(fp, LINK_FPBYTES);

	/* Held here: told now (the event waits for the commit like any
	 * frame). Held elsewhere: told once the list is committed. */
	if (o != NULL) {
		if (o->registered)
			(void)linkdir_used(fp, account, name, device, 1);
		link_linked(fp, name, device);
	} else
		(void)linkdir_used(fp, account, name, device, 0);
}

void
link_forget(struct session *s)
{
	struct link_offer	*o = link_of_session(s);

	if (o != NULL)
		link_free(o);
}

void
link_expire(int64_t now)
{
	struct link_offer	*o;

	while ((o = TAILQ_FIRST(&link_offers)) != NULL && o->expires <= now) {
		log_info("a link offer expired");
		session_close(o->s, SESSION_CLOSE_LINK, "link offer expired");
		link_free(o);
	}
	linkdir_expire(now);
}

/* Another node relays payload to the offer fp's connection here. */
static void
link_from_primary(const uint8_t fp[LINK_FPBYTES], const uint8_t *payload,
    size_t len)
{
	struct link_offer	*o = link_find(fp, LINK_FPBYTES);

	/* Not one made while Redis was away: that is not the offer the
	 * relay was checked against. */
	if (o != NULL && o->registered)
		link_event(o->s, o->fp, payload, len);
}

/* Another node took the list that uses the offer fp held here. */
static void
link_used_elsewhere(const uint8_t fp[LINK_FPBYTES], const char *name,
    uint32_t device)
{
	struct link_offer	*o = link_find(fp, LINK_FPBYTES);

	if (o != NULL && o->registered)
		link_linked(fp, name, device);
}

/* Another node relays payload from the offer fp's device to device 1 of
 * account, here. */
static void
link_to_primary(int64_t account, const uint8_t fp[LINK_FPBYTES],
    const uint8_t *payload, size_t len)
{
	struct session	*to = online_find(account, 1);

	if (to != NULL)
		link_event(to, fp, payload, len);
}

/* The offer fp was made again on another node: this one gives way, as
 * on one node. */
static void
link_gone(const uint8_t fp[LINK_FPBYTES])
{
	struct link_offer	*o = link_find(fp, LINK_FPBYTES);

	if (o == NULL)
		return;
	session_close(o->s, SESSION_CLOSE_LINK, "link offer replaced");
	link_free(o);
}

void
link_start(struct directory *d)
{
	static const struct linkdir_hooks	hooks = {
		link_from_primary, link_to_primary, link_used_elsewhere,
		link_gone
	};
	static const struct linkdir_limits	limits = {
		LINK_MAXOFFERS, LINK_MAXRELAYS
	};

	linkdir_start(d, &hooks, &limits);
}
