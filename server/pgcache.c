/* pgcache: what a node on the PostgreSQL store remembers of accounts, and when it forgets.
 *
 * The rules are in pgcache.h. Names are keyed by itab_key_bytes and
 * checked against the name kept (two names may share a key); lists by
 * account. Both tables are bounded: a full one is emptied, which costs
 * a reread and nothing else. The accounts the open turn changed wait in
 * `open`, then in `closing` while its COMMIT is in flight (pgturn.c has
 * one in flight at most). */
#include <stdlib.h>
#include <string.h>

#include "server/accounts.h"
#include "server/itab.h"
#include "server/pgcache.h"
#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"

#define PGCACHE_NAMEMAX		33	/* names are at most 32 bytes */

struct pgcache_name {
	int64_t		account;
	char		name[PGCACHE_NAMEMAX];
};

struct pgcache_list {
	int64_t		expires;	/* ms */
	size_t		n;
	uint32_t	d[ACCOUNTS_MAXDEVICES];
};

struct pgcache_accounts {
	int64_t		*v;
	size_t		 n, cap;
};

static struct itab		*pgcache_names;
static struct itab		*pgcache_lists;
static uint64_t			 pgcache_epoch_now = 1;
static int			 pgcache_on;	/* turns report their end */
static int			 pgcache_up;	/* invalidations arrive */
static void			(*pgcache_tell)(int64_t);
static struct pgcache_accounts	 pgcache_open, pgcache_closing;

static void
pgcache_free_value(uint64_t key, uint64_t value, void *arg)
{
	free((void *)(uintptr_t)value);
}

static void
pgcache_empty(struct itab *t)
{
	if (t == NULL)
		return;
	itab_foreach(t, pgcache_free_value, NULL);
	itab_clear(t);
}

/* Forget every list; and the names too when all is 1. */
static void
pgcache_clear(int all)
{
	pgcache_epoch_now++;
	pgcache_empty(pgcache_lists);
	if (all)
		pgcache_empty(pgcache_names);
}

void
pgcache_enable(void)
{
	pgcache_on = 1;
}

int
pgcache_name(const char *name, int64_t *account)
{
	struct pgcache_name	*e;
	uint64_t		 v;

	if (pgcache_names == NULL || !itab_get(pgcache_names,
	    itab_key_bytes(name, strlen(name)), &v))
		return (0);
	e = (struct pgcache_name *)(uintptr_t)v;
	if (strcmp(e->name, name) != 0)
		return (0);
	*account = e->account;
	return (1);
}

void
pgcache_name_put(const char *name, int64_t account)
{
	struct pgcache_name	*e;
	uint64_t		 key, v;

	if (!pgcache_on || strlen(name) >= PGCACHE_NAMEMAX)
		return;
	if (pgcache_names == NULL)
		pgcache_names = itab_create();
	if (itab_count(pgcache_names) >= PGCACHE_MAXNAMES)
		pgcache_empty(pgcache_names);
	key = itab_key_bytes(name, strlen(name));
	if (itab_get(pgcache_names, key, &v))
		return;		/* kept, or another name with its key */
	e = xcalloc(1, sizeof *e);
	e->account = account;
	memcpy(e->name, name, strlen(name));
	itab_put(pgcache_names, key, (uint64_t)(uintptr_t)e);
}

uint64_t
pgcache_epoch(void)
{
	return (pgcache_epoch_now);
}

int
pgcache_devices(int64_t account, uint32_t *devices, size_t max, size_t *n)
{
	struct pgcache_list	*e;
	uint64_t		 v;

	if (pgcache_lists == NULL || !itab_get(pgcache_lists,
	    (uint64_t)account, &v))
		return (0);
	e = (struct pgcache_list *)(uintptr_t)v;
	if (time_now_ms() >= e->expires) {
		pgcache_forget(account);
		return (0);
	}
	for (*n = 0; *n < e->n && *n < max; (*n)++)
		devices[*n] = e->d[*n];
	return (1);
}

void
pgcache_devices_put(int64_t account, uint64_t epoch, const uint32_t *devices,
    size_t n)
{
	struct pgcache_list	*e;
	uint64_t		 v;

	/* An invalidation came while the list was read: it may be the
	 * old one. */
	if (!pgcache_on || !pgcache_up || epoch != pgcache_epoch_now ||
	    n > ACCOUNTS_MAXDEVICES)
		return;
	if (pgcache_lists == NULL)
		pgcache_lists = itab_create();
	if (itab_count(pgcache_lists) >= PGCACHE_MAXLISTS)
		pgcache_empty(pgcache_lists);
	if (itab_get(pgcache_lists, (uint64_t)account, &v))
		e = (struct pgcache_list *)(uintptr_t)v;
	else {
		e = xcalloc(1, sizeof *e);
		itab_put(pgcache_lists, (uint64_t)account,
		    (uint64_t)(uintptr_t)e);
	}
	memcpy(e->d, devices, n * sizeof *devices);
	e->n = n;
	e->expires = time_now_ms() + PGCACHE_LIST_TTL_MS;
}

void
pgcache_forget(int64_t account)
{
	uint64_t	v;

	if (account < 0) {
		pgcache_clear(0);
		return;
	}
	pgcache_epoch_now++;
	if (pgcache_lists != NULL && itab_get(pgcache_lists,
	    (uint64_t)account, &v)) {
		free((void *)(uintptr_t)v);
		itab_del(pgcache_lists, (uint64_t)account);
	}
}

static void
pgcache_note(struct pgcache_accounts *a, int64_t account)
{
	if (a->n == a->cap) {
		a->cap = a->cap * 2 + 16;
		a->v = xreallocarray(a->v, a->cap, sizeof *a->v);
	}
	a->v[a->n++] = account;
}

void
pgcache_devices_changed(int64_t account)
{
	pgcache_forget(account);
	pgcache_note(&pgcache_open, account);
}

void
pgcache_live(int up)
{
	/* Invalidations were missed while down, or may be from now on. */
	pgcache_up = up;
	pgcache_clear(0);
}

void
pgcache_publish(void (*fn)(int64_t account))
{
	pgcache_tell = fn;
}

void
pgcache_turn_closed(void)
{
	size_t	i;

	for (i = 0; i < pgcache_open.n; i++)
		pgcache_note(&pgcache_closing, pgcache_open.v[i]);
	pgcache_open.n = 0;
}

void
pgcache_turn_committed(int ok)
{
	size_t	i;

	if (!ok) {
		/* A name or list this turn read may be its own, now rolled
		 * back; and the changes it noted never happened. */
		pgcache_clear(1);
		pgcache_closing.n = 0;
		return;
	}
	for (i = 0; i < pgcache_closing.n; i++) {
		/* Read again here too: a request of the same turn may
		 * have kept the list before the commit. */
		pgcache_forget(pgcache_closing.v[i]);
		if (pgcache_tell != NULL)
			pgcache_tell(pgcache_closing.v[i]);
	}
	pgcache_closing.n = 0;
}

void
pgcache_rollback(void)
{
	pgcache_clear(1);
}

void
pgcache_free(void)
{
	pgcache_empty(pgcache_names);
	pgcache_empty(pgcache_lists);
	itab_free(pgcache_names);
	itab_free(pgcache_lists);
	pgcache_names = pgcache_lists = NULL;
	free(pgcache_open.v);
	free(pgcache_closing.v);
	memset(&pgcache_open, 0, sizeof pgcache_open);
	memset(&pgcache_closing, 0, sizeof pgcache_closing);
	pgcache_on = pgcache_up = 0;
	pgcache_tell = NULL;
}
