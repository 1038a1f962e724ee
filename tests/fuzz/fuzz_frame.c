/* fuzz_frame: shared/proto's frame decoder (wire_decode) on any byte string. */
#include <stdlib.h>
#include <string.h>

#include "shared/proto/wire.h"
#include "tests/fuzz/fuzz.h"

#define FRAME_MAX	(256 * 1024)	/* natterd's default --max-frame */

/* Seeds: one well-formed frame of several body types. */
static void
frame_seeds(void)
{
	Natter__Frame		f = NATTER__FRAME__INIT;
	Natter__Challenge	ch = NATTER__CHALLENGE__INIT;
	Natter__Ping		p = NATTER__PING__INIT;
	Natter__Ack		a = NATTER__ACK__INIT;
	Natter__BundleRequest	br = NATTER__BUNDLE_REQUEST__INIT;
	uint64_t		seqs[3] = { 1, 2, 300 };
	uint8_t			nonce[WIRE_NONCEBYTES], buf[512];
	char			name[] = "bob";
	size_t			n;

	memset(nonce, 7, sizeof nonce);
	f.id = 9;
	ch.nonce.data = nonce;
	ch.nonce.len = sizeof nonce;
	ch.server_ts = 1700000000000;
	f.body_case = NATTER__FRAME__BODY_CHALLENGE;
	f.challenge = &ch;
	n = wire_encode(&f, buf, sizeof buf);
	fuzz_seed("challenge", buf, n);
	f.body_case = NATTER__FRAME__BODY_PING;
	f.ping = &p;
	n = wire_encode(&f, buf, sizeof buf);
	fuzz_seed("ping", buf, n);
	a.seqs = seqs;
	a.n_seqs = 3;
	f.body_case = NATTER__FRAME__BODY_ACK;
	f.ack = &a;
	n = wire_encode(&f, buf, sizeof buf);
	fuzz_seed("ack", buf, n);
	br.name = name;
	f.body_case = NATTER__FRAME__BODY_BUNDLE_REQUEST;
	f.bundle_request = &br;
	n = wire_encode(&f, buf, sizeof buf);
	fuzz_seed("bundle-request", buf, n);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	frame_seeds();
	return (0);
}

/* A frame that decodes must encode, and decode again to the same bytes. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Natter__Frame	*f, *g;
	uint8_t		*a, *b;
	size_t		 n, m;

	if ((f = wire_decode(data, size, FRAME_MAX)) == NULL)
		return (0);
	n = wire_size(f);
	a = malloc(n + 1);
	FUZZ_CHECK(a != NULL && wire_encode(f, a, n + 1) == n);
	g = wire_decode(a, n, FRAME_MAX);
	FUZZ_CHECK(g != NULL);
	m = wire_size(g);
	b = malloc(m + 1);
	FUZZ_CHECK(b != NULL && wire_encode(g, b, m + 1) == m);
	FUZZ_CHECK(m == n && memcmp(a, b, n) == 0);
	free(a);
	free(b);
	wire_free(f);
	wire_free(g);
	return (0);
}
