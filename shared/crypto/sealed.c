/* sealed: at-rest encryption of the client profile (wrapped master key, sealed columns). */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "shared/crypto/sealed.h"
#include "shared/util/bytes.h"
#include "shared/util/log.h"
#include "shared/util/xmalloc.h"

#define SEALED_MAGIC		"NTRK"
#define SEALED_FILEVERSION	1
#define SEALED_KDFCTX		"natterdb"
#define SEALED_CHECKBYTES	16
/* Offsets in the key file. */
#define SEALED_OFF_SALT		5
#define SEALED_OFF_OPS		(SEALED_OFF_SALT + SEALED_SALTBYTES)
#define SEALED_OFF_MEM		(SEALED_OFF_OPS + 8)
#define SEALED_OFF_NONCE	(SEALED_OFF_MEM + 8)
#define SEALED_OFF_CT		(SEALED_OFF_NONCE + SEALED_NONCEBYTES)
#define SEALED_OFF_CHECK	(SEALED_OFF_CT + SEALED_KEYBYTES + SEALED_MACBYTES)
/* Limits accepted from a file: guard against a file that asks for 1 TiB. */
/* Additional data up to this size stays on the stack. */
#define SEALED_ADSTACK		512
#define SEALED_MEMMAX		(1024ULL * 1024 * 1024)

struct sealed {
	uint8_t	master[SEALED_KEYBYTES];
};

static const char *sealed_errors[] = {
	"no error",
	"wrong passphrase",
	"the key file is damaged or not a natter key file",
	"cannot read or write the key file",
	"the key file already exists",
	"not enough memory for the passphrase hash",
};

const char *
sealed_strerror(enum sealed_err err)
{
	if ((size_t)err >= sizeof sealed_errors / sizeof sealed_errors[0])
		return ("unknown error");
	return (sealed_errors[err]);
}

static void
sealed_seterr(enum sealed_err *err, enum sealed_err e)
{
	if (err != NULL)
		*err = e;
}

static struct sealed *
sealed_alloc(void)
{
	struct sealed	*s;

	if ((s = sodium_malloc(sizeof *s)) == NULL)
		fatal("sodium_malloc failed");
	return (s);
}

void
sealed_free(struct sealed *s)
{
	if (s != NULL)
		sodium_free(s);	/* wipes */
}

/*
 * Argon2id cost for new key files: libsodium's INTERACTIVE limits, as
 * CRYPTO.md fixes them (every one-shot natter command pays this once).
 * The cost is stored in each file: raising it later breaks nothing.
 */
#define SEALED_OPSLIMIT	crypto_pwhash_OPSLIMIT_INTERACTIVE
#define SEALED_MEMLIMIT	crypto_pwhash_MEMLIMIT_INTERACTIVE

/* Fill file (SEALED_FILEBYTES) wrapping master under pass. */
static int
sealed_wrap(uint8_t *file, const uint8_t master[SEALED_KEYBYTES],
    const char *pass, size_t passlen)
{
	struct bytes_writer	 w;
	uint8_t			 kek[SEALED_KEYBYTES];
	unsigned long long	 ops = SEALED_OPSLIMIT;
	size_t			 mem = SEALED_MEMLIMIT;

	memcpy(file, SEALED_MAGIC, 4);
	file[4] = SEALED_FILEVERSION;
	randombytes_buf(file + SEALED_OFF_SALT, SEALED_SALTBYTES);
	bytes_writer_init(&w, file + SEALED_OFF_OPS, 8 + 8);
	bytes_put64(&w, ops);
	bytes_put64(&w, mem);
	randombytes_buf(file + SEALED_OFF_NONCE, SEALED_NONCEBYTES);
	if (crypto_pwhash(kek, sizeof kek, pass, passlen,
	    file + SEALED_OFF_SALT, ops, mem, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return (-1);
	crypto_aead_xchacha20poly1305_ietf_encrypt(file + SEALED_OFF_CT, NULL,
	    master, SEALED_KEYBYTES, file, SEALED_OFF_CT, NULL,
	    file + SEALED_OFF_NONCE, kek);
	sodium_memzero(kek, sizeof kek);
	crypto_generichash(file + SEALED_OFF_CHECK, SEALED_CHECKBYTES, file,
	    SEALED_OFF_CHECK, NULL, 0);
	return (0);
}

/* Unwrap file into master; returns SEALED_OK or the reason. */
static enum sealed_err
sealed_unwrap(uint8_t master[SEALED_KEYBYTES], const uint8_t *file,
    const char *pass, size_t passlen)
{
	struct bytes_reader	r;
	uint8_t			kek[SEALED_KEYBYTES], check[SEALED_CHECKBYTES];
	uint64_t		ops, mem;
	int			rc;

	crypto_generichash(check, sizeof check, file, SEALED_OFF_CHECK, NULL, 0);
	if (memcmp(file, SEALED_MAGIC, 4) != 0 ||
	    file[4] != SEALED_FILEVERSION ||
	    sodium_memcmp(check, file + SEALED_OFF_CHECK, sizeof check) != 0)
		return (SEALED_ECORRUPT);
	bytes_reader_init(&r, file + SEALED_OFF_OPS, 8 + 8);
	ops = bytes_get64(&r);
	mem = bytes_get64(&r);
	if (ops < crypto_pwhash_OPSLIMIT_MIN ||
	    ops > crypto_pwhash_OPSLIMIT_SENSITIVE ||
	    mem < crypto_pwhash_MEMLIMIT_MIN || mem > SEALED_MEMMAX)
		return (SEALED_ECORRUPT);
	if (crypto_pwhash(kek, sizeof kek, pass, passlen,
	    file + SEALED_OFF_SALT, ops, mem, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return (SEALED_ENOMEM);
	rc = crypto_aead_xchacha20poly1305_ietf_decrypt(master, NULL, NULL,
	    file + SEALED_OFF_CT, SEALED_KEYBYTES + SEALED_MACBYTES, file,
	    SEALED_OFF_CT, file + SEALED_OFF_NONCE, kek);
	sodium_memzero(kek, sizeof kek);
	return (rc == 0 ? SEALED_OK : SEALED_EPASS);
}

/* Write file to path.tmp, fsync, rename over path (or fail if excl and path exists). */
static enum sealed_err
sealed_write(const char *path, const uint8_t *file, int excl)
{
	char	*tmp;
	int	 fd;
	ssize_t	 n;

	if (excl && access(path, F_OK) == 0)
		return (SEALED_EEXIST);
	xasprintf(&tmp, "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1) {
		free(tmp);
		return (SEALED_EIO);
	}
	n = write(fd, file, SEALED_FILEBYTES);
	if (n != SEALED_FILEBYTES || fsync(fd) != 0 || close(fd) != 0 ||
	    (excl ? link(tmp, path) : rename(tmp, path)) != 0) {
		if (n != SEALED_FILEBYTES && errno == 0)
			errno = EIO;
		unlink(tmp);
		free(tmp);
		return (errno == EEXIST ? SEALED_EEXIST : SEALED_EIO);
	}
	if (excl)
		unlink(tmp);
	free(tmp);
	return (SEALED_OK);
}

struct sealed *
sealed_create(const char *path, const char *pass, size_t passlen,
    enum sealed_err *err)
{
	struct sealed	*s = sealed_alloc();
	uint8_t		 file[SEALED_FILEBYTES];
	enum sealed_err	 e;

	randombytes_buf(s->master, sizeof s->master);
	if (sealed_wrap(file, s->master, pass, passlen) != 0) {
		sealed_seterr(err, SEALED_ENOMEM);
		sealed_free(s);
		return (NULL);
	}
	if ((e = sealed_write(path, file, 1)) != SEALED_OK) {
		sealed_seterr(err, e);
		sealed_free(s);
		return (NULL);
	}
	sealed_seterr(err, SEALED_OK);
	return (s);
}

struct sealed *
sealed_open(const char *path, const char *pass, size_t passlen,
    enum sealed_err *err)
{
	struct sealed	*s;
	uint8_t		 file[SEALED_FILEBYTES + 1];
	enum sealed_err	 e;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		sealed_seterr(err, SEALED_EIO);
		return (NULL);
	}
	n = read(fd, file, sizeof file);
	close(fd);
	if (n == -1) {
		sealed_seterr(err, SEALED_EIO);
		return (NULL);
	}
	if (n != SEALED_FILEBYTES) {
		sealed_seterr(err, SEALED_ECORRUPT);
		return (NULL);
	}
	s = sealed_alloc();
	if ((e = sealed_unwrap(s->master, file, pass, passlen)) != SEALED_OK) {
		sealed_seterr(err, e);
		sealed_free(s);
		return (NULL);
	}
	sealed_seterr(err, SEALED_OK);
	return (s);
}

int
sealed_change_passphrase(const struct sealed *s, const char *path,
    const char *newpass, size_t newpasslen, enum sealed_err *err)
{
	uint8_t		file[SEALED_FILEBYTES];
	enum sealed_err	e;

	if (sealed_wrap(file, s->master, newpass, newpasslen) != 0) {
		sealed_seterr(err, SEALED_ENOMEM);
		return (-1);
	}
	e = sealed_write(path, file, 0);
	sealed_seterr(err, e);
	return (e == SEALED_OK ? 0 : -1);
}

int
sealed_table_key(const struct sealed *s, uint8_t key[SEALED_KEYBYTES],
    const char *table)
{
	uint8_t		h[crypto_generichash_BYTES];
	uint64_t	id = 0;
	size_t		len;
	int		i;

	if (table == NULL || (len = strlen(table)) == 0 || len > SEALED_TABLEMAX)
		return (-1);
	crypto_generichash(h, sizeof h, (const uint8_t *)table, len, NULL, 0);
	for (i = 7; i >= 0; i--)
		id = (id << 8) | h[i];
	crypto_kdf_derive_from_key(key, SEALED_KEYBYTES, id, SEALED_KDFCTX,
	    s->master);
	return (0);
}

/*
 * AD = u8 len(table) | table | i64 rowid BE | column (table checked by the
 * caller), written to stack (SEALED_ADSTACK bytes) if it fits, else to a
 * buffer from xmalloc; *ad says which (the caller frees it unless it is
 * stack).  Returns its length.
 */
static size_t
sealed_ad(uint8_t **ad, uint8_t stack[SEALED_ADSTACK], const char *table,
    int64_t rowid, const char *column)
{
	struct bytes_writer	w;
	size_t			tlen = strlen(table), collen = strlen(column);
	size_t			len = 1 + tlen + 8 + collen;

	*ad = len <= SEALED_ADSTACK ? stack : xmalloc(len);
	bytes_writer_init(&w, *ad, len);
	bytes_put8(&w, (uint8_t)tlen);
	bytes_put(&w, table, tlen);
	bytes_put64(&w, (uint64_t)rowid);
	bytes_put(&w, column, collen);
	return (len);
}

void
sealed_column_seal_key(uint8_t *out, const uint8_t *in, size_t inlen,
    const uint8_t key[SEALED_KEYBYTES], const char *table, int64_t rowid,
    const char *column)
{
	uint8_t	 stack[SEALED_ADSTACK], *ad;
	size_t	 adlen;

	if (strlen(table) == 0 || strlen(table) > SEALED_TABLEMAX)
		fatal("%s: bad table name", __func__);
	adlen = sealed_ad(&ad, stack, table, rowid, column);
	randombytes_buf(out, SEALED_NONCEBYTES);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + SEALED_NONCEBYTES,
	    NULL, in, inlen, ad, adlen, NULL, out, key);
	if (ad != stack)
		free(ad);
}

int
sealed_column_open_key(uint8_t *out, const uint8_t *in, size_t inlen,
    const uint8_t key[SEALED_KEYBYTES], const char *table, int64_t rowid,
    const char *column)
{
	uint8_t	 stack[SEALED_ADSTACK], *ad;
	size_t	 adlen;
	int	 rc;

	if (inlen < SEALED_COLUMN_OVERHEAD || table == NULL || column == NULL ||
	    strlen(table) == 0 || strlen(table) > SEALED_TABLEMAX)
		return (-1);
	adlen = sealed_ad(&ad, stack, table, rowid, column);
	rc = crypto_aead_xchacha20poly1305_ietf_decrypt(out, NULL, NULL,
	    in + SEALED_NONCEBYTES, inlen - SEALED_NONCEBYTES, ad, adlen, in,
	    key);
	if (ad != stack)
		free(ad);
	return (rc == 0 ? 0 : -1);
}

int
sealed_column_seal(const struct sealed *s, uint8_t *out, const uint8_t *in,
    size_t inlen, const char *table, int64_t rowid, const char *column)
{
	uint8_t	key[SEALED_KEYBYTES];

	if (column == NULL || sealed_table_key(s, key, table) != 0)
		return (-1);
	sealed_column_seal_key(out, in, inlen, key, table, rowid, column);
	sodium_memzero(key, sizeof key);
	return (0);
}

int
sealed_column_open(const struct sealed *s, uint8_t *out, const uint8_t *in,
    size_t inlen, const char *table, int64_t rowid, const char *column)
{
	uint8_t	key[SEALED_KEYBYTES];
	int	rc;

	if (column == NULL || sealed_table_key(s, key, table) != 0)
		return (-1);
	rc = sealed_column_open_key(out, in, inlen, key, table, rowid, column);
	sodium_memzero(key, sizeof key);
	return (rc);
}
