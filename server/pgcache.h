/* pgcache: what a node on the PostgreSQL store remembers of accounts, and when it forgets. */
#ifndef NATTER_SERVER_PGCACHE_H
#define NATTER_SERVER_PGCACHE_H

#include <stddef.h>
#include <stdint.h>

#define PGCACHE_LIST_TTL_MS	60000
#define PGCACHE_MAXNAMES	100000	/* then the names kept are dropped */
#define PGCACHE_MAXLISTS	100000	/* the same for lists */

/*
 * Every message reads the recipient's account id by name and the device
 * lists of both ends: four of the dozen statements a message cost a node
 * on PostgreSQL. Both change rarely, so a node keeps what it read:
 *
 * - Names: accounts are never deleted or renamed, so a name's id is
 *   right for good once its account is committed. Only what a failed
 *   turn read could be wrong (its own uncommitted account), so a failed
 *   turn empties the cache (pgcache_turn_committed).
 * - Device lists: any node may change one at any time. They are kept
 *   only while the directory's invalidations reach this node
 *   (pgcache_live; Redis subscribed), until one names the account. A
 *   node that changes a list drops its own copy at once and, once its
 *   turn has committed, publishes the account to every node
 *   (pgcache_publish). A read that an invalidation overtook is not kept
 *   (the epoch moved while it ran), so an old list never outlives the
 *   message that replaced it. Between another node's commit and its
 *   message arriving here, this node may still use the old list: a
 *   sender then hears DEVICE_MISMATCH and tries again, as it would
 *   after any race with a device change. Clients never trust the
 *   server's lists anyway: they check signed device lists. A node that
 *   comes up (again) tells every node to forget every list, since it
 *   may have missed telling a change; and a kept list is read again
 *   after PGCACHE_LIST_TTL_MS whatever it heard, which bounds the
 *   damage of a node that died between its commit and its message.
 *
 * Everything here runs on the loop thread; there is one per process.
 */

/* Keep names from now on: only once pgturn.c reports how turns end. */
void	 pgcache_enable(void);
/* A name's account id, if known: 1 and *account, else 0. */
int	 pgcache_name(const char *name, int64_t *account);
/* Remember name -> account (read by this turn). */
void	 pgcache_name_put(const char *name, int64_t account);

/* The epoch: read it before asking the store for a device list, and
 * give it back with the list to pgcache_devices_put. */
uint64_t pgcache_epoch(void);
/* account's device ids, if kept: 1 (up to max of them, *n set), else 0. */
int	 pgcache_devices(int64_t account, uint32_t *devices, size_t max,
	     size_t *n);
/* Keep account's list read at epoch, unless an invalidation came since
 * or invalidations cannot reach this node. */
void	 pgcache_devices_put(int64_t account, uint64_t epoch,
	     const uint32_t *devices, size_t n);

/* This node changed account's device list in the open turn. */
void	 pgcache_devices_changed(int64_t account);
/* Another node (or this one) changed account's device list; account
 * -1: any list may have changed. */
void	 pgcache_forget(int64_t account);
/* Invalidations reach this node (1) or may not (0): either way what is
 * kept goes. */
void	 pgcache_live(int up);
/* Who tells every node that an account's list changed. */
void	 pgcache_publish(void (*fn)(int64_t account));

/* The turn's transaction closes (COMMIT sent), then its commit answers:
 * the lists it changed are published, or, when it failed, everything
 * kept goes. */
void	 pgcache_turn_closed(void);
void	 pgcache_turn_committed(int ok);
/* A request's savepoint was rolled back: what it read may be its own
 * undone writes, so everything kept goes. */
void	 pgcache_rollback(void);
/* Free everything (natterd's end). */
void	 pgcache_free(void);

#endif
