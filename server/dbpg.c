/* dbpg: a statement on the PostgreSQL store, run from a fiber.
 *
 * dbpg_run queues the statement with pg.c and waits; the statement's
 * callback, on the loop, hands the result over and wakes the fiber. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/db.h"
#include "server/dbpg.h"
#include "server/fiber.h"
#include "shared/util/log.h"
#include "shared/util/xmalloc.h"

struct dbpg_wait {
	struct fiber	*fiber;
	PGresult	*res;
	int		 done;
	const char	*sql;
};

void
dbpg_params_init(struct dbpg_params *p)
{
	p->n = 0;
}

static int
dbpg_slot(struct dbpg_params *p)
{
	if (p->n >= PG_MAXPARAMS)
		fatal("dbpg: more than %d parameters", PG_MAXPARAMS);
	return (p->n++);
}

/* v in decimal into buf (24 bytes), without snprintf, which was a
 * twentieth of a node's CPU: most statements carry three numbers. */
static const char *
dbpg_decimal(char *buf, int64_t v)
{
	char		*s = buf + 23;
	uint64_t	 u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	*s = '\0';
	do {
		*--s = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--s = '-';
	return (s);
}

void
dbpg_param_int64(struct dbpg_params *p, int64_t v)
{
	int	i = dbpg_slot(p);

	p->values[i] = dbpg_decimal(p->num[i], v);
	p->lengths[i] = 0;
	p->formats[i] = 0;
}

char *
dbpg_array_each(size_t n, int64_t (*v)(const void *, size_t),
    const void *arg)
{
	char	*out = xmalloc(n * 21 + 3), *o = out, num[24];
	const char *d;
	size_t	 i, len;

	*o++ = '{';
	for (i = 0; i < n; i++) {
		if (i > 0)
			*o++ = ',';
		d = dbpg_decimal(num, v(arg, i));
		len = strlen(d);
		memcpy(o, d, len);
		o += len;
	}
	*o++ = '}';
	*o = '\0';
	return (out);
}

static int64_t
dbpg_int64_at(const void *arg, size_t i)
{
	return (((const int64_t *)arg)[i]);
}

static int64_t
dbpg_uint32_at(const void *arg, size_t i)
{
	return (((const uint32_t *)arg)[i]);
}

char *
dbpg_array_int64(const int64_t *v, size_t n)
{
	return (dbpg_array_each(n, dbpg_int64_at, v));
}

char *
dbpg_array_uint32(const uint32_t *v, size_t n)
{
	return (dbpg_array_each(n, dbpg_uint32_at, v));
}

void
dbpg_param_blob(struct dbpg_params *p, const void *v, size_t len)
{
	int	i = dbpg_slot(p);

	/* A zero-length blob is not NULL: point at something. */
	p->values[i] = v != NULL ? v : "";
	p->lengths[i] = (int)len;
	p->formats[i] = 1;
}

void
dbpg_param_text(struct dbpg_params *p, const char *v)
{
	int	i = dbpg_slot(p);

	p->values[i] = v;
	p->lengths[i] = 0;
	p->formats[i] = 0;
}

static void
dbpg_result(void *arg, PGresult *res)
{
	struct dbpg_wait	*w = arg;

	w->res = res;
	w->done = 1;
	/* The fiber may not be waiting yet if pg.c failed the statement
	 * from inside pg_exec's caller; it then finds done set. */
	if (w->fiber != fiber_self())
		fiber_wake(w->fiber);
}

PGresult *
dbpg_run(struct db *db, const char *sql, const struct dbpg_params *p)
{
	struct dbpg_wait	w;

	assert(fiber_self() != NULL);
	memset(&w, 0, sizeof w);
	w.fiber = fiber_self();
	w.sql = sql;
	if (pg_exec(db_pg(db), sql, p->n, p->values, p->lengths, p->formats,
	    1, dbpg_result, &w) != 0)
		return (NULL);
	/* On failure pg.c has failed the statement: w.done is set. */
	while (!w.done)
		fiber_wait();
	if (w.res != NULL && !pg_ok(w.res)) {
		if (PQresultStatus(w.res) != PGRES_PIPELINE_ABORTED)
			log_warn("postgresql: %s: %s", sql,
			    PQresultErrorMessage(w.res));
		PQclear(w.res);
		w.res = NULL;
	}
	return (w.res);
}

/* The result of a dbpg_send: only a failure matters (its transaction
 * has failed: pg.c). */
static void
dbpg_sent(void *arg, PGresult *res)
{
	const char	*sql = arg;

	if (res != NULL && !pg_ok(res) &&
	    PQresultStatus(res) != PGRES_PIPELINE_ABORTED)
		log_warn("postgresql: %s: %s", sql, PQresultErrorMessage(res));
	PQclear(res);
}

int
dbpg_send(struct db *db, const char *sql, const struct dbpg_params *p)
{
	assert(fiber_self() != NULL);
	return (pg_exec(db_pg(db), sql, p->n, p->values, p->lengths,
	    p->formats, 1, dbpg_sent, (void *)sql));
}

int
dbpg_exec(struct db *db, const char *sql, const struct dbpg_params *p,
    uint64_t *changed)
{
	PGresult	*res = dbpg_run(db, sql, p);

	if (res == NULL)
		return (-1);
	if (changed != NULL)
		*changed = strtoull(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return (0);
}

int
dbpg_int64_of(struct db *db, const char *sql, const struct dbpg_params *p,
    int64_t *value)
{
	PGresult	*res = dbpg_run(db, sql, p);
	int		 rc = 1;

	if (res == NULL)
		return (-1);
	if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0)) {
		*value = dbpg_int64(res, 0, 0);
		rc = 0;
	}
	PQclear(res);
	return (rc);
}

int64_t
dbpg_int64(const PGresult *res, int row, int col)
{
	const uint8_t	*b = (const uint8_t *)PQgetvalue(res, row, col);
	int		 len = PQgetlength(res, row, col), i;
	uint64_t	 v = 0;

	if (PQgetisnull(res, row, col) || len > 8)
		return (0);
	for (i = 0; i < len; i++)
		v = v << 8 | b[i];
	/* Sign-extend 2 and 4 byte integers. */
	if (len > 0 && len < 8 && (b[0] & 0x80))
		v |= ~(uint64_t)0 << (8 * len);
	return ((int64_t)v);
}

const uint8_t *
dbpg_blob(const PGresult *res, int row, int col, size_t *len)
{
	if (PQgetisnull(res, row, col)) {
		*len = 0;
		return (NULL);
	}
	*len = (size_t)PQgetlength(res, row, col);
	return ((const uint8_t *)PQgetvalue(res, row, col));
}

int
dbpg_blob_copy(const PGresult *res, int row, int col, void *out, size_t max,
    size_t *len)
{
	const uint8_t	*b = dbpg_blob(res, row, col, len);

	if (b == NULL || *len == 0 || *len > max)
		return (-1);
	memcpy(out, b, *len);
	return (0);
}
