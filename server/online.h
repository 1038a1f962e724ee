/* online: the sessions connected to this node, by (account, device). */
#ifndef NATTER_SERVER_ONLINE_H
#define NATTER_SERVER_ONLINE_H

#include <stddef.h>
#include <stdint.h>

struct session;

/* Map (account, device) to s, returning the session it replaces (to be
 * closed by the caller) or NULL. The table does not own sessions. */
struct session	*online_add(int64_t account, uint32_t device,
		     struct session *s);
/* The session of (account, device) on this node, or NULL. */
struct session	*online_find(int64_t account, uint32_t device);
/* Forget (account, device) if it maps to s: 1 if it did, else 0 (a newer
 * connection of the device replaced s, or s was never added). */
int		 online_remove(int64_t account, uint32_t device,
		     struct session *s);
/* The devices of account connected to this node, up to max of them
 * into devs: how many. */
size_t		 online_devices(int64_t account, uint32_t *devs, size_t max);
/* Devices connected to this node. */
size_t		 online_count(void);
/* Forget every device and free the table (sessions untouched). */
void		 online_clear(void);

#endif
