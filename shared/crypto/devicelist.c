/* devicelist: signed device lists and device-linking signatures. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "shared/crypto/devicelist.h"
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

/* Bounds-checked reading. */
struct dl_reader {
	const uint8_t	*p;
	size_t		 left;
};

static int
dl_get(struct dl_reader *r, void *out, size_t n)
{
	if (r->left < n)
		return (-1);
	memcpy(out, r->p, n);
	r->p += n;
	r->left -= n;
	return (0);
}

static int
dl_getn(struct dl_reader *r, uint64_t *v, size_t n)
{
	uint8_t	b[8];
	size_t	i;

	if (dl_get(r, b, n) != 0)
		return (-1);
	for (*v = 0, i = 0; i < n; i++)
		*v = (*v << 8) | b[i];
	return (0);
}

static uint8_t *
dl_putn(uint8_t *p, uint64_t v, size_t n)
{
	size_t	i;

	for (i = n; i > 0; i--, v >>= 8)
		p[i - 1] = v & 0xff;
	return (p + n);
}

static uint8_t *
dl_put(uint8_t *p, const void *v, size_t n)
{
	memcpy(p, v, n);
	return (p + n);
}

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

/* Signed payload: 0x06 0x02 || body; body written at out + 2. */
static size_t
dl_body(const struct devicelist *dl, uint8_t *out)
{
	uint8_t	*p = out;
	size_t	 i;

	*p++ = DEVICELIST_VERSION;
	*p++ = (uint8_t)dl->acctlen;
	p = dl_put(p, dl->account, dl->acctlen);
	p = dl_putn(p, dl->version, 8);
	p = dl_putn(p, dl->timestamp, 8);
	p = dl_putn(p, dl->count, 2);
	for (i = 0; i < dl->count; i++) {
		p = dl_putn(p, dl->devices[i].id, 4);
		p = dl_put(p, dl->devices[i].ik, DEVICELIST_KEYBYTES);
	}
	return (p - out);
}

void
devicelist_sign(const struct devicelist *dl,
    const uint8_t primary_sk[DEVICELIST_SECRETKEYBYTES], uint8_t *out,
    size_t *outlen)
{
	uint8_t	*buf = xmalloc(2 + DEVICELIST_MAXBYTES);
	size_t	 n;

	buf[0] = 0x06;
	buf[1] = 0x02;
	n = dl_body(dl, buf + 2);
	crypto_sign_detached(buf + 2 + n, NULL, buf, 2 + n, primary_sk);
	memcpy(out, buf + 2, n + DEVICELIST_SIGBYTES);
	*outlen = n + DEVICELIST_SIGBYTES;
	free(buf);
}

/* Parse the body (without signature) of exactly len bytes into dl. */
static int
dl_parse(struct devicelist *dl, const uint8_t *in, size_t len)
{
	struct dl_reader	r = { in, len };
	uint64_t		n, id;
	uint8_t			ver, alen, ik[DEVICELIST_KEYBYTES];
	size_t			i;

	if (dl_get(&r, &ver, 1) != 0 || ver != DEVICELIST_VERSION ||
	    dl_get(&r, &alen, 1) != 0 || alen == 0 ||
	    dl_get(&r, dl->account, alen) != 0)
		return (-1);
	dl->acctlen = alen;
	if (dl_getn(&r, &dl->version, 8) != 0 ||
	    dl_getn(&r, &dl->timestamp, 8) != 0 || dl_getn(&r, &n, 2) != 0 ||
	    n > DEVICELIST_MAXDEVICES || r.left != n * (4 + DEVICELIST_KEYBYTES))
		return (-1);
	for (i = 0; i < n; i++) {
		if (dl_getn(&r, &id, 4) != 0 || dl_get(&r, ik, sizeof ik) != 0)
			return (-1);
		/* Strictly increasing ids: one encoding per list. */
		if (i > 0 && id <= dl->devices[i - 1].id)
			return (-1);
		dl->devices[i].id = (uint32_t)id;
		memcpy(dl->devices[i].ik, ik, sizeof ik);
		dl->count++;
	}
	return (0);
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
static uint8_t *
dl_meta(uint8_t *p, const char *account, size_t acctlen, uint32_t device_id,
    uint64_t timestamp_ms)
{
	*p++ = DEVICELIST_VERSION;
	*p++ = (uint8_t)acctlen;
	p = dl_put(p, account, acctlen);
	p = dl_putn(p, device_id, 4);
	return (dl_putn(p, timestamp_ms, 8));
}

/* prefix 0x06 tag || meta || k1 [|| k2] into buf; returns its length. */
static size_t
dl_linkmsg(uint8_t *buf, uint8_t tag, const char *account, size_t acctlen,
    uint32_t device_id, uint64_t timestamp_ms, const uint8_t *k1,
    const uint8_t *k2)
{
	uint8_t	*p = buf;

	*p++ = 0x06;
	*p++ = tag;
	p = dl_meta(p, account, acctlen, device_id, timestamp_ms);
	p = dl_put(p, k1, DEVICELIST_KEYBYTES);
	if (k2 != NULL)
		p = dl_put(p, k2, DEVICELIST_KEYBYTES);
	return (p - buf);
}

#define DL_LINKMSGMAX	(2 + DEVICELIST_METAMAX + 2 * DEVICELIST_KEYBYTES)

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
	uint8_t	*p;

	if (acctlen == 0 || acctlen > DEVICELIST_ACCOUNTMAX)
		return (-1);
	p = dl_meta(out, account, acctlen, device_id, timestamp_ms);
	p = dl_put(p, primary_sk + 32, DEVICELIST_KEYBYTES);
	devicelist_link_sign_primary(p, primary_sk, account, acctlen,
	    device_id, timestamp_ms, ik_new);
	p += DEVICELIST_SIGBYTES;
	crypto_auth_hmacsha256(p, out, p - out, secret);
	*outlen = p + DL_MACBYTES - out;
	return (0);
}

int
devicelist_approval_open(const uint8_t *in, size_t inlen,
    const uint8_t secret[DEVICELIST_SECRETBYTES],
    const uint8_t ik_new[DEVICELIST_KEYBYTES], char *account, size_t *acctlen,
    uint32_t *device_id, uint64_t *timestamp_ms,
    uint8_t primary_pk[DEVICELIST_KEYBYTES])
{
	struct dl_reader	r = { in, inlen };
	uint8_t			ver, alen, pk[DEVICELIST_KEYBYTES];
	char			acct[DEVICELIST_ACCOUNTMAX + 1];
	uint64_t		id, ts;
	const uint8_t		*sig;

	if (inlen < DL_MACBYTES || crypto_auth_hmacsha256_verify(in +
	    inlen - DL_MACBYTES, in, inlen - DL_MACBYTES, secret) != 0)
		return (-1);
	r.left -= DL_MACBYTES;
	if (dl_get(&r, &ver, 1) != 0 || ver != DEVICELIST_VERSION ||
	    dl_get(&r, &alen, 1) != 0 || alen == 0 ||
	    dl_get(&r, acct, alen) != 0 || dl_getn(&r, &id, 4) != 0 ||
	    dl_getn(&r, &ts, 8) != 0 || dl_get(&r, pk, sizeof pk) != 0 ||
	    r.left != DEVICELIST_SIGBYTES)
		return (-1);
	sig = r.p;
	if (devicelist_link_verify_primary(sig, pk, acct, alen, (uint32_t)id,
	    ts, ik_new) != 0)
		return (-1);
	memcpy(account, acct, alen);
	account[alen] = '\0';
	*acctlen = alen;
	*device_id = (uint32_t)id;
	*timestamp_ms = ts;
	memcpy(primary_pk, pk, sizeof pk);
	return (0);
}
