/* account: this device's identity and prekeys, registration and sign-in frames, prekey top-up. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/core/coreint.h"
#include "client/core/prekeys.h"
#include "shared/crypto/keys.h"
#include "shared/proto/login.h"
#include "shared/proto/wire.h"
#include "shared/util/log.h"
#include "shared/util/xmalloc.h"

static const char account_reg_domain[] = "natter v1 register";
static const char account_auth_domain[] = "natter v1 auth";

static char *
account_kv_str(struct core *c, int key)
{
	uint8_t	*v;
	size_t	 len;

	if (store_kv_get(c->st, key, &v, &len) != 0)
		return (NULL);
	return ((char *)v);	/* store NUL-terminates */
}

int
account_kv_get_u32(struct core *c, int key, uint32_t *out)
{
	uint8_t	*v;
	size_t	 len;

	if (store_kv_get(c->st, key, &v, &len) != 0)
		return (-1);
	if (len != 4) {
		free(v);
		return (-1);
	}
	*out = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 |
	    (uint32_t)v[2] << 8 | v[3];
	free(v);
	return (0);
}

int
account_kv_put_u32(struct core *c, int key, uint32_t val)
{
	uint8_t	v[4];

	v[0] = val >> 24;
	v[1] = val >> 16;
	v[2] = val >> 8;
	v[3] = val;
	return (store_kv_put(c->st, key, v, sizeof v));
}

/* The identity (keys.h) from its stored Ed25519 secret key; 1 if none. */
static int
account_load_identity(struct core *c)
{
	struct keys_identity	id;
	uint8_t			*v;
	size_t			 len;
	int			 rc;

	if ((rc = store_kv_get(c->st, CORE_KV_IDENTITY, &v, &len)) != 0)
		return (rc);
	rc = len == KEYS_ED_SECBYTES ? keys_identity_from_ed_sk(&id, v) : -1;
	sodium_memzero(v, len);
	free(v);
	if (rc != 0)
		return (-1);
	if (c->ik_sk == NULL &&
	    (c->ik_sk = sodium_malloc(KEYS_ED_SECBYTES)) == NULL)
		fatal("sodium_malloc failed");
	memcpy(c->ik_sk, id.ed_sk, KEYS_ED_SECBYTES);
	memcpy(c->ik_pk, id.ed_pk, KEYS_PUBBYTES);
	keys_identity_wipe(&id);
	return (0);
}

int
account_load(struct core *c, struct core_error *err)
{
	if (account_load_identity(c) == -1) {
		core_seterr(err, CORE_ERR_CORRUPT, "the identity key in the "
		    "profile %s cannot be read", store_dir(c->st));
		return (-1);
	}
	c->server = account_kv_str(c, CORE_KV_SERVER);
	if (c->ik_sk == NULL)
		return (0);
	c->name = account_kv_str(c, CORE_KV_NAME);
	if (c->name != NULL && account_kv_get_u32(c, CORE_KV_DEVICE,
	    &c->device) != 0) {
		core_seterr(err, CORE_ERR_CORRUPT, "the profile %s is damaged "
		    "(no device id)", store_dir(c->st));
		return (-1);
	}
	return (0);
}

/* Identity, signed prekey 1 and the first one-time prekeys, once. */
int
account_create_keys(struct core *c, struct core_error *err)
{
	struct keys_identity	id;

	if (c->ik_sk != NULL)
		return (0);
	if (keys_identity_generate(&id) != 0)
		goto fail;
	if (store_begin(c->st) != 0)
		goto fail;
	if (store_kv_put(c->st, CORE_KV_IDENTITY, id.ed_sk,
	    sizeof id.ed_sk) != 0 ||
	    prekeys_create_spk(c, 1) != 0 ||
	    prekeys_create_opks(c, CORE_OPK_TARGET) != 0 ||
	    store_commit(c->st) != 0) {
		store_rollback(c->st);
		goto fail;
	}
	keys_identity_wipe(&id);
	return (account_load_identity(c));
fail:
	keys_identity_wipe(&id);
	core_seterr(err, CORE_ERR_IO, "cannot save keys in the profile %s",
	    store_dir(c->st));
	return (-1);
}

/* Sign domain 0x00 || nonce || name [|| u32be(device)]. */
static void
account_sign(struct core *c, uint8_t sig[crypto_sign_BYTES],
    const char *domain, const uint8_t *nonce, size_t noncelen,
    const char *name, int with_device)
{
	uint8_t	m[LOGIN_MESSAGEMAX];
	size_t	len;

	/* conn.c takes only LOGIN_NONCEBYTES nonces; names are checked. */
	if (noncelen != LOGIN_NONCEBYTES || (len = login_message(m, domain,
	    nonce, name, with_device ? &c->device : NULL)) == 0)
		fatal("%s: cannot build the login message", __func__);
	crypto_sign_detached(sig, NULL, m, len, c->ik_sk);
}

void
account_register_frame(struct core *c, const uint8_t *nonce, size_t noncelen,
    Natter__Frame *f)
{
	Natter__Register	*r;
	uint8_t			*sig;

	r = xmalloc(sizeof *r);
	natter__register__init(r);
	r->name = xstrdup(c->reg_name);
	r->identity_key.data = xmalloc(sizeof c->ik_pk);
	memcpy(r->identity_key.data, c->ik_pk, sizeof c->ik_pk);
	r->identity_key.len = sizeof c->ik_pk;
	r->signed_prekey = prekeys_spk_message(c);
	r->one_time_prekeys = prekeys_opk_messages(c, 0, &r->n_one_time_prekeys);
	sig = xmalloc(crypto_sign_BYTES);
	account_sign(c, sig, account_reg_domain, nonce, noncelen, c->reg_name,
	    0);
	r->signature.data = sig;
	r->signature.len = crypto_sign_BYTES;
	f->body_case = NATTER__FRAME__BODY_REGISTER;
	f->register_ = r;
}

void
account_auth_frame(struct core *c, const uint8_t *nonce, size_t noncelen,
    Natter__Frame *f)
{
	Natter__Auth	*a;
	uint8_t		*sig;

	a = xmalloc(sizeof *a);
	natter__auth__init(a);
	a->name = xstrdup(c->name);
	a->device = c->device;
	sig = xmalloc(crypto_sign_BYTES);
	account_sign(c, sig, account_auth_domain, nonce, noncelen, c->name, 1);
	a->signature.data = sig;
	a->signature.len = crypto_sign_BYTES;
	f->body_case = NATTER__FRAME__BODY_AUTH;
	f->auth = a;
}

/* Free what account_*_frame allocated (the frame itself is the caller's). */
void
account_frame_free(Natter__Frame *f)
{
	if (f->body_case == NATTER__FRAME__BODY_REGISTER) {
		free(f->register_->name);
		free(f->register_->identity_key.data);
		free(f->register_->signature.data);
		prekeys_spk_message_free(f->register_->signed_prekey);
		prekeys_opk_messages_free(f->register_->one_time_prekeys,
		    f->register_->n_one_time_prekeys);
		free(f->register_);
	} else if (f->body_case == NATTER__FRAME__BODY_AUTH) {
		free(f->auth->name);
		free(f->auth->signature.data);
		free(f->auth);
	}
	f->body_case = NATTER__FRAME__BODY__NOT_SET;
}

int
account_registered(struct core *c, const Natter__Response *resp,
    struct core_error *err)
{
	const char	*name = c->reg_name;
	uint32_t	 device;

	if (resp->code == NATTER__CODE__NAME_TAKEN) {
		core_seterr(err, CORE_ERR_NAME_TAKEN, "the name %s is taken on "
		    "%s: choose another", name, c->server);
		return (-1);
	}
	if (resp->code != NATTER__CODE__OK) {
		core_resp_err(err, resp, "register");
		return (-1);
	}
	device = resp->device != 0 ? resp->device : 1;
	if (store_begin(c->st) != 0)
		goto fail;
	if (store_kv_put(c->st, CORE_KV_NAME, name, strlen(name)) != 0 ||
	    account_kv_put_u32(c, CORE_KV_DEVICE, device) != 0 ||
	    store_kv_put(c->st, CORE_KV_SERVER, c->server,
	    strlen(c->server)) != 0 ||
	    store_commit(c->st) != 0) {
		store_rollback(c->st);
		goto fail;
	}
	c->name = xstrdup(name);
	c->device = device;
	return (0);
fail:
	core_seterr(err, CORE_ERR_IO, "registered %s on the server but cannot "
	    "save it in the profile %s", name, store_dir(c->st));
	return (-1);
}
