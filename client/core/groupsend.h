/* groupsend: a group message's way out: the device check, sender-key rotation and distribution over pairwise sessions, then one GroupSend. */
#ifndef NATTER_CLIENT_CORE_GROUPSEND_H
#define NATTER_CLIENT_CORE_GROUPSEND_H

#include <stddef.h>
#include <stdint.h>

#include "shared/proto/content.pb-c.h"

struct account;
struct conn;
struct devices;
struct groupsend;
struct outbox;
struct peers;
struct store;

/* Registers itself as the outbox's group path (outbox_set_group). */
struct groupsend *groupsend_create(struct store *, struct account *,
		    struct conn *, struct devices *, struct peers *,
		    struct outbox *);
void		 groupsend_free(struct groupsend *);

/*
 * GroupSend.devices_hash of n devices (sorted here by name, then
 * device): SHA-256 over each as u8 len | name | u32 BE device.
 */
void		 groupsend_hash(uint8_t out[32], Natter__DeviceKey *const *,
		    size_t n);

#endif
