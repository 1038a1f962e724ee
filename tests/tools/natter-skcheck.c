/* natter-skcheck: can a profile's stored sender-key states read a group message?  For e2e/client_groups (removed and added members). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/core/groups.h"
#include "client/core/senderkeys.h"
#include "client/store/store.h"
#include "shared/util/hex.h"

/*
 * natter-skcheck HOME GROUP-HEX FROM DEVICE BODY-HEX, with the profile's
 * passphrase in $NATTER_PASSPHRASE.  Tries to decrypt the sender-key
 * message BODY (as natterd stores a GroupSend's content) of group GROUP
 * from (FROM, DEVICE) with what the profile in HOME holds, changing
 * nothing (the transaction is rolled back).  Prints "decrypted" (exit
 * 0), "nokey" or "refused" (exit 1); 2 on bad usage or a profile that
 * does not open.
 */
int
main(int argc, char **argv)
{
	struct store	*st;
	enum store_err	 se;
	const char	*pass = getenv("NATTER_PASSPHRASE");
	uint8_t		 gid[GROUPS_IDBYTES], *body, *pt;
	size_t		 blen, ptlen;
	int		 rc;

	if (argc != 6 || pass == NULL || sodium_init() < 0 ||
	    hex_decode(gid, sizeof gid, argv[2]) != 0 ||
	    strlen(argv[5]) % 2 != 0) {
		fprintf(stderr, "usage: natter-skcheck HOME GROUP-HEX FROM "
		    "DEVICE BODY-HEX\n");
		return (2);
	}
	blen = strlen(argv[5]) / 2;
	body = malloc(blen + 1);
	if (body == NULL || hex_decode(body, blen, argv[5]) != 0)
		return (2);
	if ((st = store_open(argv[1], pass, strlen(pass), 0, &se)) == NULL) {
		fprintf(stderr, "natter-skcheck: %s\n", store_strerror(se));
		return (2);
	}
	if (store_begin(st) != 0)
		return (2);
	rc = senderkeys_decrypt(st, gid, argv[3], (uint32_t)strtoul(argv[4],
	    NULL, 10), body, blen, &pt, &ptlen);
	store_rollback(st);
	store_close(st);
	free(body);
	if (rc == SENDERKEYS_OK) {
		sodium_memzero(pt, ptlen);
		free(pt);
		printf("decrypted\n");
		return (0);
	}
	printf("%s\n", rc == SENDERKEYS_NOKEY ? "nokey" : "refused");
	return (1);
}
