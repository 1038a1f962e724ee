/* peers: pairwise sessions with other devices (shared/crypto session records, sealed in the store); per-device encryption. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/core/account.h"
#include "client/core/err.h"
#include "client/core/peers.h"
#include "client/core/prekeys.h"
#include "client/store/store.h"
#include "shared/crypto/keys.h"
#include "shared/crypto/session.h"
#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"

struct peers {
	struct store	*st;
	struct account	*acct;
	struct prekeys	*pk;
};

/*
 * One session record (shared/crypto/session.h: the active session and up
 * to 40 archived ones) per (name, device), stored as the record's
 * serialisation in the store's sealed sessions table.
 */

struct peers *
peers_create(struct store *st, struct account *acct, struct prekeys *pk)
{
	struct peers	*p;

	p = xcalloc(1, sizeof *p);
	p->st = st;
	p->acct = acct;
	p->pk = pk;
	return (p);
}

void
peers_free(struct peers *p)
{
	free(p);
}

/* The record of (name, device): a new empty one if there is none; NULL on a
 * store error or a damaged record. */
static struct session_record *
peers_load(struct peers *p, const char *name, uint32_t device)
{
	struct session_record	*rec;
	uint8_t			*v;
	size_t			 len;
	int			 rc;

	if ((rc = store_session_get(p->st, name, device, &v, &len)) == 1)
		return (session_record_new());
	if (rc != 0)
		return (NULL);
	rec = session_record_parse(v, len);
	sodium_memzero(v, len);
	free(v);
	return (rec);
}

static int
peers_save(struct peers *p, const char *name, uint32_t device,
    const struct session_record *rec)
{
	uint8_t	*v;
	size_t	 len;
	int	 rc;

	session_record_serialise(rec, &v, &len);
	rc = store_session_put(p->st, name, device, v, len);
	sodium_memzero(v, len);
	free(v);
	return (rc);
}

/* The bundle from the wire in shared/crypto's form; -1 if malformed. */
static int
peers_bundle(struct keys_bundle *kb, const Natter__PrekeyBundle *b)
{
	const Natter__SignedPrekey	*spk = b->signed_prekey;
	const Natter__OneTimePrekey	*opk = b->one_time_prekey;

	memset(kb, 0, sizeof *kb);
	if (b->identity_key.len != KEYS_PUBBYTES || spk == NULL ||
	    spk->key.len != KEYS_PUBBYTES ||
	    spk->signature.len != KEYS_SIGBYTES ||
	    (opk != NULL && opk->key.len != KEYS_PUBBYTES))
		return (-1);
	kb->device_id = b->device;
	memcpy(kb->ik, b->identity_key.data, KEYS_PUBBYTES);
	kb->spk_id = spk->id;
	memcpy(kb->spk, spk->key.data, KEYS_PUBBYTES);
	memcpy(kb->spk_sig, spk->signature.data, KEYS_SIGBYTES);
	if (opk != NULL) {
		kb->has_opk = 1;
		kb->opk_id = opk->id;
		memcpy(kb->opk, opk->key.data, KEYS_PUBBYTES);
	}
	return (0);
}

int
peers_from_bundle(struct peers *p, const Natter__PrekeyBundle *b,
    struct core_error *err)
{
	struct session_record	*rec = NULL;
	struct keys_identity	 id;
	struct keys_bundle	 kb;
	int			 rc = -1;

	if (peers_bundle(&kb, b) != 0 || keys_bundle_verify(&kb) != 0) {
		err_set(err, CORE_ERR_CRYPTO, "the key bundle of %s device "
		    "%u does not verify", b->name, b->device);
		return (-1);
	}
	if (account_identity(p->acct, &id) != 0 ||
	    (rec = peers_load(p, b->name, b->device)) == NULL) {
		err_set(err, CORE_ERR_IO, "cannot read the session with "
		    "%s device %u", b->name, b->device);
		goto out;
	}
	/* The new session becomes active; older ones stay archived. */
	if (session_initiate(rec, &id, account_device(p->acct), &kb) != 0) {
		err_set(err, CORE_ERR_CRYPTO, "bad keys from %s device %u",
		    b->name, b->device);
		goto out;
	}
	if ((rc = peers_save(p, b->name, b->device, rec)) != 0)
		err_set(err, CORE_ERR_IO, "cannot save a session");
out:
	keys_identity_wipe(&id);
	session_record_free(rec);
	return (rc);
}

int
peers_encrypt(struct peers *p, const char *name, uint32_t device,
    const uint8_t *pt, size_t ptlen, uint32_t *type, uint8_t **ctp,
    size_t *ctlen)
{
	struct session_record	*rec;
	int			 t, rc = -1;

	if ((rec = peers_load(p, name, device)) == NULL)
		return (-1);
	if (session_encrypt(rec, &t, ctp, ctlen, pt, ptlen) != 0)
		goto out;
	if (peers_save(p, name, device, rec) != 0) {
		free(*ctp);
		*ctp = NULL;
		goto out;
	}
	*type = (uint32_t)t;
	rc = 0;
out:
	session_record_free(rec);
	return (rc);
}

/* session_prekey_cb: our signed or one-time prekey from the store. */
static int
peers_prekey(void *arg, int is_opk, uint32_t id, struct keys_prekey *out)
{
	struct peers	*p = arg;
	uint8_t		 sk[32];
	int		 rc;

	rc = is_opk ? prekeys_opk_secret(p->pk, id, sk) :
	    prekeys_spk_secret(p->pk, id, sk);
	if (rc == 0)
		keys_prekey_from_sk(out, id, sk);
	sodium_memzero(sk, sizeof sk);
	return (rc);
}

int
peers_decrypt(struct peers *p, const char *name, uint32_t device,
    uint32_t type, const uint8_t *ct, size_t ctlen, uint8_t **pt,
    size_t *ptlen, uint8_t ik[32])
{
	struct session_prekey_info	 info;
	struct session_record		*rec;
	struct keys_identity		 id;
	uint32_t			 peer_device;
	int				 rc = -1;

	*pt = NULL;
	if (type != PEERS_TYPE_MESSAGE && type != PEERS_TYPE_PREKEY)
		return (-1);
	if ((rec = peers_load(p, name, device)) == NULL)
		return (-1);
	if (account_identity(p->acct, &id) != 0 ||
	    session_decrypt(rec, &id, account_device(p->acct), peers_prekey, p, (int)type,
	    ct, ctlen, (uint64_t)time_now_ms(), pt, ptlen, &info) != 0)
		goto out;
	/* The session (now the active one) must be with the sending device. */
	if (session_record_peer(rec, ik, &peer_device) != 0 ||
	    peer_device != device)
		goto out;
	if (info.used_opk &&
	    store_prekey_del(p->st, STORE_OPK, info.opk_id) != 0)
		goto out;
	rc = peers_save(p, name, device, rec);
out:
	if (rc != 0 && *pt != NULL) {
		sodium_memzero(*pt, *ptlen);
		free(*pt);
		*pt = NULL;
	}
	keys_identity_wipe(&id);
	session_record_free(rec);
	return (rc);
}

int
peers_seal(struct peers *p, const char *name, uint32_t device,
    const uint8_t *pt, size_t ptlen, Natter__Send *snd)
{
	Natter__Envelope	*e;

	e = xmalloc(sizeof *e);
	natter__envelope__init(e);
	e->name = (char *)name;
	e->device = device;
	if (peers_encrypt(p, name, device, pt, ptlen, &e->type,
	    &e->content.data, &e->content.len) != 0) {
		free(e);
		return (-1);
	}
	snd->envelopes = xreallocarray(snd->envelopes, snd->n_envelopes + 1,
	    sizeof *snd->envelopes);
	snd->envelopes[snd->n_envelopes++] = e;
	return (0);
}

void
peers_skip(Natter__Send *snd, const char *name, uint32_t device)
{
	Natter__DeviceRef	*r;

	r = xmalloc(sizeof *r);
	natter__device_ref__init(r);
	r->name = (char *)name;
	r->device = device;
	snd->skipped = xreallocarray(snd->skipped, snd->n_skipped + 1,
	    sizeof *snd->skipped);
	snd->skipped[snd->n_skipped++] = r;
}

int
peers_identity(struct peers *p, const char *name, uint32_t device,
    uint8_t ik[32])
{
	struct session_record	*rec;
	uint32_t		 dev;
	int			 rc;

	if ((rec = peers_load(p, name, device)) == NULL)
		return (-1);
	rc = session_record_peer(rec, ik, &dev);
	session_record_free(rec);
	return (rc == 0 && dev == device ? 0 : -1);
}

void
peers_envelopes_free(Natter__Send *snd)
{
	size_t	i;

	for (i = 0; i < snd->n_envelopes; i++) {
		free(snd->envelopes[i]->content.data);
		free(snd->envelopes[i]);
	}
	free(snd->envelopes);
	snd->envelopes = NULL;
	snd->n_envelopes = 0;
	for (i = 0; i < snd->n_skipped; i++)
		free(snd->skipped[i]);
	free(snd->skipped);
	snd->skipped = NULL;
	snd->n_skipped = 0;
}

int
peers_devices(struct peers *p, const char *name, uint32_t *devs, int max)
{
	return (store_session_devices(p->st, name, devs, max));
}

int
peers_forget(struct peers *p, const char *name, uint32_t device)
{
	return (store_session_del(p->st, name, device));
}
