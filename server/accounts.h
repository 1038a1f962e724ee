/* accounts: account names, their devices and the devices' identity keys. */
#ifndef NATTER_SERVER_ACCOUNTS_H
#define NATTER_SERVER_ACCOUNTS_H

#include <stddef.h>
#include <stdint.h>

struct db;

#define ACCOUNTS_KEYBYTES	32
#define ACCOUNTS_MAXDEVICES	16

/* Create account name with device 1 holding identity key ik. Returns 0 and
 * sets *account, 1 if the name is taken, -1 on a database error. The name
 * must already be valid (wire_name_valid). */
int	accounts_create(struct db *, const char *name,
	    const uint8_t ik[ACCOUNTS_KEYBYTES], int64_t *account);
/* Find an account by name: 0 found, 1 unknown, -1 error. */
int	accounts_lookup(struct db *, const char *name, int64_t *account);
/* accounts_lookup when it needs no wait for the store (SQLite's is in
 * process; PostgreSQL's only from the node's cache, pgcache.h): 0 found,
 * 1 unknown or not known without asking. */
int	accounts_lookup_now(struct db *, const char *name, int64_t *account);
/* A device's identity key: 0 found, 1 unknown, 2 removed (by a device
 * list: accounts_remove_device), -1 error. */
int	accounts_device_key(struct db *, int64_t account, uint32_t device,
	    uint8_t ik[ACCOUNTS_KEYBYTES]);
/* Add device (not in use, never removed) with identity key ik: 0 or -1. */
int	accounts_add_device(struct db *, int64_t account, uint32_t device,
	    const uint8_t ik[ACCOUNTS_KEYBYTES]);
/* Delete the device's row (its keys) and remember that it was removed:
 * 0 or -1. Its prekeys and queue are the caller's to delete. */
int	accounts_remove_device(struct db *, int64_t account,
	    uint32_t device);
/* The account's device ids, ascending, at most max of them: 0 or -1. */
int	accounts_devices(struct db *, int64_t account, uint32_t *devices,
	    size_t max, size_t *n);
/* Forget the cached device list of account: call after adding or removing
 * one of its devices. */
void	accounts_devices_changed(struct db *, int64_t account);
/* A number that changes whenever any account's device list may have
 * (accounts_devices_changed, a rolled back request): what a cache built
 * from device lists (groupdb.c) compares to know it is stale. */
uint64_t accounts_devices_gen(struct db *);

#endif
