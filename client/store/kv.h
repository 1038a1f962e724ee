/* kv: small sealed records: the profile's settings (kv table) with typed getters and setters, and named rows (lists). */
#ifndef NATTER_CLIENT_STORE_KV_H
#define NATTER_CLIENT_STORE_KV_H

#include <stddef.h>
#include <stdint.h>

struct store;

/* Keys of the kv table: stored in profiles, so never renumber. */
#define KV_NAME		1	/* account name */
#define KV_DEVICE	2	/* this device's id, u32 */
#define KV_SERVER	3	/* server URL saved at registration */
#define KV_IDENTITY	4	/* Ed25519 secret key, 64 bytes */
#define KV_SPK_ID	5	/* current signed prekey id, u32 */
#define KV_OPK_NEXT	6	/* next one-time prekey id, u32 */
#define KV_REGISTERED	7	/* unused; reserved */
#define KV_OPK_UPLOADED	8	/* highest one-time prekey id the server took, u32 */
#define KV_SPK_TS	9	/* when the current signed prekey was made, u64 ms */
#define KV_SPK_UPLOADED	10	/* signed prekey id the server took, u32 */
#define KV_OPK_FLOOR	11	/* one-time prekeys below this id are retired, u32 */
#define KV_OPK_FLOOR_SENT 12	/* the floor the server took, u32 */

/* A u32 value (stored big-endian).  0, or -1 if missing or not 4 bytes. */
int	 kv_get_u32(struct store *, int key, uint32_t *)
	    __attribute__((warn_unused_result));
int	 kv_put_u32(struct store *, int key, uint32_t)
	    __attribute__((warn_unused_result));

/* A u64 value (big-endian).  0, or -1 if missing or not 8 bytes. */
int	 kv_get_u64(struct store *, int key, uint64_t *)
	    __attribute__((warn_unused_result));
int	 kv_put_u64(struct store *, int key, uint64_t)
	    __attribute__((warn_unused_result));

/* A string value; the caller frees it.  NULL if missing or unreadable. */
char	*kv_get_str(struct store *, int key);

/*
 * A sealed row of table (a table with columns id, h, v: "lists") found by
 * name (hashed with the index key).  get: 0 with *v (caller frees), 1 if
 * there is none, -1.  put: insert or replace; 0 or -1.
 */
int	 kv_named_get(struct store *, const char *table,
	    const char *name, uint8_t **v, size_t *len)
	    __attribute__((warn_unused_result));
int	 kv_named_put(struct store *, const char *table,
	    const char *name, const void *v, size_t len)
	    __attribute__((warn_unused_result));
/* Delete the row of name (none is fine); 0 or -1. */
int	 kv_named_del(struct store *, const char *table, const char *name);
/*
 * Call cb with the opened value of every row of table, in insertion
 * order (the value is wiped after cb); cb returns 0 to go on, 1 to
 * stop, -1 to fail.  0 or -1.
 */
int	 kv_named_each(struct store *, const char *table,
	    int (*cb)(const uint8_t *, size_t, void *), void *arg);

#endif
