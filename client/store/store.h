/* store: the profile's encrypted SQLite database and its lock. */
#ifndef NATTER_CLIENT_STORE_STORE_H
#define NATTER_CLIENT_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "shared/proto/content.pb-c.h"

/*
 * A profile directory holds: "lock" (flock'd while open), "key" (the
 * master key wrapped under the passphrase, see sealed.h), "natter.db"
 * (+ -wal) and "files/".  Every sensitive value is a sealed column with
 * AD = table || rowid || "v"; names and message ids are looked up by a
 * keyed BLAKE2b hash, never stored in the clear.
 */

struct store;

enum store_err {
	STORE_OK = 0,
	STORE_EPASS,		/* wrong passphrase */
	STORE_ENOENT,		/* no profile (and not asked to create one) */
	STORE_ELOCKED,		/* another process holds the lock */
	STORE_EIO,		/* file system or SQLite failure */
	STORE_ECORRUPT,		/* damaged key file or database */
};

/* Kinds of rows in the message log. */
#define STORE_MESSAGE		1
#define STORE_RECEIPT		2

/*
 * Message status: ours rise SENT -> DELIVERED -> READ; a received one goes
 * RECEIVED -> SEEN once a read receipt for it is queued (here or on another
 * of our devices).
 */
#define STORE_ST_SENT		1
#define STORE_ST_DELIVERED	2
#define STORE_ST_READ		3
#define STORE_ST_RECEIVED	4
#define STORE_ST_SEEN		5
#define STORE_ST_UNDECRYPTABLE	6	/* received, could not be decrypted */
#define STORE_ST_KEY_CHANGED	7	/* a line: the peer's key changed */

/* Prekey kinds. */
#define STORE_SPK		1
#define STORE_OPK		2

#define STORE_CREATE		0x1
#define STORE_LOCK_WAIT_MS	2000

/*
 * Open the profile in dir: lock it (waiting up to STORE_LOCK_WAIT_MS),
 * unwrap the key with pass, open and migrate the database.  With
 * STORE_CREATE a missing profile is created (dir mode 0700).  NULL on
 * failure with *err set; nothing is changed by a wrong passphrase.
 */
struct store	*store_open(const char *dir, const char *pass, size_t passlen,
		    int flags, enum store_err *err);
void		 store_close(struct store *);

/* 1 if this store_open made the profile (there was none in its dir). */
int		 store_created(struct store *);

/*
 * Close st and delete the profile its store_open made: the database, the
 * key, files/ and the lock (last, still held, so that a process waiting
 * for it starts over), and the directory if store_open made that too.
 * Only for a profile store_created says this open made.
 */
void		 store_discard(struct store *);
const char	*store_strerror(enum store_err);
const char	*store_dir(struct store *);

/* Transactions (not nested).  0 or -1. */
int		 store_begin(struct store *) __attribute__((warn_unused_result));
int		 store_commit(struct store *) __attribute__((warn_unused_result));
void		 store_rollback(struct store *);

/* Sealed key-value settings by small integer key.  get: 0, 1 if absent, -1. */
int		 store_kv_get(struct store *, int key, uint8_t **val, size_t *len)
		    __attribute__((warn_unused_result));
int		 store_kv_put(struct store *, int key, const void *, size_t)
		    __attribute__((warn_unused_result));

/*
 * Contacts: the pinned identity key, trust state and, after a change, the
 * new key waiting to be accepted.  get: 0, 1 if unknown, -1 on error.
 */
struct store_contact {
	uint8_t	 ik[32];
	int	 trust;		/* STORE_TRUST_* */
	int	 has_new;
	uint8_t	 new_ik[32];
};
#define STORE_TRUST_TOFU	1
#define STORE_TRUST_VERIFIED	2
#define STORE_TRUST_CHANGED	3
int		 store_contact_get(struct store *, const char *name,
		    struct store_contact *) __attribute__((warn_unused_result));
int		 store_contact_put(struct store *, const char *name,
		    const struct store_contact *) __attribute__((warn_unused_result));

/* Session records by (name, device).  get: 0, 1 if none, -1. */
int		 store_session_get(struct store *, const char *name,
		    uint32_t device, uint8_t **rec, size_t *len)
		    __attribute__((warn_unused_result));
int		 store_session_put(struct store *, const char *name,
		    uint32_t device, const uint8_t *rec, size_t len)
		    __attribute__((warn_unused_result));
int		 store_session_del(struct store *, const char *name, uint32_t device);
/* The devices of name with a session; returns the count (<= max) or -1. */
int		 store_session_devices(struct store *, const char *name,
		    uint32_t *devices, int max);

/*
 * Prekey private keys (kind STORE_SPK / STORE_OPK), row id kind << 32 | id;
 * put stamps the row's "made" column with time_now_ms() (in the clear,
 * like the row count: retire.c wipes keys by age).  get: 0, 1, -1.
 */
int		 store_prekey_put(struct store *, int kind, uint32_t id,
		    const uint8_t *, size_t) __attribute__((warn_unused_result));
int		 store_prekey_get(struct store *, int kind, uint32_t id,
		    uint8_t **, size_t *) __attribute__((warn_unused_result));
int		 store_prekey_del(struct store *, int kind, uint32_t id);
int		 store_prekey_count(struct store *, int kind);

/* The outbox, in insertion order. */
int		 store_outbox_add(struct store *, const Natter__OutboxItem *,
		    int64_t *oid) __attribute__((warn_unused_result));
int		 store_outbox_del(struct store *, int64_t oid);
typedef int	 store_outbox_cb(int64_t oid, const Natter__OutboxItem *, void *);
int		 store_outbox_each(struct store *, store_outbox_cb *, void *)
		    __attribute__((warn_unused_result));
int		 store_outbox_count(struct store *);

/* Server delivery sequence numbers already committed (for redelivery). */
int		 store_seq_seen(struct store *, uint64_t seq);
int		 store_seq_add(struct store *, uint64_t seq)
		    __attribute__((warn_unused_result));

/*
 * For the store's companion modules (msglog): keyed lookup hashes, sealed
 * columns bound to (table, rowid, "v"), statement helpers.
 */
#define STORE_HASHBYTES	16
struct sqlite3_stmt;
void		 store_hash(struct store *, uint8_t out[STORE_HASHBYTES],
		    const char *domain, const void *, size_t);
struct sqlite3_stmt *store_prep(struct store *, const char *sql);
/* store_prep, with peer's hash (the messages' hp) bound as parameter 1. */
struct sqlite3_stmt *store_prep_peer(struct store *, const char *sql,
		    const char *peer);
int		 store_done(struct store *, struct sqlite3_stmt *);
int		 store_bind_sealed(struct store *, struct sqlite3_stmt *, int idx,
		    const char *table, int64_t rowid, const void *, size_t);
int		 store_col_open(struct store *, struct sqlite3_stmt *, int col,
		    const char *table, int64_t rowid, uint8_t **, size_t *);
int64_t		 store_next_id(struct store *, const char *table);
int64_t		 store_find(struct store *, const char *sql, const uint8_t *h);

#endif
