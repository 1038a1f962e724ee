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

/* Encode f as seed name. */
static void
frame_seed(const char *name, const Natter__Frame *f)
{
	uint8_t	buf[1024];

	fuzz_seed(name, buf, wire_encode(f, buf, sizeof buf));
}

/* A group change delivered (type 4), with the group after it. */
static void
frame_group_change(void)
{
	Natter__Frame		f = NATTER__FRAME__INIT;
	Natter__Deliver		d = NATTER__DELIVER__INIT;
	Natter__Delivery	dl = NATTER__DELIVERY__INIT, *dp = &dl;
	Natter__GroupChange	ch = NATTER__GROUP_CHANGE__INIT;
	Natter__GroupInfo	gi = NATTER__GROUP_INFO__INIT;
	char			 alice[] = "alice", bob[] = "bob";
	char			 carol[] = "carol", team[] = "team";
	char			*members[] = { alice, bob, carol };
	char			*users[] = { carol };
	uint8_t			 id[16];

	memset(id, 5, sizeof id);
	gi.id.data = id;
	gi.id.len = sizeof id;
	gi.name = team;
	gi.epoch = 3;
	gi.members = members;
	gi.n_members = 3;
	gi.admins = members;
	gi.n_admins = 1;
	gi.created = 1700000000000;
	ch.change = 2;
	ch.by = alice;
	ch.users = users;
	ch.n_users = 1;
	ch.ts = 1700000000001;
	ch.group = &gi;
	dl.seq = 12;
	dl.from = alice;
	dl.from_device = 1;
	dl.message_id.data = id;
	dl.message_id.len = sizeof id;
	dl.type = 4;
	dl.group.data = id;
	dl.group.len = sizeof id;
	dl.change = &ch;
	d.items = &dp;
	d.n_items = 1;
	f.body_case = NATTER__FRAME__BODY_DELIVER;
	f.deliver = &d;
	frame_seed("deliver-group-change", &f);
}

/* GroupOp, GroupQuery, GroupSend. */
static void
frame_group_seeds(void)
{
	Natter__Frame		f = NATTER__FRAME__INIT;
	Natter__GroupOp		op = NATTER__GROUP_OP__INIT;
	Natter__GroupQuery	q = NATTER__GROUP_QUERY__INIT;
	Natter__GroupSend	gs = NATTER__GROUP_SEND__INIT;
	char			 bob[] = "bob", carol[] = "carol";
	char			 team[] = "team";
	char			*users[] = { bob, carol };
	uint8_t			 id[16], hash[32];

	memset(id, 5, sizeof id);
	memset(hash, 6, sizeof hash);
	f.id = 10;
	op.op = 1;
	op.group = team;
	op.users = users;
	op.n_users = 2;
	f.body_case = NATTER__FRAME__BODY_GROUP_OP;
	f.group_op = &op;
	frame_seed("group-op", &f);
	q.group = team;
	f.body_case = NATTER__FRAME__BODY_GROUP_QUERY;
	f.group_query = &q;
	frame_seed("group-query", &f);
	gs.message_id.data = gs.group.data = id;
	gs.message_id.len = gs.group.len = sizeof id;
	gs.devices_hash.data = hash;
	gs.devices_hash.len = sizeof hash;
	gs.content.data = hash;
	gs.content.len = 20;
	f.body_case = NATTER__FRAME__BODY_GROUP_SEND;
	f.group_send = &gs;
	frame_seed("group-send", &f);
	frame_group_change();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	frame_seeds();
	frame_group_seeds();
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
