/* handle: the request handlers, one per client frame type. */
#ifndef NATTER_SERVER_HANDLE_H
#define NATTER_SERVER_HANDLE_H

#include <stddef.h>
#include <stdint.h>

#include "shared/proto/natter.pb-c.h"

struct prekeys_upload;
struct session;

/* Answer one decoded frame received on session s. */
void		handle_frame(struct session *, const Natter__Frame *);
/* 1 if f's handler rolls back to a savepoint on failure, and so needs the
 * PostgreSQL store's transaction to itself (pgturn.h). */
int		handle_alone(const Natter__Frame *);
/* Check the prekeys a Register, PrekeyUpload or LinkOffer brings (spk
 * may be NULL; at most PREKEYS_MAXUPLOAD one-time prekeys, every key of
 * its length) and fill u: OK, with u->opks to free, or the Code to
 * answer and *why. */
uint32_t	handle_prekeys(const Natter__SignedPrekey *spk,
		    Natter__OneTimePrekey **opks, size_t n,
		    struct prekeys_upload *u, const char **why);

#endif
