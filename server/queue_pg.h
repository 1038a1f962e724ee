/* queue_pg: queue.h on the PostgreSQL store, which nodes share. */
#ifndef NATTER_SERVER_QUEUE_PG_H
#define NATTER_SERVER_QUEUE_PG_H

#include <stddef.h>
#include <stdint.h>

#include "server/queue.h"

struct db;

/*
 * queue.c calls these when db_pg(db) is not NULL; each keeps the
 * contract of the queue.h function of the same name. They must run on a
 * fiber (dbpg.h). queue_items_clear is the same for both stores.
 */
int	queue_pg_push(struct db *, int64_t account, uint32_t device,
	    const struct queue_item *, int64_t expires, uint64_t *seq);
int	queue_pg_depth(struct db *, int64_t account, uint32_t device,
	    uint64_t *depth);
int	queue_pg_depths_of(struct db *, const int64_t *accts,
	    const uint32_t *devs, size_t n, uint64_t *depths);
int	queue_pg_share(struct db *, int64_t account, uint32_t device,
	    int64_t from, uint64_t *n);
int	queue_pg_total(struct db *, uint64_t *total);
int	queue_pg_fetch_except(struct db *, int64_t account, uint32_t device,
	    int64_t now, const uint64_t *skip, size_t nskip,
	    struct queue_item *, size_t max, size_t *n);
int	queue_pg_fetch(struct db *, int64_t account, uint32_t device,
	    uint64_t after, int64_t now, struct queue_item *items, size_t max,
	    size_t *n);
int	queue_pg_ack(struct db *, int64_t account, uint32_t device,
	    uint64_t seq, struct queue_item *out);
int	queue_pg_push_each(struct db *, const struct queue_item *,
	    int64_t expires, struct queue_dest *, size_t n);
int	queue_pg_ack_many(struct db *, int64_t account, uint32_t device,
	    struct queue_acked *, size_t n);
int	queue_pg_delete(struct db *, int64_t account, uint32_t device,
	    const struct queue_item *it);
int	queue_pg_forget(struct db *, int64_t account, uint32_t device);
int	queue_pg_purge(struct db *, int64_t now, uint64_t *purged);
int	queue_pg_sent_lookup(struct db *, int64_t account, uint32_t device,
	    const uint8_t id[QUEUE_IDBYTES], int64_t *server_ts);
int	queue_pg_sent_record(struct db *, int64_t account, uint32_t device,
	    const uint8_t id[QUEUE_IDBYTES], int64_t server_ts,
	    int64_t expires);
int	queue_pg_sent_claim(struct db *, int64_t account, uint32_t device,
	    const uint8_t id[QUEUE_IDBYTES], int64_t server_ts,
	    int64_t expires);
int	queue_pg_sent_claim_depths(struct db *, const struct queue_claim *,
	    const int64_t *accts, const uint32_t *devs, size_t n,
	    uint64_t *depths);
int	queue_pg_sent_forget(struct db *, int64_t account, uint32_t device,
	    const uint8_t id[QUEUE_IDBYTES]);

#endif
