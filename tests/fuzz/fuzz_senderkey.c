/*
 * fuzz_senderkey: sender-key distribution and group messages, state
 * parsers, and decryption of any byte string against a fixed peer record,
 * which must fail without changing it (or succeed on an untouched seed).
 */
#include <stdlib.h>
#include <string.h>

#include "shared/crypto/senderkey.h"
#include "tests/fuzz/fuzz.h"

enum {
	SEL_DIST,		/* senderkey_peer_process on an empty record */
	SEL_DECRYPT,		/* senderkey_peer_decrypt on the fixed record */
	SEL_STATE,		/* senderkey_deserialize */
	SEL_PEER,		/* senderkey_peer_deserialize */
	SEL_PEEK,		/* senderkey_message_peek */
	SEL_COUNT
};

static uint8_t	*peer_snap;
static size_t	 peer_len;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct senderkey	*s;
	struct senderkey_peer	*p;
	uint8_t			 d[SENDERKEY_DISTMAX], c[64 + 200], *b;
	size_t			 n, len;
	int			 i;

	(void)argc;
	(void)argv;
	fuzz_init();
	s = senderkey_create((const uint8_t *)"fuzz-group", 10);
	p = senderkey_peer_create();
	senderkey_distribution(s, d, &n);
	fuzz_seed_sel("distribution", SEL_DIST, d, n);
	if (senderkey_peer_process(p, d, n) != 0)
		fuzz_fail(__FILE__, __LINE__, "process");
	for (i = 0; i < 3; i++) {
		if (senderkey_encrypt(s, c, &n, (const uint8_t *)"group text",
		    10) != 0)
			fuzz_fail(__FILE__, __LINE__, "encrypt");
	}
	fuzz_seed_sel("message", SEL_DECRYPT, c, n);
	fuzz_seed_sel("peek", SEL_PEEK, c, n);
	b = senderkey_serialize(s, &len);
	fuzz_seed_sel("state", SEL_STATE, b, len);
	free(b);
	peer_snap = senderkey_peer_serialize(p, &peer_len);
	fuzz_seed_sel("peer", SEL_PEER, peer_snap, peer_len);
	senderkey_free(s);
	senderkey_peer_free(p);
	return (0);
}

static void
decrypt(const uint8_t *d, size_t n)
{
	struct senderkey_peer	*p;
	uint8_t			*m, *b;
	size_t			 mlen, len;

	p = senderkey_peer_deserialize(peer_snap, peer_len);
	FUZZ_CHECK(p != NULL);
	m = malloc(n + 1);
	FUZZ_CHECK(m != NULL);
	if (senderkey_peer_decrypt(p, m, &mlen, d, n) == 0)
		FUZZ_CHECK(mlen <= n);
	else {
		b = senderkey_peer_serialize(p, &len);
		FUZZ_CHECK(len == peer_len && memcmp(b, peer_snap, len) == 0);
		free(b);
	}
	free(m);
	senderkey_peer_free(p);
}

/* What parses serialises to bytes that parse again to the same bytes. */
static void
states(int peer, const uint8_t *d, size_t n)
{
	struct senderkey	*s = NULL, *s2 = NULL;
	struct senderkey_peer	*p = NULL, *p2 = NULL;
	uint8_t			*a, *b;
	size_t			 alen, blen;

	if (peer) {
		if ((p = senderkey_peer_deserialize(d, n)) == NULL)
			return;
		a = senderkey_peer_serialize(p, &alen);
		p2 = senderkey_peer_deserialize(a, alen);
		FUZZ_CHECK(p2 != NULL);
		b = senderkey_peer_serialize(p2, &blen);
	} else {
		if ((s = senderkey_deserialize(d, n)) == NULL)
			return;
		a = senderkey_serialize(s, &alen);
		s2 = senderkey_deserialize(a, alen);
		FUZZ_CHECK(s2 != NULL);
		b = senderkey_serialize(s2, &blen);
	}
	FUZZ_CHECK(alen == blen && memcmp(a, b, alen) == 0);
	free(a);
	free(b);
	senderkey_free(s);
	senderkey_free(s2);
	senderkey_peer_free(p);
	senderkey_peer_free(p2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct senderkey_peer	*p;
	const uint8_t		*d = data + 1, *gid;
	size_t			 n = size - 1, gidlen;
	uint32_t		 kid;

	if (size == 0)
		return (0);
	switch (data[0] % SEL_COUNT) {
	case SEL_DIST:
		p = senderkey_peer_create();
		(void)!senderkey_peer_process(p, d, n);
		senderkey_peer_free(p);
		break;
	case SEL_DECRYPT:
		decrypt(d, n);
		break;
	case SEL_STATE:
		states(0, d, n);
		break;
	case SEL_PEER:
		states(1, d, n);
		break;
	default:
		if (senderkey_message_peek(d, n, &gid, &gidlen, &kid) == 0)
			FUZZ_CHECK(gidlen <= n && gid >= d &&
			    gid + gidlen <= d + n);
		break;
	}
	return (0);
}
