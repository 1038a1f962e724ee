/* groupops: the group service (core_group_op, _info, _list): GroupOp and GroupQuery requests, answers taken into the local copy. */
#ifndef NATTER_CLIENT_CORE_GROUPOPS_H
#define NATTER_CLIENT_CORE_GROUPOPS_H

#include "client/core/core.h"

struct account;
struct conn;
struct groupops;
struct store;
struct uv_loop_s;

/* c is passed through to the callbacks. */
struct groupops	*groupops_create(struct uv_loop_s *, struct core *,
		    struct store *, struct account *, struct conn *);
/* Forget waiting requests (no callbacks: groupops_fail_all first). */
void		 groupops_free(struct groupops *);

/*
 * Queue a request: sent at once when connected, else the connection is
 * asked for (one-shot if nothing started it) and groupops_kick sends it.
 * Exactly one of done / list is called once, never from inside the call.
 */
void		 groupops_op(struct groupops *, enum core_group_op,
		    const char *name, const char * const *users,
		    core_group_cb *done, void *arg);
void		 groupops_info(struct groupops *, const char *name,
		    core_group_cb *done, void *arg);
void		 groupops_list(struct groupops *, core_groups_cb *list,
		    void *arg);

/* The connection is ready: send what waits. */
void		 groupops_kick(struct groupops *);
/* Fail every waiting request with err. */
void		 groupops_fail_all(struct groupops *, const struct core_error *);

/* cb for each group kept here (core_groups_local).  0 or -1. */
int		 groupops_local(struct groupops *, void (*each)(struct core *,
		    const struct core_group *, void *), void *arg);

#endif
