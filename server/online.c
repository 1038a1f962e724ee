/* online: the sessions connected to this node, by (account, device).
 *
 * It answers "is this device connected to me, and by which session?" on
 * every delivery, from memory: the node's own half of the directory,
 * which only knows nodes (directory.h). One itab from
 * itab_key_pair(account, device) to the session pointer, and one from
 * the account to the devices it has connected here (a small array: an
 * account has a few devices), for online_devices. */
#include <stdint.h>
#include <stdlib.h>

#include "server/itab.h"
#include "server/online.h"
#include "shared/util/xmalloc.h"

struct online_devs {
	uint32_t	n, cap;
	uint32_t	dev[];
};

static struct itab	*online_table;
static struct itab	*online_accounts;

static struct online_devs *
online_devs_of(int64_t account)
{
	uint64_t	v;

	if (online_accounts == NULL ||
	    !itab_get(online_accounts, itab_key_pair(account, 0), &v))
		return (NULL);
	return ((struct online_devs *)(uintptr_t)v);
}

static void
online_devs_add(int64_t account, uint32_t device)
{
	struct online_devs	*d = online_devs_of(account);
	uint32_t		 cap;

	if (online_accounts == NULL)
		online_accounts = itab_create();
	if (d == NULL || d->n == d->cap) {
		cap = d == NULL ? 1 : 2 * d->cap;
		d = xrealloc(d, sizeof *d + cap * sizeof d->dev[0]);
		if (cap == 1)
			d->n = 0;
		d->cap = cap;
		itab_put(online_accounts, itab_key_pair(account, 0),
		    (uint64_t)(uintptr_t)d);
	}
	d->dev[d->n++] = device;
}

static void
online_devs_remove(int64_t account, uint32_t device)
{
	struct online_devs	*d = online_devs_of(account);
	uint32_t		 i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n && d->dev[i] != device; i++)
		;
	if (i == d->n)
		return;
	d->dev[i] = d->dev[--d->n];
	if (d->n == 0) {
		itab_del(online_accounts, itab_key_pair(account, 0));
		free(d);
	}
}

struct session *
online_add(int64_t account, uint32_t device, struct session *s)
{
	uint64_t	key = itab_key_pair(account, device), old = 0;

	if (online_table == NULL)
		online_table = itab_create();
	if (!itab_get(online_table, key, &old))
		online_devs_add(account, device);
	itab_put(online_table, key, (uint64_t)(uintptr_t)s);
	return ((struct session *)(uintptr_t)old);
}

struct session *
online_find(int64_t account, uint32_t device)
{
	uint64_t	v;

	if (online_table == NULL ||
	    !itab_get(online_table, itab_key_pair(account, device), &v))
		return (NULL);
	return ((struct session *)(uintptr_t)v);
}

int
online_remove(int64_t account, uint32_t device, struct session *s)
{
	uint64_t	key = itab_key_pair(account, device), v;

	if (online_table == NULL || !itab_get(online_table, key, &v) ||
	    (struct session *)(uintptr_t)v != s)
		return (0);
	itab_del(online_table, key);
	online_devs_remove(account, device);
	return (1);
}

size_t
online_devices(int64_t account, uint32_t *devs, size_t max)
{
	struct online_devs	*d = online_devs_of(account);
	size_t			 i;

	for (i = 0; d != NULL && i < d->n && i < max; i++)
		devs[i] = d->dev[i];
	return (i);
}

size_t
online_count(void)
{
	return (online_table != NULL ? itab_count(online_table) : 0);
}

static void
online_devs_free(uint64_t key, uint64_t value, void *arg)
{
	free((void *)(uintptr_t)value);
}

void
online_clear(void)
{
	itab_free(online_table);
	online_table = NULL;
	if (online_accounts != NULL)
		itab_foreach(online_accounts, online_devs_free, NULL);
	itab_free(online_accounts);
	online_accounts = NULL;
}
