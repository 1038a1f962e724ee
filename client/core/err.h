/* err: the core's errors: a code and one sentence for the user; server codes mapped; errors reported on the next loop turn. */
#ifndef NATTER_CLIENT_CORE_ERR_H
#define NATTER_CLIENT_CORE_ERR_H

#include <stddef.h>
#include <stdint.h>

#include "client/core/core.h"
#include "shared/proto/natter.pb-c.h"

struct uv_loop_s;

/* Set err (NULL is allowed: nothing is written). */
void		err_set(struct core_error *, enum core_err, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* The core's code for a wire Code. */
enum core_err	err_from_code(uint32_t);

/*
 * An error for a failed Response to what ("send", "key lookup"), quoting
 * the server's detail with control characters replaced, so that a server
 * cannot write escape sequences to the user's terminal.
 */
void		err_from_resp(struct core_error *, const Natter__Response *,
		    const char *what);

/*
 * Server-chosen text made safe for a terminal or a log: C0, DEL and C1
 * controls and bytes that are not UTF-8 become '?'; at most outlen - 1
 * bytes, never half a character.
 */
void		err_clean(char *out, size_t outlen, const char *s);

/* The callback to report an error to: exactly one is set. */
struct err_cb {
	core_done_cb		*done;
	core_sent_cb		*sent;
	core_fingerprint_cb	*fingerprint;
	core_linked_cb		*linked;
	core_approved_cb	*approved;
	core_devices_cb		*devices;
	core_file_sent_cb	*file_sent;
	core_saved_cb		*saved;
	core_group_cb		*group;
	core_groups_cb		*groups;
};

/*
 * Report err to cb's callback on the next turn of loop, so that a caller
 * never sees its callback before the call returned.  c is passed through.
 */
void		err_later(struct uv_loop_s *, struct core *,
		    const struct core_error *, struct err_cb cb, void *arg);

#endif
