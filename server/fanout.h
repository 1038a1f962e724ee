/* fanout: check that a send's envelopes cover exactly the right devices. */
#ifndef NATTER_SERVER_FANOUT_H
#define NATTER_SERVER_FANOUT_H

#include <stddef.h>
#include <stdint.h>

struct fanout_ref {
	const char	*name;
	uint32_t	 device;
};

/* Compare the envelopes' recipients env[0..nenv) with the devices that must
 * receive the message, expected[0..nexp). Devices in expected but not in
 * env go to missing (capacity nexp); entries of env not in expected, or
 * naming a device a second time, go to extra (capacity nenv). Returns 0
 * when both lists are empty, 1 otherwise. Pointers are borrowed. */
int	fanout_check(const struct fanout_ref *expected, size_t nexp,
	    const struct fanout_ref *env, size_t nenv,
	    struct fanout_ref *missing, size_t *nmissing,
	    struct fanout_ref *extra, size_t *nextra);

#endif
