/* fuzz_bundle: prekey bundle parsing, SPK verification and X3DH on parsed bundles. */
#include <stdlib.h>
#include <string.h>

#include "shared/crypto/keys.h"
#include "shared/crypto/session.h"
#include "tests/fuzz/fuzz.h"

static struct keys_identity	alice, bob;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct keys_prekey	spk, opk;
	struct keys_bundle	b;
	uint8_t			buf[KEYS_BUNDLE_BYTES];

	(void)argc;
	(void)argv;
	fuzz_init();
	if (keys_identity_generate(&alice) != 0 ||
	    keys_identity_generate(&bob) != 0)
		fuzz_fail(__FILE__, __LINE__, "identities");
	keys_spk_generate(&spk, &bob, 3);
	keys_opk_generate(&opk, 44);
	keys_bundle_make(&b, 2, &bob, &spk, &opk);
	keys_bundle_serialise(buf, &b);
	fuzz_seed("with-opk", buf, sizeof buf);
	keys_bundle_make(&b, 2, &bob, &spk, NULL);
	keys_bundle_serialise(buf, &b);
	fuzz_seed("without-opk", buf, sizeof buf);
	return (0);
}

/*
 * A bundle that parses serialises to bytes that parse to the same bundle;
 * one whose signature verifies is used for a session setup, which must
 * either fail cleanly or give a session that encrypts.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct session_record	*rec;
	struct keys_bundle	 b, c;
	uint8_t			 buf[KEYS_BUNDLE_BYTES], *out;
	size_t			 outlen;
	int			 type;

	if (keys_bundle_parse(&b, data, size) != 0)
		return (0);
	keys_bundle_serialise(buf, &b);
	FUZZ_CHECK(keys_bundle_parse(&c, buf, sizeof buf) == 0);
	FUZZ_CHECK(memcmp(&b, &c, sizeof b) == 0);
	if (keys_bundle_verify(&b) != 0)
		return (0);
	rec = session_record_new();
	if (session_initiate(rec, &alice, 1, &b) == 0) {
		FUZZ_CHECK(session_encrypt(rec, &type, &out, &outlen,
		    (const uint8_t *)"hi", 2) == 0);
		FUZZ_CHECK(type == SESSION_MSG_PREKEY);
		free(out);
	} else
		FUZZ_CHECK(!session_record_has_session(rec));
	session_record_free(rec);
	return (0);
}
