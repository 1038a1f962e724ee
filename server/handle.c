/* handle: the request handlers, one per client frame type.
 *
 * Each handler answers its request with one Response echoing the frame id
 * (an Ack with id 0 gets no answer unless it fails). Handlers that write
 * run inside a savepoint of the turn's transaction, so a request either
 * stores everything or nothing; Send, Ack and GroupSend, the hot path,
 * keep that promise themselves instead (relay.c, groupsend.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/accounts.h"
#include "server/assets.h"
#include "server/auth.h"
#include "server/bucket.h"
#include "server/db.h"
#include "server/devices.h"
#include "server/directory.h"
#include "server/groupops.h"
#include "server/groupsend.h"
#include "server/handle.h"
#include "server/link.h"
#include "server/metrics.h"
#include "server/online.h"
#include "server/prekeys.h"
#include "server/queue.h"
#include "server/relay.h"
#include "server/roster.h"
#include "server/session.h"
#include "shared/proto/wire.h"
#include "shared/util/log.h"
#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"

#define C(x)	NATTER__CODE__##x

/* Bundle requests (handle_bundle_limit), a second each and in a burst. */
#define HANDLE_BUNDLE_RATE	0.1	/* by one account */
#define HANDLE_BUNDLE_BURST	30
#define HANDLE_ASKED_RATE	(1.0 / 6)	/* for one account */
#define HANDLE_ASKED_BURST	100

enum handle_writes {
	HANDLE_READS,		/* no writes */
	HANDLE_SAVEPOINT,	/* writes inside a savepoint of its own */
	HANDLE_ATOMIC		/* writes; checks first, no savepoint */
};

enum handle_who {
	HANDLE_ANYONE,
	HANDLE_AUTHED,		/* NOT_AUTHENTICATED before a login */
	HANDLE_ANONYMOUS	/* a login: ALREADY_AUTHENTICATED after one;
				   a refusal burns the nonce */
};

struct handle_entry {
	Natter__Frame__BodyCase	 body;
	const char		*name;
	enum handle_who		 who;
	enum handle_writes	 writes;
	/* Returns a Code; OK answers are sent by the handler itself. */
	uint32_t		(*fn)(struct session *, const Natter__Frame *,
				    const char **why);
};

static uint32_t	handle_register(struct session *, const Natter__Frame *,
		    const char **);
static uint32_t	handle_auth(struct session *, const Natter__Frame *,
		    const char **);
static uint32_t	handle_prekey_upload(struct session *, const Natter__Frame *,
		    const char **);
static uint32_t	handle_bundle(struct session *, const Natter__Frame *,
		    const char **);
static uint32_t	handle_ping(struct session *, const Natter__Frame *,
		    const char **);

static const struct handle_entry handle_table[] = {
	{ NATTER__FRAME__BODY_REGISTER, "register", HANDLE_ANONYMOUS,
	    HANDLE_SAVEPOINT, handle_register },
	{ NATTER__FRAME__BODY_AUTH, "auth", HANDLE_ANONYMOUS, HANDLE_READS,
	    handle_auth },
	{ NATTER__FRAME__BODY_PREKEY_UPLOAD, "prekey_upload", HANDLE_AUTHED,
	    HANDLE_SAVEPOINT, handle_prekey_upload },
	{ NATTER__FRAME__BODY_BUNDLE_REQUEST, "bundle_request", HANDLE_AUTHED,
	    HANDLE_SAVEPOINT, handle_bundle },
	{ NATTER__FRAME__BODY_SEND, "send", HANDLE_AUTHED, HANDLE_ATOMIC,
	    relay_send },
	{ NATTER__FRAME__BODY_ACK, "ack", HANDLE_AUTHED, HANDLE_ATOMIC,
	    relay_ack },
	{ NATTER__FRAME__BODY_PING, "ping", HANDLE_ANYONE, HANDLE_READS,
	    handle_ping },
	{ NATTER__FRAME__BODY_PUBLISH_DEVICE_LIST, "publish_device_list",
	    HANDLE_AUTHED, HANDLE_SAVEPOINT, devices_publish },
	{ NATTER__FRAME__BODY_LEAVE_ACCOUNT, "leave_account",
	    HANDLE_AUTHED, HANDLE_SAVEPOINT, devices_leave },
	{ NATTER__FRAME__BODY_LINK_OFFER, "link_offer", HANDLE_ANONYMOUS,
	    HANDLE_READS, link_offer },
	{ NATTER__FRAME__BODY_LINK_LOOKUP, "link_lookup", HANDLE_AUTHED,
	    HANDLE_READS, link_lookup },
	/* Device 1 or the offering connection: link_relay tells them. */
	{ NATTER__FRAME__BODY_LINK_RELAY, "link_relay", HANDLE_ANYONE,
	    HANDLE_READS, link_relay },
	{ NATTER__FRAME__BODY_ASSET_TOKEN, "asset_token", HANDLE_AUTHED,
	    HANDLE_READS, assets_token },
	{ NATTER__FRAME__BODY_GROUP_OP, "group_op", HANDLE_AUTHED,
	    HANDLE_SAVEPOINT, groupops_op },
	{ NATTER__FRAME__BODY_GROUP_QUERY, "group_query", HANDLE_AUTHED,
	    HANDLE_READS, groupops_query },
	{ NATTER__FRAME__BODY_GROUP_SEND, "group_send", HANDLE_AUTHED,
	    HANDLE_ATOMIC, groupsend_send },
};

/* Run h's handler under its write policy; a refused login burns the
 * nonce (a fresh Challenge goes out before the refusal). */
static uint32_t
handle_call(const struct handle_entry *h, struct session *s,
    const Natter__Frame *f, const char **why)
{
	struct db	*db = session_db(s);
	uint32_t	 code;

	if (h->writes == HANDLE_SAVEPOINT && db_savepoint(db) != 0) {
		*why = "database error";
		return (C(INTERNAL));
	}
	code = h->fn(s, f, why);
	if (code != C(OK) && h->who == HANDLE_ANONYMOUS)
		session_rechallenge(s);
	if (h->writes == HANDLE_SAVEPOINT) {
		if (code == C(OK) && db_release(db) != 0)
			code = C(INTERNAL);
		if (code != C(OK))
			db_rollback_savepoint(db);
	}
	return (code);
}

static const struct handle_entry *
handle_find(const Natter__Frame *f)
{
	size_t	i;

	for (i = 0; i < sizeof handle_table / sizeof handle_table[0]; i++) {
		if (handle_table[i].body == f->body_case)
			return (&handle_table[i]);
	}
	return (NULL);
}

int
handle_alone(const Natter__Frame *f)
{
	const struct handle_entry	*h = handle_find(f);

	return (h != NULL && h->writes == HANDLE_SAVEPOINT);
}

void
handle_frame(struct session *s, const Natter__Frame *f)
{
	const struct handle_entry	*h = handle_find(f);
	const char			*why = NULL;
	uint32_t			 code;

	if (h == NULL) {
		session_respond(s, f->id, C(BAD_FRAME), "not a request");
		return;
	}
	if (h->who == HANDLE_AUTHED && !session_is_authed(s)) {
		session_respond(s, f->id, C(NOT_AUTHENTICATED),
		    "authenticate first");
		return;
	}
	if (h->who == HANDLE_ANONYMOUS && session_is_authed(s))
		code = C(ALREADY_AUTHENTICATED);
	else
		code = handle_call(h, s, f, &why);
	if (code == C(INTERNAL) && why == NULL)
		why = "server error; retry later";
	if (code != C(OK) && code != C(DEVICE_MISMATCH)) {
		log_debug("%s from %s: code %u: %s", h->name,
		    session_is_authed(s) ? session_name(s) : "(anonymous)",
		    code, why != NULL ? why : "");
		session_respond(s, f->id, code, why);
	}
}

static uint32_t
handle_ping(struct session *s, const Natter__Frame *f, const char **why)
{
	session_respond(s, f->id, C(OK), NULL);
	return (C(OK));
}

/* Log in as (account, device, name) and answer request id with the
 * device's prekey count, warning it when that is low. */
static void
handle_login(struct session *s, uint64_t id, int64_t account,
    uint32_t device, const char *name)
{
	Natter__Response	r = NATTER__RESPONSE__INIT;
	uint32_t		count;

	session_login(s, account, device, name);
	link_forget(s);		/* an offer made on this connection */
	r.code = C(OK);
	r.name = (char *)session_name(s);
	r.device = session_device(s);
	r.server_ts = time_now_ms();
	if (prekeys_count(session_db(s), account, device, &count) == 0)
		r.prekey_count = count;
	session_send_response(s, id, &r);
	if (r.prekey_count < PREKEYS_LOW)
		session_prekeys_low(s, r.prekey_count);
	session_pump(s);
}

uint32_t
handle_prekeys(const Natter__SignedPrekey *spk, Natter__OneTimePrekey **opks,
    size_t n, struct prekeys_upload *u, const char **why)
{
	size_t	i;

	memset(u, 0, sizeof *u);
	if (n > PREKEYS_MAXUPLOAD) {
		*why = "too many one-time prekeys in one upload";
		return (C(TOO_LARGE));
	}
	if (spk != NULL) {
		if (spk->key.len != PREKEYS_KEYBYTES ||
		    spk->signature.len != PREKEYS_SIGBYTES) {
			*why = "malformed signed prekey";
			return (C(BAD_REQUEST));
		}
		u->has_signed = 1;
		u->spk_id = spk->id;
		memcpy(u->spk, spk->key.data, PREKEYS_KEYBYTES);
		memcpy(u->spk_sig, spk->signature.data, PREKEYS_SIGBYTES);
	}
	for (i = 0; i < n; i++) {
		if (opks[i]->key.len != PREKEYS_KEYBYTES) {
			*why = "malformed one-time prekey";
			return (C(BAD_REQUEST));
		}
	}
	u->opks = xcalloc(n + 1, sizeof *u->opks);
	for (u->n = 0; u->n < n; u->n++) {
		u->opks[u->n].id = opks[u->n]->id;
		memcpy(u->opks[u->n].key, opks[u->n]->key.data,
		    PREKEYS_KEYBYTES);
	}
	return (C(OK));
}

/* Validate and store a signed prekey and one-time prekeys. */
static uint32_t
handle_store_prekeys(struct session *s, int64_t account, uint32_t device,
    const Natter__SignedPrekey *spk, Natter__OneTimePrekey **opks, size_t n,
    const char **why)
{
	struct prekeys_upload	u;
	uint32_t		code;
	int			rc;

	if ((code = handle_prekeys(spk, opks, n, &u, why)) != C(OK))
		return (code);
	rc = prekeys_store(session_db(s), account, device, &u);
	free(u.opks);
	if (rc == 1) {
		*why = "too many one-time prekeys stored";
		return (C(TOO_LARGE));
	}
	return (rc == 0 ? C(OK) : C(INTERNAL));
}

/* Register's device list, if any: version 1 or later, for r->name,
 * signed by and naming r's identity key as device 1, and nothing else.
 * OK with *version set (0: no list, an older client), or a Code. */
static uint32_t
handle_register_list(const Natter__Register *r, uint64_t *version,
    const char **why)
{
	struct devicelist	*dl;
	uint32_t		 code;

	*version = 0;
	if (r->device_list.len == 0)
		return (C(OK));
	code = roster_verify(r->device_list.data, r->device_list.len, r->name,
	    r->identity_key.data, 0, &dl, why);
	if (code != C(OK))
		return (code);
	if (devicelist_count(dl) != 1) {
		*why = "a new account's device list names device 1 only";
		code = C(BAD_REQUEST);
	}
	*version = devicelist_version(dl);
	devicelist_free(dl);
	return (code);
}

static uint32_t
handle_register(struct session *s, const Natter__Frame *f, const char **why)
{
	const Natter__Register	*r = f->register_;
	int64_t			 account;
	uint64_t		 version;
	uint32_t		 code;
	int			 rc;

	if (r->name == NULL || !wire_name_valid(r->name)) {
		*why = "names are 1 to 32 of a-z 0-9 . _ -";
		return (C(NAME_INVALID));
	}
	if (r->identity_key.len != AUTH_KEYBYTES || r->signed_prekey == NULL) {
		*why = "identity key and signed prekey are required";
		return (C(BAD_REQUEST));
	}
	if (auth_verify_register(r->signature.data, r->signature.len,
	    session_nonce(s), r->name, r->identity_key.data) != 0)
		return (C(BAD_SIGNATURE));
	if ((code = handle_register_list(r, &version, why)) != C(OK))
		return (code);
	rc = accounts_create(session_db(s), r->name, r->identity_key.data,
	    &account);
	if (rc != 0)
		return (rc == 1 ? C(NAME_TAKEN) : C(INTERNAL));
	code = handle_store_prekeys(s, account, 1, r->signed_prekey,
	    r->one_time_prekeys, r->n_one_time_prekeys, why);
	if (code != C(OK))
		return (code);
	if (version > 0 && roster_put(session_db(s), account, version,
	    r->device_list.data, r->device_list.len) != 0)
		return (C(INTERNAL));
	log_info("registered %s", r->name);
	handle_login(s, f->id, account, 1, r->name);
	return (C(OK));
}

static uint32_t
handle_auth(struct session *s, const Natter__Frame *f, const char **why)
{
	static char		 removed[96];
	const Natter__Auth	*a = f->auth;
	uint8_t			 ik[AUTH_KEYBYTES];
	int64_t			 account;
	int			 rc;

	if (a->name == NULL || !wire_name_valid(a->name))
		return (C(NAME_INVALID));
	rc = accounts_lookup(session_db(s), a->name, &account);
	if (rc == 0)
		rc = accounts_device_key(session_db(s), account, a->device, ik);
	if (rc == 2) {
		snprintf(removed, sizeof removed, "this device was removed "
		    "from %s", a->name);
		*why = removed;
		return (C(DEVICE_REMOVED));
	}
	if (rc != 0)
		return (rc == 1 ? C(UNKNOWN_USER) : C(INTERNAL));
	if (auth_verify_auth(a->signature.data, a->signature.len,
	    session_nonce(s), a->name, a->device, ik) != 0)
		return (C(BAD_SIGNATURE));
	handle_login(s, f->id, account, a->device, a->name);
	return (C(OK));
}

static uint32_t
handle_prekey_upload(struct session *s, const Natter__Frame *f,
    const char **why)
{
	const Natter__PrekeyUpload	*u = f->prekey_upload;
	Natter__Response		 r = NATTER__RESPONSE__INIT;
	uint32_t			 code, count;

	if (u->opk_floor > 0 && prekeys_drop_below(session_db(s),
	    session_account(s), session_device(s), u->opk_floor) != 0)
		return (C(INTERNAL));
	code = handle_store_prekeys(s, session_account(s), session_device(s),
	    u->signed_prekey, u->one_time_prekeys, u->n_one_time_prekeys, why);
	if (code != C(OK))
		return (code);
	if (prekeys_count(session_db(s), session_account(s), session_device(s),
	    &count) != 0)
		return (C(INTERNAL));
	if (count >= PREKEYS_LOW)
		session_prekeys_refilled(s);
	r.code = C(OK);
	r.prekey_count = count;
	r.server_ts = time_now_ms();
	session_send_response(s, f->id, &r);
	return (C(OK));
}

static void
handle_bundle_fill(Natter__PrekeyBundle *pb, Natter__SignedPrekey *spk,
    Natter__OneTimePrekey *opk, struct prekeys_bundle *b, char *name)
{
	natter__prekey_bundle__init(pb);
	natter__signed_prekey__init(spk);
	natter__one_time_prekey__init(opk);
	pb->name = name;
	pb->device = b->device;
	pb->identity_key.data = b->identity_key;
	pb->identity_key.len = PREKEYS_KEYBYTES;
	if (b->has_signed) {
		spk->id = b->spk_id;
		spk->key.data = b->spk;
		spk->key.len = PREKEYS_KEYBYTES;
		spk->signature.data = b->spk_sig;
		spk->signature.len = PREKEYS_SIGBYTES;
		pb->signed_prekey = spk;
	}
	if (b->has_onetime) {
		opk->id = b->opk.id;
		opk->key.data = b->opk.key;
		opk->key.len = PREKEYS_KEYBYTES;
		pb->one_time_prekey = opk;
	}
}

/* After a bundle took a one-time prekey: warn the device if it is low,
 * here or through the other nodes (a device connected nowhere hears it
 * when it signs in). */
static void
handle_check_low(struct session *s, int64_t account, uint32_t device)
{
	struct session	*t = online_find(account, device);
	uint32_t	 count;

	if (t == NULL && !directory_tells_low(session_directory(s)))
		return;
	if (prekeys_count(session_db(s), account, device, &count) != 0 ||
	    count >= PREKEYS_LOW)
		return;
	if (t != NULL)
		session_prekeys_low(t, count);
	else
		directory_prekeys_low(session_directory(s), account, device,
		    count);
}

/*
 * One-time prekeys are handed out once, so bundle requests are bounded
 * by account, not by connection: per requesting account (one user
 * cannot drain others' one-time prekeys) and per account asked for (many
 * accounts together cannot either). A client asks for an account's
 * bundles when it first writes to it and when its devices change, so
 * the bursts are far above normal use.
 */
static struct bucket_table	*handle_asking;		/* requester */
static struct bucket_table	*handle_asked;		/* target */

/* OK if account may ask for the bundles of account to (named name). */
static uint32_t
handle_bundle_limit(struct session *s, int64_t to, const char *name,
    const char **why)
{
	static char	msg[96];
	int64_t		now = time_now_ms();

	if (handle_asking == NULL) {
		handle_asking = bucket_table_create(HANDLE_BUNDLE_RATE,
		    HANDLE_BUNDLE_BURST);
		handle_asked = bucket_table_create(HANDLE_ASKED_RATE,
		    HANDLE_ASKED_BURST);
	}
	if (!bucket_table_peek(handle_asking, (uint64_t)session_account(s),
	    now)) {
		*why = "too many key requests from your account; try again "
		    "in a minute";
		return (C(RATE_LIMITED));
	}
	if (!bucket_table_take(handle_asked, (uint64_t)to, now)) {
		snprintf(msg, sizeof msg, "too many key requests for %s; try "
		    "again in a few minutes", name);
		*why = msg;
		return (C(RATE_LIMITED));
	}
	(void)bucket_table_take(handle_asking, (uint64_t)session_account(s),
	    now);
	return (C(OK));
}

static uint32_t
handle_bundle(struct session *s, const Natter__Frame *f, const char **why)
{
	const char		*name = f->bundle_request->name;
	Natter__Response	 r = NATTER__RESPONSE__INIT;
	uint32_t		 devs[ACCOUNTS_MAXDEVICES];
	struct prekeys_bundle	 b[ACCOUNTS_MAXDEVICES];
	Natter__PrekeyBundle	 pb[ACCOUNTS_MAXDEVICES], *pbp[ACCOUNTS_MAXDEVICES];
	Natter__SignedPrekey	 spk[ACCOUNTS_MAXDEVICES];
	Natter__OneTimePrekey	 opk[ACCOUNTS_MAXDEVICES];
	uint8_t			 list[ROSTER_MAXBYTES];
	uint64_t		 version;
	uint32_t		 code;
	int64_t			 account;
	size_t			 n, i;
	int			 rc, keys_only;

	if (name == NULL || !wire_name_valid(name))
		return (C(NAME_INVALID));
	rc = accounts_lookup(session_db(s), name, &account);
	if (rc != 0)
		return (rc == 1 ? C(UNKNOWN_USER) : C(INTERNAL));
	keys_only = f->bundle_request->keys_only;
	if (!keys_only &&
	    (code = handle_bundle_limit(s, account, name, why)) != C(OK))
		return (code);
	if (accounts_devices(session_db(s), account, devs, ACCOUNTS_MAXDEVICES,
	    &n) != 0)
		return (C(INTERNAL));
	if (n == 0)
		return (C(UNKNOWN_USER));
	for (i = 0; i < n; i++) {
		if (prekeys_bundle(session_db(s), account, devs[i], !keys_only,
		    &b[i]) != 0)
			return (C(INTERNAL));
		handle_bundle_fill(&pb[i], &spk[i], &opk[i], &b[i],
		    (char *)name);
		pbp[i] = &pb[i];
	}
	rc = roster_get(session_db(s), account, &version, list,
	    &r.device_list.len);
	if (rc == -1)
		return (C(INTERNAL));
	if (rc == 0)
		r.device_list.data = list;
	for (i = 0; i < n && !keys_only; i++)
		handle_check_low(s, account, devs[i]);
	r.code = C(OK);
	r.name = (char *)name;
	r.n_bundles = n;
	r.bundles = pbp;
	r.server_ts = time_now_ms();
	session_send_response(s, f->id, &r);
	return (C(OK));
}
