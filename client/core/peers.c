/* sessions: pairwise sessions with other devices on shared/crypto's session records, sealed in the store. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/core/coreint.h"
#include "client/core/prekeys.h"
#include "client/core/peers.h"
#include "shared/crypto/keys.h"
#include "shared/crypto/session.h"
#include "shared/util/timeutil.h"

/*
 * One session record (shared/crypto/session.h: the active session and up
 * to 40 archived ones) per (name, device), stored as the record's
 * serialisation in the store's sealed sessions table.
 */

/* Our identity in shared/crypto's form, from the core's Ed25519 key. */
static int
sessions_identity(struct core *c, struct keys_identity *id)
{
	if (c->ik_sk == NULL)
		return (-1);
	return (keys_identity_from_ed_sk(id, c->ik_sk));
}

/* The record of (name, device): a new empty one if there is none; NULL on a
 * store error or a damaged record. */
static struct session_record *
sessions_load(struct core *c, const char *name, uint32_t device)
{
	struct session_record	*rec;
	uint8_t			*v;
	size_t			 len;
	int			 rc;

	if ((rc = store_session_get(c->st, name, device, &v, &len)) == 1)
		return (session_record_new());
	if (rc != 0)
		return (NULL);
	rec = session_record_parse(v, len);
	sodium_memzero(v, len);
	free(v);
	return (rec);
}

static int
sessions_save(struct core *c, const char *name, uint32_t device,
    const struct session_record *rec)
{
	uint8_t	*v;
	size_t	 len;
	int	 rc;

	session_record_serialise(rec, &v, &len);
	rc = store_session_put(c->st, name, device, v, len);
	sodium_memzero(v, len);
	free(v);
	return (rc);
}

/* The bundle from the wire in shared/crypto's form; -1 if malformed. */
static int
sessions_bundle(struct keys_bundle *kb, const Natter__PrekeyBundle *b)
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
sessions_from_bundle(struct core *c, const Natter__PrekeyBundle *b,
    struct core_error *err)
{
	struct session_record	*rec = NULL;
	struct keys_identity	 id;
	struct keys_bundle	 kb;
	int			 rc = -1;

	if (sessions_bundle(&kb, b) != 0 || keys_bundle_verify(&kb) != 0) {
		core_seterr(err, CORE_ERR_CRYPTO, "the key bundle of %s device "
		    "%u does not verify", b->name, b->device);
		return (-1);
	}
	if (sessions_identity(c, &id) != 0 ||
	    (rec = sessions_load(c, b->name, b->device)) == NULL) {
		core_seterr(err, CORE_ERR_IO, "cannot read the session with "
		    "%s device %u", b->name, b->device);
		goto out;
	}
	/* The new session becomes active; older ones stay archived. */
	if (session_initiate(rec, &id, c->device, &kb) != 0) {
		core_seterr(err, CORE_ERR_CRYPTO, "bad keys from %s device %u",
		    b->name, b->device);
		goto out;
	}
	if ((rc = sessions_save(c, b->name, b->device, rec)) != 0)
		core_seterr(err, CORE_ERR_IO, "cannot save a session");
out:
	keys_identity_wipe(&id);
	session_record_free(rec);
	return (rc);
}

int
sessions_encrypt(struct core *c, const char *name, uint32_t device,
    const uint8_t *pt, size_t ptlen, uint32_t *type, uint8_t **ctp,
    size_t *ctlen)
{
	struct session_record	*rec;
	int			 t, rc = -1;

	if ((rec = sessions_load(c, name, device)) == NULL)
		return (-1);
	if (session_encrypt(rec, &t, ctp, ctlen, pt, ptlen) != 0)
		goto out;
	if (sessions_save(c, name, device, rec) != 0) {
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
sessions_prekey(void *arg, int is_opk, uint32_t id, struct keys_prekey *out)
{
	struct core	*c = arg;
	uint8_t		 sk[32];
	int		 rc;

	rc = is_opk ? prekeys_opk_secret(c, id, sk) :
	    prekeys_spk_secret(c, id, sk);
	if (rc == 0)
		keys_prekey_from_sk(out, id, sk);
	sodium_memzero(sk, sizeof sk);
	return (rc);
}

int
sessions_decrypt(struct core *c, const char *name, uint32_t device,
    uint32_t type, const uint8_t *ct, size_t ctlen, uint8_t **pt,
    size_t *ptlen, uint8_t ik[32])
{
	struct session_prekey_info	 info;
	struct session_record		*rec;
	struct keys_identity		 id;
	uint32_t			 peer_device;
	int				 rc = -1;

	*pt = NULL;
	if (type != SESSIONS_TYPE_MESSAGE && type != SESSIONS_TYPE_PREKEY)
		return (-1);
	if ((rec = sessions_load(c, name, device)) == NULL)
		return (-1);
	if (sessions_identity(c, &id) != 0 ||
	    session_decrypt(rec, &id, c->device, sessions_prekey, c, (int)type,
	    ct, ctlen, (uint64_t)time_now_ms(), pt, ptlen, &info) != 0)
		goto out;
	/* The session (now the active one) must be with the sending device. */
	if (session_record_peer(rec, ik, &peer_device) != 0 ||
	    peer_device != device)
		goto out;
	if (info.used_opk &&
	    store_prekey_del(c->st, STORE_OPK, info.opk_id) != 0)
		goto out;
	rc = sessions_save(c, name, device, rec);
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
