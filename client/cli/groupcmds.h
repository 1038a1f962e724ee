/* groupcmds: the handlers of the group commands (create, add, remove, leave, info, list, rename, admin) and their human-readable output. */
#ifndef NATTER_CLIENT_CLI_GROUPCMDS_H
#define NATTER_CLIENT_CLI_GROUPCMDS_H

#include <jansson.h>

struct call;

void	groupcmds_op(struct call *);
void	groupcmds_leave(struct call *);
void	groupcmds_info(struct call *);
void	groupcmds_list(struct call *);

void	groupcmds_group_human(const json_t *);
void	groupcmds_left_human(const json_t *);
void	groupcmds_list_human(const json_t *);

#endif
