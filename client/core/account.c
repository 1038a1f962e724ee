/* account: this device's account: name, device id, identity key; registration and sign-in on the connection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/core/account.h"
#include "client/core/conn.h"
#include "client/core/err.h"
#include "client/core/prekeys.h"
#include "client/store/kv.h"
#include "client/store/store.h"
#include "shared/crypto/devicelist.h"
#include "shared/crypto/keys.h"
#include "shared/proto/login.h"
#include "shared/proto/wire.h"
#include "shared/util/log.h"
#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"

struct account {
	struct store	*st;
	struct prekeys	*pk;
	struct conn	*cn;		/* the one signing in */
	char		*name;		/* NULL until registered */
	uint32_t	 device;
	char		*server;	/* saved at registration */
	uint8_t		*ik_sk;		/* sodium_malloc, 64 bytes */
	uint8_t		 ik_pk[KEYS_PUBBYTES];
	uint8_t		*list;		/* the signed list sent to register */
	size_t		 listlen;

	int		 linking;	/* offering this device to an account */
	char		*reg_name;	/* a registration in progress */
	account_done_cb	*reg_cb;
	void		*reg_arg;
};

/* The identity from its stored Ed25519 secret key; 1 if none. */
static int
account_load_identity(struct account *a)
{
	struct keys_identity	id;
	uint8_t			*v;
	size_t			len;
	int			rc;

	if ((rc = store_kv_get(a->st, KV_IDENTITY, &v, &len)) != 0)
		return (rc);
	rc = len == KEYS_ED_SECBYTES ? keys_identity_from_ed_sk(&id, v) : -1;
	sodium_memzero(v, len);
	free(v);
	if (rc != 0)
		return (-1);
	if (a->ik_sk == NULL &&
	    (a->ik_sk = sodium_malloc(KEYS_ED_SECBYTES)) == NULL)
		fatal("sodium_malloc failed");
	memcpy(a->ik_sk, id.ed_sk, KEYS_ED_SECBYTES);
	memcpy(a->ik_pk, id.ed_pk, KEYS_PUBBYTES);
	keys_identity_wipe(&id);
	return (0);
}

/*
 * On the primary device, the account key is our own identity key: kept
 * as our account's contact (verified), so that the lists of our own
 * devices are checked like anyone's.  Profiles older than device lists
 * get it on open.  0 or -1.
 */
static int
account_pin_self(struct account *a)
{
	struct store_contact	sc;

	if (store_contact_get(a->st, a->name, &sc) == 0)
		return (0);
	memset(&sc, 0, sizeof sc);
	sc.trust = STORE_TRUST_VERIFIED;
	memcpy(sc.ik, a->ik_pk, sizeof sc.ik);
	return (store_contact_put(a->st, a->name, &sc));
}

/* The account's first signed device list: version 1, [device 1]. */
static void
account_first_list(struct account *a, const char *name)
{
	struct devicelist	*l;

	free(a->list);
	a->list = xmalloc(DEVICELIST_MAXBYTES);
	l = devicelist_create(name, strlen(name), 1, (uint64_t)time_now_ms());
	if (l == NULL || devicelist_add(l, 1, a->ik_pk) != 0)
		fatal("cannot make a device list for %s", name);
	devicelist_sign(l, a->ik_sk, a->list, &a->listlen);
	devicelist_free(l);
}

struct account *
account_open(struct store *st, struct prekeys *pk, struct core_error *err)
{
	struct account	*a;

	a = xcalloc(1, sizeof *a);
	a->st = st;
	a->pk = pk;
	if (account_load_identity(a) == -1) {
		err_set(err, CORE_ERR_CORRUPT, "the identity key in the profile "
		    "%s cannot be read", store_dir(st));
		goto fail;
	}
	a->server = kv_get_str(st, KV_SERVER);
	if (a->ik_sk == NULL)
		return (a);
	a->name = kv_get_str(st, KV_NAME);
	if (a->name != NULL && kv_get_u32(st, KV_DEVICE, &a->device) != 0) {
		err_set(err, CORE_ERR_CORRUPT, "the profile %s is damaged (no "
		    "device id)", store_dir(st));
		goto fail;
	}
	if (a->name != NULL && a->device == 1 && account_pin_self(a) != 0)
		log_warn("cannot record this account's own key as its contact");
	return (a);
fail:
	account_free(a);
	return (NULL);
}

void
account_free(struct account *a)
{
	if (a == NULL)
		return;
	if (a->ik_sk != NULL)
		sodium_free(a->ik_sk);
	free(a->name);
	free(a->server);
	free(a->reg_name);
	free(a->list);
	free(a);
}

const char *
account_name(struct account *a)
{
	return (a->name);
}

uint32_t
account_device(struct account *a)
{
	return (a->device);
}

const char *
account_saved_server(struct account *a)
{
	return (a->server);
}

const uint8_t *
account_ik(struct account *a)
{
	return (a->ik_sk != NULL ? a->ik_pk : NULL);
}

int
account_identity(struct account *a, struct keys_identity *id)
{
	if (a->ik_sk == NULL)
		return (-1);
	return (keys_identity_from_ed_sk(id, a->ik_sk));
}

/* Identity, signed prekey 1 and the first one-time prekeys, once. */
static int
account_create_keys(struct account *a, struct core_error *err)
{
	struct keys_identity	id;

	if (a->ik_sk != NULL)
		return (0);
	if (keys_identity_generate(&id) != 0)
		goto fail;
	if (store_begin(a->st) != 0)
		goto fail;
	if (store_kv_put(a->st, KV_IDENTITY, id.ed_sk, sizeof id.ed_sk) != 0 ||
	    prekeys_create_spk(a->pk, 1) != 0 ||
	    prekeys_create_opks(a->pk, PREKEYS_TARGET) != 0 ||
	    store_commit(a->st) != 0) {
		store_rollback(a->st);
		goto fail;
	}
	keys_identity_wipe(&id);
	return (account_load_identity(a));
fail:
	keys_identity_wipe(&id);
	err_set(err, CORE_ERR_IO, "cannot save keys in the profile %s",
	    store_dir(a->st));
	return (-1);
}

int
account_register(struct account *a, const char *name, account_done_cb *done,
    void *arg, struct core_error *err)
{
	if (a->name != NULL) {
		err_set(err, CORE_ERR_PROFILE_EXISTS, "this profile is already "
		    "registered as %s (device %u); use another --home", a->name,
		    a->device);
		return (-1);
	}
	if (name == NULL || !wire_name_valid(name)) {
		err_set(err, CORE_ERR_NAME_INVALID, "invalid name \"%.40s\": use "
		    "1 to 32 of a-z 0-9 . _ -", name != NULL ? name : "");
		return (-1);
	}
	if (a->reg_name != NULL) {
		err_set(err, CORE_ERR_USAGE, "already registering");
		return (-1);
	}
	if (account_create_keys(a, err) != 0)
		return (-1);
	a->reg_name = xstrdup(name);
	a->reg_cb = done;
	a->reg_arg = arg;
	return (0);
}

int
account_registering(struct account *a)
{
	return (a->reg_name != NULL);
}

/* Sign domain 0x00 || nonce || name [|| u32be(device)]. */
static void
account_sign(struct account *a, uint8_t sig[crypto_sign_BYTES],
    const char *domain, const uint8_t *nonce, size_t noncelen,
    const char *name, int with_device)
{
	uint8_t	m[LOGIN_MESSAGEMAX];
	size_t	len;

	/* conn.c takes only LOGIN_NONCEBYTES nonces; names are checked. */
	if (noncelen != LOGIN_NONCEBYTES || (len = login_message(m, domain,
	    nonce, name, with_device ? &a->device : NULL)) == 0)
		fatal("%s: cannot build the login message", __func__);
	crypto_sign_detached(sig, NULL, m, len, a->ik_sk);
}

/* Finish a registration: remember its outcome, call its callback once. */
static void
account_reg_done(struct account *a, const struct core_error *err)
{
	account_done_cb	*cb = a->reg_cb;

	a->reg_cb = NULL;
	free(a->reg_name);
	a->reg_name = NULL;
	if (cb != NULL)
		cb(a->reg_arg, err);
}

void
account_abort(struct account *a, const struct core_error *err)
{
	if (a->reg_name != NULL)
		account_reg_done(a, err);
}

/*
 * The prekeys the Register (or LinkOffer) carried are on the server now:
 * the one-time ones up to the last made, and a fresh signed prekey.
 */
static int
account_keys_uploaded(struct account *a)
{
	uint32_t	next;

	if (kv_get_u32(a->st, KV_OPK_NEXT, &next) != 0)
		next = 1;
	if (kv_put_u32(a->st, KV_OPK_UPLOADED, next - 1) != 0)
		return (-1);
	return (kv_put_u64(a->st, KV_SPK_TS, (uint64_t)time_now_ms()));
}

/* Save what the server assigned.  0, or -1 with err. */
static int
account_save(struct account *a, const Natter__Response *resp,
    struct core_error *err)
{
	const char	*name = a->reg_name, *server = conn_server(a->cn);
	uint32_t	 device;

	if (resp->code == NATTER__CODE__NAME_TAKEN) {
		err_set(err, CORE_ERR_NAME_TAKEN, "the name %s is taken on %s: "
		    "choose another", name, server);
		return (-1);
	}
	if (resp->code != NATTER__CODE__OK) {
		err_from_resp(err, resp, "register");
		return (-1);
	}
	device = resp->device != 0 ? resp->device : 1;
	if (store_begin(a->st) != 0)
		goto fail;
	if (store_kv_put(a->st, KV_NAME, name, strlen(name)) != 0 ||
	    kv_put_u32(a->st, KV_DEVICE, device) != 0 ||
	    account_keys_uploaded(a) != 0 ||
	    (a->list != NULL && kv_named_put(a->st, "lists", name, a->list,
	    a->listlen) != 0) ||
	    store_kv_put(a->st, KV_SERVER, server, strlen(server)) != 0 ||
	    store_commit(a->st) != 0) {
		store_rollback(a->st);
		goto fail;
	}
	a->name = xstrdup(name);
	a->device = device;
	if (device == 1 && account_pin_self(a) != 0)
		goto fail;
	return (0);
fail:
	err_set(err, CORE_ERR_IO, "registered %s on the server but cannot save "
	    "it in the profile %s", name, store_dir(a->st));
	return (-1);
}

static void
account_registered(void *arg, const Natter__Response *resp)
{
	struct account		*a = arg;
	struct core_error	 err;

	if (resp == NULL)
		return;		/* the connection's down callback follows */
	if (account_save(a, resp, &err) != 0) {
		account_reg_done(a, &err);
		conn_give_up(a->cn, &err);
		return;
	}
	conn_authed(a->cn);
	account_reg_done(a, NULL);
}

/*
 * The answer to Auth or LinkOffer: 0 when there is none (the connection's
 * down callback follows) or it is OK (signed in); 1 with err (what
 * failed) when it refused.
 */
static int
account_login_answer(struct account *a, const Natter__Response *resp,
    const char *what, struct core_error *err)
{
	if (resp == NULL)
		return (0);
	if (resp->code == NATTER__CODE__OK) {
		conn_authed(a->cn);
		return (0);
	}
	err_from_resp(err, resp, what);
	return (1);
}

static void
account_authed(void *arg, const Natter__Response *resp)
{
	struct account		*a = arg;
	struct core_error	 err;

	if (account_login_answer(a, resp, "sign-in", &err) <= 0)
		return;
	/* A server that cannot reach its store answers INTERNAL ("retry
	 * later"), one shedding load RATE_LIMITED: neither is about this
	 * device, so sign in again after the backoff. Giving up here left
	 * a listening device offline for good after a store outage. */
	if (resp->code == NATTER__CODE__INTERNAL ||
	    resp->code == NATTER__CODE__RATE_LIMITED) {
		conn_retry_later(a->cn, &err);
		return;
	}
	if (resp->code == NATTER__CODE__DEVICE_REMOVED)
		err_set(&err, CORE_ERR_REMOVED, "this device was removed from %s "
		    "(it was device %u): its profile can no longer sign in; link "
		    "it again with a new --home", a->name, a->device);
	else if (resp->code == NATTER__CODE__UNKNOWN_USER)
		err_set(&err, CORE_ERR_NO_PROFILE, "the server %s does not know "
		    "account %s (device %u): was it registered on another "
		    "server? use --server URL", conn_server(a->cn), a->name,
		    a->device);
	conn_give_up(a->cn, &err);
}

static Natter__Register *
account_register_msg(struct account *a, const uint8_t *nonce, size_t len)
{
	Natter__Register	*r;
	struct keys_identity	 id;

	r = xmalloc(sizeof *r);
	natter__register__init(r);
	r->name = xstrdup(a->reg_name);
	r->identity_key.data = xmalloc(sizeof a->ik_pk);
	memcpy(r->identity_key.data, a->ik_pk, sizeof a->ik_pk);
	r->identity_key.len = sizeof a->ik_pk;
	if (account_identity(a, &id) == 0) {
		r->signed_prekey = prekeys_spk_message(a->pk, &id);
		keys_identity_wipe(&id);
	}
	r->one_time_prekeys = prekeys_opk_messages(a->pk, 0,
	    &r->n_one_time_prekeys);
	r->signature.data = xmalloc(crypto_sign_BYTES);
	r->signature.len = crypto_sign_BYTES;
	account_sign(a, r->signature.data, LOGIN_REGISTER_DOMAIN, nonce, len,
	    a->reg_name, 0);
	account_first_list(a, a->reg_name);
	r->device_list.data = a->list;
	r->device_list.len = a->listlen;
	return (r);
}

static void
account_register_msg_free(Natter__Register *r)
{
	free(r->name);
	free(r->identity_key.data);
	free(r->signature.data);
	prekeys_spk_message_free(r->signed_prekey);
	prekeys_opk_messages_free(r->one_time_prekeys, r->n_one_time_prekeys);
	free(r);
}

int
account_link_begin(struct account *a, struct core_error *err)
{
	if (a->name != NULL) {
		err_set(err, CORE_ERR_PROFILE_EXISTS, "this profile already is "
		    "device %u of %s: link another --home", a->device, a->name);
		return (-1);
	}
	if (account_create_keys(a, err) != 0)
		return (-1);
	a->linking = 1;
	return (0);
}

static void
account_offered(void *arg, const Natter__Response *resp)
{
	struct account		*a = arg;
	struct core_error	 err;

	if (account_login_answer(a, resp, "offering this device", &err) > 0)
		conn_give_up(a->cn, &err);
}

/* LinkOffer: our keys, and proof that we hold the identity key. */
static void
account_offer(struct account *a, struct conn *cn, const uint8_t *nonce,
    size_t len)
{
	Natter__Frame		 f = NATTER__FRAME__INIT;
	Natter__LinkOffer	 lo = NATTER__LINK_OFFER__INIT;
	struct keys_identity	 id;
	uint8_t			 sig[crypto_sign_BYTES];

	account_sign(a, sig, LOGIN_LINK_DOMAIN, nonce, len, "", 0);
	lo.identity_key.data = a->ik_pk;
	lo.identity_key.len = sizeof a->ik_pk;
	if (account_identity(a, &id) == 0) {
		lo.signed_prekey = prekeys_spk_message(a->pk, &id);
		keys_identity_wipe(&id);
	}
	lo.one_time_prekeys = prekeys_opk_messages(a->pk, 0,
	    &lo.n_one_time_prekeys);
	lo.signature.data = sig;
	lo.signature.len = sizeof sig;
	f.body_case = NATTER__FRAME__BODY_LINK_OFFER;
	f.link_offer = &lo;
	(void)conn_login(cn, &f, account_offered, a);
	prekeys_spk_message_free(lo.signed_prekey);
	prekeys_opk_messages_free(lo.one_time_prekeys, lo.n_one_time_prekeys);
}

int
account_linked(struct account *a, const char *name, uint32_t device,
    const uint8_t primary_pk[32], struct core_error *err)
{
	struct store_contact	 sc;
	const char		*server = conn_server(a->cn);

	memset(&sc, 0, sizeof sc);
	sc.trust = STORE_TRUST_VERIFIED;	/* the account key we approved */
	memcpy(sc.ik, primary_pk, sizeof sc.ik);
	if (store_begin(a->st) != 0)
		goto fail;
	if (store_kv_put(a->st, KV_NAME, name, strlen(name)) != 0 ||
	    kv_put_u32(a->st, KV_DEVICE, device) != 0 ||
	    account_keys_uploaded(a) != 0 ||
	    store_kv_put(a->st, KV_SERVER, server, strlen(server)) != 0 ||
	    store_contact_put(a->st, name, &sc) != 0 ||
	    store_commit(a->st) != 0) {
		store_rollback(a->st);
		goto fail;
	}
	a->name = xstrdup(name);
	a->device = device;
	a->linking = 0;
	return (0);
fail:
	err_set(err, CORE_ERR_IO, "linked as device %u of %s but cannot save it "
	    "in the profile %s", device, name, store_dir(a->st));
	return (-1);
}

void
account_sign_list(struct account *a, const struct devicelist *l,
    uint8_t *out, size_t *outlen)
{
	devicelist_sign(l, a->ik_sk, out, outlen);
}

int
account_approval(struct account *a, uint32_t device, uint64_t ts,
    const uint8_t ik_new[32], const uint8_t secret[32], uint8_t *out,
    size_t *outlen)
{
	return (devicelist_approval_build(out, outlen, a->ik_sk, a->name,
	    strlen(a->name), device, ts, ik_new, secret));
}

void
account_countersign(struct account *a, const char *name, uint32_t device,
    uint64_t ts, const uint8_t primary_pk[32], uint8_t sig[64])
{
	devicelist_link_sign_new(sig, a->ik_sk, name, strlen(name), device, ts,
	    primary_pk);
}

void
account_login(struct account *a, struct conn *cn, const uint8_t *nonce,
    size_t len)
{
	Natter__Frame		f = NATTER__FRAME__INIT;
	Natter__Auth		au = NATTER__AUTH__INIT;
	struct core_error	err;
	uint8_t			sig[crypto_sign_BYTES];

	a->cn = cn;
	if (a->linking) {
		account_offer(a, cn, nonce, len);
		return;
	}
	if (a->reg_name != NULL) {
		f.body_case = NATTER__FRAME__BODY_REGISTER;
		f.register_ = account_register_msg(a, nonce, len);
		(void)conn_login(cn, &f, account_registered, a);
		account_register_msg_free(f.register_);
		return;
	}
	if (a->name == NULL) {
		err_set(&err, CORE_ERR_NO_PROFILE, "this profile has no account "
		    "yet: run natter register NAME first");
		conn_give_up(cn, &err);
		return;
	}
	account_sign(a, sig, LOGIN_AUTH_DOMAIN, nonce, len, a->name, 1);
	au.name = a->name;
	au.device = a->device;
	au.signature.data = sig;
	au.signature.len = sizeof sig;
	f.body_case = NATTER__FRAME__BODY_AUTH;
	f.auth = &au;
	(void)conn_login(cn, &f, account_authed, a);
}
