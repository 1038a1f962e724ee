/* prekeys: this device's signed and one-time prekeys (private halves sealed in the store). */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/core/conn.h"
#include "client/core/prekeys.h"
#include "client/store/kv.h"
#include "client/store/store.h"
#include "shared/crypto/keys.h"
#include "shared/util/log.h"
#include "shared/util/xmalloc.h"

#define PREKEYS_BATCH_MAX	200

struct prekeys {
	struct store	*st;
	int		 topping_up;	/* an upload waits for its answer */
};

struct prekeys *
prekeys_create(struct store *st)
{
	struct prekeys	*pk;

	pk = xcalloc(1, sizeof *pk);
	pk->st = st;
	return (pk);
}

void
prekeys_free(struct prekeys *pk)
{
	free(pk);
}

/* Only the private halves are stored; the public keys are derived again. */
int
prekeys_create_spk(struct prekeys *pk, uint32_t id)
{
	struct keys_prekey	kp;
	int			rc;

	keys_opk_generate(&kp, id);
	rc = store_prekey_put(pk->st, STORE_SPK, id, kp.sk, sizeof kp.sk);
	keys_prekey_wipe(&kp);
	if (rc == 0)
		rc = kv_put_u32(pk->st, KV_SPK_ID, id);
	return (rc);
}

int
prekeys_create_opks(struct prekeys *pk, int n)
{
	struct keys_prekey	kp;
	uint32_t		next;
	int			i, rc = 0;

	if (kv_get_u32(pk->st, KV_OPK_NEXT, &next) != 0)
		next = 1;
	for (i = 0; i < n && rc == 0; i++, next++) {
		keys_opk_generate(&kp, next);
		rc = store_prekey_put(pk->st, STORE_OPK, next, kp.sk,
		    sizeof kp.sk);
	}
	keys_prekey_wipe(&kp);
	if (rc == 0)
		rc = kv_put_u32(pk->st, KV_OPK_NEXT, next);
	return (rc);
}

static int
prekeys_secret(struct prekeys *pk, int kind, uint32_t id, uint8_t sk[32])
{
	uint8_t	*v;
	size_t	 len;

	if (store_prekey_get(pk->st, kind, id, &v, &len) != 0)
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
prekeys_spk_secret(struct prekeys *pk, uint32_t id, uint8_t sk[32])
{
	return (prekeys_secret(pk, STORE_SPK, id, sk));
}

int
prekeys_opk_secret(struct prekeys *pk, uint32_t id, uint8_t sk[32])
{
	return (prekeys_secret(pk, STORE_OPK, id, sk));
}

/* The SPK signed by our identity as keys.h does ("natter v1 SPK"). */
Natter__SignedPrekey *
prekeys_spk_message(struct prekeys *pk, const struct keys_identity *id)
{
	Natter__SignedPrekey	*m;
	struct keys_prekey	 spk;
	uint8_t			 sk[32];
	uint32_t		 kid;

	if (kv_get_u32(pk->st, KV_SPK_ID, &kid) != 0 ||
	    prekeys_spk_secret(pk, kid, sk) != 0)
		return (NULL);
	keys_prekey_from_sk(&spk, kid, sk);
	keys_spk_sign(&spk, id);
	m = xmalloc(sizeof *m);
	natter__signed_prekey__init(m);
	m->id = kid;
	m->key.data = xmalloc(KEYS_PUBBYTES);
	m->key.len = KEYS_PUBBYTES;
	memcpy(m->key.data, spk.pk, KEYS_PUBBYTES);
	m->signature.data = xmalloc(KEYS_SIGBYTES);
	m->signature.len = KEYS_SIGBYTES;
	memcpy(m->signature.data, spk.sig, KEYS_SIGBYTES);
	sodium_memzero(sk, sizeof sk);
	keys_prekey_wipe(&spk);
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
prekeys_opk_messages(struct prekeys *pk, uint32_t from, size_t *np)
{
	Natter__OneTimePrekey	**v = NULL;
	struct keys_prekey	  kp;
	uint8_t			  sk[32];
	uint32_t		  next, id;
	size_t			  n = 0;

	if (kv_get_u32(pk->st, KV_OPK_NEXT, &next) != 0)
		next = 1;
	if (from == 0 || next - from > PREKEYS_BATCH_MAX)
		from = next > PREKEYS_BATCH_MAX ? next - PREKEYS_BATCH_MAX : 1;
	for (id = from; id < next; id++) {
		if (prekeys_opk_secret(pk, id, sk) != 0)
			continue;
		keys_prekey_from_sk(&kp, id, sk);
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n] = xmalloc(sizeof *v[n]);
		natter__one_time_prekey__init(v[n]);
		v[n]->id = id;
		v[n]->key.data = xmalloc(KEYS_PUBBYTES);
		v[n]->key.len = KEYS_PUBBYTES;
		memcpy(v[n]->key.data, kp.pk, KEYS_PUBBYTES);
		n++;
	}
	sodium_memzero(sk, sizeof sk);
	keys_prekey_wipe(&kp);
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
prekeys_uploaded(void *arg, const Natter__Response *resp)
{
	struct prekeys	*pk = arg;

	pk->topping_up = 0;
	if (resp != NULL && resp->code != NATTER__CODE__OK)
		log_warn("prekey upload refused (code %u)", resp->code);
}

void
prekeys_topup(struct prekeys *pk, struct conn *cn, uint32_t left)
{
	Natter__Frame		f = NATTER__FRAME__INIT;
	Natter__PrekeyUpload	u = NATTER__PREKEY_UPLOAD__INIT;
	uint32_t		from;
	int			want = PREKEYS_TARGET - (int)left;

	if (pk->topping_up || want <= 0)
		return;
	if (kv_get_u32(pk->st, KV_OPK_NEXT, &from) != 0)
		from = 1;
	if (store_begin(pk->st) != 0)
		return;
	if (prekeys_create_opks(pk, want) != 0 || store_commit(pk->st) != 0) {
		store_rollback(pk->st);
		log_warn("cannot create one-time prekeys");
		return;
	}
	u.one_time_prekeys = prekeys_opk_messages(pk, from,
	    &u.n_one_time_prekeys);
	f.body_case = NATTER__FRAME__BODY_PREKEY_UPLOAD;
	f.prekey_upload = &u;
	if (conn_request(cn, &f, prekeys_uploaded, pk) == 0)
		pk->topping_up = 1;
	prekeys_opk_messages_free(u.one_time_prekeys, u.n_one_time_prekeys);
}
