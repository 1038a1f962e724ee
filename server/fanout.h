/* fanout: check that a send's envelopes cover exactly the right devices. */
#ifndef NATTER_SERVER_FANOUT_H
#define NATTER_SERVER_FANOUT_H

#include <stddef.h>
#include <stdint.h>

struct fanout_ref {
	const char	*name;
	uint32_t	 device;
};

/*
 * Compare the envelopes' recipients env[0..nenv) with the devices that must
 * receive the message, expected[0..nexp), less those the sender left out
 * on purpose, skipped[0..nskip) (Send.skipped: not on the account's signed
 * device list in the sender's view; an entry that is not in expected is
 * ignored). Devices in expected, not skipped and not in env go to missing
 * (capacity nexp); entries of env not in expected, naming a skipped
 * device, or naming a device a second time, go to extra (capacity nenv).
 * Returns 0 when both lists are empty, 1 otherwise. Pointers are borrowed.
 */
int	fanout_check(const struct fanout_ref *expected, size_t nexp,
	    const struct fanout_ref *skipped, size_t nskip,
	    const struct fanout_ref *env, size_t nenv,
	    struct fanout_ref *missing, size_t *nmissing,
	    struct fanout_ref *extra, size_t *nextra);

#endif
