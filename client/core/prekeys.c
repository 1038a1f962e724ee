/* prekeys: this device's signed and one-time prekeys (private halves sealed in the store), their uploads and rotation. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/core/conn.h"
#include "client/core/err.h"
#include "client/core/prekeys.h"
#include "client/store/kv.h"
#include "client/store/store.h"
#include "shared/crypto/keys.h"
#include "shared/util/log.h"
#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"

struct prekeys {
	struct store		*st;
	int			 topping_up;	/* an upload waits for its answer */
	uint32_t		 upto;		/* the last OPK id it carries */
	uint32_t		 floor;		/* the floor it carries */
	Natter__SignedPrekey	*spk_out;	/* the SPK it carries */
	Natter__SignedPrekey	*spk_new;	/* an SPK for the next upload */
	int			 again;		/* upload again after the answer */
	uint32_t		 again_left;
	struct conn		*cn;
	prekeys_done_cb		*cb;		/* after each upload (topup) */
	void			*cbarg;
	prekeys_rotated_cb	*rot_cb;	/* a rotation waits for... */
	void			*rot_arg;
	uint32_t		 rot_id;	/* ...the upload of this SPK */
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
	if (pk == NULL)
		return;
	prekeys_spk_message_free(pk->spk_out);
	prekeys_spk_message_free(pk->spk_new);
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

/* The next one-time prekey id to make / the lowest not retired. */
static uint32_t
prekeys_next_id(struct prekeys *pk)
{
	uint32_t	next;

	if (kv_get_u32(pk->st, KV_OPK_NEXT, &next) != 0)
		next = 1;
	return (next);
}

static uint32_t
prekeys_floor(struct prekeys *pk)
{
	uint32_t	floor;

	if (kv_get_u32(pk->st, KV_OPK_FLOOR, &floor) != 0 || floor == 0)
		floor = 1;
	return (floor);
}

Natter__OneTimePrekey **
prekeys_opk_messages(struct prekeys *pk, uint32_t from, size_t *np)
{
	Natter__OneTimePrekey	**v = NULL;
	struct keys_prekey	  kp;
	uint8_t			  sk[32];
	uint32_t		  next = prekeys_next_id(pk), id;
	size_t			  n = 0;

	if (from < prekeys_floor(pk))
		from = prekeys_floor(pk);	/* retired: never again */
	memset(&kp, 0, sizeof kp);
	for (id = from; id < next && n < PREKEYS_BATCH_MAX; id++) {
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

/*
 * The highest one-time prekey id that needs no upload: the server
 * confirmed it, or it was retired.
 */
static uint32_t
prekeys_uploaded_id(struct prekeys *pk, uint32_t next)
{
	uint32_t	up;

	/* Profiles older than this record: all were uploaded, or lost. */
	if (kv_get_u32(pk->st, KV_OPK_UPLOADED, &up) != 0 || up >= next)
		up = next - 1;
	if (up < prekeys_floor(pk) - 1)
		up = prekeys_floor(pk) - 1;
	return (up);
}

/* The upload was answered OK: the server holds what it carried. */
static void
prekeys_record(struct prekeys *pk)
{
	int	rc;

	rc = kv_put_u32(pk->st, KV_OPK_UPLOADED, pk->upto);
	if (rc == 0 && pk->floor > 1)
		rc = kv_put_u32(pk->st, KV_OPK_FLOOR_SENT, pk->floor);
	if (rc == 0 && pk->spk_out != NULL) {
		rc = kv_put_u32(pk->st, KV_SPK_UPLOADED, pk->spk_out->id);
		if (rc == 0)
			rc = kv_put_u64(pk->st, KV_SPK_TS,
			    (uint64_t)time_now_ms());
	}
	if (rc != 0)
		log_warn("cannot record the uploaded prekeys");
}

/* Tell a rotation waiting for the SPK that went out how it went. */
static void
prekeys_rotation_answer(struct prekeys *pk, const Natter__Response *resp)
{
	prekeys_rotated_cb	*cb = pk->rot_cb;
	struct core_error	 err;

	if (cb == NULL || pk->spk_out == NULL || pk->spk_out->id != pk->rot_id)
		return;
	pk->rot_cb = NULL;
	if (resp->code == NATTER__CODE__OK)
		cb(pk->rot_arg, NULL, pk->rot_id);
	else {
		err_from_resp(&err, resp, "signed prekey upload");
		cb(pk->rot_arg, &err, pk->rot_id);
	}
}

/* Upload again once the answer is in, for a server holding left. */
static void
prekeys_again(struct prekeys *pk, uint32_t left)
{
	if (!pk->again || left < pk->again_left)
		pk->again_left = left;
	pk->again = 1;
}

static void
prekeys_uploaded(void *arg, const Natter__Response *resp)
{
	struct prekeys	*pk = arg;

	pk->topping_up = 0;
	if (resp == NULL) {
		/* Lost on the way: its SPK goes with the next upload. */
		if (pk->spk_new == NULL) {
			pk->spk_new = pk->spk_out;
			pk->spk_out = NULL;
		}
		pk->again = 0;
	} else if (resp->code == NATTER__CODE__OK) {
		prekeys_record(pk);
		/*
		 * Again if more than one batch waited, a rotation or a top-up
		 * came meanwhile, or the server holds few (a floor dropped
		 * some): for the count it holds now, which is newer than any
		 * PrekeysLow that came before this answer.
		 */
		if (pk->again || pk->upto + 1 < prekeys_next_id(pk) ||
		    pk->spk_new != NULL || resp->prekey_count < PREKEYS_LOW) {
			pk->again = 1;
			pk->again_left = resp->prekey_count;
		}
	} else
		log_warn("prekey upload refused (code %u)", resp->code);
	if (resp != NULL)
		prekeys_rotation_answer(pk, resp);
	prekeys_spk_message_free(pk->spk_out);
	pk->spk_out = NULL;
	if (pk->again && resp != NULL) {
		pk->again = 0;
		prekeys_topup(pk, pk->cn, pk->again_left, NULL, NULL, NULL);
		if (pk->topping_up)
			return;
	}
	pk->again = 0;
	if (pk->cb != NULL)
		pk->cb(pk->cbarg);
}

int
prekeys_busy(struct prekeys *pk)
{
	return (pk->topping_up);
}

/*
 * A new signed prekey, id one above the current one, made the current
 * one (the old ones stay for messages still on their way; retire.c wipes
 * them later).  Its wire message, or NULL.
 */
static Natter__SignedPrekey *
prekeys_spk_next(struct prekeys *pk, const struct keys_identity *id)
{
	uint32_t	cur;

	if (kv_get_u32(pk->st, KV_SPK_ID, &cur) != 0 ||
	    store_begin(pk->st) != 0)
		return (NULL);
	if (prekeys_create_spk(pk, cur + 1) != 0 || store_commit(pk->st) != 0) {
		store_rollback(pk->st);
		return (NULL);
	}
	return (prekeys_spk_message(pk, id));
}

/*
 * The signed prekey the next upload carries, if any: one made by
 * prekeys_rotate; with our identity id, a new one when the current one is
 * a week old, or the current one again if the server never confirmed it.
 */
static Natter__SignedPrekey *
prekeys_spk_due(struct prekeys *pk, const struct keys_identity *id)
{
	Natter__SignedPrekey	*m = pk->spk_new;
	uint64_t		 ts, now = (uint64_t)time_now_ms();
	uint32_t		 cur, up;

	pk->spk_new = NULL;
	if (m != NULL || id == NULL || kv_get_u32(pk->st, KV_SPK_ID, &cur) != 0)
		return (m);
	if (kv_get_u64(pk->st, KV_SPK_TS, &ts) != 0) {
		/* Older profiles: the week starts now. */
		if (kv_put_u64(pk->st, KV_SPK_TS, now) != 0)
			log_warn("cannot record the signed prekey's age");
		return (NULL);
	}
	if (now - ts >= PREKEYS_SPK_ROTATE_MS)
		return (prekeys_spk_next(pk, id));
	if (kv_get_u32(pk->st, KV_SPK_UPLOADED, &up) == 0 && up != cur)
		return (prekeys_spk_message(pk, id));
	return (NULL);
}

/* Create the one-time prekeys the server lacks (in a transaction). */
static int
prekeys_make_wanted(struct prekeys *pk, uint32_t left, uint32_t up)
{
	uint32_t	next = prekeys_next_id(pk);
	int		want;

	/* Made before and never uploaded (a one-shot run ended) count. */
	want = PREKEYS_TARGET - (int)left - (int)(next - 1 - up);
	if (want <= 0)
		return (0);
	if (store_begin(pk->st) != 0)
		return (-1);
	if (prekeys_create_opks(pk, want) != 0 || store_commit(pk->st) != 0) {
		store_rollback(pk->st);
		log_warn("cannot create one-time prekeys");
		return (-1);
	}
	return (0);
}

void
prekeys_topup(struct prekeys *pk, struct conn *cn, uint32_t left,
    const struct keys_identity *id, prekeys_done_cb *cb, void *arg)
{
	Natter__Frame		f = NATTER__FRAME__INIT;
	Natter__PrekeyUpload	u = NATTER__PREKEY_UPLOAD__INIT;
	uint32_t		up, floor_sent;

	if (cb != NULL) {
		pk->cb = cb;
		pk->cbarg = arg;
	}
	if (pk->topping_up) {
		prekeys_again(pk, left);
		return;
	}
	pk->cn = cn;
	up = prekeys_uploaded_id(pk, prekeys_next_id(pk));
	if (prekeys_make_wanted(pk, left, up) != 0)
		return;
	pk->floor = prekeys_floor(pk);
	if (kv_get_u32(pk->st, KV_OPK_FLOOR_SENT, &floor_sent) != 0)
		floor_sent = 1;
	u.signed_prekey = prekeys_spk_due(pk, id);
	if (prekeys_next_id(pk) - 1 == up && u.signed_prekey == NULL &&
	    pk->floor <= floor_sent)
		return;			/* nothing to send */
	u.one_time_prekeys = prekeys_opk_messages(pk, up + 1,
	    &u.n_one_time_prekeys);
	/* A full batch ends at its last key; a shorter one took them all. */
	pk->upto = u.n_one_time_prekeys == PREKEYS_BATCH_MAX ?
	    u.one_time_prekeys[u.n_one_time_prekeys - 1]->id :
	    prekeys_next_id(pk) - 1;
	u.opk_floor = pk->floor > 1 ? pk->floor : 0;
	f.body_case = NATTER__FRAME__BODY_PREKEY_UPLOAD;
	f.prekey_upload = &u;
	pk->spk_out = u.signed_prekey;
	if (conn_request(cn, &f, prekeys_uploaded, pk) == 0)
		pk->topping_up = 1;
	else {
		pk->spk_new = pk->spk_out;	/* for the next connection */
		pk->spk_out = NULL;
	}
	prekeys_opk_messages_free(u.one_time_prekeys, u.n_one_time_prekeys);
}

int
prekeys_rotate(struct prekeys *pk, const struct keys_identity *id,
    prekeys_rotated_cb *cb, void *arg, struct core_error *err)
{
	Natter__SignedPrekey	*m;

	if (pk->rot_cb != NULL) {
		err_set(err, CORE_ERR_USAGE, "a key rotation is already waiting "
		    "for the server");
		return (-1);
	}
	if ((m = prekeys_spk_next(pk, id)) == NULL) {
		err_set(err, CORE_ERR_IO, "cannot make a new signed prekey in "
		    "the profile");
		return (-1);
	}
	prekeys_spk_message_free(pk->spk_new);	/* replaced before it went */
	pk->spk_new = m;
	pk->rot_id = m->id;
	pk->rot_cb = cb;
	pk->rot_arg = arg;
	return (0);
}

void
prekeys_fail(struct prekeys *pk, const struct core_error *err)
{
	prekeys_rotated_cb	*cb = pk->rot_cb;

	pk->rot_cb = NULL;
	if (cb != NULL)
		cb(pk->rot_arg, err, pk->rot_id);
}

uint32_t
prekeys_spk_id(struct prekeys *pk)
{
	uint32_t	id;

	return (kv_get_u32(pk->st, KV_SPK_ID, &id) == 0 ? id : 0);
}
