/* devices: PublishDeviceList: the account's devices follow its list. */
#ifndef NATTER_SERVER_DEVICES_H
#define NATTER_SERVER_DEVICES_H

#include <stdint.h>

#include "shared/proto/natter.pb-c.h"

struct session;

/* Handle a PublishDeviceList from an authenticated session, inside the
 * request's savepoint. Returns a Code; on OK the answer is queued. *why
 * may be set to a sentence for the client. */
uint32_t	devices_publish(struct session *, const Natter__Frame *,
		    const char **why);

/* Handle a LeaveAccount: the session's device (never device 1) is
 * forgotten as a published list without it would (its row, prekeys and
 * queue; sign-in refused from then on), answered OK, then closed. */
uint32_t	devices_leave(struct session *, const Natter__Frame *,
		    const char **why);

#endif
