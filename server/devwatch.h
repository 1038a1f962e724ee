/* devwatch: another node changed a device list; this node's connections follow it. */
#ifndef NATTER_SERVER_DEVWATCH_H
#define NATTER_SERVER_DEVWATCH_H

#include <stdint.h>

struct db;

/*
 * With nodes sharing a store, a device list changes on the node where
 * device 1 published it (devices.c), which closes the removed devices'
 * connections and tells the others there. Connections of the account
 * on other nodes hear of it through the directory (natter:list): then
 * each of this node's connections of the account whose device is no
 * longer in the list is closed with 4003, as on the publishing node,
 * and the others hear DeviceListChanged. The list is read from the
 * store on a fiber of its own, after pgcache dropped its copy. The
 * publishing node hears its own change too, so its devices may hear
 * DeviceListChanged twice: the client fetches the list again, no more.
 * While the directory cannot tell, a removed device's connection stays
 * open until it drops; it is refused at its next sign-in either way.
 */

/* Read device lists from db from now on. */
void	devwatch_start(struct db *);
/* The device list of account changed (-1: any may have, as when a node
 * comes up: nothing to check). */
void	devwatch_heard(int64_t account);

#endif
