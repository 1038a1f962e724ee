/* grouprecv: receiving for groups: membership changes (Delivery type 4), sender-key messages (type 3), sender keys that came pairwise. */
#ifndef NATTER_CLIENT_CORE_GROUPRECV_H
#define NATTER_CLIENT_CORE_GROUPRECV_H

#include "shared/proto/content.pb-c.h"
#include "shared/proto/natter.pb-c.h"

struct account;
struct event_sink;
struct files;
struct grouprecv;
struct devices;
struct store;

struct grouprecv *grouprecv_create(struct store *, struct account *,
		    struct devices *, struct files *, struct event_sink *);
void		 grouprecv_free(struct grouprecv *);

/*
 * A Delivery of type 3 or 4: handled and its seq recorded (in one commit
 * with what it changed), or refused with a CORE_EV_ERROR and its seq
 * recorded, so that it is acked either way.  Nothing is recorded on a
 * store failure (the server delivers it again).
 */
void		 grouprecv_deliver(struct grouprecv *, const Natter__Delivery *);

/*
 * A delivered (read 0) or read (read 1) receipt by the account by for our
 * message id, in store st whose account is self: if that is a group
 * message, by counts once among the members that have it / have read it
 * (our own account never).  The receipt's row r gets the group's id (in
 * gid), both counts and the recipients then.  Inside the caller's
 * transaction.  1 if by was new, 0 if not (or not a group message), -1.
 */
int		 grouprecv_counted(struct store *, const char *self,
		    const uint8_t *id, size_t idlen, const char *by, int read,
		    Natter__StoredMessage *r, uint8_t gid[16])
		    __attribute__((warn_unused_result));

/*
 * A delivered receipt by the account by for our message id: if that is a
 * group message, by counts once among the members that have it (our own
 * account never).  The receipt's row r gets the group's id (in gid) and
 * the count.  Inside the caller's transaction.  1 if by was new, 0 if
 * not (or not a group message), -1.
 */
int		 grouprecv_delivered(struct grouprecv *, const uint8_t *id,
		    size_t idlen, const char *by, Natter__StoredMessage *r,
		    uint8_t gid[16]) __attribute__((warn_unused_result));

/*
 * A Content.sender_key that (from, device) sent us over a verified
 * pairwise session: installed for (its group, from, device), inside the
 * caller's transaction.  0, 2 if malformed (told by the caller), -1.
 */
int		 grouprecv_sender_key(struct grouprecv *, const char *from,
		    uint32_t device, const Natter__Content *);

#endif
