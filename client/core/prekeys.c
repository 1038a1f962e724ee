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
#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"

#define PREKEYS_BATCH_MAX	200

struct prekeys {
	struct store	*st;
	int		 topping_up;	/* an upload waits for its answer */
	int		 spk_rotating;	/* that upload carries a new SPK */
	uint32_t	 upto;		/* the last OPK id it carries */
	int		 again;		/* a topup asked for while one was out */
	uint32_t	 again_left;
	struct conn	*cn;
	prekeys_done_cb	*cb;
	void		*cbarg;
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

/* The highest one-time prekey id the server confirmed holding. */
static int	prekeys_spk_prune(struct prekeys *, uint32_t);

static uint32_t
prekeys_uploaded_id(struct prekeys *pk, uint32_t next)
{
	uint32_t	up;

	/* Profiles older than this record: all were uploaded, or lost. */
	if (kv_get_u32(pk->st, KV_OPK_UPLOADED, &up) != 0 || up >= next)
		up = next - 1;
	return (up);
}

static void
prekeys_uploaded(void *arg, const Natter__Response *resp)
{
	struct prekeys	*pk = arg;
	prekeys_done_cb	*cb = pk->cb;
	void		*cbarg = pk->cbarg;

	pk->topping_up = 0;
	pk->cb = NULL;
	if (resp != NULL && resp->code == NATTER__CODE__OK) {
		if (kv_put_u32(pk->st, KV_OPK_UPLOADED, pk->upto) != 0 ||
		    (pk->spk_rotating && kv_put_u64(pk->st, KV_SPK_TS,
		    (uint64_t)time_now_ms()) != 0))
			log_warn("cannot record the uploaded prekeys");
	} else if (resp != NULL)
		log_warn("prekey upload refused (code %u)", resp->code);
	pk->spk_rotating = 0;
	if (pk->again && resp != NULL) {
		/* A count that came while this was out: top up to it now. */
		pk->again = 0;
		prekeys_topup(pk, pk->cn, pk->again_left, NULL, cb, cbarg);
		if (pk->topping_up)
			return;
	}
	pk->again = 0;
	if (cb != NULL)
		cb(cbarg);
}

int
prekeys_busy(struct prekeys *pk)
{
	return (pk->topping_up);
}

/*
 * The signed prekey is a week old: make the next one (the old ones stay
 * for messages still on their way; prekeys_spk_prune wipes them later).
 * Its wire message, or NULL if there is nothing to rotate.
 */
static Natter__SignedPrekey *
prekeys_spk_rotate(struct prekeys *pk, const struct keys_identity *id)
{
	uint64_t	ts, now = (uint64_t)time_now_ms();
	uint32_t	cur;

	if (id == NULL || kv_get_u32(pk->st, KV_SPK_ID, &cur) != 0)
		return (NULL);
	if (kv_get_u64(pk->st, KV_SPK_TS, &ts) != 0) {
		/* Older profiles: the week starts now. */
		if (kv_put_u64(pk->st, KV_SPK_TS, now) != 0)
			log_warn("cannot record the signed prekey's age");
		return (NULL);
	}
	if (now - ts < PREKEYS_SPK_ROTATE_MS)
		return (NULL);
	if (store_begin(pk->st) != 0)
		return (NULL);
	if (prekeys_create_spk(pk, cur + 1) != 0 ||
	    prekeys_spk_prune(pk, cur + 1) != 0 || store_commit(pk->st) != 0) {
		store_rollback(pk->st);
		return (NULL);
	}
	pk->spk_rotating = 1;
	return (prekeys_spk_message(pk, id));
}

void
prekeys_topup(struct prekeys *pk, struct conn *cn, uint32_t left,
    const struct keys_identity *id, prekeys_done_cb *cb, void *arg)
{
	Natter__Frame		f = NATTER__FRAME__INIT;
	Natter__PrekeyUpload	u = NATTER__PREKEY_UPLOAD__INIT;
	uint32_t		next, up;
	int			want;

	if (pk->topping_up) {
		pk->again = 1;
		pk->again_left = left;
		return;
	}
	pk->cn = cn;
	if (kv_get_u32(pk->st, KV_OPK_NEXT, &next) != 0)
		next = 1;
	up = prekeys_uploaded_id(pk, next);
	/* Made before and never uploaded (a one-shot run ended) count. */
	want = PREKEYS_TARGET - (int)left - (int)(next - 1 - up);
	if (want > 0) {
		if (store_begin(pk->st) != 0)
			return;
		if (prekeys_create_opks(pk, want) != 0 ||
		    store_commit(pk->st) != 0) {
			store_rollback(pk->st);
			log_warn("cannot create one-time prekeys");
			return;
		}
		next += (uint32_t)want;
	}
	u.signed_prekey = prekeys_spk_rotate(pk, id);
	if (next - 1 == up && u.signed_prekey == NULL)
		return;			/* nothing to send */
	u.one_time_prekeys = prekeys_opk_messages(pk, up + 1,
	    &u.n_one_time_prekeys);
	pk->upto = u.n_one_time_prekeys > 0 ?
	    u.one_time_prekeys[u.n_one_time_prekeys - 1]->id : up;
	f.body_case = NATTER__FRAME__BODY_PREKEY_UPLOAD;
	f.prekey_upload = &u;
	if (conn_request(cn, &f, prekeys_uploaded, pk) == 0) {
		pk->topping_up = 1;
		pk->cb = cb;
		pk->cbarg = arg;
	} else
		pk->spk_rotating = 0;
	prekeys_spk_message_free(u.signed_prekey);
	prekeys_opk_messages_free(u.one_time_prekeys, u.n_one_time_prekeys);
}

static int
prekeys_spk_prune(struct prekeys *pk, uint32_t current)
{
	/* Rotated weekly: the PREKEYS_SPK_KEEP before current cover 30 days. */
	if (current <= PREKEYS_SPK_KEEP + 1)
		return (0);
	return (store_prekey_del(pk->st, STORE_SPK,
	    current - PREKEYS_SPK_KEEP - 1));
}
