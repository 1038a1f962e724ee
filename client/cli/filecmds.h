/* filecmds: the handlers of send-file and save and their human-readable output. */
#ifndef NATTER_CLIENT_CLI_FILECMDS_H
#define NATTER_CLIENT_CLI_FILECMDS_H

#include <jansson.h>

struct call;

void	filecmds_send(struct call *);
void	filecmds_send_human(const json_t *);
void	filecmds_save(struct call *);
void	filecmds_save_human(const json_t *);

#endif
