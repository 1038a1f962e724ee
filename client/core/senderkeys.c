/* senderkeys: sender-key states sealed in the store: ours per group (and which devices hold it), and those each member device gave us. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/core/groups.h"
#include "client/core/senderkeys.h"
#include "client/store/kv.h"
#include "shared/crypto/senderkey.h"
#include "shared/util/hex.h"
#include "shared/util/xmalloc.h"

/*
 * Rows of the sealed table "senderkeys": "own:HEX" a GroupKey (our state
 * for group HEX and its holders), "peer:HEX:NAME:DEVICE" the
 * senderkey_peer record of what (NAME, DEVICE) gave us for it.
 */
#define SK_TABLE	"senderkeys"

struct skown {
	uint8_t			 gid[GROUPS_IDBYTES];
	struct senderkey	*key;
	Natter__DeviceKey	**holders;	/* xmalloc'd, names too */
	size_t			 nholders;
	int			 rotate;
};

static void
sk_own_key(char *out, size_t len, const uint8_t *gid)
{
	char	hex[2 * GROUPS_IDBYTES + 1];

	hex_encode(hex, gid, GROUPS_IDBYTES);
	snprintf(out, len, "own:%s", hex);
}

static char *
sk_peer_key(const uint8_t *gid, const char *from, uint32_t device)
{
	char	hex[2 * GROUPS_IDBYTES + 1], *k;

	hex_encode(hex, gid, GROUPS_IDBYTES);
	xasprintf(&k, "peer:%s:%s:%u", hex, from, device);
	return (k);
}

static void
sk_holders_clear(struct skown *o)
{
	size_t	i;

	for (i = 0; i < o->nholders; i++) {
		free(o->holders[i]->name);
		free(o->holders[i]->identity_key.data);
		free(o->holders[i]);
	}
	free(o->holders);
	o->holders = NULL;
	o->nholders = 0;
}

void
senderkeys_own_free(struct skown *o)
{
	if (o == NULL)
		return;
	senderkey_free(o->key);	/* wipes */
	sk_holders_clear(o);
	free(o);
}

struct senderkey *
senderkeys_own_key(struct skown *o)
{
	return (o->key);
}

/* Fill o from a kept GroupKey; -1 if it cannot be read. */
static int
sk_own_parse(struct skown *o, const uint8_t *v, size_t len)
{
	Natter__GroupKey	*gk;
	size_t			 i;

	if ((gk = natter__group_key__unpack(NULL, len, v)) == NULL)
		return (-1);
	o->key = senderkey_deserialize(gk->state.data, gk->state.len);
	o->rotate = gk->rotate;
	for (i = 0; i < gk->n_holders; i++)
		if (gk->holders[i]->name != NULL &&
		    gk->holders[i]->identity_key.len == 32)
			senderkeys_own_add_holder(o, gk->holders[i]->name,
			    gk->holders[i]->device,
			    gk->holders[i]->identity_key.data);
	sodium_memzero(gk->state.data, gk->state.len);
	natter__group_key__free_unpacked(gk, NULL);
	return (o->key != NULL ? 0 : -1);
}

struct skown *
senderkeys_own_load(struct store *st, const uint8_t *gid)
{
	struct skown	*o;
	char		 k[8 + 2 * GROUPS_IDBYTES];
	uint8_t		*v;
	size_t		 len;
	int		 rc;

	o = xcalloc(1, sizeof *o);
	memcpy(o->gid, gid, GROUPS_IDBYTES);
	sk_own_key(k, sizeof k, gid);
	if ((rc = kv_named_get(st, SK_TABLE, k, &v, &len)) == 1) {
		/* The first send to this group: a fresh state. */
		o->key = senderkey_create(gid, GROUPS_IDBYTES);
		return (o);
	}
	if (rc == 0) {
		rc = sk_own_parse(o, v, len);
		sodium_memzero(v, len);
		free(v);
	}
	if (rc != 0) {
		senderkeys_own_free(o);
		return (NULL);
	}
	return (o);
}

/* The holder record of (name, device), or NULL. */
static Natter__DeviceKey *
sk_holder(const struct skown *o, const char *name, uint32_t device)
{
	size_t	i;

	for (i = 0; i < o->nholders; i++)
		if (o->holders[i]->device == device &&
		    strcmp(o->holders[i]->name, name) == 0)
			return (o->holders[i]);
	return (NULL);
}

int
senderkeys_own_holds(const struct skown *o, const char *name,
    uint32_t device, const uint8_t *ik)
{
	Natter__DeviceKey	*h;

	if ((h = sk_holder(o, name, device)) == NULL)
		return (0);
	return (ik == NULL || sodium_memcmp(h->identity_key.data, ik,
	    32) == 0);
}

void
senderkeys_own_add_holder(struct skown *o, const char *name, uint32_t device,
    const uint8_t *ik)
{
	Natter__DeviceKey	*h;

	if ((h = sk_holder(o, name, device)) != NULL) {
		memcpy(h->identity_key.data, ik, 32);	/* given again */
		return;
	}
	h = xmalloc(sizeof *h);
	natter__device_key__init(h);
	h->name = xstrdup(name);
	h->device = device;
	h->identity_key.data = xmalloc(32);
	memcpy(h->identity_key.data, ik, 32);
	h->identity_key.len = 32;
	o->holders = xreallocarray(o->holders, o->nholders + 1,
	    sizeof *o->holders);
	o->holders[o->nholders++] = h;
}

int
senderkeys_own_stale(const struct skown *o, Natter__DeviceKey *const *devs,
    size_t n)
{
	size_t	i, j;

	if (o->rotate)
		return (1);
	/*
	 * Trust: a device that holds our current chain and is no longer one
	 * of the group's devices (its member left or was removed, or the
	 * device left its account) must not read what we send next.
	 */
	for (i = 0; i < o->nholders; i++) {
		for (j = 0; j < n; j++)
			if (devs[j]->device == o->holders[i]->device &&
			    devs[j]->name != NULL &&
			    strcmp(devs[j]->name, o->holders[i]->name) == 0)
				break;
		if (j == n)
			return (1);
	}
	return (0);
}

void
senderkeys_own_rotate(struct skown *o)
{
	senderkey_rotate(o->key);
	sk_holders_clear(o);
	o->rotate = 0;
}

/*
 * Trust: a rotation asked for (a removal received) after o was loaded
 * must survive o's save, as long as o still has the key that was to go.
 */
static void
sk_keep_rotate(struct store *st, struct skown *o)
{
	struct skown	*kept;

	if (o->rotate || (kept = senderkeys_own_load(st, o->gid)) == NULL)
		return;
	if (kept->rotate && senderkey_key_id(kept->key) ==
	    senderkey_key_id(o->key))
		o->rotate = 1;
	senderkeys_own_free(kept);
}

int
senderkeys_own_save(struct store *st, struct skown *o)
{
	Natter__GroupKey	 gk = NATTER__GROUP_KEY__INIT;
	char			 k[8 + 2 * GROUPS_IDBYTES];
	uint8_t			*state, *buf;
	size_t			 slen, len;
	int			 rc;

	sk_keep_rotate(st, o);
	state = senderkey_serialize(o->key, &slen);
	gk.state.data = state;
	gk.state.len = slen;
	gk.holders = o->holders;
	gk.n_holders = o->nholders;
	gk.rotate = o->rotate;
	len = natter__group_key__get_packed_size(&gk);
	buf = xmalloc(len + 1);
	natter__group_key__pack(&gk, buf);
	sk_own_key(k, sizeof k, o->gid);
	rc = kv_named_put(st, SK_TABLE, k, buf, len);
	sodium_memzero(state, slen);
	sodium_memzero(buf, len);
	free(state);
	free(buf);
	return (rc);
}

int
senderkeys_mark_rotate(struct store *st, const uint8_t *gid)
{
	struct skown	*o;
	char		 k[8 + 2 * GROUPS_IDBYTES];
	uint8_t		*v;
	size_t		 len;
	int		 rc;

	sk_own_key(k, sizeof k, gid);
	if ((rc = kv_named_get(st, SK_TABLE, k, &v, &len)) == 1)
		return (0);	/* no key yet: the first one is fresh anyway */
	if (rc != 0)
		return (-1);
	sodium_memzero(v, len);
	free(v);
	if ((o = senderkeys_own_load(st, gid)) == NULL)
		return (-1);
	o->rotate = 1;
	rc = senderkeys_own_save(st, o);
	senderkeys_own_free(o);
	return (rc);
}

int
senderkeys_own_drop(struct store *st, const uint8_t *gid)
{
	char	k[8 + 2 * GROUPS_IDBYTES];

	sk_own_key(k, sizeof k, gid);
	return (kv_named_del(st, SK_TABLE, k));
}

/* The record of (from, device) for gid: kept, or a new empty one. */
static struct senderkey_peer *
sk_peer_load(struct store *st, const char *k, int *found)
{
	struct senderkey_peer	*p;
	uint8_t			*v;
	size_t			 len;
	int			 rc;

	*found = 0;
	if ((rc = kv_named_get(st, SK_TABLE, k, &v, &len)) == 1)
		return (senderkey_peer_create());
	if (rc != 0)
		return (NULL);
	p = senderkey_peer_deserialize(v, len);
	sodium_memzero(v, len);
	free(v);
	*found = p != NULL;
	return (p);
}

static int
sk_peer_save(struct store *st, const char *k, const struct senderkey_peer *p)
{
	uint8_t	*v;
	size_t	 len;
	int	 rc;

	v = senderkey_peer_serialize(p, &len);
	rc = kv_named_put(st, SK_TABLE, k, v, len);
	sodium_memzero(v, len);
	free(v);
	return (rc);
}

int
senderkeys_install(struct store *st, const char *from, uint32_t device,
    const uint8_t *gid, const uint8_t *dist, size_t distlen)
{
	struct senderkey_peer	*p;
	const uint8_t		*dgid;
	size_t			 dgidlen;
	uint32_t		 kid;
	char			*k;
	int			 found, rc = -1;

	/* Trust: a key is only ever filed under the group it names. */
	if (senderkey_message_peek(dist, distlen, &dgid, &dgidlen, &kid) != 0 ||
	    dgidlen != GROUPS_IDBYTES || sodium_memcmp(dgid, gid,
	    GROUPS_IDBYTES) != 0)
		return (-1);
	k = sk_peer_key(gid, from, device);
	if ((p = sk_peer_load(st, k, &found)) != NULL &&
	    senderkey_peer_process(p, dist, distlen) == 0)
		rc = sk_peer_save(st, k, p);
	senderkey_peer_free(p);
	free(k);
	return (rc);
}

int
senderkeys_decrypt(struct store *st, const uint8_t *gid, const char *from,
    uint32_t device, const uint8_t *c, size_t clen, uint8_t **pt,
    size_t *ptlen)
{
	struct senderkey_peer	*p;
	char			*k;
	int			 found, rc;

	*pt = NULL;
	k = sk_peer_key(gid, from, device);
	if ((p = sk_peer_load(st, k, &found)) == NULL) {
		free(k);
		return (SENDERKEYS_ERR);
	}
	if (!found) {
		/* Trust: only a state that device gave us, pairwise. */
		rc = SENDERKEYS_NOKEY;
		goto out;
	}
	*pt = xmalloc(clen + 1);
	if (senderkey_peer_decrypt(p, *pt, ptlen, c, clen) != 0) {
		free(*pt);
		*pt = NULL;
		rc = SENDERKEYS_BAD;
		goto out;
	}
	rc = sk_peer_save(st, k, p) == 0 ? SENDERKEYS_OK : SENDERKEYS_ERR;
	if (rc != SENDERKEYS_OK) {
		sodium_memzero(*pt, *ptlen);
		free(*pt);
		*pt = NULL;
	}
out:
	senderkey_peer_free(p);
	free(k);
	return (rc);
}
