/* groupdb_pg: groups on the PostgreSQL store, read afresh by each request. */
#ifndef NATTER_SERVER_GROUPDB_PG_H
#define NATTER_SERVER_GROUPDB_PG_H

#include <stddef.h>
#include <stdint.h>

#include "server/groupdb.h"

struct db;

/* groupdb.h's calls for a db on PostgreSQL (groupdb.c picks them), run
 * on a fiber. The contracts are groupdb.h's, but for what a find
 * returns: a copy read from the tables for this call, owned by the
 * running fiber and freed when it ends (fiber_defer), untouched by
 * later writes. */
int	groupdb_pg_find_id(struct db *, const uint8_t id[GROUPDB_IDBYTES],
	    struct groupdb_group **g);
int	groupdb_pg_find_name(struct db *, const char *name,
	    struct groupdb_group **g);
int	groupdb_pg_find_gid(struct db *, int64_t gid,
	    struct groupdb_group **g);
/* The device set is read again on every call (no generation to go by
 * across nodes). */
int	groupdb_pg_devices(struct db *, struct groupdb_group *);
int	groupdb_pg_of_account(struct db *, int64_t account, int64_t *gids,
	    size_t max, size_t *n);
int	groupdb_pg_count(struct db *, uint64_t *n);

int	groupdb_pg_create(struct db *, const char *name,
	    const uint8_t id[GROUPDB_IDBYTES], int64_t now, int64_t *gid);
int	groupdb_pg_add(struct db *, int64_t gid, int64_t account, int admin,
	    int64_t now);
int	groupdb_pg_remove(struct db *, int64_t gid, int64_t account);
int	groupdb_pg_set_admin(struct db *, int64_t gid, int64_t account);
int	groupdb_pg_rename(struct db *, int64_t gid, const char *name);
int	groupdb_pg_bump(struct db *, int64_t gid);
int	groupdb_pg_delete(struct db *, int64_t gid);

#endif
