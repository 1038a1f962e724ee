/* groups: this device's sealed copy of each group it knows (id, name, epoch, members, admins, the server's device set), by id and by name. */
#ifndef NATTER_CLIENT_CORE_GROUPS_H
#define NATTER_CLIENT_CORE_GROUPS_H

#include <stddef.h>
#include <stdint.h>

#include "shared/proto/content.pb-c.h"
#include "shared/proto/natter.pb-c.h"

struct store;

#define GROUPS_IDBYTES		16	/* GroupInfo.id */
#define GROUPS_MAXMEMBERS	1024
/* "#" and the id in hex: the peer of a group's conversation. */
#define GROUPS_PEERBYTES	(1 + 2 * GROUPS_IDBYTES + 1)

/*
 * One group as kept here: local is the sealed record, info the server's
 * GroupInfo in it (unpacked).  Free with groups_free_one.
 */
struct group {
	Natter__GroupLocal	*local;
	Natter__GroupInfo	*info;
};

/* The copy of the group with this id / name; NULL if none is kept. */
struct group	*groups_by_id(struct store *, const uint8_t *id, size_t len);
struct group	*groups_by_name(struct store *, const char *name);
void		 groups_free_one(struct group *);

/*
 * Take in what the server says of a group (a Response or a change), if
 * its epoch is not below the one kept (an in-order view: an old answer
 * never undoes a newer change).  self decides "gone" (no longer a
 * member).  The group's device set is kept.  Call inside the caller's
 * transaction or alone.  0 taken, 1 older than what is kept, -1 error
 * or malformed (id not GROUPS_IDBYTES, bad name, over the member bound).
 */
int		 groups_update(struct store *, const Natter__GroupInfo *,
		    const char *self) __attribute__((warn_unused_result));

/* Replace the device set kept for g (the server's, from a mismatch). */
int		 groups_set_devices(struct store *, struct group *,
		    Natter__DeviceRef **, size_t n)
		    __attribute__((warn_unused_result));

/* 1 if name is among info's members (sorted or not), else 0. */
int		 groups_is_member(const Natter__GroupInfo *, const char *name);

/* "#" and hex of id, into out (GROUPS_PEERBYTES). */
void		 groups_peer(char *out, const uint8_t *id);
/* The id of a peer "#HEX" into id; 0, or -1 if peer is not one. */
int		 groups_peer_id(const char *peer, uint8_t id[GROUPS_IDBYTES]);

/*
 * The conversation peer stands for: "#NAME" (a group this device knows)
 * becomes "#" and the group's id in buf (GROUPS_PEERBYTES), so that a
 * rename keeps the conversation; anything else is itself.
 */
const char	*groups_conv(struct store *, const char *peer, char *buf);
/*
 * *to is "#NAME": a group we are a member of?  0 with *to now "#ID" in
 * buf (GROUPS_PEERBYTES), or -1 with err (CORE_ERR_UNKNOWN_GROUP).
 */
struct core_error;
int		 groups_resolve(struct store *, const char **to, char *buf,
		    struct core_error *) __attribute__((warn_unused_result));

/* cb for every group kept, gone ones too; 0 or -1. */
int		 groups_each(struct store *,
		    void (*cb)(const struct group *, void *), void *arg);

#endif
