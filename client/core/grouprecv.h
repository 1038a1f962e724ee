/* grouprecv: receiving for groups: membership changes (Delivery type 4), sender-key messages (type 3), sender keys that came pairwise. */
#ifndef NATTER_CLIENT_CORE_GROUPRECV_H
#define NATTER_CLIENT_CORE_GROUPRECV_H

#include "shared/proto/content.pb-c.h"
#include "shared/proto/natter.pb-c.h"

struct account;
struct event_sink;
struct files;
struct grouprecv;
struct store;

struct grouprecv *grouprecv_create(struct store *, struct account *,
		    struct files *, struct event_sink *);
void		 grouprecv_free(struct grouprecv *);

/*
 * A Delivery of type 3 or 4: handled and its seq recorded (in one commit
 * with what it changed), or refused with a CORE_EV_ERROR and its seq
 * recorded, so that it is acked either way.  Nothing is recorded on a
 * store failure (the server delivers it again).
 */
void		 grouprecv_deliver(struct grouprecv *, const Natter__Delivery *);

/*
 * A Content.sender_key that (from, device) sent us over a verified
 * pairwise session: installed for (its group, from, device), inside the
 * caller's transaction.  0, 2 if malformed (told by the caller), -1.
 */
int		 grouprecv_sender_key(struct grouprecv *, const char *from,
		    uint32_t device, const Natter__Content *);

#endif
