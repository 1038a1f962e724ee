/* probe: natter-probe's steps over one connection. */
#ifndef NATTER_TESTS_TOOLS_PROBE_H
#define NATTER_TESTS_TOOLS_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "shared/proto/natter.pb-c.h"

#define PROBE_MAXSTASH	4096

struct probe_ws;

struct probe {
	struct probe_ws	*ws;
	const char	*keydir;
	const char	*host;		/* where probe_open connected */
	int		 port;
	int		 timeout_ms;
	char		 name[33];	/* signed in as, or "" */
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
/* Ack seqs with id 0 (no answer): 0 or -1. */
int		 probe_ack(struct probe *, uint64_t *seqs, size_t n);
/* Send with a fresh id, wait for the Response (NULL: closed/timeout). */
Natter__Frame	*probe_request(struct probe *, Natter__Frame *);
Natter__Frame	*probe_wait(struct probe *, uint64_t id);
/* The next frame other than a Challenge; NULL after "close CODE". */
Natter__Frame	*probe_read(struct probe *);
/* The next Deliver or Event (stashed or read). */
Natter__Frame	*probe_push(struct probe *);
/* Fill spk (unless NULL) with a random key signed by sk, and opks/opkp
 * with n random one-time prekeys numbered from first; the key bytes go
 * into spkbuf (96) and opkbuf (32 n). */
void		 probe_fill_prekeys(Natter__SignedPrekey *spk,
		     uint8_t spkbuf[96], Natter__OneTimePrekey *opks,
		     Natter__OneTimePrekey **opkp, uint8_t *opkbuf, size_t n,
		     uint32_t first, const uint8_t *sk);
/* Register name with Ed25519 key sk, nopk one-time prekeys and, unless
 * list is NULL, that device list; bad spoils the signature. Prints
 * "LABEL CODE [NAME/DEVICE]" (and the message of a refused list). */
int		 probe_register(struct probe *, const char *label,
		     const char *name, const uint8_t sk[64], int nopk, int bad,
		     const uint8_t *list, size_t listlen);
/* After a BundleRequest's answer: " list=vVERSION:ID,ID..." (verified
 * with the key of the bundle of device 1), " list=BAD", or nothing when
 * the account has no list (probe_link.c). */
void		 probe_print_list(const Natter__Response *);
int		 probe_load_key(struct probe *, const char *, uint8_t sk[64]);
int		 probe_save_key(struct probe *, const char *,
		     const uint8_t sk[64]);
void		 probe_sign(struct probe *, const char *label, const char *name,
		     const uint32_t *device, const uint8_t sk[64],
		     uint8_t sig[64]);

/* One step: its name, how many arguments it takes, and its function,
 * which returns 0, or -1 for a failure (the connection failed or a wait
 * timed out). */
struct probe_step {
	const char	*name;
	int		 minargs, maxargs;
	const char	*usage;
	int		(*fn)(struct probe *, int, char **);
};
/* The steps about device lists and linking (probe_link.c). */
extern const struct probe_step	probe_link_steps[];
extern const size_t		probe_link_nsteps;
/* The steps about groups (probe_group.c). */
extern const struct probe_step	probe_group_steps[];
extern const size_t		probe_group_nsteps;
/* The steps over many accounts (probe_many.c). */
extern const struct probe_step	probe_many_steps[];
extern const size_t		probe_many_nsteps;
/* The step about a connection's order (probe_order.c). */
extern const struct probe_step	probe_order_steps[];
extern const size_t		probe_order_nsteps;
/* Where the group steps keep the ids of the groups they saw. */
void	probe_group_init(const char *keydir);
/* Print a group's delivery (type 3 or 4) as recv shows it. */
void	probe_group_print(const Natter__Delivery *);

/* 1 if name is a step name. */
int	probe_is_step(const char *name);
/* Run the step at argv[0]; returns the arguments used, 0 for a usage
 * error, -1 for a failure. */
int	probe_step(struct probe *, int argc, char **argv);

#endif
