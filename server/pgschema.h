/* pgschema: the PostgreSQL store's schema, versioned like db.c's. */
#ifndef NATTER_SERVER_PGSCHEMA_H
#define NATTER_SERVER_PGSCHEMA_H

#include <stddef.h>

/* The migration scripts, in order: version v is the first v applied
 * (pg_config.migrations). Append; never edit a released one. */
extern const char *const	pgschema_migrations[];
extern const size_t		pgschema_nmigrations;

#endif
