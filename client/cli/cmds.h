/* cmds: the handlers of the command table (one per command) and their human-readable output. */
#ifndef NATTER_CLIENT_CLI_CMDS_H
#define NATTER_CLIENT_CLI_CMDS_H

#include <jansson.h>

struct call;

void	cmds_register(struct call *);
void	cmds_send(struct call *);
void	cmds_read(struct call *);
void	cmds_history(struct call *);
void	cmds_fingerprint(struct call *);
void	cmds_verify(struct call *);
void	cmds_trust(struct call *);
void	cmds_status(struct call *);

void	cmds_register_human(const json_t *);
void	cmds_send_human(const json_t *);
void	cmds_read_human(const json_t *);
void	cmds_history_human(const json_t *);
void	cmds_fingerprint_human(const json_t *);
void	cmds_verify_human(const json_t *);
void	cmds_trust_human(const json_t *);
void	cmds_status_human(const json_t *);

#endif
