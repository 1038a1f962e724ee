/* devicelist: signed device lists and device-linking signatures. */
#ifndef NATTER_SHARED_CRYPTO_DEVICELIST_H
#define NATTER_SHARED_CRYPTO_DEVICELIST_H

#include <stddef.h>
#include <stdint.h>

/*
 * An account's device list: account name, monotonic version, timestamp and
 * [device id, Ed25519 identity key], signed by the primary device's identity
 * key (the account key).  Wire format (integers big-endian):
 *
 *	0x01 | u8 acctlen | account | u64 version | u64 timestamp_ms |
 *	u16 count | count x (u32 device id | ik[32]) | signature[64]
 *
 * signature = Ed25519(primary, 0x06 0x02 || everything before it).
 * Device ids are unique and listed in increasing order.
 *
 * Linking a new device ("meta" = 0x01 | u8 acctlen | account | u32 device id
 * | u64 timestamp_ms):
 *  1. The new device makes its identity key and a 32-byte linking secret and
 *     shows a code (devicelist_link_code) carrying SHA-256(IK_new)[0..16]
 *     and the secret.
 *  2. The primary reads the code, fetches IK_new (e.g. from the server),
 *     checks it against the code (devicelist_link_code_match), and sends an
 *     approval (devicelist_approval_build): meta | IK_primary | sig | mac,
 *     sig = Ed25519(IK_primary, 0x06 0x00 || meta || IK_new), mac =
 *     HMAC-SHA256(secret, everything before it).
 *  3. The new device opens it (devicelist_approval_open: mac, then sig) and
 *     countersigns Ed25519(IK_new, 0x06 0x01 || meta || IK_new || IK_primary)
 *     (devicelist_link_sign_new); the primary checks that
 *     (devicelist_link_verify_new) and publishes a new signed list.
 */

#define DEVICELIST_VERSION	1
#define DEVICELIST_KEYBYTES	32	/* Ed25519 public key */
#define DEVICELIST_SECRETKEYBYTES 64	/* Ed25519 secret key (libsodium form) */
#define DEVICELIST_SIGBYTES	64
#define DEVICELIST_ACCOUNTMAX	255
#define DEVICELIST_MAXDEVICES	64
#define DEVICELIST_MAXBYTES	(1 + 1 + DEVICELIST_ACCOUNTMAX + 8 + 8 + 2 + \
	DEVICELIST_MAXDEVICES * (4 + DEVICELIST_KEYBYTES) + DEVICELIST_SIGBYTES)
#define DEVICELIST_SECRETBYTES	32	/* linking secret */
#define DEVICELIST_FPBYTES	16	/* IK fingerprint in a link code */
/* A link code: "nl1-" then hex of fingerprint and secret; with the NUL. */
#define DEVICELIST_CODEBYTES	(4 + 2 * (DEVICELIST_FPBYTES + \
	DEVICELIST_SECRETBYTES) + 1)
#define DEVICELIST_METAMAX	(1 + 1 + DEVICELIST_ACCOUNTMAX + 4 + 8)
#define DEVICELIST_APPROVALMAX	(DEVICELIST_METAMAX + DEVICELIST_KEYBYTES + \
	DEVICELIST_SIGBYTES + 32)

/* Why devicelist_verify refused a list. */
enum devicelist_err {
	DEVICELIST_OK = 0,
	DEVICELIST_EMALFORMED,	/* cannot be parsed */
	DEVICELIST_ESIG,	/* signature does not verify */
	DEVICELIST_EROLLBACK,	/* version <= the last accepted one */
};

struct devicelist;

/*
 * An empty list for account (1 to DEVICELIST_ACCOUNTMAX bytes, not
 * NUL-terminated in the wire form) at version and timestamp.  NULL for a
 * bad account name.  Free with devicelist_free.
 */
struct devicelist	*devicelist_create(const char *account, size_t acctlen,
			    uint64_t version, uint64_t timestamp_ms);
void			 devicelist_free(struct devicelist *);

/* Add a device (kept sorted); -1 if the id is present or the list full. */
int			 devicelist_add(struct devicelist *, uint32_t device_id,
			    const uint8_t ik[DEVICELIST_KEYBYTES])
			    __attribute__((warn_unused_result));
/* Remove a device; -1 if it is not listed. */
int			 devicelist_remove(struct devicelist *, uint32_t device_id);
void			 devicelist_set_version(struct devicelist *, uint64_t,
			    uint64_t timestamp_ms);

/* Accessors.  account is not NUL-terminated: use devicelist_account_len. */
const char		*devicelist_account(const struct devicelist *);
size_t			 devicelist_account_len(const struct devicelist *);
uint64_t		 devicelist_version(const struct devicelist *);
uint64_t		 devicelist_timestamp(const struct devicelist *);
size_t			 devicelist_count(const struct devicelist *);
/* The i-th device (0 <= i < count): its id, and a pointer to its IK. */
uint32_t		 devicelist_device(const struct devicelist *, size_t i,
			    const uint8_t **ik);
/* The IK of device_id, or NULL if it is not listed. */
const uint8_t		*devicelist_find(const struct devicelist *,
			    uint32_t device_id);

/*
 * Sign the list with the primary's secret key into out (DEVICELIST_MAXBYTES
 * are always enough); *outlen gets the length.
 */
void			 devicelist_sign(const struct devicelist *,
			    const uint8_t primary_sk[DEVICELIST_SECRETKEYBYTES],
			    uint8_t *out, size_t *outlen);

/*
 * Parse and verify a signed list against the account key primary_pk; reject
 * it unless its version is greater than last_version (pass 0 if none was
 * accepted yet).  Returns the list, or NULL with *err (may be NULL) set.
 */
struct devicelist	*devicelist_verify(const uint8_t *in, size_t inlen,
			    const uint8_t primary_pk[DEVICELIST_KEYBYTES],
			    uint64_t last_version, enum devicelist_err *err)
			    __attribute__((warn_unused_result));

/* The code the new device shows: "nl1-" + hex(SHA-256(ik)[0..16] || secret). */
void			 devicelist_link_code(char code[DEVICELIST_CODEBYTES],
			    const uint8_t ik_new[DEVICELIST_KEYBYTES],
			    const uint8_t secret[DEVICELIST_SECRETBYTES]);
/* Parse a code (surrounding whitespace allowed); -1 if malformed. */
int			 devicelist_link_code_parse(const char *code,
			    uint8_t fp[DEVICELIST_FPBYTES],
			    uint8_t secret[DEVICELIST_SECRETBYTES])
			    __attribute__((warn_unused_result));
/* 0 if ik matches the fingerprint from a code (constant time), else -1. */
int			 devicelist_link_code_match(
			    const uint8_t fp[DEVICELIST_FPBYTES],
			    const uint8_t ik[DEVICELIST_KEYBYTES])
			    __attribute__((warn_unused_result));

/* The primary's approval signature over 0x06 0x00 || meta || IK_new. */
void			 devicelist_link_sign_primary(
			    uint8_t sig[DEVICELIST_SIGBYTES],
			    const uint8_t primary_sk[DEVICELIST_SECRETKEYBYTES],
			    const char *account, size_t acctlen,
			    uint32_t device_id, uint64_t timestamp_ms,
			    const uint8_t ik_new[DEVICELIST_KEYBYTES]);
int			 devicelist_link_verify_primary(
			    const uint8_t sig[DEVICELIST_SIGBYTES],
			    const uint8_t primary_pk[DEVICELIST_KEYBYTES],
			    const char *account, size_t acctlen,
			    uint32_t device_id, uint64_t timestamp_ms,
			    const uint8_t ik_new[DEVICELIST_KEYBYTES])
			    __attribute__((warn_unused_result));

/* The new device's countersignature over 0x06 0x01 || meta || IK_new || IK_primary. */
void			 devicelist_link_sign_new(uint8_t sig[DEVICELIST_SIGBYTES],
			    const uint8_t new_sk[DEVICELIST_SECRETKEYBYTES],
			    const char *account, size_t acctlen,
			    uint32_t device_id, uint64_t timestamp_ms,
			    const uint8_t primary_pk[DEVICELIST_KEYBYTES]);
int			 devicelist_link_verify_new(
			    const uint8_t sig[DEVICELIST_SIGBYTES],
			    const uint8_t ik_new[DEVICELIST_KEYBYTES],
			    const char *account, size_t acctlen,
			    uint32_t device_id, uint64_t timestamp_ms,
			    const uint8_t primary_pk[DEVICELIST_KEYBYTES])
			    __attribute__((warn_unused_result));

/*
 * Build the approval the primary sends to the new device (through the
 * server): meta | IK_primary | primary signature | HMAC(secret).  out holds
 * DEVICELIST_APPROVALMAX bytes; *outlen gets the length.  -1 for a bad
 * account name.
 */
int			 devicelist_approval_build(uint8_t *out, size_t *outlen,
			    const uint8_t primary_sk[DEVICELIST_SECRETKEYBYTES],
			    const char *account, size_t acctlen,
			    uint32_t device_id, uint64_t timestamp_ms,
			    const uint8_t ik_new[DEVICELIST_KEYBYTES],
			    const uint8_t secret[DEVICELIST_SECRETBYTES])
			    __attribute__((warn_unused_result));

/*
 * On the new device: check the approval's HMAC with the linking secret,
 * then the primary's signature over our ik_new.  On success fills account
 * (DEVICELIST_ACCOUNTMAX + 1 bytes, NUL-terminated), *acctlen, *device_id,
 * *timestamp_ms and primary_pk, and returns 0; else -1.
 */
int			 devicelist_approval_open(const uint8_t *in, size_t inlen,
			    const uint8_t secret[DEVICELIST_SECRETBYTES],
			    const uint8_t ik_new[DEVICELIST_KEYBYTES],
			    char *account, size_t *acctlen, uint32_t *device_id,
			    uint64_t *timestamp_ms,
			    uint8_t primary_pk[DEVICELIST_KEYBYTES])
			    __attribute__((warn_unused_result));

#endif
