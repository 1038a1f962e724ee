/* sealed: at-rest encryption of the client profile (wrapped master key, sealed columns). */
#ifndef NATTER_SHARED_CRYPTO_SEALED_H
#define NATTER_SHARED_CRYPTO_SEALED_H

#include <stddef.h>
#include <stdint.h>

/*
 * The profile's master key is 32 random bytes, stored in a small key file
 * wrapped with XChaCha20-Poly1305 under Argon2id(passphrase) with
 * crypto_pwhash INTERACTIVE limits and a random salt.  Key file layout
 * (SEALED_FILEBYTES bytes, integers big-endian):
 *
 *	magic "NTRK" | version 0x01 | salt[16] | opslimit u64 | memlimit u64 |
 *	nonce[24] | XChaCha20-Poly1305(master key)[32 + 16] | BLAKE2b-128 check[16]
 *
 * The AEAD's additional data is everything before the ciphertext; the final
 * unkeyed BLAKE2b-128 over everything before it tells a damaged file
 * (SEALED_ECORRUPT) apart from a wrong passphrase (SEALED_EPASS).
 *
 * Each table gets a subkey: crypto_kdf_derive_from_key(subkey, 32, id,
 * "natterdb", master) with id = the first 8 bytes (little-endian) of
 * BLAKE2b-256(table name).  A sealed column value is
 *
 *	nonce[24] | XChaCha20-Poly1305(value)   (SEALED_COLUMN_OVERHEAD = 40 bytes more)
 *
 * with additional data = u8 len(table) | table | i64 rowid (big-endian) |
 * column, so a value copied to another row, column or table fails to open.
 * Callers must know the rowid before sealing (insert with an explicit rowid,
 * or insert then update).
 */

#define SEALED_KEYBYTES		32
#define SEALED_SALTBYTES	16
#define SEALED_NONCEBYTES	24
#define SEALED_MACBYTES		16
#define SEALED_FILEBYTES	(4 + 1 + SEALED_SALTBYTES + 8 + 8 + \
	SEALED_NONCEBYTES + SEALED_KEYBYTES + SEALED_MACBYTES + 16)
#define SEALED_COLUMN_OVERHEAD	(SEALED_NONCEBYTES + SEALED_MACBYTES)
#define SEALED_TABLEMAX		255

/* Why sealed_create/sealed_open/sealed_change_passphrase failed. */
enum sealed_err {
	SEALED_OK = 0,
	SEALED_EPASS,		/* file intact, passphrase wrong */
	SEALED_ECORRUPT,	/* bad magic, version, size, limits or checksum */
	SEALED_EIO,		/* open/read/write/rename failed (errno set) */
	SEALED_EEXIST,		/* sealed_create: the file already exists */
	SEALED_ENOMEM,		/* Argon2id could not allocate its memory */
};

/* The unwrapped master key, held in sodium_malloc'd, mlocked memory. */
struct sealed;

/*
 * Create a new master key and write it wrapped under pass to path (mode
 * 0600, written to path.tmp, fsynced, renamed).  Fails with SEALED_EEXIST if
 * path exists.  Returns NULL and sets *err (if err is not NULL) on failure.
 * The caller frees the result with sealed_free.
 */
struct sealed	*sealed_create(const char *path, const char *pass, size_t passlen,
		    enum sealed_err *err);

/*
 * Read path and unwrap its master key with pass.  NULL on failure with *err
 * set: SEALED_EPASS for a wrong passphrase, SEALED_ECORRUPT for a damaged or
 * foreign file, SEALED_EIO if it cannot be read.
 */
struct sealed	*sealed_open(const char *path, const char *pass, size_t passlen,
		    enum sealed_err *err);

/*
 * Re-wrap the same master key under newpass (new salt, new nonce) and
 * atomically replace path.  Sealed data stays valid.  0 or -1 (*err set).
 */
int		 sealed_change_passphrase(const struct sealed *, const char *path,
		    const char *newpass, size_t newpasslen, enum sealed_err *err)
		    __attribute__((warn_unused_result));

/* Wipe and free; sealed_free(NULL) is a no-op. */
void		 sealed_free(struct sealed *);

/* A short English sentence for err (static string). */
const char	*sealed_strerror(enum sealed_err err);

/*
 * Derive the 32-byte subkey of table (name of 1 to SEALED_TABLEMAX bytes);
 * -1 for a bad name.  The caller wipes the key with sodium_memzero.
 */
int		 sealed_table_key(const struct sealed *, uint8_t key[SEALED_KEYBYTES],
		    const char *table) __attribute__((warn_unused_result));

/*
 * Seal inlen bytes of in into out, which must hold inlen +
 * SEALED_COLUMN_OVERHEAD bytes.  -1 only for a bad table name or column
 * (NULL).  in and out may not overlap.
 */
int		 sealed_column_seal(const struct sealed *, uint8_t *out,
		    const uint8_t *in, size_t inlen, const char *table,
		    int64_t rowid, const char *column)
		    __attribute__((warn_unused_result));

/*
 * Open a sealed value of inlen bytes into out, which must hold inlen -
 * SEALED_COLUMN_OVERHEAD bytes.  -1 if inlen is too short, or the value was
 * forged, damaged, or sealed for another table, rowid or column.
 */
int		 sealed_column_open(const struct sealed *, uint8_t *out,
		    const uint8_t *in, size_t inlen, const char *table,
		    int64_t rowid, const char *column)
		    __attribute__((warn_unused_result));

/*
 * The same two operations with a subkey from sealed_table_key, for callers
 * that seal many rows of one table (saves one BLAKE2b per call).
 */
void		 sealed_column_seal_key(uint8_t *out, const uint8_t *in,
		    size_t inlen, const uint8_t key[SEALED_KEYBYTES],
		    const char *table, int64_t rowid, const char *column);
int		 sealed_column_open_key(uint8_t *out, const uint8_t *in,
		    size_t inlen, const uint8_t key[SEALED_KEYBYTES],
		    const char *table, int64_t rowid, const char *column)
		    __attribute__((warn_unused_result));

#endif
