/* retire: old private prekeys leave the profile: signed prekeys 30 days after they were replaced, one-time prekeys unused for 90 days. */
#include <stdint.h>

#include <sqlite3.h>

#include "client/core/retire.h"
#include "client/store/kv.h"
#include "client/store/store.h"
#include "shared/util/log.h"
#include "shared/util/timeutil.h"

/* The prekeys table's row id of a key (store.c keeps kind in the high half). */
static int64_t
retire_rowid(int kind, uint32_t id)
{
	return ((int64_t)kind << 32 | id);
}

/* Run sql with ?1 = a and ?2 = b (if it has them).  0 or -1. */
static int
retire_exec(struct store *st, const char *sql, int64_t a, int64_t b)
{
	sqlite3_stmt	*s;

	if ((s = store_prep(st, sql)) == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, a);
	if (sqlite3_bind_parameter_count(s) > 1)
		sqlite3_bind_int64(s, 2, b);
	return (store_done(st, s));
}

/*
 * Signed prekeys older than current: the one replaced RETIRE_SPK_MS ago
 * or earlier (the next newer key's "made" is when it was replaced), then
 * all but the newest RETIRE_SPK_KEEP of the rest.
 */
static int
retire_spks(struct store *st, uint32_t current, int64_t now)
{
	int64_t	cur = retire_rowid(STORE_SPK, current);

	if (retire_exec(st, "DELETE FROM prekeys WHERE kind = 1 AND id < ?1 AND "
	    "(SELECT min(n.made) FROM prekeys n WHERE n.kind = 1 AND "
	    "n.id > prekeys.id) <= ?2", cur, now - RETIRE_SPK_MS) != 0)
		return (-1);
	return (retire_exec(st, "DELETE FROM prekeys WHERE kind = 1 AND "
	    "id < ?1 AND id NOT IN (SELECT id FROM prekeys WHERE kind = 1 AND "
	    "id < ?1 ORDER BY id DESC LIMIT ?2)", cur, RETIRE_SPK_KEEP));
}

/* The highest one-time prekey id made at or before cutoff; 0 if none. */
static uint32_t
retire_opk_expired(struct store *st, int64_t cutoff)
{
	sqlite3_stmt	*s;
	uint32_t	 id = 0;

	s = store_prep(st, "SELECT max(id) FROM prekeys WHERE kind = 2 AND "
	    "made <= ?");
	if (s == NULL)
		return (0);
	sqlite3_bind_int64(s, 1, cutoff);
	if (sqlite3_step(s) == SQLITE_ROW &&
	    sqlite3_column_type(s, 0) != SQLITE_NULL)
		id = (uint32_t)(sqlite3_column_int64(s, 0) & 0xffffffff);
	sqlite3_finalize(s);
	return (id);
}

/* One-time prekeys: raise the floor past the expired ones, wipe below it. */
static int
retire_opks(struct store *st, int64_t now)
{
	uint32_t	floor, expired;

	if (kv_get_u32(st, KV_OPK_FLOOR, &floor) != 0)
		floor = 1;
	expired = retire_opk_expired(st, now - RETIRE_OPK_MS);
	if (expired >= floor) {
		floor = expired + 1;
		if (kv_put_u32(st, KV_OPK_FLOOR, floor) != 0)
			return (-1);
	}
	return (retire_exec(st, "DELETE FROM prekeys WHERE kind = 2 AND id < ?1",
	    retire_rowid(STORE_OPK, floor), 0));
}

int
retire_run(struct store *st)
{
	int64_t		now = time_now_ms();
	uint32_t	current;
	int		rc;

	if (store_begin(st) != 0)
		return (-1);
	rc = retire_exec(st, "UPDATE prekeys SET made = ?1 WHERE made IS NULL",
	    now, 0);
	if (rc == 0 && kv_get_u32(st, KV_SPK_ID, &current) == 0)
		rc = retire_spks(st, current, now);
	if (rc == 0)
		rc = retire_opks(st, now);
	if (rc != 0 || store_commit(st) != 0) {
		store_rollback(st);
		log_warn("cannot retire old prekeys");
		return (-1);
	}
	return (0);
}
