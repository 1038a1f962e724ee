/* devcmds: the handlers of the devices commands (list, link, approve, remove) and their human-readable output. */
#ifndef NATTER_CLIENT_CLI_DEVCMDS_H
#define NATTER_CLIENT_CLI_DEVCMDS_H

#include <jansson.h>

struct call;

void	devcmds_list(struct call *);
void	devcmds_link(struct call *);
void	devcmds_approve(struct call *);
void	devcmds_remove(struct call *);

void	devcmds_list_human(const json_t *);
void	devcmds_link_human(const json_t *);
void	devcmds_approve_human(const json_t *);
void	devcmds_remove_human(const json_t *);

#endif
