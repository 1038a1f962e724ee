/* prekeys_pg: prekeys.h on the PostgreSQL store, which nodes share.
 *
 * A one-time prekey must go to one requester only, though several nodes
 * hand out the same device's keys at once. The claim deletes the lowest
 * key it can lock and skips keys another transaction holds (FOR UPDATE
 * SKIP LOCKED): two claims never return one key, and the second does not
 * wait for the first's turn to commit. The price is that a claim may
 * skip a key another transaction holds and roll back later, or find
 * none while keys are held; a bundle without a one-time prekey is
 * valid (X3DH without one), a key handed out twice is not. */
#include <stdlib.h>
#include <string.h>

#include "server/db.h"
#include "server/dbpg.h"
#include "server/prekeys_pg.h"
#include "shared/util/xmalloc.h"

/* One key of prekeys_pg_add_onetime's batch: its id, 4 bytes big
 * endian, then the key. */
#define PREKEYS_PG_PACKED	(4 + PREKEYS_KEYBYTES)
_Static_assert(PREKEYS_PG_PACKED == 36 && PREKEYS_KEYBYTES == 32,
    "prekeys_pg_insert's statement spells out these sizes");

static void
prekeys_pg_device(struct dbpg_params *p, int64_t account, uint32_t device)
{
	dbpg_params_init(p);
	dbpg_param_int64(p, account);
	dbpg_param_int64(p, device);
}

int
prekeys_pg_set_signed(struct db *db, int64_t account, uint32_t device,
    uint32_t id, const uint8_t key[PREKEYS_KEYBYTES],
    const uint8_t sig[PREKEYS_SIGBYTES])
{
	struct dbpg_params	p;

	if (db_begin(db) != 0)
		return (-1);
	prekeys_pg_device(&p, account, device);
	dbpg_param_int64(&p, id);
	dbpg_param_blob(&p, key, PREKEYS_KEYBYTES);
	dbpg_param_blob(&p, sig, PREKEYS_SIGBYTES);
	return (dbpg_exec(db, "UPDATE devices SET spk_id = $3, spk = $4, "
	    "spk_sig = $5 WHERE account = $1 AND device = $2", &p, NULL));
}

/*
 * An upload holds up to PREKEYS_MAXUPLOAD keys: one statement for all of
 * them (one round trip, not one per key), the keys packed into one blob
 * that the statement takes apart. An id given twice keeps its last key,
 * as SQLite's INSERT OR REPLACE one key at a time would (and as ON
 * CONFLICT DO UPDATE, which may not touch a row twice, requires).
 */
static int
prekeys_pg_insert(struct db *db, int64_t account, uint32_t device,
    const struct prekeys_onetime *opks, size_t n)
{
	struct dbpg_params	 p;
	uint8_t			*packed, *q;
	size_t			 i;
	int			 rc;

	packed = xcalloc(n, PREKEYS_PG_PACKED);
	for (i = 0, q = packed; i < n; i++, q += PREKEYS_PG_PACKED) {
		q[0] = (uint8_t)(opks[i].id >> 24);
		q[1] = (uint8_t)(opks[i].id >> 16);
		q[2] = (uint8_t)(opks[i].id >> 8);
		q[3] = (uint8_t)opks[i].id;
		memcpy(q + 4, opks[i].key, PREKEYS_KEYBYTES);
	}
	prekeys_pg_device(&p, account, device);
	dbpg_param_blob(&p, packed, n * PREKEYS_PG_PACKED);
	rc = dbpg_exec(db, "INSERT INTO opks (account, device, id, key) "
	    "SELECT DISTINCT ON (id) $1::bigint, $2::integer, id, key FROM "
	    "(SELECT i, (get_byte($3::bytea, i * 36)::bigint << 24) | "
	    "(get_byte($3::bytea, i * 36 + 1) << 16) | "
	    "(get_byte($3::bytea, i * 36 + 2) << 8) | "
	    "get_byte($3::bytea, i * 36 + 3) AS id, "
	    "substring($3::bytea FROM i * 36 + 5 FOR 32) AS key "
	    "FROM generate_series(0, length($3::bytea) / 36 - 1) AS i) s "
	    "ORDER BY id, i DESC "
	    "ON CONFLICT (account, device, id) DO UPDATE SET "
	    "key = excluded.key",
	    &p, NULL);
	free(packed);
	return (rc);
}

int
prekeys_pg_add_onetime(struct db *db, int64_t account, uint32_t device,
    const struct prekeys_onetime *opks, size_t n)
{
	uint32_t	count;

	if (db_begin(db) != 0 ||
	    prekeys_pg_count(db, account, device, &count) != 0)
		return (-1);
	if (count + n > PREKEYS_MAXSTORED)
		return (1);
	if (n == 0)
		return (0);
	return (prekeys_pg_insert(db, account, device, opks, n));
}

int
prekeys_pg_forget(struct db *db, int64_t account, uint32_t device)
{
	struct dbpg_params	p;

	if (db_begin(db) != 0)
		return (-1);
	prekeys_pg_device(&p, account, device);
	return (dbpg_exec(db, "DELETE FROM opks WHERE account = $1 AND "
	    "device = $2", &p, NULL));
}

int
prekeys_pg_drop_below(struct db *db, int64_t account, uint32_t device,
    uint32_t floor)
{
	struct dbpg_params	p;

	if (db_begin(db) != 0)
		return (-1);
	prekeys_pg_device(&p, account, device);
	dbpg_param_int64(&p, floor);
	return (dbpg_exec(db, "DELETE FROM opks WHERE account = $1 AND "
	    "device = $2 AND id < $3", &p, NULL));
}

int
prekeys_pg_count(struct db *db, int64_t account, uint32_t device,
    uint32_t *count)
{
	struct dbpg_params	p;
	int64_t			n = 0;
	int			rc;

	prekeys_pg_device(&p, account, device);
	rc = dbpg_int64_of(db, "SELECT count(*) FROM opks WHERE "
	    "account = $1 AND device = $2", &p, &n);
	*count = rc == 0 ? (uint32_t)n : 0;
	return (rc == 0 ? 0 : -1);
}

/* Copy column col, which must hold exactly len bytes, into out. */
static int
prekeys_pg_copy(const PGresult *res, int col, uint8_t *out, size_t len)
{
	size_t	n;

	if (dbpg_blob_copy(res, 0, col, out, len, &n) != 0 || n != len)
		return (-1);
	return (0);
}

static int
prekeys_pg_take_onetime(struct db *db, int64_t account, uint32_t device,
    struct prekeys_bundle *b)
{
	struct dbpg_params	 p;
	PGresult		*res;

	if (db_begin(db) != 0)
		return (-1);
	prekeys_pg_device(&p, account, device);
	if ((res = dbpg_run(db, "DELETE FROM opks WHERE (account, device, id) "
	    "= (SELECT account, device, id FROM opks WHERE account = $1 AND "
	    "device = $2 ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) "
	    "RETURNING id, key", &p)) == NULL)
		return (-1);
	if (PQntuples(res) == 1) {
		b->opk.id = (uint32_t)dbpg_int64(res, 0, 0);
		if (prekeys_pg_copy(res, 1, b->opk.key, PREKEYS_KEYBYTES) == 0)
			b->has_onetime = 1;
	}
	PQclear(res);
	return (0);
}

int
prekeys_pg_bundle(struct db *db, int64_t account, uint32_t device,
    int take_onetime, struct prekeys_bundle *b)
{
	struct dbpg_params	 p;
	PGresult		*res;

	memset(b, 0, sizeof *b);
	b->device = device;
	prekeys_pg_device(&p, account, device);
	if ((res = dbpg_run(db, "SELECT identity_key, spk_id, spk, spk_sig "
	    "FROM devices WHERE account = $1 AND device = $2", &p)) == NULL)
		return (-1);
	if (PQntuples(res) == 0) {
		PQclear(res);
		return (1);
	}
	if (prekeys_pg_copy(res, 0, b->identity_key, PREKEYS_KEYBYTES) != 0) {
		PQclear(res);
		return (-1);
	}
	if (!PQgetisnull(res, 0, 2)) {
		b->spk_id = (uint32_t)dbpg_int64(res, 0, 1);
		if (prekeys_pg_copy(res, 2, b->spk, PREKEYS_KEYBYTES) == 0 &&
		    prekeys_pg_copy(res, 3, b->spk_sig, PREKEYS_SIGBYTES) == 0)
			b->has_signed = 1;
	}
	PQclear(res);
	if (!take_onetime)
		return (0);
	return (prekeys_pg_take_onetime(db, account, device, b));
}
