/* retire: old private prekeys leave the profile: signed prekeys 30 days after they were replaced, one-time prekeys unused for 90 days. */
#ifndef NATTER_CLIENT_CORE_RETIRE_H
#define NATTER_CLIENT_CORE_RETIRE_H

struct store;

#define RETIRE_SPK_MS	(30LL * 24 * 3600 * 1000)	/* after replacement */
#define RETIRE_SPK_KEEP	64		/* replaced signed prekeys kept at most */
#define RETIRE_OPK_MS	(90LL * 24 * 3600 * 1000)	/* after being made */

/*
 * Wipe, as of time_now_ms() and in one transaction, the private prekeys
 * that are due (the store deletes securely):
 *   - a signed prekey RETIRE_SPK_MS after the next one was made (messages
 *     sent to it before the rotation may still be on their way until
 *     then), and any beyond the newest RETIRE_SPK_KEEP replaced ones;
 *   - a one-time prekey RETIRE_OPK_MS after it was made: it and every
 *     lower id (ids rise with time).  KV_OPK_FLOOR becomes the lowest id
 *     kept; prekeys.c uploads none below it and asks the server to drop
 *     the ones it still holds.
 * Keys from before the store recorded ages start their clocks now.
 * 0, or -1 with nothing changed (and a warning logged).
 */
int	retire_run(struct store *);

#endif
