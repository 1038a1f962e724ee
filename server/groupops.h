/* groupops: GroupOp and GroupQuery: membership, its rules, its changes. */
#ifndef NATTER_SERVER_GROUPOPS_H
#define NATTER_SERVER_GROUPOPS_H

#include <stdint.h>

#include "shared/proto/natter.pb-c.h"

struct groupdb_group;
struct session;

#define GROUPOPS_CREATE		1	/* GroupOp.op and GroupChange.change */
#define GROUPOPS_ADD		2
#define GROUPOPS_REMOVE		3
#define GROUPOPS_LEAVE		4
#define GROUPOPS_RENAME		5
#define GROUPOPS_ADMIN		6
#define GROUPOPS_MAXUSERS	1024	/* GroupOp.users */
#define GROUPOPS_MAXLIST	1024	/* groups in one GroupQuery answer */

/* Handle a GroupOp inside the request's savepoint / a GroupQuery, on an
 * authenticated session. Return a Code; on OK the answer is queued (and
 * a change queued to the group's devices). *why may be set. */
uint32_t	groupops_op(struct session *, const Natter__Frame *,
		    const char **why);
uint32_t	groupops_query(struct session *, const Natter__Frame *,
		    const char **why);

/* Fill gi from g (members and admins sorted, pointing into g: use gi
 * while g is valid); groupops_info_clear frees what it allocated. */
void		groupops_info(const struct groupdb_group *, Natter__GroupInfo *);
void		groupops_info_clear(Natter__GroupInfo *);

#endif
