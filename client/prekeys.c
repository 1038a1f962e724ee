/* prekeys: this device's signed and one-time prekeys (private halves sealed in the store). */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/coreint.h"
#include "client/prekeys.h"
#include "shared/util/log.h"
#include "shared/util/xmalloc.h"

#define PREKEYS_BATCH_MAX	200
#define PREKEYS_SIGBYTES	crypto_sign_BYTES

/* Ed25519 by the identity key over "natter v1 spk" 0x00 || u32be(id) || key. */
static void
prekeys_spk_sign(uint8_t sig[PREKEYS_SIGBYTES], const uint8_t *ik_sk,
    uint32_t id, const uint8_t pk[32])
{
	static const char	dom[] = "natter v1 spk";
	uint8_t			m[sizeof dom + 4 + 32];

	memcpy(m, dom, sizeof dom);
	m[sizeof dom] = id >> 24;
	m[sizeof dom + 1] = id >> 16;
	m[sizeof dom + 2] = id >> 8;
	m[sizeof dom + 3] = id;
	memcpy(m + sizeof dom + 4, pk, 32);
	crypto_sign_detached(sig, NULL, m, sizeof m, ik_sk);
}

int
prekeys_create_spk(struct core *c, uint32_t id)
{
	uint8_t	pk[32], sk[32];
	int	rc;

	crypto_box_keypair(pk, sk);
	rc = store_prekey_put(c->st, STORE_SPK, id, sk, sizeof sk);
	sodium_memzero(sk, sizeof sk);
	if (rc == 0)
		rc = account_kv_put_u32(c, CORE_KV_SPK_ID, id);
	return (rc);
}

int
prekeys_create_opks(struct core *c, int n)
{
	uint8_t		pk[32], sk[32];
	uint32_t	next;
	int		i, rc = 0;

	if (account_kv_get_u32(c, CORE_KV_OPK_NEXT, &next) != 0)
		next = 1;
	for (i = 0; i < n && rc == 0; i++) {
		crypto_box_keypair(pk, sk);
		rc = store_prekey_put(c->st, STORE_OPK, next++, sk, sizeof sk);
	}
	sodium_memzero(sk, sizeof sk);
	if (rc == 0)
		rc = account_kv_put_u32(c, CORE_KV_OPK_NEXT, next);
	return (rc);
}

static int
prekeys_secret(struct core *c, int kind, uint32_t id, uint8_t sk[32])
{
	uint8_t	*v;
	size_t	 len;

	if (store_prekey_get(c->st, kind, id, &v, &len) != 0)
		return (-1);
	if (len != 32) {
		free(v);
		return (-1);
	}
	memcpy(sk, v, 32);
	sodium_memzero(v, len);
	free(v);
	return (0);
}

int
prekeys_spk_secret(struct core *c, uint32_t id, uint8_t sk[32])
{
	return (prekeys_secret(c, STORE_SPK, id, sk));
}

int
prekeys_opk_secret(struct core *c, uint32_t id, uint8_t sk[32])
{
	return (prekeys_secret(c, STORE_OPK, id, sk));
}

Natter__SignedPrekey *
prekeys_spk_message(struct core *c)
{
	Natter__SignedPrekey	*m;
	uint8_t			 sk[32];
	uint32_t		 id;

	if (account_kv_get_u32(c, CORE_KV_SPK_ID, &id) != 0 ||
	    prekeys_spk_secret(c, id, sk) != 0)
		return (NULL);
	m = xmalloc(sizeof *m);
	natter__signed_prekey__init(m);
	m->id = id;
	m->key.data = xmalloc(32);
	m->key.len = 32;
	crypto_scalarmult_base(m->key.data, sk);
	sodium_memzero(sk, sizeof sk);
	m->signature.data = xmalloc(PREKEYS_SIGBYTES);
	m->signature.len = PREKEYS_SIGBYTES;
	prekeys_spk_sign(m->signature.data, c->ik_sk, id, m->key.data);
	return (m);
}

void
prekeys_spk_message_free(Natter__SignedPrekey *m)
{
	if (m == NULL)
		return;
	free(m->key.data);
	free(m->signature.data);
	free(m);
}

Natter__OneTimePrekey **
prekeys_opk_messages(struct core *c, uint32_t from, size_t *np)
{
	Natter__OneTimePrekey	**v = NULL;
	uint8_t			  sk[32];
	uint32_t		  next, id;
	size_t			  n = 0;

	if (account_kv_get_u32(c, CORE_KV_OPK_NEXT, &next) != 0)
		next = 1;
	if (from == 0 || next - from > PREKEYS_BATCH_MAX)
		from = next > PREKEYS_BATCH_MAX ? next - PREKEYS_BATCH_MAX : 1;
	for (id = from; id < next; id++) {
		if (prekeys_opk_secret(c, id, sk) != 0)
			continue;
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n] = xmalloc(sizeof *v[n]);
		natter__one_time_prekey__init(v[n]);
		v[n]->id = id;
		v[n]->key.data = xmalloc(32);
		v[n]->key.len = 32;
		crypto_scalarmult_base(v[n]->key.data, sk);
		n++;
	}
	sodium_memzero(sk, sizeof sk);
	*np = n;
	return (v);
}

void
prekeys_opk_messages_free(Natter__OneTimePrekey **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(v[i]->key.data);
		free(v[i]);
	}
	free(v);
}

static void
prekeys_uploaded(struct core *c, struct core_req *r,
    const Natter__Response *resp)
{
	(void)r;
	c->topping_up = 0;
	if (resp != NULL && resp->code != NATTER__CODE__OK)
		log_warn("prekey upload refused: %s (code %u)",
		    resp->message != NULL ? resp->message : "", resp->code);
}

void
prekeys_topup(struct core *c, uint32_t left)
{
	Natter__Frame		f = NATTER__FRAME__INIT;
	Natter__PrekeyUpload	u = NATTER__PREKEY_UPLOAD__INIT;
	uint32_t		from;
	int			want = CORE_OPK_TARGET - (int)left;

	if (c->topping_up || want <= 0)
		return;
	if (account_kv_get_u32(c, CORE_KV_OPK_NEXT, &from) != 0)
		from = 1;
	if (store_begin(c->st) != 0)
		return;
	if (prekeys_create_opks(c, want) != 0 || store_commit(c->st) != 0) {
		store_rollback(c->st);
		log_warn("cannot create one-time prekeys");
		return;
	}
	u.one_time_prekeys = prekeys_opk_messages(c, from, &u.n_one_time_prekeys);
	f.body_case = NATTER__FRAME__BODY_PREKEY_UPLOAD;
	f.prekey_upload = &u;
	if (conn_request(c, &f, prekeys_uploaded, NULL) == 0)
		c->topping_up = 1;
	prekeys_opk_messages_free(u.one_time_prekeys, u.n_one_time_prekeys);
}
