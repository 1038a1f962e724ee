/* groups: this device's sealed copy of each group it knows (id, name, epoch, members, admins, the server's device set), by id and by name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/core/err.h"
#include "client/core/groups.h"
#include "client/store/kv.h"
#include "shared/proto/wire.h"
#include "shared/util/hex.h"
#include "shared/util/xmalloc.h"

/*
 * Rows of the sealed table "groups": "id:HEX" holds a GroupLocal;
 * "name:NAME" holds 'N' and the id of the group that has that name now
 * ('N' never starts a GroupLocal, so groups_each can tell them apart).
 */
#define GROUPS_TABLE	"groups"
#define GROUPS_NAMETAG	'N'

static void
groups_key_id(char *out, size_t len, const uint8_t *id)
{
	char	hex[2 * GROUPS_IDBYTES + 1];

	hex_encode(hex, id, GROUPS_IDBYTES);
	snprintf(out, len, "id:%s", hex);
}

void
groups_peer(char *out, const uint8_t *id)
{
	out[0] = '#';
	hex_encode(out + 1, id, GROUPS_IDBYTES);
}

int
groups_peer_id(const char *peer, uint8_t id[GROUPS_IDBYTES])
{
	if (peer == NULL || peer[0] != '#' ||
	    strlen(peer + 1) != 2 * GROUPS_IDBYTES)
		return (-1);
	return (hex_decode(id, GROUPS_IDBYTES, peer + 1) == 0 ? 0 : -1);
}

void
groups_free_one(struct group *g)
{
	if (g == NULL)
		return;
	if (g->info != NULL)
		natter__group_info__free_unpacked(g->info, NULL);
	if (g->local != NULL)
		natter__group_local__free_unpacked(g->local, NULL);
	free(g);
}

/* A group from a GroupLocal's bytes; NULL if malformed. */
static struct group *
groups_unpack(const uint8_t *v, size_t len)
{
	struct group	*g;

	if (len == 0 || v[0] == GROUPS_NAMETAG)
		return (NULL);
	g = xcalloc(1, sizeof *g);
	if ((g->local = natter__group_local__unpack(NULL, len, v)) == NULL ||
	    (g->info = natter__group_info__unpack(NULL, g->local->info.len,
	    g->local->info.data)) == NULL || g->info->id.len !=
	    GROUPS_IDBYTES || g->info->name == NULL) {
		groups_free_one(g);
		return (NULL);
	}
	return (g);
}

struct group *
groups_by_id(struct store *st, const uint8_t *id, size_t len)
{
	struct group	*g;
	char		 key[8 + 2 * GROUPS_IDBYTES];
	uint8_t		*v;
	size_t		 vlen;

	if (len != GROUPS_IDBYTES)
		return (NULL);
	groups_key_id(key, sizeof key, id);
	if (kv_named_get(st, GROUPS_TABLE, key, &v, &vlen) != 0)
		return (NULL);
	g = groups_unpack(v, vlen);
	free(v);
	return (g);
}

struct group *
groups_by_name(struct store *st, const char *name)
{
	struct group	*g;
	char		*key;
	uint8_t		*v;
	size_t		 vlen;
	int		 rc;

	if (name == NULL || !wire_name_valid(name))
		return (NULL);
	xasprintf(&key, "name:%s", name);
	rc = kv_named_get(st, GROUPS_TABLE, key, &v, &vlen);
	free(key);
	if (rc != 0)
		return (NULL);
	g = vlen == 1 + GROUPS_IDBYTES && v[0] == GROUPS_NAMETAG ?
	    groups_by_id(st, v + 1, GROUPS_IDBYTES) : NULL;
	free(v);
	/* The index may be stale (renamed since): the copy decides. */
	if (g != NULL && strcmp(g->info->name, name) != 0) {
		groups_free_one(g);
		return (NULL);
	}
	return (g);
}

int
groups_is_member(const Natter__GroupInfo *info, const char *name)
{
	size_t	i;

	for (i = 0; i < info->n_members; i++) {
		if (info->members[i] != NULL &&
		    strcmp(info->members[i], name) == 0)
			return (1);
	}
	return (0);
}

/* Is info well formed: a 16-byte id, valid names, bounded? */
static int
groups_valid(const Natter__GroupInfo *info)
{
	size_t	i;

	if (info == NULL || info->id.len != GROUPS_IDBYTES ||
	    info->name == NULL || !wire_name_valid(info->name) ||
	    info->n_members > GROUPS_MAXMEMBERS ||
	    info->n_admins > info->n_members)
		return (0);
	for (i = 0; i < info->n_members; i++)
		if (info->members[i] == NULL ||
		    !wire_name_valid(info->members[i]))
			return (0);
	for (i = 0; i < info->n_admins; i++)
		if (info->admins[i] == NULL ||
		    !wire_name_valid(info->admins[i]))
			return (0);
	return (1);
}

/* Pack and seal local (with info packed into it) under id. */
static int
groups_store(struct store *st, Natter__GroupLocal *local,
    const Natter__GroupInfo *info)
{
	ProtobufCBinaryData	 was = local->info;	/* restored: its owner's */
	char		 key[8 + 2 * GROUPS_IDBYTES], *nkey;
	uint8_t		*buf, nv[1 + GROUPS_IDBYTES];
	size_t		 len;
	int		 rc;

	local->info.len = natter__group_info__get_packed_size(info);
	local->info.data = xmalloc(local->info.len + 1);
	natter__group_info__pack(info, local->info.data);
	len = natter__group_local__get_packed_size(local);
	buf = xmalloc(len + 1);
	natter__group_local__pack(local, buf);
	groups_key_id(key, sizeof key, info->id.data);
	rc = kv_named_put(st, GROUPS_TABLE, key, buf, len);
	free(buf);
	free(local->info.data);
	local->info = was;
	if (rc != 0)
		return (-1);
	nv[0] = GROUPS_NAMETAG;
	memcpy(nv + 1, info->id.data, GROUPS_IDBYTES);
	xasprintf(&nkey, "name:%s", info->name);
	rc = kv_named_put(st, GROUPS_TABLE, nkey, nv, sizeof nv);
	free(nkey);
	return (rc);
}

int
groups_update(struct store *st, const Natter__GroupInfo *info,
    const char *self)
{
	Natter__GroupLocal	 fresh = NATTER__GROUP_LOCAL__INIT;
	Natter__GroupLocal	*local = &fresh;
	struct group		*old;
	int			 rc;

	if (!groups_valid(info))
		return (-1);
	old = groups_by_id(st, info->id.data, info->id.len);
	if (old != NULL && old->info->epoch > info->epoch) {
		groups_free_one(old);
		return (1);
	}
	if (old != NULL)
		local = old->local;	/* keeps the device set */
	local->gone = !groups_is_member(info, self);
	rc = groups_store(st, local, info);
	groups_free_one(old);
	return (rc);
}

int
groups_set_devices(struct store *st, struct group *g,
    Natter__DeviceRef **refs, size_t n)
{
	Natter__DeviceKey	*keys, **ptrs, **saved;
	size_t			 i, nsaved;
	int			 rc;

	keys = xcalloc(n + 1, sizeof *keys);
	ptrs = xcalloc(n + 1, sizeof *ptrs);
	for (i = 0; i < n; i++) {
		natter__device_key__init(&keys[i]);
		keys[i].name = refs[i]->name;
		keys[i].device = refs[i]->device;
		ptrs[i] = &keys[i];
	}
	saved = g->local->devices;
	nsaved = g->local->n_devices;
	g->local->devices = ptrs;
	g->local->n_devices = n;
	rc = groups_store(st, g->local, g->info);
	g->local->devices = saved;
	g->local->n_devices = nsaved;
	free(ptrs);
	free(keys);
	return (rc);
}

struct groups_walk {
	void	(*cb)(const struct group *, void *);
	void	*arg;
};

static int
groups_each_row(const uint8_t *v, size_t len, void *arg)
{
	struct groups_walk	*w = arg;
	struct group		*g;

	if ((g = groups_unpack(v, len)) == NULL)
		return (0);	/* a name row */
	w->cb(g, w->arg);
	groups_free_one(g);
	return (0);
}

int
groups_each(struct store *st, void (*cb)(const struct group *, void *),
    void *arg)
{
	struct groups_walk	w = { cb, arg };

	return (kv_named_each(st, GROUPS_TABLE, groups_each_row, &w));
}

const char *
groups_conv(struct store *st, const char *peer, char *buf)
{
	struct group	*g;

	if (peer == NULL || peer[0] != '#' ||
	    (g = groups_by_name(st, peer + 1)) == NULL)
		return (peer);
	groups_peer(buf, g->info->id.data);
	groups_free_one(g);
	return (buf);
}

int
groups_resolve(struct store *st, const char **to, char *buf,
    struct core_error *err)
{
	struct group	*g;

	if ((g = groups_by_name(st, *to + 1)) == NULL || g->local->gone) {
		err_set(err, CORE_ERR_UNKNOWN_GROUP, "no group %.40s that you "
		    "are a member of (natter group list)", *to);
		groups_free_one(g);
		return (-1);
	}
	groups_peer(buf, g->info->id.data);
	groups_free_one(g);
	*to = buf;
	return (0);
}
