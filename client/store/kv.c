/* kv: small sealed records: the profile's settings (kv table) with typed getters and setters, and named rows (lists). */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "client/store/kv.h"
#include "client/store/store.h"
#include "shared/util/xmalloc.h"

/* Read a len-byte value into out.  0, or -1 if missing or another size. */
static int
kv_get_fixed(struct store *st, int key, void *out, size_t len)
{
	uint8_t	*v;
	size_t	 vlen;

	if (store_kv_get(st, key, &v, &vlen) != 0)
		return (-1);
	if (vlen == len)
		memcpy(out, v, len);
	free(v);
	return (vlen == len ? 0 : -1);
}

int
kv_get_u32(struct store *st, int key, uint32_t *out)
{
	uint32_t	be;

	if (kv_get_fixed(st, key, &be, sizeof be) != 0)
		return (-1);
	*out = be32toh(be);
	return (0);
}

int
kv_put_u32(struct store *st, int key, uint32_t val)
{
	uint32_t	be = htobe32(val);

	return (store_kv_put(st, key, &be, sizeof be));
}

int
kv_get_u64(struct store *st, int key, uint64_t *out)
{
	uint64_t	be;

	if (kv_get_fixed(st, key, &be, sizeof be) != 0)
		return (-1);
	*out = be64toh(be);
	return (0);
}

int
kv_put_u64(struct store *st, int key, uint64_t val)
{
	uint64_t	be = htobe64(val);

	return (store_kv_put(st, key, &be, sizeof be));
}

char *
kv_get_str(struct store *st, int key)
{
	uint8_t	*v;
	size_t	 len;

	if (store_kv_get(st, key, &v, &len) != 0)
		return (NULL);
	return ((char *)v);	/* the store NUL-terminates */
}

int
kv_named_get(struct store *st, const char *table, const char *name,
    uint8_t **v, size_t *len)
{
	sqlite3_stmt	*s;
	uint8_t		 h[STORE_HASHBYTES];
	char		*sql;
	int		 rc;

	store_hash(st, h, table, name, strlen(name));
	xasprintf(&sql, "SELECT id, v FROM %s WHERE h = ?", table);
	s = store_prep(st, sql);
	free(sql);
	if (s == NULL)
		return (-1);
	sqlite3_bind_blob(s, 1, h, sizeof h, SQLITE_TRANSIENT);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		rc = store_col_open(st, s, 1, table, sqlite3_column_int64(s, 0),
		    v, len);
	else
		rc = rc == SQLITE_DONE ? 1 : -1;
	sqlite3_finalize(s);
	return (rc);
}

int
kv_named_put(struct store *st, const char *table, const char *name,
    const void *v, size_t len)
{
	sqlite3_stmt	*s;
	uint8_t		 h[STORE_HASHBYTES];
	char		*sql;
	int64_t		 id;

	store_hash(st, h, table, name, strlen(name));
	xasprintf(&sql, "SELECT id FROM %s WHERE h = ?", table);
	id = store_find(st, sql, h);
	free(sql);
	if (id == 0)
		id = store_next_id(st, table);
	if (id < 0)
		return (-1);
	xasprintf(&sql, "INSERT OR REPLACE INTO %s(id, h, v) VALUES (?, ?, ?)",
	    table);
	s = store_prep(st, sql);
	free(sql);
	if (s == NULL)
		return (-1);
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_blob(s, 2, h, sizeof h, SQLITE_TRANSIENT);
	if (store_bind_sealed(st, s, 3, table, id, v, len) != 0) {
		sqlite3_finalize(s);
		return (-1);
	}
	return (store_done(st, s));
}

int
kv_named_del(struct store *st, const char *table, const char *name)
{
	sqlite3_stmt	*s;
	uint8_t		 h[STORE_HASHBYTES];
	char		*sql;

	store_hash(st, h, table, name, strlen(name));
	xasprintf(&sql, "DELETE FROM %s WHERE h = ?", table);
	s = store_prep(st, sql);
	free(sql);
	if (s == NULL)
		return (-1);
	sqlite3_bind_blob(s, 1, h, sizeof h, SQLITE_TRANSIENT);
	return (store_done(st, s));
}

int
kv_named_each(struct store *st, const char *table,
    int (*cb)(const uint8_t *, size_t, void *), void *arg)
{
	sqlite3_stmt	*s;
	uint8_t		*v;
	size_t		 len;
	char		*sql;
	int		 rc = 0;

	xasprintf(&sql, "SELECT id, v FROM %s ORDER BY id", table);
	s = store_prep(st, sql);
	free(sql);
	if (s == NULL)
		return (-1);
	while (rc == 0 && sqlite3_step(s) == SQLITE_ROW) {
		if (store_col_open(st, s, 1, table, sqlite3_column_int64(s, 0),
		    &v, &len) != 0)
			continue;	/* a damaged row is skipped (logged) */
		rc = cb(v, len, arg);
		sodium_memzero(v, len);
		free(v);
	}
	sqlite3_finalize(s);
	return (rc < 0 ? -1 : 0);
}
