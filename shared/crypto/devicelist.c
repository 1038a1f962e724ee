/* devicelist: signed device lists and device-linking signatures. */
#include <assert.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "shared/crypto/devicelist.h"
#include "shared/util/bytes.h"
#include "shared/util/xmalloc.h"

#define DL_CODEPREFIX	"nl1-"
#define DL_MACBYTES	crypto_auth_hmacsha256_BYTES

struct dl_device {
	uint32_t	id;
	uint8_t		ik[DEVICELIST_KEYBYTES];
};

struct devicelist {
	char			account[DEVICELIST_ACCOUNTMAX + 1];
	size_t			acctlen;
	uint64_t		version;
	uint64_t		timestamp;
	struct dl_device	devices[DEVICELIST_MAXDEVICES];	/* sorted by id */
	size_t			count;
};

struct devicelist *
devicelist_create(const char *account, size_t acctlen, uint64_t version,
    uint64_t timestamp_ms)
{
	struct devicelist	*dl;

	if (acctlen == 0 || acctlen > DEVICELIST_ACCOUNTMAX)
		return (NULL);
	dl = xcalloc(1, sizeof *dl);
	memcpy(dl->account, account, acctlen);
	dl->acctlen = acctlen;
	dl->version = version;
	dl->timestamp = timestamp_ms;
	return (dl);
}

void
devicelist_free(struct devicelist *dl)
{
	free(dl);
}

int
devicelist_add(struct devicelist *dl, uint32_t device_id,
    const uint8_t ik[DEVICELIST_KEYBYTES])
{
	size_t	i;

	if (dl->count == DEVICELIST_MAXDEVICES)
		return (-1);
	for (i = 0; i < dl->count && dl->devices[i].id < device_id; i++)
		;
	if (i < dl->count && dl->devices[i].id == device_id)
		return (-1);
	memmove(&dl->devices[i + 1], &dl->devices[i],
	    (dl->count - i) * sizeof dl->devices[0]);
	dl->devices[i].id = device_id;
	memcpy(dl->devices[i].ik, ik, DEVICELIST_KEYBYTES);
	dl->count++;
	return (0);
}

int
devicelist_remove(struct devicelist *dl, uint32_t device_id)
{
	size_t	i;

	for (i = 0; i < dl->count; i++) {
		if (dl->devices[i].id != device_id)
			continue;
		memmove(&dl->devices[i], &dl->devices[i + 1],
		    (dl->count - i - 1) * sizeof dl->devices[0]);
		dl->count--;
		return (0);
	}
	return (-1);
}

void
devicelist_set_version(struct devicelist *dl, uint64_t version,
    uint64_t timestamp_ms)
{
	dl->version = version;
	dl->timestamp = timestamp_ms;
}

const char *
devicelist_account(const struct devicelist *dl)
{
	return (dl->account);
}

size_t
devicelist_account_len(const struct devicelist *dl)
{
	return (dl->acctlen);
}

uint64_t
devicelist_version(const struct devicelist *dl)
{
	return (dl->version);
}

uint64_t
devicelist_timestamp(const struct devicelist *dl)
{
	return (dl->timestamp);
}

size_t
devicelist_count(const struct devicelist *dl)
{
	return (dl->count);
}

uint32_t
devicelist_device(const struct devicelist *dl, size_t i, const uint8_t **ik)
{
	if (ik != NULL)
		*ik = dl->devices[i].ik;
	return (dl->devices[i].id);
}

const uint8_t *
devicelist_find(const struct devicelist *dl, uint32_t device_id)
{
	size_t	i;

	for (i = 0; i < dl->count; i++) {
		if (dl->devices[i].id == device_id)
			return (dl->devices[i].ik);
	}
	return (NULL);
}

/* Signed payload: 0x06 0x02 || body. */
static void
dl_body(const struct devicelist *dl, struct bytes_writer *w)
{
	size_t	i;

	bytes_put8(w, DEVICELIST_VERSION);
	bytes_put8(w, (uint8_t)dl->acctlen);
	bytes_put(w, dl->account, dl->acctlen);
	bytes_put64(w, dl->version);
	bytes_put64(w, dl->timestamp);
	bytes_put16(w, (uint16_t)dl->count);
	for (i = 0; i < dl->count; i++) {
		bytes_put32(w, dl->devices[i].id);
		bytes_put(w, dl->devices[i].ik, DEVICELIST_KEYBYTES);
	}
}

void
devicelist_sign(const struct devicelist *dl,
    const uint8_t primary_sk[DEVICELIST_SECRETKEYBYTES], uint8_t *out,
    size_t *outlen)
{
	struct bytes_writer	 w;
	uint8_t			*buf = xmalloc(2 + DEVICELIST_MAXBYTES);
	size_t			 n;

	bytes_writer_init(&w, buf, 2 + DEVICELIST_MAXBYTES);
	bytes_put8(&w, 0x06);
	bytes_put8(&w, 0x02);
	dl_body(dl, &w);
	n = bytes_writer_len(&w) - 2;
	crypto_sign_detached(bytes_reserve(&w, DEVICELIST_SIGBYTES), NULL, buf,
	    2 + n, primary_sk);
	assert(bytes_writer_check(&w) == 0);
	memcpy(out, buf + 2, n + DEVICELIST_SIGBYTES);
	*outlen = n + DEVICELIST_SIGBYTES;
	free(buf);
}

/* Parse the body (without signature) of exactly len bytes into dl. */
static int
dl_parse(struct devicelist *dl, const uint8_t *in, size_t len)
{
	struct bytes_reader	r;
	uint32_t		id;
	uint16_t		n;
	uint8_t			ver, alen;
	size_t			i;

	bytes_reader_init(&r, in, len);
	ver = bytes_get8(&r);
	alen = bytes_get8(&r);
	bytes_get(&r, dl->account, alen);
	dl->acctlen = alen;
	dl->version = bytes_get64(&r);
	dl->timestamp = bytes_get64(&r);
	n = bytes_get16(&r);
	if (bytes_reader_check(&r) != 0 || ver != DEVICELIST_VERSION ||
	    alen == 0 || n > DEVICELIST_MAXDEVICES ||
	    bytes_left(&r) != (size_t)n * (4 + DEVICELIST_KEYBYTES))
		return (-1);
	for (i = 0; i < n; i++) {
		id = bytes_get32(&r);
		/* Strictly increasing ids: one encoding per list. */
		if (i > 0 && id <= dl->devices[i - 1].id)
			return (-1);
		dl->devices[i].id = id;
		bytes_get(&r, dl->devices[i].ik, DEVICELIST_KEYBYTES);
		dl->count++;
	}
	return (bytes_reader_done(&r));
}

struct devicelist *
devicelist_verify(const uint8_t *in, size_t inlen,
    const uint8_t primary_pk[DEVICELIST_KEYBYTES], uint64_t last_version,
    enum devicelist_err *err)
{
	struct devicelist	*dl = NULL;
	uint8_t			*buf = NULL;
	size_t			 n;
	enum devicelist_err	 e = DEVICELIST_EMALFORMED;

	if (inlen < DEVICELIST_SIGBYTES || inlen > DEVICELIST_MAXBYTES)
		goto out;
	n = inlen - DEVICELIST_SIGBYTES;
	dl = xcalloc(1, sizeof *dl);
	if (dl_parse(dl, in, n) != 0)
		goto out;
	buf = xmalloc(2 + n);
	buf[0] = 0x06;
	buf[1] = 0x02;
	memcpy(buf + 2, in, n);
	e = DEVICELIST_ESIG;
	if (crypto_sign_verify_detached(in + n, buf, 2 + n, primary_pk) != 0)
		goto out;
	e = DEVICELIST_EROLLBACK;
	if (dl->version <= last_version)
		goto out;
	e = DEVICELIST_OK;
out:
	free(buf);
	if (err != NULL)
		*err = e;
	if (e != DEVICELIST_OK) {
		free(dl);
		return (NULL);
	}
	return (dl);
}

/* meta = 0x01 | u8 acctlen | account | u32 device id | u64 timestamp. */
static void
dl_meta(struct bytes_writer *w, const char *account, size_t acctlen,
    uint32_t device_id, uint64_t timestamp_ms)
{
	bytes_put8(w, DEVICELIST_VERSION);
	bytes_put8(w, (uint8_t)acctlen);
	bytes_put(w, account, acctlen);
	bytes_put32(w, device_id);
	bytes_put64(w, timestamp_ms);
}

#define DL_LINKMSGMAX	(2 + DEVICELIST_METAMAX + 2 * DEVICELIST_KEYBYTES)

/* prefix 0x06 tag || meta || k1 [|| k2] into buf (DL_LINKMSGMAX bytes);
 * returns its length. */
static size_t
dl_linkmsg(uint8_t *buf, uint8_t tag, const char *account, size_t acctlen,
    uint32_t device_id, uint64_t timestamp_ms, const uint8_t *k1,
    const uint8_t *k2)
{
	struct bytes_writer	w;

	bytes_writer_init(&w, buf, DL_LINKMSGMAX);
	bytes_put8(&w, 0x06);
	bytes_put8(&w, tag);
	dl_meta(&w, account, acctlen, device_id, timestamp_ms);
	bytes_put(&w, k1, DEVICELIST_KEYBYTES);
	if (k2 != NULL)
		bytes_put(&w, k2, DEVICELIST_KEYBYTES);
	assert(bytes_writer_check(&w) == 0);
	return (bytes_writer_len(&w));
}

void
devicelist_link_sign_primary(uint8_t sig[DEVICELIST_SIGBYTES],
    const uint8_t primary_sk[DEVICELIST_SECRETKEYBYTES], const char *account,
    size_t acctlen, uint32_t device_id, uint64_t timestamp_ms,
    const uint8_t ik_new[DEVICELIST_KEYBYTES])
{
	uint8_t	buf[DL_LINKMSGMAX];
	size_t	n;

	n = dl_linkmsg(buf, 0x00, account, acctlen & 0xff, device_id,
	    timestamp_ms, ik_new, NULL);
	crypto_sign_detached(sig, NULL, buf, n, primary_sk);
}

int
devicelist_link_verify_primary(const uint8_t sig[DEVICELIST_SIGBYTES],
    const uint8_t primary_pk[DEVICELIST_KEYBYTES], const char *account,
    size_t acctlen, uint32_t device_id, uint64_t timestamp_ms,
    const uint8_t ik_new[DEVICELIST_KEYBYTES])
{
	uint8_t	buf[DL_LINKMSGMAX];
	size_t	n;

	if (acctlen == 0 || acctlen > DEVICELIST_ACCOUNTMAX)
		return (-1);
	n = dl_linkmsg(buf, 0x00, account, acctlen, device_id, timestamp_ms,
	    ik_new, NULL);
	return (crypto_sign_verify_detached(sig, buf, n, primary_pk) == 0 ?
	    0 : -1);
}

void
devicelist_link_sign_new(uint8_t sig[DEVICELIST_SIGBYTES],
    const uint8_t new_sk[DEVICELIST_SECRETKEYBYTES], const char *account,
    size_t acctlen, uint32_t device_id, uint64_t timestamp_ms,
    const uint8_t primary_pk[DEVICELIST_KEYBYTES])
{
	uint8_t	buf[DL_LINKMSGMAX];
	size_t	n;

	/* libsodium's secret key is seed || public key. */
	n = dl_linkmsg(buf, 0x01, account, acctlen & 0xff, device_id,
	    timestamp_ms, new_sk + 32, primary_pk);
	crypto_sign_detached(sig, NULL, buf, n, new_sk);
}

int
devicelist_link_verify_new(const uint8_t sig[DEVICELIST_SIGBYTES],
    const uint8_t ik_new[DEVICELIST_KEYBYTES], const char *account,
    size_t acctlen, uint32_t device_id, uint64_t timestamp_ms,
    const uint8_t primary_pk[DEVICELIST_KEYBYTES])
{
	uint8_t	buf[DL_LINKMSGMAX];
	size_t	n;

	if (acctlen == 0 || acctlen > DEVICELIST_ACCOUNTMAX)
		return (-1);
	n = dl_linkmsg(buf, 0x01, account, acctlen, device_id, timestamp_ms,
	    ik_new, primary_pk);
	return (crypto_sign_verify_detached(sig, buf, n, ik_new) == 0 ? 0 : -1);
}

static void
dl_fingerprint(uint8_t fp[DEVICELIST_FPBYTES],
    const uint8_t ik[DEVICELIST_KEYBYTES])
{
	uint8_t	h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, ik, DEVICELIST_KEYBYTES);
	memcpy(fp, h, DEVICELIST_FPBYTES);
}

void
devicelist_link_code(char code[DEVICELIST_CODEBYTES],
    const uint8_t ik_new[DEVICELIST_KEYBYTES],
    const uint8_t secret[DEVICELIST_SECRETBYTES])
{
	uint8_t	raw[DEVICELIST_FPBYTES + DEVICELIST_SECRETBYTES];

	dl_fingerprint(raw, ik_new);
	memcpy(raw + DEVICELIST_FPBYTES, secret, DEVICELIST_SECRETBYTES);
	memcpy(code, DL_CODEPREFIX, 4);
	sodium_bin2hex(code + 4, DEVICELIST_CODEBYTES - 4, raw, sizeof raw);
	sodium_memzero(raw, sizeof raw);
}

int
devicelist_link_code_parse(const char *code, uint8_t fp[DEVICELIST_FPBYTES],
    uint8_t secret[DEVICELIST_SECRETBYTES])
{
	uint8_t	raw[DEVICELIST_FPBYTES + DEVICELIST_SECRETBYTES];
	size_t	len, got;
	int	rc = -1;

	while (isspace((unsigned char)*code))
		code++;
	len = strlen(code);
	while (len > 0 && isspace((unsigned char)code[len - 1]))
		len--;
	if (len != DEVICELIST_CODEBYTES - 1 ||
	    strncmp(code, DL_CODEPREFIX, 4) != 0)
		return (-1);
	if (sodium_hex2bin(raw, sizeof raw, code + 4, len - 4, NULL, &got,
	    NULL) == 0 && got == sizeof raw) {
		memcpy(fp, raw, DEVICELIST_FPBYTES);
		memcpy(secret, raw + DEVICELIST_FPBYTES, DEVICELIST_SECRETBYTES);
		rc = 0;
	}
	sodium_memzero(raw, sizeof raw);
	return (rc);
}

int
devicelist_link_code_match(const uint8_t fp[DEVICELIST_FPBYTES],
    const uint8_t ik[DEVICELIST_KEYBYTES])
{
	uint8_t	mine[DEVICELIST_FPBYTES];

	dl_fingerprint(mine, ik);
	return (crypto_verify_16(mine, fp) == 0 ? 0 : -1);
}

int
devicelist_approval_build(uint8_t *out, size_t *outlen,
    const uint8_t primary_sk[DEVICELIST_SECRETKEYBYTES], const char *account,
    size_t acctlen, uint32_t device_id, uint64_t timestamp_ms,
    const uint8_t ik_new[DEVICELIST_KEYBYTES],
    const uint8_t secret[DEVICELIST_SECRETBYTES])
{
	struct bytes_writer	w;
	size_t			n;

	if (acctlen == 0 || acctlen > DEVICELIST_ACCOUNTMAX)
		return (-1);
	bytes_writer_init(&w, out, DEVICELIST_APPROVALMAX);
	dl_meta(&w, account, acctlen, device_id, timestamp_ms);
	bytes_put(&w, primary_sk + 32, DEVICELIST_KEYBYTES);
	devicelist_link_sign_primary(bytes_reserve(&w, DEVICELIST_SIGBYTES),
	    primary_sk, account, acctlen, device_id, timestamp_ms, ik_new);
	n = bytes_writer_len(&w);
	crypto_auth_hmacsha256(bytes_reserve(&w, DL_MACBYTES), out, n, secret);
	assert(bytes_writer_check(&w) == 0);
	*outlen = bytes_writer_len(&w);
	return (0);
}

int
devicelist_approval_open(const uint8_t *in, size_t inlen,
    const uint8_t secret[DEVICELIST_SECRETBYTES],
    const uint8_t ik_new[DEVICELIST_KEYBYTES], char *account, size_t *acctlen,
    uint32_t *device_id, uint64_t *timestamp_ms,
    uint8_t primary_pk[DEVICELIST_KEYBYTES])
{
	struct bytes_reader	r;
	uint8_t			ver, alen, pk[DEVICELIST_KEYBYTES];
	char			acct[DEVICELIST_ACCOUNTMAX + 1];
	uint32_t		id;
	uint64_t		ts;
	const uint8_t		*sig;

	if (inlen < DL_MACBYTES || crypto_auth_hmacsha256_verify(in +
	    inlen - DL_MACBYTES, in, inlen - DL_MACBYTES, secret) != 0)
		return (-1);
	bytes_reader_init(&r, in, inlen - DL_MACBYTES);
	ver = bytes_get8(&r);
	alen = bytes_get8(&r);
	bytes_get(&r, acct, alen);
	id = bytes_get32(&r);
	ts = bytes_get64(&r);
	bytes_get(&r, pk, sizeof pk);
	sig = bytes_span(&r, DEVICELIST_SIGBYTES);
	if (bytes_reader_done(&r) != 0 || ver != DEVICELIST_VERSION ||
	    alen == 0)
		return (-1);
	if (devicelist_link_verify_primary(sig, pk, acct, alen, id, ts,
	    ik_new) != 0)
		return (-1);
	memcpy(account, acct, alen);
	account[alen] = '\0';
	*acctlen = alen;
	*device_id = id;
	*timestamp_ms = ts;
	memcpy(primary_pk, pk, sizeof pk);
	return (0);
}
