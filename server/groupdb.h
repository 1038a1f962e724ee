/* groupdb: groups and their members in SQLite, cached in memory. */
#ifndef NATTER_SERVER_GROUPDB_H
#define NATTER_SERVER_GROUPDB_H

#include <stddef.h>
#include <stdint.h>

#include "server/fanout.h"

struct db;

#define GROUPDB_IDBYTES		16
#define GROUPDB_MAXMEMBERS	1024
#define GROUPDB_HASHBYTES	32

struct groupdb_member {
	int64_t		 account;
	char		 name[33];
	int		 admin;
	int64_t		 added;		/* ms */
};

/*
 * A group as cached: read-only to callers, and valid until the next
 * groupdb call that writes (a write drops the group's cached copy; the
 * next find reads it again) or a request's rollback. On PostgreSQL
 * nothing is cached (groupdb_pg.c): each find returns a fresh copy that
 * stays valid, writes or not, until the request's fiber ends.
 */
struct groupdb_group {
	int64_t			 gid;		/* the row; never on the wire */
	uint8_t			 id[GROUPDB_IDBYTES];
	char			 name[33];
	int64_t			 created;
	uint64_t		 epoch;
	struct groupdb_member	*members;	/* sorted by name */
	size_t			 nmembers;
	/* Every device of every member, sorted (name, device), with its
	 * account; filled by groupdb_devices. */
	struct fanout_ref	*devs;
	int64_t			*devaccts;
	size_t			 ndevs;
	uint8_t			*enc;		/* grouphash_encode */
	size_t			*encoff;
	uint64_t		 devgen;	/* accounts_devices_gen */
	int			 devready;
};

/* Find a group by id or by name: 0 found (*g set), 1 none, -1 error. */
int	groupdb_find_id(struct db *, const uint8_t id[GROUPDB_IDBYTES],
	    struct groupdb_group **g);
int	groupdb_find_name(struct db *, const char *name,
	    struct groupdb_group **g);
/* The index of account among g's members, or -1. */
int	groupdb_member(const struct groupdb_group *, int64_t account);
/* Fill g's device set unless it is current (a member's device list
 * changed since, accounts_devices_gen; on PostgreSQL it is read every
 * time): 0 or -1. */
int	groupdb_devices(struct db *, struct groupdb_group *);
/* Forget g's device set (both stores' copies of a group use it). */
void	groupdb_devs_clear(struct groupdb_group *);
/* The hash of g's device set (groupdb_devices first) less the device
 * (account, device). */
void	groupdb_hash(const struct groupdb_group *, int64_t account,
	    uint32_t device, uint8_t out[GROUPDB_HASHBYTES]);
/* The groups account is a member of, at most max: 0 or -1. */
int	groupdb_of_account(struct db *, int64_t account, int64_t *gids,
	    size_t max, size_t *n);
/* Find a group by its row (groupdb_of_account): 0, 1 none, -1 error. */
int	groupdb_find_gid(struct db *, int64_t gid, struct groupdb_group **g);
/* Groups on this server: 0 or -1. */
int	groupdb_count(struct db *, uint64_t *n);

/* Writes, each inside the caller's transaction; each drops the cached
 * copy of the group. create: 0 (*gid set), 1 the name is taken, -1
 * error; rename: 0, 1 taken, -1; the rest 0 or -1. */
int	groupdb_create(struct db *, const char *name,
	    const uint8_t id[GROUPDB_IDBYTES], int64_t now, int64_t *gid);
int	groupdb_add(struct db *, int64_t gid, int64_t account, int admin,
	    int64_t now);
int	groupdb_remove(struct db *, int64_t gid, int64_t account);
int	groupdb_set_admin(struct db *, int64_t gid, int64_t account);
int	groupdb_rename(struct db *, int64_t gid, const char *name);
/* The epoch goes up by one. */
int	groupdb_bump(struct db *, int64_t gid);
/* The group and its members go; its name is free. */
int	groupdb_delete(struct db *, int64_t gid);

#endif
