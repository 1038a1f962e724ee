/* online: the sessions connected to this node, by (account, device).
 *
 * It answers "is this device connected to me, and by which session?" on
 * every delivery, from memory: the node's own half of the directory,
 * which only knows nodes (directory.h). One itab from
 * itab_key_pair(account, device) to the session pointer. */
#include <stdint.h>

#include "server/itab.h"
#include "server/online.h"

static struct itab	*online_table;

struct session *
online_add(int64_t account, uint32_t device, struct session *s)
{
	uint64_t	key = itab_key_pair(account, device), old = 0;

	if (online_table == NULL)
		online_table = itab_create();
	(void)itab_get(online_table, key, &old);
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
	return (1);
}

size_t
online_count(void)
{
	return (online_table != NULL ? itab_count(online_table) : 0);
}

void
online_clear(void)
{
	itab_free(online_table);
	online_table = NULL;
}
