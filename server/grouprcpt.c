/* grouprcpt: a group message's delivered receipts, one row per commit.
 *
 * A group message acked by 999 member devices would cost its sender 999
 * receipt rows, 999 Delivers and 999 Acks (and each row a B-tree insert
 * and delete). Instead the acks of one commit (the loop turns that one
 * transaction spans, server.c) are gathered here in memory per
 * (sender, message, status), and grouprcpt_flush, run by the commit hook
 * in the same transaction, queues one receipt row per sender device
 * naming them all: by/by_device the first acker, the row's content the
 * others, packed as docs/groups.md packs a device set (u8 len | name |
 * u32 BE device), and Receipt.more on the wire. Nothing is lost in a
 * crash: what is gathered and the deletes of the acked rows are in the
 * same uncommitted transaction. One-to-one receipts do not come here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/accounts.h"
#include "server/db.h"
#include "server/directory.h"
#include "server/grouprcpt.h"
#include "server/itab.h"
#include "server/metrics.h"
#include "server/online.h"
#include "server/queue.h"
#include "server/session.h"
#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"

#define GROUPRCPT_REFBYTES	(1 + 32 + 4)	/* the most one packs to */

/* The receipt being gathered for one (sender, message, status). */
struct grouprcpt_entry {
	struct queue_item	 it;	/* from: the first acker */
	int64_t			 sender;	/* the message's */
	struct directory	*dir;
	int64_t			 expires;
	uint8_t			*more;	/* packed other ackers */
	size_t			 len, cap, n;
};

static struct grouprcpt_entry	*grouprcpt_entries;
static size_t			 grouprcpt_n, grouprcpt_cap;
static struct itab		*grouprcpt_index;	/* key -> entry + 1 */

static uint64_t
grouprcpt_key(const struct queue_item *acked, uint32_t status)
{
	uint64_t	k[2 + QUEUE_IDBYTES / 8];

	k[0] = (uint64_t)acked->from_account;
	k[1] = status;
	memcpy(k + 2, acked->message_id, QUEUE_IDBYTES);
	return (itab_key_words(k, sizeof k / sizeof k[0]));
}

/* A new entry for the first acker. */
static struct grouprcpt_entry *
grouprcpt_new(const struct queue_item *acked, uint32_t status,
    const struct queue_item *by)
{
	struct grouprcpt_entry	*e;

	if (grouprcpt_n == grouprcpt_cap) {
		grouprcpt_cap = grouprcpt_cap * 2 + 16;
		grouprcpt_entries = xreallocarray(grouprcpt_entries,
		    grouprcpt_cap, sizeof *grouprcpt_entries);
	}
	e = &grouprcpt_entries[grouprcpt_n++];
	memset(e, 0, sizeof *e);
	e->it.from_account = by->from_account;
	snprintf(e->it.from, sizeof e->it.from, "%s", by->from);
	e->it.from_device = by->from_device;
	memcpy(e->it.message_id, acked->message_id, QUEUE_IDBYTES);
	e->it.status = status;
	e->sender = acked->from_account;
	return (e);
}

/* Pack (by, by_device) onto e's other ackers. */
static void
grouprcpt_append(struct grouprcpt_entry *e, const char *by,
    uint32_t by_device)
{
	size_t	nl = strlen(by);

	if (nl > 32)
		nl = 32;
	if (e->cap - e->len < GROUPRCPT_REFBYTES) {
		e->cap = e->cap * 2 + 64 * GROUPRCPT_REFBYTES;
		e->more = xrealloc(e->more, e->cap);
	}
	e->more[e->len++] = (uint8_t)nl;
	memcpy(e->more + e->len, by, nl);
	e->len += nl;
	e->more[e->len++] = (uint8_t)(by_device >> 24);
	e->more[e->len++] = (uint8_t)(by_device >> 16);
	e->more[e->len++] = (uint8_t)(by_device >> 8);
	e->more[e->len++] = (uint8_t)by_device;
	e->n++;
}

void
grouprcpt_add(const struct queue_item *acked, uint32_t status,
    const struct queue_item *by, struct directory *dir, int64_t expires)
{
	struct grouprcpt_entry	*e;
	uint64_t		 key = grouprcpt_key(acked, status), i;

	if (grouprcpt_index == NULL)
		grouprcpt_index = itab_create();
	/* A hash key: the entry it names must be this one. */
	if (itab_get(grouprcpt_index, key, &i) &&
	    (e = &grouprcpt_entries[i - 1])->n + 1 < GROUPRCPT_MAXREFS &&
	    e->sender == acked->from_account && e->it.status == status &&
	    memcmp(e->it.message_id, acked->message_id,
	    QUEUE_IDBYTES) == 0) {
		grouprcpt_append(e, by->from, by->from_device);
		return;
	}
	e = grouprcpt_new(acked, status, by);
	e->dir = dir;
	e->expires = expires;
	itab_put(grouprcpt_index, key, grouprcpt_n);
}

/* Queue e's receipt to every device of its sender and hand it out. */
static int
grouprcpt_queue(struct db *db, struct grouprcpt_entry *e, int64_t now)
{
	uint32_t	devs[ACCOUNTS_MAXDEVICES];
	int64_t		from = e->sender;
	size_t		nd, i;
	struct session	*t;

	if (accounts_devices(db, from, devs, ACCOUNTS_MAXDEVICES, &nd) != 0)
		return (-1);
	e->it.server_ts = now;
	e->it.content = e->more;
	e->it.content_len = e->len;
	for (i = 0; i < nd; i++) {
		if (queue_push(db, from, devs[i], &e->it, e->expires,
		    &e->it.seq) != 0)
			return (-1);
		metrics_add(METRICS_RECEIPTS_STORED, 1);
		if ((t = online_find(from, devs[i])) != NULL)
			session_offer(t, &e->it);
		else
			directory_wake_stored(e->dir, from, devs[i]);
	}
	return (0);
}

int
grouprcpt_flush(struct db *db)
{
	struct grouprcpt_entry	*entries = grouprcpt_entries;
	int64_t			 now;
	size_t			 i, n = grouprcpt_n;
	int			 rc = 0;

	if (n == 0)
		return (0);
	/* Take the entries out first: with PostgreSQL, queueing waits,
	 * and other requests gather new entries meanwhile. */
	grouprcpt_entries = NULL;
	grouprcpt_n = grouprcpt_cap = 0;
	itab_clear(grouprcpt_index);
	now = time_now_ms();
	for (i = 0; i < n; i++) {
		if (rc == 0 && grouprcpt_queue(db, &entries[i], now) != 0)
			rc = -1;
		free(entries[i].more);
	}
	free(entries);
	return (rc);
}

/* How many whole refs p[0..len) packs, stopping at a malformed one, and
 * the bytes their names take with a NUL each. */
static size_t
grouprcpt_count(const uint8_t *p, size_t len, size_t *namebytes)
{
	size_t	off = 0, n = 0, nl;

	*namebytes = 0;
	while (off < len) {
		nl = p[off];
		if (nl > 32 || len - off < 1 + nl + 4)
			break;
		*namebytes += nl + 1;
		off += 1 + nl + 4;
		n++;
	}
	return (n);
}

/*
 * Sized by a first pass, not by the most refs len could hold: a
 * receipt naming a thousand ackers would otherwise zero a few hundred
 * KiB (mapped afresh by malloc each time) on every delivery of it.
 */
void
grouprcpt_more(Natter__Receipt *r, const uint8_t *p, size_t len)
{
	Natter__DeviceRef	*refs;
	char			*names;
	size_t			 off = 0, n, i, nl, namebytes;

	r->n_more = 0;
	r->more = NULL;
	if ((n = grouprcpt_count(p, len, &namebytes)) == 0)
		return;
	refs = xreallocarray(NULL, n, sizeof *refs);
	names = xmalloc(namebytes);
	r->more = xreallocarray(NULL, n, sizeof *r->more);
	for (i = 0; i < n; i++) {
		nl = p[off];
		memcpy(names, p + off + 1, nl);
		names[nl] = '\0';
		natter__device_ref__init(&refs[i]);
		refs[i].name = names;
		names += nl + 1;
		off += 1 + nl;
		refs[i].device = (uint32_t)p[off] << 24 |
		    (uint32_t)p[off + 1] << 16 | (uint32_t)p[off + 2] << 8 |
		    p[off + 3];
		off += 4;
		r->more[i] = &refs[i];
	}
	r->n_more = n;
}

void
grouprcpt_more_free(Natter__Receipt *r)
{
	if (r->more == NULL)
		return;
	free(r->more[0]->name);
	free(r->more[0]);
	free(r->more);
	r->more = NULL;
	r->n_more = 0;
}
