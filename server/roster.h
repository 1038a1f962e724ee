/* roster: each account's signed device list, as stored and served. */
#ifndef NATTER_SERVER_ROSTER_H
#define NATTER_SERVER_ROSTER_H

#include <stddef.h>
#include <stdint.h>

#include "shared/crypto/devicelist.h"

struct db;

#define ROSTER_MAXDEVICES	5	/* devices on one list */
#define ROSTER_MAXBYTES		DEVICELIST_MAXBYTES

/*
 * Check a signed device list (shared/crypto/devicelist.h) that account
 * name offers: signed by the account key pk (device 1's identity key),
 * its version above last (0: the account has no list yet), its account
 * name, at most ROSTER_MAXDEVICES devices, device 1 listed with pk, ids
 * from 1 and no key twice. Returns OK with the parsed list in *out (the
 * caller frees it with devicelist_free), else the Code to answer and *why,
 * a sentence in static storage valid until the next call.
 */
uint32_t	roster_verify(const uint8_t *list, size_t len, const char *name,
		    const uint8_t pk[DEVICELIST_KEYBYTES], uint64_t last,
		    struct devicelist **out, const char **why)
		    __attribute__((warn_unused_result));

/* The account's stored list: 0 with *version set and, when out is not
 * NULL, the list's bytes in out (ROSTER_MAXBYTES) and *len; 1 when the
 * account has none (it registered before lists: "legacy"); -1 on error. */
int		roster_get(struct db *, int64_t account, uint64_t *version,
		    uint8_t *out, size_t *len);
/* Store list (len bytes, already verified) as the account's, replacing
 * the one before: 0 or -1. */
int		roster_put(struct db *, int64_t account, uint64_t version,
		    const uint8_t *list, size_t len);

#endif
