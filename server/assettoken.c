/* assettoken: the stateless bearer tokens of the asset service's uploads. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "server/assettoken.h"
#include "server/httpreq.h"
#include "shared/proto/wire.h"
#include "shared/util/hex.h"

#define ASSETTOKEN_DOMAIN	"natter v1 asset token"

/* HMAC over the domain, a zero byte and the token's first len bytes. */
static void
assettoken_mac(const uint8_t key[ASSETTOKEN_KEYBYTES], const char *body,
    size_t len, uint8_t mac[crypto_auth_hmacsha256_BYTES])
{
	crypto_auth_hmacsha256_state	st;

	crypto_auth_hmacsha256_init(&st, key, ASSETTOKEN_KEYBYTES);
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)ASSETTOKEN_DOMAIN,
	    sizeof ASSETTOKEN_DOMAIN);		/* with its NUL */
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)body, len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_memzero(&st, sizeof st);
}

void
assettoken_make(const uint8_t key[ASSETTOKEN_KEYBYTES], const char *name,
    uint32_t device, int64_t expires_s, char *out, size_t outlen)
{
	uint8_t	mac[crypto_auth_hmacsha256_BYTES];
	int	n;

	n = snprintf(out, outlen, "%s.%u.%lld.", name, device,
	    (long long)expires_s);
	if (n < 0 || (size_t)n + 2 * sizeof mac + 1 > outlen) {
		out[0] = '\0';
		return;
	}
	assettoken_mac(key, out, (size_t)n - 1, mac);
	hex_encode(out + n, mac, sizeof mac);
}

enum assettoken_status
assettoken_verify(const uint8_t key[ASSETTOKEN_KEYBYTES], const char *token,
    int64_t now_s, char name[ASSETTOKEN_MAXNAME + 1], uint32_t *device)
{
	uint8_t		 mac[crypto_auth_hmacsha256_BYTES];
	uint8_t		 want[crypto_auth_hmacsha256_BYTES];
	const char	*dot3, *dot2, *dot1;
	char		 num[24];
	uint64_t	 dev, exp;
	size_t		 len = strlen(token);
	int		 ok;

	/* From the right: a name may hold dots, the rest cannot. */
	/* The MAC in lowercase hex only: one spelling per token. */
	if (len > ASSETTOKEN_MAXLEN || (dot3 = strrchr(token, '.')) == NULL ||
	    !httpreq_blob_id(dot3 + 1) ||
	    hex_decode(mac, sizeof mac, dot3 + 1) != 0)
		return (ASSETTOKEN_MALFORMED);
	for (dot2 = dot3 - 1; dot2 >= token && *dot2 != '.'; dot2--)
		;
	for (dot1 = dot2 - 1; dot1 >= token && *dot1 != '.'; dot1--)
		;
	if (dot2 < token || dot1 <= token ||
	    (size_t)(dot1 - token) > ASSETTOKEN_MAXNAME)
		return (ASSETTOKEN_MALFORMED);
	memcpy(name, token, (size_t)(dot1 - token));
	name[dot1 - token] = '\0';
	if ((size_t)(dot2 - dot1 - 1) >= sizeof num ||
	    (size_t)(dot3 - dot2 - 1) >= sizeof num)
		return (ASSETTOKEN_MALFORMED);
	memcpy(num, dot1 + 1, (size_t)(dot2 - dot1 - 1));
	num[dot2 - dot1 - 1] = '\0';
	if (httpreq_number(num, UINT32_MAX, &dev) != 0)
		return (ASSETTOKEN_MALFORMED);
	memcpy(num, dot2 + 1, (size_t)(dot3 - dot2 - 1));
	num[dot3 - dot2 - 1] = '\0';
	if (httpreq_number(num, INT64_MAX, &exp) != 0 ||
	    !wire_name_valid(name))
		return (ASSETTOKEN_MALFORMED);
	assettoken_mac(key, token, (size_t)(dot3 - token), want);
	ok = sodium_memcmp(mac, want, sizeof mac) == 0;
	sodium_memzero(want, sizeof want);
	if (!ok)
		return (ASSETTOKEN_FORGED);
	if ((int64_t)exp <= now_s)
		return (ASSETTOKEN_EXPIRED);
	*device = (uint32_t)dev;
	return (ASSETTOKEN_OK);
}
