/* probe: natter-probe's steps over one connection. */
#ifndef NATTER_TESTS_TOOLS_PROBE_H
#define NATTER_TESTS_TOOLS_PROBE_H

#include <stdint.h>

#include "shared/proto/natter.pb-c.h"

#define PROBE_MAXSTASH	4096

struct probe_ws;

struct probe {
	struct probe_ws	*ws;
	const char	*keydir;
	uint8_t		 nonce[32];
	uint64_t	 next_id;
	int		 closed;
	Natter__Frame	*stash[PROBE_MAXSTASH];	/* unclaimed pushes */
	int		 nstash;
};

int	probe_open(struct probe *, const char *host, int port,
	    const char *keydir, int timeout_ms);
void	probe_close(struct probe *);
/* Helpers for the steps (probe.c). */
const char	*probe_code(uint32_t);
int		 probe_send_frame(struct probe *, const Natter__Frame *);
/* Send with a fresh id, wait for the Response (NULL: closed/timeout). */
Natter__Frame	*probe_request(struct probe *, Natter__Frame *);
Natter__Frame	*probe_wait(struct probe *, uint64_t id);
/* The next frame other than a Challenge; NULL after "close CODE". */
Natter__Frame	*probe_read(struct probe *);
/* The next Deliver or Event (stashed or read). */
Natter__Frame	*probe_push(struct probe *);
int		 probe_load_key(struct probe *, const char *, uint8_t sk[64]);
int		 probe_save_key(struct probe *, const char *,
		     const uint8_t sk[64]);
void		 probe_sign(struct probe *, const char *label, const char *name,
		     const uint32_t *device, const uint8_t sk[64],
		     uint8_t sig[64]);

/* 1 if name is a step name. */
int	probe_is_step(const char *name);
/* Run the step at argv[0]; returns the arguments used, 0 for a usage
 * error, -1 for a failure. */
int	probe_step(struct probe *, int argc, char **argv);

#endif
