/* probe_steps: the steps natter-probe runs, one table entry each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <unistd.h>

#include "shared/proto/login.h"
#include "shared/proto/wire.h"
#include "shared/util/hex.h"
#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"
#include "tests/tools/probe.h"
#include "tests/tools/probe_ws.h"

#define STEP_MAXENV	64

void
probe_fill_prekeys(Natter__SignedPrekey *spk, uint8_t spkbuf[96],
    Natter__OneTimePrekey *opks, Natter__OneTimePrekey **opkp,
    uint8_t *opkbuf, size_t n, uint32_t first, const uint8_t *sk)
{
	size_t	i;

	if (spk != NULL) {
		natter__signed_prekey__init(spk);
		randombytes_buf(spkbuf, 32);
		crypto_sign_detached(spkbuf + 32, NULL, spkbuf, 32, sk);
		spk->id = 1;
		spk->key.data = spkbuf;
		spk->key.len = 32;
		spk->signature.data = spkbuf + 32;
		spk->signature.len = 64;
	}
	for (i = 0; i < n; i++) {
		natter__one_time_prekey__init(&opks[i]);
		randombytes_buf(opkbuf + 32 * i, 32);
		opks[i].id = first + (uint32_t)i;
		opks[i].key.data = opkbuf + 32 * i;
		opks[i].key.len = 32;
		opkp[i] = &opks[i];
	}
}

int
probe_register(struct probe *p, const char *label, const char *name,
    const uint8_t sk[64], int nopk, int bad, const uint8_t *list,
    size_t listlen)
{
	Natter__Frame		 f = NATTER__FRAME__INIT, *r;
	Natter__Register	 reg = NATTER__REGISTER__INIT;
	Natter__SignedPrekey	 spk;
	Natter__OneTimePrekey	*opks, **opkp;
	uint8_t			 pk[32], sig[64], spkbuf[96], *opkbuf;

	memcpy(pk, sk + 32, sizeof pk);
	opks = xcalloc((size_t)nopk + 1, sizeof *opks);
	opkp = xcalloc((size_t)nopk + 1, sizeof *opkp);
	opkbuf = xcalloc((size_t)nopk + 1, 32);
	probe_fill_prekeys(&spk, spkbuf, opks, opkp, opkbuf, (size_t)nopk, 1,
	    sk);
	probe_sign(p, LOGIN_REGISTER_DOMAIN, name, NULL, sk, sig);
	if (bad)
		sig[0] ^= 1;
	reg.name = (char *)name;
	reg.identity_key.data = pk;
	reg.identity_key.len = 32;
	reg.signed_prekey = &spk;
	reg.n_one_time_prekeys = (size_t)nopk;
	reg.one_time_prekeys = opkp;
	reg.signature.data = sig;
	reg.signature.len = 64;
	reg.device_list.data = (uint8_t *)list;
	reg.device_list.len = listlen;
	f.body_case = NATTER__FRAME__BODY_REGISTER;
	f.register_ = &reg;
	r = probe_request(p, &f);
	free(opks);
	free(opkp);
	free(opkbuf);
	if (r == NULL)
		return (-1);
	printf("%s %s", label, probe_code(r->response->code));
	if (r->response->code == 0) {
		printf(" %s/%u", r->response->name, r->response->device);
		snprintf(p->name, sizeof p->name, "%s", name);
		if (probe_save_key(p, name, sk) != 0)
			return (-1);
	} else if (list != NULL)
		printf(" (%s)", r->response->message);
	printf("\n");
	wire_free(r);
	return (0);
}

/* register NAME [NOPK] / badregister NAME */
static int
step_register_common(struct probe *p, const char *name, int nopk, int bad)
{
	uint8_t	pk[32], sk[64];

	crypto_sign_keypair(pk, sk);
	return (probe_register(p, bad ? "badregister" : "register", name, sk,
	    nopk, bad, NULL, 0));
}

static int
step_register(struct probe *p, int argc, char **argv)
{
	return (step_register_common(p, argv[1], argc > 2 ? atoi(argv[2]) : 50,
	    0));
}

static int
step_badregister(struct probe *p, int argc, char **argv)
{
	return (step_register_common(p, argv[1], 10, 1));
}

/* Send an Auth with sig; print "LABEL CODE" (and the message of a
 * DEVICE_REMOVED). */
static int
step_auth_send(struct probe *p, const char *label, const char *name,
    uint32_t device, const uint8_t sig[64])
{
	Natter__Frame	 f = NATTER__FRAME__INIT, *r;
	Natter__Auth	 a = NATTER__AUTH__INIT;

	a.name = (char *)name;
	a.device = device;
	a.signature.data = (uint8_t *)sig;
	a.signature.len = 64;
	f.body_case = NATTER__FRAME__BODY_AUTH;
	f.auth = &a;
	if ((r = probe_request(p, &f)) == NULL)
		return (-1);
	printf("%s %s", label, probe_code(r->response->code));
	if (r->response->code == NATTER__CODE__DEVICE_REMOVED)
		printf(" (%s)", r->response->message);
	printf("\n");
	if (r->response->code == NATTER__CODE__OK)
		snprintf(p->name, sizeof p->name, "%s", name);
	wire_free(r);
	return (0);
}

/* auth NAME [DEVICE [KEY]] / badauth NAME; signed with KEY's key (NAME's
 * by default); save: write the signature there. */
static int
step_auth_common(struct probe *p, const char *name, uint32_t device, int bad,
    const char *save, const char *key)
{
	uint8_t		 sk[64], pk[32], sig[64];
	FILE		*fp;

	if (bad || probe_load_key(p, key != NULL ? key : name, sk) != 0)
		crypto_sign_keypair(pk, sk);
	probe_sign(p, LOGIN_AUTH_DOMAIN, name, &device, sk, sig);
	sodium_memzero(sk, sizeof sk);
	if (save != NULL) {
		if ((fp = fopen(save, "wb")) == NULL ||
		    fwrite(sig, 1, sizeof sig, fp) != sizeof sig ||
		    fclose(fp) != 0) {
			fprintf(stderr, "natter-probe: cannot write %s\n", save);
			return (-1);
		}
	}
	return (step_auth_send(p, bad ? "badauth" : save != NULL ? "authsave" :
	    "auth", name, device, sig));
}

static int
step_auth(struct probe *p, int argc, char **argv)
{
	return (step_auth_common(p, argv[1],
	    argc > 2 ? (uint32_t)atoi(argv[2]) : 1, 0, NULL,
	    argc > 3 ? argv[3] : NULL));
}

static int
step_badauth(struct probe *p, int argc, char **argv)
{
	return (step_auth_common(p, argv[1], 1, 1, NULL, NULL));
}

/* authsave NAME FILE: a good auth, its signature kept in FILE. */
static int
step_authsave(struct probe *p, int argc, char **argv)
{
	return (step_auth_common(p, argv[1], 1, 0, argv[2], NULL));
}

/* authreplay NAME FILE: the signature from FILE (another challenge's). */
static int
step_authreplay(struct probe *p, int argc, char **argv)
{
	uint8_t	 sig[64];
	FILE	*fp;

	if ((fp = fopen(argv[2], "rb")) == NULL ||
	    fread(sig, 1, sizeof sig, fp) != sizeof sig) {
		fprintf(stderr, "natter-probe: cannot read %s\n", argv[2]);
		if (fp != NULL)
			fclose(fp);
		return (-1);
	}
	fclose(fp);
	return (step_auth_send(p, "authreplay", argv[1], 1, sig));
}

/* A Ping whose answer is not printed: everything before it is done. */
static int
step_quiet_ping(struct probe *p)
{
	Natter__Frame	f = NATTER__FRAME__INIT, *r;
	Natter__Ping	pg = NATTER__PING__INIT;

	f.body_case = NATTER__FRAME__BODY_PING;
	f.ping = &pg;
	if ((r = probe_request(p, &f)) == NULL)
		return (-1);
	wire_free(r);
	return (0);
}

static int
step_ping(struct probe *p, int argc, char **argv)
{
	Natter__Frame	f = NATTER__FRAME__INIT, *r;
	Natter__Ping	pg = NATTER__PING__INIT;

	f.body_case = NATTER__FRAME__BODY_PING;
	f.ping = &pg;
	if ((r = probe_request(p, &f)) == NULL)
		return (-1);
	printf("ping %s\n", probe_code(r->response->code));
	wire_free(r);
	return (0);
}

/* token: an asset upload token for the signed-in device, printed as
 * "token OK TOKEN EXPIRES_MS" (or "token CODE"). */
static int
step_token(struct probe *p, int argc, char **argv)
{
	Natter__Frame		f = NATTER__FRAME__INIT, *r;
	Natter__AssetToken	at = NATTER__ASSET_TOKEN__INIT;

	f.body_case = NATTER__FRAME__BODY_ASSET_TOKEN;
	f.asset_token = &at;
	if ((r = probe_request(p, &f)) == NULL)
		return (-1);
	if (r->response->code == NATTER__CODE__OK)
		printf("token OK %s %lld\n", r->response->asset_token,
		    (long long)r->response->expires_ts);
	else
		printf("token %s\n", probe_code(r->response->code));
	wire_free(r);
	return (0);
}

static void
step_print_refs(const char *label, Natter__DeviceRef **refs, size_t n)
{
	size_t	i;

	printf(" %s=", label);
	for (i = 0; i < n; i++)
		printf("%s%s:%u", i ? "," : "", refs[i]->name, refs[i]->device);
	if (n == 0)
		printf("-");
}

/* Devices named on the command line: "-" or name:dev[,name:dev...]. */
struct step_refs {
	char		*buf;
	char		*names[STEP_MAXENV];
	uint32_t	 devs[STEP_MAXENV];
	size_t		 n;
};

static void
step_refs_parse(struct step_refs *r, const char *spec)
{
	char	*tok, *save, *c;

	memset(r, 0, sizeof *r);
	r->buf = xstrdup(spec != NULL ? spec : "-");
	for (tok = strtok_r(r->buf, ",", &save);
	    tok != NULL && r->n < STEP_MAXENV;
	    tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "-") == 0 || (c = strchr(tok, ':')) == NULL)
			continue;
		*c = '\0';
		r->names[r->n] = tok;
		r->devs[r->n++] = (uint32_t)atoi(c + 1);
	}
}

/* Send TEXT to TO with an envelope for each of env, skipping skip (may
 * be NULL). */
static Natter__Frame *
step_send_refs(struct probe *p, const char *to, const char *text,
    const uint8_t id[16], const struct step_refs *env,
    const struct step_refs *skip)
{
	Natter__Frame		f = NATTER__FRAME__INIT;
	Natter__Send		s = NATTER__SEND__INIT;
	Natter__Envelope	e[STEP_MAXENV], *ep[STEP_MAXENV];
	Natter__DeviceRef	d[STEP_MAXENV], *dp[STEP_MAXENV];
	size_t			i;

	for (i = 0; i < env->n; i++) {
		natter__envelope__init(&e[i]);
		e[i].name = env->names[i];
		e[i].device = env->devs[i];
		e[i].type = 1;
		e[i].content.data = (uint8_t *)text;
		e[i].content.len = strlen(text);
		ep[i] = &e[i];
	}
	for (i = 0; skip != NULL && i < skip->n; i++) {
		natter__device_ref__init(&d[i]);
		d[i].name = skip->names[i];
		d[i].device = skip->devs[i];
		dp[i] = &d[i];
	}
	s.message_id.data = (uint8_t *)id;
	s.message_id.len = 16;
	s.to = (char *)to;
	s.n_envelopes = env->n;
	s.envelopes = ep;
	s.n_skipped = skip != NULL ? skip->n : 0;
	s.skipped = dp;
	f.body_case = NATTER__FRAME__BODY_SEND;
	f.send = &s;
	return (probe_request(p, &f));
}

static void
step_message_id(const char *hex, uint8_t id[16])
{
	if (hex == NULL || hex_decode(id, 16, hex) != 0)
		randombytes_buf(id, 16);
}

/* send TO TEXT [IDHEX]: to device 1, then also to what a mismatch says is
 * missing. */
static int
step_send(struct probe *p, int argc, char **argv)
{
	Natter__Frame		*r;
	Natter__Response	*resp;
	struct step_refs	 env;
	uint8_t			 id[16];
	size_t			 i;

	step_message_id(argc > 3 ? argv[3] : NULL, id);
	memset(&env, 0, sizeof env);
	env.names[0] = argv[1];
	env.devs[0] = 1;
	env.n = 1;
	r = step_send_refs(p, argv[1], argv[2], id, &env, NULL);
	if (r != NULL && r->response->code == NATTER__CODE__DEVICE_MISMATCH) {
		resp = r->response;
		for (i = 0; i < resp->n_missing && env.n < STEP_MAXENV; i++) {
			env.names[env.n] = xstrdup(resp->missing[i]->name);
			env.devs[env.n++] = resp->missing[i]->device;
		}
		wire_free(r);
		r = step_send_refs(p, argv[1], argv[2], id, &env, NULL);
		for (i = 1; i < env.n; i++)
			free(env.names[i]);
	}
	if (r == NULL)
		return (-1);
	printf("send %s", probe_code(r->response->code));
	if (r->response->code == 0)
		printf(" ts=%lld", (long long)r->response->server_ts);
	printf("\n");
	wire_free(r);
	return (0);
}

/* sendbig TO SIZE COUNT: COUNT messages of SIZE bytes to device 1 of TO. */
static int
step_sendbig(struct probe *p, int argc, char **argv)
{
	Natter__Frame		*r;
	struct step_refs	 env;
	size_t			 size = (size_t)atol(argv[2]), i, ok = 0;
	long			 count = atol(argv[3]), k;
	char			*text = xmalloc(size + 1);
	uint8_t			 id[16];

	memset(&env, 0, sizeof env);
	env.names[0] = argv[1];
	env.devs[0] = 1;
	env.n = 1;
	for (i = 0; i < size; i++)
		text[i] = (char)('a' + i % 26);
	text[size] = '\0';
	for (k = 0; k < count; k++) {
		step_message_id(NULL, id);
		if ((r = step_send_refs(p, argv[1], text, id, &env,
		    NULL)) == NULL) {
			free(text);
			return (-1);
		}
		if (r->response->code == NATTER__CODE__OK)
			ok++;
		wire_free(r);
	}
	free(text);
	printf("sendbig OK %zu/%ld\n", ok, count);
	return (0);
}

/* sendpipe TO N SIZE WINDOW: N sends of SIZE bytes with up to WINDOW
 * unanswered; prints how many were stored and the rate. */
static int
step_sendpipe(struct probe *p, int argc, char **argv)
{
	Natter__Frame		 f = NATTER__FRAME__INIT, *r;
	Natter__Send		 m = NATTER__SEND__INIT;
	Natter__Envelope	 e = NATTER__ENVELOPE__INIT, *ep = &e;
	long			 n = atol(argv[2]), sent = 0, done = 0, ok = 0;
	size_t			 size = (size_t)atol(argv[3]);
	long			 window = atol(argv[4]);
	uint8_t			 id[16], *text = xcalloc(size + 1, 1);
	uint64_t		 t0 = time_mono_ns(), base = p->next_id;
	double			 secs;

	e.name = argv[1];
	e.device = 1;
	e.type = 1;
	e.content.data = text;
	e.content.len = size;
	m.to = argv[1];
	m.n_envelopes = 1;
	m.envelopes = &ep;
	m.message_id.data = id;
	m.message_id.len = 16;
	f.body_case = NATTER__FRAME__BODY_SEND;
	f.send = &m;
	while (done < n) {
		while (sent < n && sent - done < window) {
			randombytes_buf(id, sizeof id);
			f.id = base + (uint64_t)++sent;
			if (probe_send_frame(p, &f) != 0)
				goto fail;
		}
		if ((r = probe_wait(p, base + (uint64_t)done + 1)) == NULL)
			goto fail;
		if (r->response->code == NATTER__CODE__OK)
			ok++;
		wire_free(r);
		done++;
	}
	p->next_id = base + (uint64_t)n;
	secs = (double)(time_mono_ns() - t0) / 1e9;
	printf("sendpipe OK %ld/%ld %.0f msgs/s\n", ok, n, (double)n / secs);
	free(text);
	return (0);
fail:
	free(text);
	return (-1);
}

/* sendenv TO TEXT REFS [SKIPPED]: envelopes for REFS, Send.skipped
 * SKIPPED (both "-" or name:dev[,name:dev...]). */
static int
step_sendenv(struct probe *p, int argc, char **argv)
{
	Natter__Frame		*r;
	struct step_refs	 env, skip;
	uint8_t			 id[16];

	step_refs_parse(&env, argv[3]);
	step_refs_parse(&skip, argc > 4 ? argv[4] : NULL);
	step_message_id(NULL, id);
	r = step_send_refs(p, argv[1], argv[2], id, &env, &skip);
	free(env.buf);
	free(skip.buf);
	if (r == NULL)
		return (-1);
	printf("sendenv %s", probe_code(r->response->code));
	step_print_refs("missing", r->response->missing, r->response->n_missing);
	step_print_refs("extra", r->response->extra, r->response->n_extra);
	if (r->response->code != NATTER__CODE__OK &&
	    r->response->code != NATTER__CODE__DEVICE_MISMATCH)
		printf(" (%s)", r->response->message);
	printf("\n");
	wire_free(r);
	return (0);
}


static void
step_print_delivery(const Natter__Delivery *d)
{
	char	hex[33];
	size_t	i;

	if (d->group.len > 0) {
		probe_group_print(d);
		return;
	}
	if (d->receipt != NULL) {
		if (d->receipt->message_id.len == 16)
			hex_encode(hex, d->receipt->message_id.data, 16);
		else
			snprintf(hex, sizeof hex, "-");
		printf("receipt %s %u %s status=%u\n", d->receipt->by,
		    d->receipt->by_device, hex, d->receipt->status);
		/* A group's receipt names its other ackers too. */
		for (i = 0; i < d->receipt->n_more; i++)
			printf("receipt %s %u %s status=%u\n",
			    d->receipt->more[i]->name,
			    d->receipt->more[i]->device, hex,
			    d->receipt->status);
		return;
	}
	if (d->content.len > 64)
		printf("msg %s %u #%zu bytes\n", d->from, d->from_device,
		    d->content.len);
	else
		printf("msg %s %u %.*s\n", d->from, d->from_device,
		    (int)d->content.len, (const char *)d->content.data);
}

/* ack SEQ: an Ack with a request id; print the answer. */
static int
step_ackreq(struct probe *p, int argc, char **argv)
{
	Natter__Frame	 f = NATTER__FRAME__INIT, *r;
	Natter__Ack	 a = NATTER__ACK__INIT;
	uint64_t	 seq = (uint64_t)strtoull(argv[1], NULL, 10);

	a.n_seqs = 1;
	a.seqs = &seq;
	f.body_case = NATTER__FRAME__BODY_ACK;
	f.ack = &a;
	if ((r = probe_request(p, &f)) == NULL)
		return (-1);
	printf("ack %s\n", probe_code(r->response->code));
	wire_free(r);
	return (0);
}

static int	step_recv_frames;	/* recvf: a line per Deliver */

/* recv [N] [noack]: print deliveries until the backlog is drained and at
 * least N items came, acking each Deliver (unless noack); then a Ping so
 * the acks are committed before the next step. */
static int
step_recv(struct probe *p, int argc, char **argv)
{
	Natter__Frame	*f;
	size_t		 want = argc > 1 ? (size_t)atol(argv[1]) : 0, got = 0;
	size_t		 i;
	uint64_t	*seqs;
	int		 drained = 0, ack = !(argc > 2 &&
			    strcmp(argv[2], "noack") == 0);

	while (!drained || got < want) {
		if ((f = probe_push(p)) == NULL)
			return (-1);
		if (f->body_case == NATTER__FRAME__BODY_EVENT) {
			if (f->event->kind_case ==
			    NATTER__EVENT__KIND_BACKLOG_DRAINED)
				drained = 1;
			else if (f->event->kind_case ==
			    NATTER__EVENT__KIND_PREKEYS_LOW)
				printf("event prekeys_low %u\n",
				    f->event->prekeys_low->count);
		} else if (f->body_case == NATTER__FRAME__BODY_DELIVER) {
			if (step_recv_frames)
				printf("deliver %zu\n", f->deliver->n_items);
			seqs = xcalloc(f->deliver->n_items + 1, sizeof *seqs);
			for (i = 0; i < f->deliver->n_items; i++) {
				step_print_delivery(f->deliver->items[i]);
				seqs[i] = f->deliver->items[i]->seq;
			}
			got += f->deliver->n_items;
			if (ack && probe_ack(p, seqs, f->deliver->n_items) != 0)
				return (-1);
			free(seqs);
		}
		wire_free(f);
	}
	printf("drained %zu\n", got);
	return (step_quiet_ping(p));
}

/* recvf [N [noack]]: recv, with a "deliver N" line before the items of
 * each Deliver frame. */
static int
step_recvf(struct probe *p, int argc, char **argv)
{
	int	rc;

	step_recv_frames = 1;
	rc = step_recv(p, argc, argv);
	step_recv_frames = 0;
	return (rc);
}

/* bundle NAME */
static int
step_bundle(struct probe *p, int argc, char **argv)
{
	Natter__Frame		 f = NATTER__FRAME__INIT, *r;
	Natter__BundleRequest	 b = NATTER__BUNDLE_REQUEST__INIT;
	Natter__PrekeyBundle	*pb;
	size_t			 i;

	b.name = argv[1];
	f.body_case = NATTER__FRAME__BODY_BUNDLE_REQUEST;
	f.bundle_request = &b;
	if ((r = probe_request(p, &f)) == NULL)
		return (-1);
	printf("bundle %s", probe_code(r->response->code));
	for (i = 0; i < r->response->n_bundles; i++) {
		pb = r->response->bundles[i];
		printf(" %s/%u:spk=%s:opk=", pb->name, pb->device,
		    pb->signed_prekey != NULL ? "yes" : "no");
		if (pb->one_time_prekey != NULL)
			printf("%u", pb->one_time_prekey->id);
		else
			printf("none");
	}
	probe_print_list(r->response);
	printf("\n");
	wire_free(r);
	return (0);
}

/* Each bundle's one-time prekey to out: "DEVICE ID", or "DEVICE none". */
static void
step_bundle_ids(FILE *out, const Natter__Response *r)
{
	const Natter__PrekeyBundle	*pb;
	size_t				 i;

	for (i = 0; out != NULL && i < r->n_bundles; i++) {
		pb = r->bundles[i];
		if (pb->one_time_prekey != NULL)
			fprintf(out, "%u %u\n", pb->device,
			    pb->one_time_prekey->id);
		else
			fprintf(out, "%u none\n", pb->device);
	}
}

/* bundles NAME N [FILE]: N BundleRequests for NAME; how many were
 * answered OK and how many RATE_LIMITED (with the first such answer's
 * message); with FILE, the one-time prekeys handed out are appended to
 * it (step_bundle_ids). */
static int
step_bundles(struct probe *p, int argc, char **argv)
{
	Natter__Frame		 f = NATTER__FRAME__INIT, *r;
	Natter__BundleRequest	 b = NATTER__BUNDLE_REQUEST__INIT;
	long			 n = atol(argv[2]), i, ok = 0, limited = 0;
	char			*why = NULL;
	FILE			*out = NULL;

	if (argc > 3 && (out = fopen(argv[3], "a")) == NULL) {
		fprintf(stderr, "bundles: cannot open %s\n", argv[3]);
		return (-1);
	}
	b.name = argv[1];
	f.body_case = NATTER__FRAME__BODY_BUNDLE_REQUEST;
	f.bundle_request = &b;
	for (i = 0; i < n; i++) {
		if ((r = probe_request(p, &f)) == NULL) {
			free(why);
			if (out != NULL)
				fclose(out);
			return (-1);
		}
		if (r->response->code == NATTER__CODE__OK) {
			ok++;
			step_bundle_ids(out, r->response);
		} else if (r->response->code == NATTER__CODE__RATE_LIMITED &&
		    limited++ == 0)
			why = xstrdup(r->response->message);
		wire_free(r);
	}
	if (out != NULL && fclose(out) != 0)
		return (-1);
	printf("bundles ok=%ld limited=%ld", ok, limited);
	if (why != NULL)
		printf(" (%s)", why);
	printf("\n");
	free(why);
	return (0);
}

/* upload N [FIRSTID] */
static int
step_upload(struct probe *p, int argc, char **argv)
{
	Natter__Frame		 f = NATTER__FRAME__INIT, *r;
	Natter__PrekeyUpload	 u = NATTER__PREKEY_UPLOAD__INIT;
	Natter__OneTimePrekey	*opks, **opkp;
	uint8_t			*buf;
	size_t			 n = (size_t)atol(argv[1]);

	opks = xcalloc(n + 1, sizeof *opks);
	opkp = xcalloc(n + 1, sizeof *opkp);
	buf = xcalloc(n + 1, 32);
	probe_fill_prekeys(NULL, NULL, opks, opkp, buf, n,
	    argc > 2 ? (uint32_t)atol(argv[2]) : 1000, NULL);
	u.n_one_time_prekeys = n;
	u.one_time_prekeys = opkp;
	f.body_case = NATTER__FRAME__BODY_PREKEY_UPLOAD;
	f.prekey_upload = &u;
	r = probe_request(p, &f);
	free(opks);
	free(opkp);
	free(buf);
	if (r == NULL)
		return (-1);
	printf("upload %s count=%u\n", probe_code(r->response->code),
	    r->response->prekey_count);
	wire_free(r);
	return (0);
}

/* Read Responses with id 0 until n came; count those with code. */
static int
step_count_responses(struct probe *p, size_t n, uint32_t code, size_t *hits)
{
	Natter__Frame	*f;
	size_t		 i;

	*hits = 0;
	for (i = 0; i < n; i++) {
		if ((f = probe_wait(p, 0)) == NULL)
			return (-1);
		if (f->response->code == code)
			(*hits)++;
		wire_free(f);
	}
	return (0);
}

/* garbage N: N undecodable binary frames, each answered BAD_FRAME. */
static int
step_garbage(struct probe *p, int argc, char **argv)
{
	static const uint8_t	junk[] = { 0xff, 0xff, 0xff, 0xff, 0x0f,
				    'j', 'u', 'n', 'k' };
	size_t			n = (size_t)atol(argv[1]), i, hits;

	for (i = 0; i < n; i++) {
		if (probe_ws_send(p->ws, PROBE_WS_BINARY, junk,
		    i % 2 ? sizeof junk : 3) != 0)
			return (-1);
	}
	if (step_count_responses(p, n, NATTER__CODE__BAD_FRAME, &hits) != 0)
		return (-1);
	printf("garbage BAD_FRAME %zu/%zu\n", hits, n);
	return (0);
}

/* big BYTES: one binary frame of BYTES, then print how the server ends. */
static int
step_big(struct probe *p, int argc, char **argv)
{
	size_t		 n = (size_t)atol(argv[1]);
	uint8_t		*buf = xcalloc(n + 1, 1);
	Natter__Frame	*f;

	memset(buf, 0xff, n);
	/* The server may close while we are still writing. */
	(void)probe_ws_send_yielding(p->ws, PROBE_WS_BINARY, buf, n);
	free(buf);
	/* Either a close (printed by probe_read) or an answer. */
	while ((f = probe_read(p)) != NULL) {
		if (f->body_case == NATTER__FRAME__BODY_RESPONSE) {
			printf("response %s\n", probe_code(f->response->code));
			wire_free(f);
			break;
		}
		wire_free(f);
	}
	return (0);
}

/* text: a text frame; print the close. */
static int
step_text(struct probe *p, int argc, char **argv)
{
	Natter__Frame	*f;

	if (probe_ws_send(p->ws, PROBE_WS_TEXT, (const uint8_t *)"hello",
	    5) != 0)
		return (-1);
	while ((f = probe_read(p)) != NULL)
		wire_free(f);
	return (0);
}

/* flood N: N Pings back to back, then count the answers. */
static int
step_flood(struct probe *p, int argc, char **argv)
{
	Natter__Frame	 f = NATTER__FRAME__INIT, *r;
	Natter__Ping	 pg = NATTER__PING__INIT;
	size_t		 n = (size_t)atol(argv[1]), i, ok = 0, limited = 0;
	uint8_t		 buf[32];
	size_t		 len;

	f.body_case = NATTER__FRAME__BODY_PING;
	f.ping = &pg;
	f.id = 0;
	len = wire_encode(&f, buf, sizeof buf);
	for (i = 0; i < n; i++) {
		if (probe_ws_send(p->ws, PROBE_WS_BINARY, buf, len) < 0)
			return (-1);
	}
	for (i = 0; i < n; i++) {
		if ((r = probe_wait(p, 0)) == NULL)
			return (-1);
		if (r->response->code == NATTER__CODE__OK)
			ok++;
		else if (r->response->code == NATTER__CODE__RATE_LIMITED)
			limited++;
		wire_free(r);
	}
	printf("flood ok=%zu limited=%zu\n", ok, limited);
	return (0);
}

/* waitfile PATH: wait (not reading the socket) until PATH exists. */
static int
step_waitfile(struct probe *p, int argc, char **argv)
{
	while (access(argv[1], F_OK) != 0)
		usleep(20000);
	return (0);
}

/* drain: read and drop frames until the server closes the connection. */
static int
step_drain(struct probe *p, int argc, char **argv)
{
	Natter__Frame	*f;
	size_t		 n = 0;

	while ((f = probe_read(p)) != NULL) {
		n++;
		wire_free(f);
	}
	printf("drained-frames %zu\n", n);
	return (0);
}

/* sleep MS */
static int
step_sleep(struct probe *p, int argc, char **argv)
{
	usleep((useconds_t)atol(argv[1]) * 1000);
	return (0);
}

/* take N [MS]: read at least N delivered items without acking any; with
 * MS, wait that long, then ping, and print how many more items natterd
 * pushed meanwhile ("extra K"): a device that never acks. */
static int
step_take(struct probe *p, int argc, char **argv)
{
	Natter__Frame	 pf = NATTER__FRAME__INIT, *f;
	Natter__Ping	 pg = NATTER__PING__INIT;
	size_t		 want = (size_t)atol(argv[1]), got = 0, extra = 0;
	int		 i;

	while (got < want) {
		if ((f = probe_push(p)) == NULL)
			return (-1);
		if (f->body_case == NATTER__FRAME__BODY_DELIVER)
			got += f->deliver->n_items;
		wire_free(f);
	}
	printf("take %zu\n", got);
	if (argc < 3)
		return (0);
	usleep((useconds_t)atol(argv[2]) * 1000);
	pf.body_case = NATTER__FRAME__BODY_PING;
	pf.ping = &pg;
	if ((f = probe_request(p, &pf)) == NULL)
		return (-1);
	wire_free(f);
	for (i = 0; i < p->nstash; i++) {
		if (p->stash[i]->body_case == NATTER__FRAME__BODY_DELIVER)
			extra += p->stash[i]->deliver->n_items;
	}
	printf("extra %zu\n", extra);
	return (0);
}

static const struct probe_step steps[] = {
	{ "register", 1, 2, "register NAME [NOPK]", step_register },
	{ "badregister", 1, 1, "badregister NAME", step_badregister },
	{ "auth", 1, 3, "auth NAME [DEVICE [KEY]]", step_auth },
	{ "badauth", 1, 1, "badauth NAME", step_badauth },
	{ "authsave", 2, 2, "authsave NAME FILE", step_authsave },
	{ "authreplay", 2, 2, "authreplay NAME FILE", step_authreplay },
	{ "ping", 0, 0, "ping", step_ping },
	{ "token", 0, 0, "token", step_token },
	{ "send", 2, 3, "send TO TEXT [IDHEX]", step_send },
	{ "sendbig", 3, 3, "sendbig TO SIZE COUNT", step_sendbig },
	{ "sendpipe", 4, 4, "sendpipe TO N SIZE WINDOW", step_sendpipe },
	{ "sendenv", 3, 4, "sendenv TO TEXT NAME:DEV,...|- [SKIPPED]",
	    step_sendenv },
	{ "recv", 0, 2, "recv [N [noack]]", step_recv },
	{ "recvf", 0, 2, "recvf [N [noack]]", step_recvf },
	{ "ack", 1, 1, "ack SEQ", step_ackreq },
	{ "bundle", 1, 1, "bundle NAME", step_bundle },
	{ "bundles", 2, 3, "bundles NAME N [FILE]", step_bundles },
	{ "upload", 1, 2, "upload N [FIRSTID]", step_upload },
	{ "garbage", 1, 1, "garbage N", step_garbage },
	{ "big", 1, 1, "big BYTES", step_big },
	{ "text", 0, 0, "text", step_text },
	{ "flood", 1, 1, "flood N", step_flood },
	{ "sleep", 1, 1, "sleep MS", step_sleep },
	{ "take", 1, 2, "take N [MS]", step_take },
	{ "waitfile", 1, 1, "waitfile PATH", step_waitfile },
	{ "drain", 0, 0, "drain", step_drain },
};

static const size_t steps_n = sizeof steps / sizeof steps[0];

/* The step called name, from any table, or NULL. */
static const struct probe_step *
step_find(const char *name)
{
	static const struct {
		const struct probe_step	*steps;
		const size_t		*n;
	} tables[] = {
		{ steps, &steps_n },
		{ probe_link_steps, &probe_link_nsteps },
		{ probe_group_steps, &probe_group_nsteps },
		{ probe_many_steps, &probe_many_nsteps },
		{ probe_order_steps, &probe_order_nsteps },
	};
	size_t	t, i;

	for (t = 0; t < sizeof tables / sizeof tables[0]; t++) {
		for (i = 0; i < *tables[t].n; i++) {
			if (strcmp(name, tables[t].steps[i].name) == 0)
				return (&tables[t].steps[i]);
		}
	}
	return (NULL);
}

int
probe_step(struct probe *p, int argc, char **argv)
{
	const struct probe_step	*s;
	int			 nargs;

	if ((s = step_find(argv[0])) == NULL) {
		fprintf(stderr, "natter-probe: unknown step: %s\n", argv[0]);
		return (0);
	}
	/* Arguments run up to the next step name. */
	for (nargs = 0; nargs < s->maxargs && nargs + 1 < argc; nargs++) {
		if (probe_is_step(argv[nargs + 1]))
			break;
	}
	if (nargs < s->minargs) {
		fprintf(stderr, "usage: %s\n", s->usage);
		return (0);
	}
	if (s->fn(p, nargs + 1, argv) != 0)
		return (-1);
	return (nargs + 1);
}

int
probe_is_step(const char *name)
{
	return (step_find(name) != NULL);
}
