/* fanout: check that a send's envelopes cover exactly the right devices. */
#include <stdlib.h>
#include <string.h>

#include "server/fanout.h"
#include "shared/util/xmalloc.h"

#define FANOUT_FREE	0	/* expected, no envelope yet */
#define FANOUT_USED	1	/* expected, has its envelope */
#define FANOUT_SKIPPED	2	/* left out on purpose: wants none */

static int
fanout_same(const struct fanout_ref *a, const struct fanout_ref *b)
{
	return (a->device == b->device && strcmp(a->name, b->name) == 0);
}

static int
fanout_in(const struct fanout_ref *r, const struct fanout_ref *set, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (fanout_same(r, &set[i]))
			return (1);
	}
	return (0);
}

int
fanout_check(const struct fanout_ref *expected, size_t nexp,
    const struct fanout_ref *skipped, size_t nskip,
    const struct fanout_ref *env, size_t nenv, struct fanout_ref *missing,
    size_t *nmissing, struct fanout_ref *extra, size_t *nextra)
{
	/* A Send expects at most two accounts' devices: on the stack. */
	uint8_t	 few[64], *state = few;
	size_t	 i, j;

	if (nexp < sizeof few)
		memset(few, FANOUT_FREE, nexp);
	else
		state = xcalloc(nexp, 1);
	*nmissing = *nextra = 0;
	for (j = 0; j < nexp; j++) {
		if (fanout_in(&expected[j], skipped, nskip))
			state[j] = FANOUT_SKIPPED;
	}
	for (i = 0; i < nenv; i++) {
		for (j = 0; j < nexp; j++) {
			if (fanout_same(&env[i], &expected[j]))
				break;
		}
		if (j == nexp || state[j] != FANOUT_FREE)
			extra[(*nextra)++] = env[i];
		else
			state[j] = FANOUT_USED;
	}
	for (j = 0; j < nexp; j++) {
		if (state[j] == FANOUT_FREE)
			missing[(*nmissing)++] = expected[j];
	}
	if (state != few)
		free(state);
	return (*nmissing == 0 && *nextra == 0 ? 0 : 1);
}
