/* accounts_pg: accounts.h on the PostgreSQL store, which nodes share. */
#ifndef NATTER_SERVER_ACCOUNTS_PG_H
#define NATTER_SERVER_ACCOUNTS_PG_H

#include <stddef.h>
#include <stdint.h>

#include "server/accounts.h"

struct db;

/*
 * accounts.c calls these when db_pg(db) is not NULL; each keeps the
 * contract of the accounts.h function of the same name. They must run
 * on a fiber (dbpg.h).
 */
int	accounts_pg_create(struct db *, const char *name,
	    const uint8_t ik[ACCOUNTS_KEYBYTES], int64_t *account);
int	accounts_pg_lookup(struct db *, const char *name, int64_t *account);
int	accounts_pg_device_key(struct db *, int64_t account, uint32_t device,
	    uint8_t ik[ACCOUNTS_KEYBYTES]);
int	accounts_pg_add_device(struct db *, int64_t account, uint32_t device,
	    const uint8_t ik[ACCOUNTS_KEYBYTES]);
int	accounts_pg_remove_device(struct db *, int64_t account,
	    uint32_t device);
int	accounts_pg_devices(struct db *, int64_t account, uint32_t *devices,
	    size_t max, size_t *n);
/* account's device list changes in this request (a device added or
 * removed, or a new signed list): once it commits, every node hears it
 * (pgcache.h, devwatch.h); a rollback forgets it. */
void	accounts_pg_changed(struct db *, int64_t account);
/* A new number on every call: any node may have changed any list. */
uint64_t accounts_pg_devices_gen(struct db *);

#endif
