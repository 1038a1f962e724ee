/* directory: which node serves each online device, behind an ops table.
 *
 * The calls that reach every implementation, and the local one. What a
 * directory is for, and how a Redis one plugs in: directory.h. */
#include <assert.h>
#include <stdlib.h>

#include "server/directory.h"
#include "shared/util/xmalloc.h"

struct directory {
	const struct directory_ops	*ops;
	void				*state;
};

/*
 * The local directory: one natterd. A device it serves is in online.h,
 * which its callers ask first; any other device is offline, since there
 * is no other node. So it keeps nothing, and announce, forget and notify
 * have nothing to do.
 */
static enum directory_where
directory_local_lookup(void *state, int64_t account, uint32_t device,
    char *node)
{
	return (DIRECTORY_OFFLINE);
}

const struct directory_ops directory_local_ops = {
	"local", NULL, NULL, NULL, NULL, directory_local_lookup, NULL
};

struct directory *
directory_create(const struct directory_ops *ops,
    const struct directory_config *config, char **err)
{
	struct directory	*d = xcalloc(1, sizeof *d);

	d->ops = ops;
	if (ops->open != NULL && ops->open(config, &d->state, err) != 0) {
		free(d);
		return (NULL);
	}
	return (d);
}

void
directory_announce(struct directory *d, int64_t account, uint32_t device)
{
	if (d->ops->announce != NULL)
		d->ops->announce(d->state, account, device);
}

void
directory_forget(struct directory *d, int64_t account, uint32_t device)
{
	if (d->ops->forget != NULL)
		d->ops->forget(d->state, account, device);
}

enum directory_where
directory_wake(struct directory *d, int64_t account, uint32_t device)
{
	char			node[DIRECTORY_NODEMAX];
	enum directory_where	where;

	where = d->ops->lookup(d->state, account, device, node);
	if (where == DIRECTORY_ELSEWHERE) {
		assert(d->ops->notify != NULL);
		d->ops->notify(d->state, node, account, device);
	}
	return (where);
}

void
directory_free(struct directory *d)
{
	if (d == NULL)
		return;
	if (d->ops->close != NULL)
		d->ops->close(d->state);
	free(d);
}
