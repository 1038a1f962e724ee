/* prekeys_pg: prekeys.h on the PostgreSQL store, which nodes share. */
#ifndef NATTER_SERVER_PREKEYS_PG_H
#define NATTER_SERVER_PREKEYS_PG_H

#include <stddef.h>
#include <stdint.h>

#include "server/prekeys.h"

struct db;

/*
 * prekeys.c calls these when db_pg(db) is not NULL; each keeps the
 * contract of the prekeys.h function of the same name. They must run on
 * a fiber (dbpg.h). prekeys_store needs no twin: it only calls
 * prekeys_set_signed and prekeys_add_onetime.
 */
int	prekeys_pg_set_signed(struct db *, int64_t account, uint32_t device,
	    uint32_t id, const uint8_t key[PREKEYS_KEYBYTES],
	    const uint8_t sig[PREKEYS_SIGBYTES]);
int	prekeys_pg_add_onetime(struct db *, int64_t account, uint32_t device,
	    const struct prekeys_onetime *, size_t n);
int	prekeys_pg_forget(struct db *, int64_t account, uint32_t device);
int	prekeys_pg_drop_below(struct db *, int64_t account, uint32_t device,
	    uint32_t floor);
int	prekeys_pg_count(struct db *, int64_t account, uint32_t device,
	    uint32_t *count);
int	prekeys_pg_bundle(struct db *, int64_t account, uint32_t device,
	    int take_onetime, struct prekeys_bundle *b);

#endif
