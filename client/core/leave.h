/* leave: a linked device leaving its account, and the primary taking a device that left off the signed list. */
#ifndef NATTER_CLIENT_CORE_LEAVE_H
#define NATTER_CLIENT_CORE_LEAVE_H

#include <stdint.h>

#include "client/core/core.h"

struct account;
struct conn;
struct event_sink;
struct leave;
struct link;
struct outbox;
struct store;
struct uv_loop_s;

/*
 * Leaving (natter-protocol(7) "Leaving an account"):
 *   the device: a DeviceLeave to its primary over their pairwise session,
 *     through the outbox; once the server stored it, LeaveAccount, after
 *     which the server refuses the device's sign-in (DEVICE_REMOVED);
 *   the primary: a DeviceLeave from one of its own devices, about that
 *     device, is recorded in the profile (with the message, in one commit)
 *     and the list without the device is published when no link is in
 *     progress: now, or at the next sign-in.
 */
struct leave	*leave_create(struct uv_loop_s *, struct core *, struct store *,
		    struct account *, struct conn *, struct outbox *,
		    struct link *, struct event_sink *);
void		 leave_free(struct leave *);

/* This device (not device 1) leaves its account; done when it has. */
void		 leave_start(struct leave *, core_done_cb *, void *arg);

/* Primary, inside the inbox's commit: device said it left.  0 or -1. */
int		 leave_record(struct leave *, uint32_t device);
/* Publish what was recorded, if nothing else is in the way. */
void		 leave_kick(struct leave *);
/* The connection is gone for good (or the core closes). */
void		 leave_fail_all(struct leave *, const struct core_error *);
/* cb(arg) once nothing is left to publish after being busy. */
void		 leave_on_settled(struct leave *, void (*cb)(void *), void *arg);
/* 1 while this process has a leave or a recorded removal to finish. */
int		 leave_busy(struct leave *);

#endif
