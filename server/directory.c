/* directory: which node serves each online device, behind an ops table.
 *
 * The calls that reach every implementation, and the local one. What a
 * directory is for, and how a Redis one plugs in: directory.h. */
#include <stdlib.h>
#include <string.h>

#include "server/directory.h"
#include "server/durable.h"
#include "server/itab.h"
#include "shared/util/xmalloc.h"

/* A wake-up waiting for its rows to be durable. */
struct directory_held {
	uint64_t	gen;
	int64_t		account;
	uint32_t	device;
};

struct directory {
	const struct directory_ops	*ops;
	void				*state;
	struct directory_held		*held;	/* in generation order */
	size_t				 nheld, capheld;
	struct itab			*heldgen; /* device -> its last gen */
};

/*
 * The local directory: one natterd. A device it serves is in online.h,
 * which its callers ask first; any other device is offline, since there
 * is no other node. So it keeps nothing, announce and forget have
 * nothing to do, and there is never a node to wake.
 */
static enum directory_where
directory_local_wake(void *state, int64_t account, uint32_t device)
{
	return (DIRECTORY_OFFLINE);
}

const struct directory_ops directory_local_ops = {
	"local", NULL, NULL, NULL, NULL, directory_local_wake, NULL, NULL,
	NULL, NULL
};

/* Node names travel inside channel names and log lines: keep them to
 * one printable word. */
int
directory_node_check(const char *name)
{
	size_t	len = strlen(name), i;

	if (len == 0 || len >= DIRECTORY_NODEMAX)
		return (-1);
	for (i = 0; i < len; i++) {
		if (name[i] <= ' ' || name[i] > '~')
			return (-1);
	}
	return (0);
}

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
	d->heldgen = itab_create();
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
	enum directory_where	where;

	where = d->ops->wake(d->state, account, device);
	if (d->ops->wake_flush != NULL)
		d->ops->wake_flush(d->state);
	return (where);
}

void
directory_wake_stored(struct directory *d, int64_t account,
    uint32_t device)
{
	uint64_t		 key = itab_key_pair(account, device), gen;
	struct directory_held	*h;

	if (d->ops->wake_flush == NULL) {
		/* Wakes nobody, or sends at once: nothing to gather. */
		(void)d->ops->wake(d->state, account, device);
		return;
	}
	/* Once per device and commit. */
	if (itab_get(d->heldgen, key, &gen) && gen == durable_gen())
		return;
	itab_put(d->heldgen, key, durable_gen());
	if (d->nheld == d->capheld) {
		d->capheld = d->capheld == 0 ? 64 : 2 * d->capheld;
		d->held = xreallocarray(d->held, d->capheld, sizeof *d->held);
	}
	h = &d->held[d->nheld++];
	h->gen = durable_gen();
	h->account = account;
	h->device = device;
}

void
directory_release(struct directory *d, uint64_t synced)
{
	struct directory_held	*h;
	uint64_t		 key, gen;
	size_t			 n;

	for (n = 0; n < d->nheld && d->held[n].gen <= synced; n++) {
		h = &d->held[n];
		(void)d->ops->wake(d->state, h->account, h->device);
		key = itab_key_pair(h->account, h->device);
		if (itab_get(d->heldgen, key, &gen) && gen == h->gen)
			itab_del(d->heldgen, key);
	}
	if (n == 0)
		return;
	memmove(d->held, d->held + n, (d->nheld - n) * sizeof *d->held);
	d->nheld -= n;
	d->ops->wake_flush(d->state);
}

int
directory_can_eval(const struct directory *d)
{
	return (d != NULL && d->ops->eval != NULL);
}

int
directory_eval(struct directory *d, const char *script, const char *key,
    int argc, const char **argv, const size_t *argvlen, directory_eval_cb *cb,
    void *arg)
{
	if (!directory_can_eval(d))
		return (-1);
	return (d->ops->eval(d->state, script, key, argc, argv, argvlen, cb,
	    arg));
}

void
directory_devices_changed(struct directory *d, int64_t account)
{
	if (d->ops->devices_changed != NULL)
		d->ops->devices_changed(d->state, account);
}

int
directory_tells_low(const struct directory *d)
{
	return (d != NULL && d->ops->prekeys_low != NULL);
}

void
directory_prekeys_low(struct directory *d, int64_t account, uint32_t device,
    uint32_t count)
{
	if (directory_tells_low(d))
		d->ops->prekeys_low(d->state, account, device, count);
}

void
directory_free(struct directory *d)
{
	if (d == NULL)
		return;
	if (d->ops->close != NULL)
		d->ops->close(d->state);
	itab_free(d->heldgen);
	free(d->held);
	free(d);
}
