/* bodies_pg: group bodies on the PostgreSQL store, counted in their row. */
#ifndef NATTER_SERVER_BODIES_PG_H
#define NATTER_SERVER_BODIES_PG_H

#include <stdint.h>

#include "server/bodies.h"

struct db;

/* bodies.h's calls for a db on PostgreSQL (bodies.c picks them); same
 * contracts, run on a fiber. */
int	bodies_pg_put(struct db *, const struct bodies_row *, uint64_t refs,
	    int64_t *body);
int	bodies_pg_unref(struct db *, int64_t body, uint64_t n);
int	bodies_pg_purge(struct db *, int64_t now);
int	bodies_pg_total(struct db *, uint64_t *n);

#endif
