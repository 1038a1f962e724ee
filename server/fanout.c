/* fanout: check that a send's envelopes cover exactly the right devices. */
#include <stdlib.h>
#include <string.h>

#include "server/fanout.h"
#include "shared/util/xmalloc.h"

static int
fanout_same(const struct fanout_ref *a, const struct fanout_ref *b)
{
	return (a->device == b->device && strcmp(a->name, b->name) == 0);
}

int
fanout_check(const struct fanout_ref *expected, size_t nexp,
    const struct fanout_ref *env, size_t nenv, struct fanout_ref *missing,
    size_t *nmissing, struct fanout_ref *extra, size_t *nextra)
{
	uint8_t	*used = xcalloc(nexp + 1, 1);
	size_t	 i, j;

	*nmissing = *nextra = 0;
	for (i = 0; i < nenv; i++) {
		for (j = 0; j < nexp; j++) {
			if (fanout_same(&env[i], &expected[j]))
				break;
		}
		if (j == nexp || used[j])
			extra[(*nextra)++] = env[i];
		else
			used[j] = 1;
	}
	for (j = 0; j < nexp; j++) {
		if (!used[j])
			missing[(*nmissing)++] = expected[j];
	}
	free(used);
	return (*nmissing == 0 && *nextra == 0 ? 0 : 1);
}
