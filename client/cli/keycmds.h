/* keycmds: the handler of the keys command (rotate) and its human-readable output. */
#ifndef NATTER_CLIENT_CLI_KEYCMDS_H
#define NATTER_CLIENT_CLI_KEYCMDS_H

#include <jansson.h>

struct call;

void	keycmds_rotate(struct call *);
void	keycmds_rotate_human(const json_t *);

#endif
