/* roster_pg: roster.h's stored lists on the PostgreSQL store. */
#ifndef NATTER_SERVER_ROSTER_PG_H
#define NATTER_SERVER_ROSTER_PG_H

#include <stddef.h>
#include <stdint.h>

struct db;

/* roster.c calls these when db_pg(db) is not NULL; each keeps the
 * contract of the roster.h function of the same name (roster_put's
 * with one addition, below). They must run on a fiber (dbpg.h). */
int	roster_pg_get(struct db *, int64_t account, uint64_t *version,
	    uint8_t *out, size_t *len);
/* Also -1 when a list of this version or newer is stored already:
 * another node stored one since this one's roster_verify read the
 * version it checked against. */
int	roster_pg_put(struct db *, int64_t account, uint64_t version,
	    const uint8_t *list, size_t len);

#endif
