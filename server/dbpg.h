/* dbpg: a statement on the PostgreSQL store, run from a fiber. */
#ifndef NATTER_SERVER_DBPG_H
#define NATTER_SERVER_DBPG_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "server/pg.h"

struct db;

/*
 * How a store module talks to PostgreSQL: build the parameters, run the
 * statement (the fiber waits for its result, the loop does not), read
 * the rows, PQclear. Parameters: numbers go as text (PostgreSQL parses
 * them into whatever integer type the column has), blobs as binary.
 * Results come in binary: dbpg_int64 reads a 2, 4 or 8 byte integer in
 * network order, dbpg_blob a bytea's bytes as they are.
 *
 * sql must be a string literal ($1, $2 ... for parameters): pg.c
 * prepares each once per connection and finds it again by pointer.
 */

struct dbpg_params {
	int		 n;
	const char	*values[PG_MAXPARAMS];
	int		 lengths[PG_MAXPARAMS];
	int		 formats[PG_MAXPARAMS];
	char		 num[PG_MAXPARAMS][24];
};

void		 dbpg_params_init(struct dbpg_params *);
void		 dbpg_param_int64(struct dbpg_params *, int64_t);
/* An array literal of n numbers for a text parameter, "{1,2,3}", such
 * as $1::bigint[] takes; the caller frees it. v(arg, i) is number i. */
char		*dbpg_array_each(size_t n, int64_t (*v)(const void *, size_t),
		     const void *arg);
char		*dbpg_array_int64(const int64_t *, size_t n);
char		*dbpg_array_uint32(const uint32_t *, size_t n);
/* A blob: the bytes are borrowed until dbpg_run returns. */
void		 dbpg_param_blob(struct dbpg_params *, const void *, size_t);
/* A string, borrowed likewise; NULL is SQL NULL. */
void		 dbpg_param_text(struct dbpg_params *, const char *);

/* Run sql in the turn's transaction and wait for its result: the result
 * (caller PQclears) when it succeeded, or NULL when it failed or the
 * store is unreachable (logged; the turn's transaction then fails as a
 * whole). Must run on a fiber. */
PGresult	*dbpg_run(struct db *, const char *sql,
		     const struct dbpg_params *);
/* Send sql in the turn's transaction without waiting for its result,
 * for a write whose result the request does not need: 0, or -1 when it
 * cannot be sent. A failure of the statement fails the turn's
 * transaction as a whole (pg.c: its COMMIT answers ROLLBACK), so nothing
 * answered in that turn leaves; statements sent after it run after it.
 * Must run on a fiber. */
int		 dbpg_send(struct db *, const char *sql,
		     const struct dbpg_params *);
/* dbpg_run for a statement without rows: 0 or -1; *changed (may be
 * NULL) gets the rows it changed. */
int		 dbpg_exec(struct db *, const char *sql,
		     const struct dbpg_params *, uint64_t *changed);
/* dbpg_run for at most one row with one integer column: 0 with the
 * value, 1 when there is no row (or it is NULL), -1 on error. */
int		 dbpg_int64_of(struct db *, const char *sql,
		     const struct dbpg_params *, int64_t *value);

/* Column col of row (binary results). */
int64_t		 dbpg_int64(const PGresult *, int row, int col);
/* The bytes of a bytea or text column; *len set. NULL is (NULL, 0). */
const uint8_t	*dbpg_blob(const PGresult *, int row, int col, size_t *len);
/* Copy a bytea column into out (max bytes): 0, or -1 if it is empty,
 * NULL or longer (db_column_blob's rule). */
int		 dbpg_blob_copy(const PGresult *, int row, int col, void *out,
		     size_t max, size_t *len);

#endif
