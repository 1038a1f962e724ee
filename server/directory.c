/* directory: which connection serves each online (account, device).
 *
 * An in-process chained hash table. A scale-out natterd would put the same
 * interface over Redis (device -> node) with a per-node cache. */
#include <stdlib.h>

#include "server/directory.h"
#include "shared/util/xmalloc.h"

struct directory_entry {
	int64_t			 account;
	uint32_t		 device;
	struct session		*session;
	struct directory_entry	*next;
};

static struct directory_entry	**directory_buckets;
static size_t			  directory_nbuckets;
static size_t			  directory_n;

static size_t
directory_hash(int64_t account, uint32_t device, size_t nbuckets)
{
	uint64_t	h = (uint64_t)account * 0x9e3779b97f4a7c15ULL;

	h ^= (uint64_t)device + 0x7f4a7c159e3779b9ULL + (h << 6) + (h >> 2);
	return ((size_t)(h % nbuckets));
}

static void
directory_grow(void)
{
	struct directory_entry	**nb, *e, *next;
	size_t			  n = directory_nbuckets ?
				      directory_nbuckets * 2 : 256, i, h;

	nb = xcalloc(n, sizeof *nb);
	for (i = 0; i < directory_nbuckets; i++) {
		for (e = directory_buckets[i]; e != NULL; e = next) {
			next = e->next;
			h = directory_hash(e->account, e->device, n);
			e->next = nb[h];
			nb[h] = e;
		}
	}
	free(directory_buckets);
	directory_buckets = nb;
	directory_nbuckets = n;
}

static struct directory_entry **
directory_slot(int64_t account, uint32_t device)
{
	struct directory_entry	**ep;

	if (directory_nbuckets == 0)
		return (NULL);
	ep = &directory_buckets[directory_hash(account, device,
	    directory_nbuckets)];
	for (; *ep != NULL; ep = &(*ep)->next) {
		if ((*ep)->account == account && (*ep)->device == device)
			return (ep);
	}
	return (ep);
}

struct session *
directory_add(int64_t account, uint32_t device, struct session *s)
{
	struct directory_entry	**ep, *e;
	struct session		 *old;

	if (directory_n >= directory_nbuckets)
		directory_grow();
	ep = directory_slot(account, device);
	if (*ep != NULL) {
		old = (*ep)->session;
		(*ep)->session = s;
		return (old);
	}
	e = xcalloc(1, sizeof *e);
	e->account = account;
	e->device = device;
	e->session = s;
	*ep = e;
	directory_n++;
	return (NULL);
}

struct session *
directory_find(int64_t account, uint32_t device)
{
	struct directory_entry	**ep = directory_slot(account, device);

	return (ep != NULL && *ep != NULL ? (*ep)->session : NULL);
}

void
directory_remove(int64_t account, uint32_t device, struct session *s)
{
	struct directory_entry	**ep = directory_slot(account, device), *e;

	if (ep == NULL || *ep == NULL || (*ep)->session != s)
		return;
	e = *ep;
	*ep = e->next;
	free(e);
	directory_n--;
}

size_t
directory_count(void)
{
	return (directory_n);
}

void
directory_clear(void)
{
	struct directory_entry	*e, *next;
	size_t			 i;

	for (i = 0; i < directory_nbuckets; i++) {
		for (e = directory_buckets[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	}
	free(directory_buckets);
	directory_buckets = NULL;
	directory_nbuckets = directory_n = 0;
}
