/* probe_link: natter-probe's steps about signed device lists and linking.
 *
 * Keys live in the key directory as KEY.key (probe_save_key): a device's
 * key is named by the test, "alice" for alice's device 1, any other name
 * for a device being linked. A device list is given on the command line
 * as ID=KEY[,ID=KEY...], KEY "rand" standing for a fresh random key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "shared/crypto/devicelist.h"
#include "shared/proto/wire.h"
#include "shared/util/hex.h"
#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"
#include "tests/tools/probe.h"

/* What a list step's KEY=VALUE options say. */
struct link_opts {
	const char	*account;	/* account=NAME: the list's account */
	uint64_t	 version;	/* version=N */
	const char	*devs;		/* devs=ID=KEY,...: the devices */
	const char	*signer;	/* signer=KEY: who signs it */
	const char	*added;		/* added=KEY: the link being added */
	int		 badsig;	/* badsig: a spoiled signature */
};

/* Options from argv[first..argc); 0, or -1 for one not understood. */
static int
link_opts(struct link_opts *o, int argc, char **argv, int first)
{
	int	i;

	for (i = first; i < argc; i++) {
		if (strncmp(argv[i], "account=", 8) == 0)
			o->account = argv[i] + 8;
		else if (strncmp(argv[i], "version=", 8) == 0)
			o->version = strtoull(argv[i] + 8, NULL, 10);
		else if (strncmp(argv[i], "devs=", 5) == 0)
			o->devs = argv[i] + 5;
		else if (strncmp(argv[i], "signer=", 7) == 0)
			o->signer = argv[i] + 7;
		else if (strncmp(argv[i], "added=", 6) == 0)
			o->added = argv[i] + 6;
		else if (strcmp(argv[i], "badsig") == 0)
			o->badsig = 1;
		else {
			fprintf(stderr, "natter-probe: unknown option %s\n",
			    argv[i]);
			return (-1);
		}
	}
	return (0);
}

/* The secret key of KEY, a fresh one for "rand", or self's for "self"
 * (when self is not NULL): 0 or -1. */
static int
link_secret(struct probe *p, const char *key, const uint8_t *self,
    uint8_t sk[64])
{
	uint8_t	pk[32];

	if (strcmp(key, "rand") == 0)
		crypto_sign_keypair(pk, sk);
	else if (strcmp(key, "self") == 0 && self != NULL)
		memcpy(sk, self, 64);
	else if (probe_load_key(p, key, sk) != 0) {
		fprintf(stderr, "natter-probe: no key %s\n", key);
		return (-1);
	}
	return (0);
}

/* The public key of KEY (see link_secret): 0 or -1. */
static int
link_public(struct probe *p, const char *key, const uint8_t *self,
    uint8_t pk[32])
{
	uint8_t	sk[64];

	if (link_secret(p, key, self, sk) != 0)
		return (-1);
	memcpy(pk, sk + 32, 32);
	sodium_memzero(sk, sizeof sk);
	return (0);
}

/* Build and sign the list o describes into out (DEVICELIST_MAXBYTES),
 * "self" being the secret key self: 0 or -1. */
static int
link_build(struct probe *p, const struct link_opts *o, const uint8_t *self,
    uint8_t *out, size_t *len)
{
	struct devicelist	*dl;
	uint8_t			 sk[64], pk[32];
	char			*buf, *tok, *save, *eq;
	int			 rc = -1;

	dl = devicelist_create(o->account, strlen(o->account), o->version,
	    (uint64_t)time_now_ms());
	if (dl == NULL || link_secret(p, o->signer, self, sk) != 0) {
		fprintf(stderr, "natter-probe: cannot make a list for %s\n",
		    o->account);
		devicelist_free(dl);
		return (-1);
	}
	buf = xstrdup(o->devs);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if ((eq = strchr(tok, '=')) == NULL ||
		    link_public(p, eq + 1, self, pk) != 0 ||
		    devicelist_add(dl, (uint32_t)atoi(tok), pk) != 0)
			goto out;
	}
	devicelist_sign(dl, sk, out, len);
	if (o->badsig)
		out[*len - 1] ^= 1;
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "natter-probe: bad device spec %s\n", o->devs);
	sodium_memzero(sk, sizeof sk);
	free(buf);
	devicelist_free(dl);
	return (rc);
}

void
probe_print_list(const Natter__Response *r)
{
	struct devicelist	*dl = NULL;
	const Natter__PrekeyBundle *b;
	size_t			 i;

	if (r->device_list.len == 0)
		return;
	for (i = 0; i < r->n_bundles && dl == NULL; i++) {
		b = r->bundles[i];
		if (b->device == 1 && b->identity_key.len == 32)
			dl = devicelist_verify(r->device_list.data,
			    r->device_list.len, b->identity_key.data, 0, NULL);
	}
	if (dl == NULL) {
		printf(" list=BAD");
		return;
	}
	printf(" list=v%llu:", (unsigned long long)devicelist_version(dl));
	for (i = 0; i < devicelist_count(dl); i++)
		printf("%s%u", i > 0 ? "," : "",
		    devicelist_device(dl, i, NULL));
	devicelist_free(dl);
}

/* regl NAME [OPTS]: register NAME with a signed list, by default version
 * 1 with device 1 only (OPTS: account=, version=, devs= with "self" for
 * the new key, badsig). */
static int
step_regl(struct probe *p, int argc, char **argv)
{
	struct link_opts	o;
	uint8_t			pk[32], sk[64], list[DEVICELIST_MAXBYTES];
	size_t			len;
	int			rc;

	memset(&o, 0, sizeof o);
	o.account = argv[1];
	o.version = 1;
	o.devs = "1=self";
	o.signer = "self";
	if (link_opts(&o, argc, argv, 2) != 0)
		return (-1);
	crypto_sign_keypair(pk, sk);
	if (link_build(p, &o, sk, list, &len) != 0)
		return (-1);
	rc = probe_register(p, "regl", argv[1], sk, 50, 0, list, len);
	sodium_memzero(sk, sizeof sk);
	return (rc);
}

/* Send f and print "LABEL CODE", with the message of a refusal; the
 * answer, for the caller to print more of, end the line and free, or
 * NULL. */
static Natter__Frame *
link_ask(struct probe *p, Natter__Frame *f, const char *label)
{
	Natter__Frame	*r;

	if ((r = probe_request(p, f)) == NULL)
		return (NULL);
	printf("%s %s", label, probe_code(r->response->code));
	if (r->response->code != NATTER__CODE__OK &&
	    r->response->message != NULL && *r->response->message != '\0')
		printf(" (%s)", r->response->message);
	return (r);
}

/* link_ask, then the end of the line: 0, or -1 without an answer. */
static int
link_ask_line(struct probe *p, Natter__Frame *f, const char *label)
{
	Natter__Frame	*r;

	if ((r = link_ask(p, f, label)) == NULL)
		return (-1);
	printf("\n");
	wire_free(r);
	return (0);
}

/* publish [OPTS]: PublishDeviceList; by default the list of the account
 * signed in, with its key, at version 2 with device 1 only (OPTS:
 * version=, devs=, account=, signer=, added=KEY, badsig). */
static int
step_publish(struct probe *p, int argc, char **argv)
{
	Natter__Frame			 f = NATTER__FRAME__INIT;
	Natter__PublishDeviceList	 m = NATTER__PUBLISH_DEVICE_LIST__INIT;
	struct link_opts		 o;
	uint8_t				 list[DEVICELIST_MAXBYTES], pk[32];
	uint8_t				 fp[32];
	char				 devs[sizeof p->name + 2];
	size_t				 len;

	memset(&o, 0, sizeof o);
	o.account = p->name;
	o.signer = p->name;
	o.version = 2;
	if (link_opts(&o, argc, argv, 1) != 0)
		return (-1);
	if (o.devs == NULL) {
		snprintf(devs, sizeof devs, "1=%s", p->name);
		o.devs = devs;
	}
	if (link_build(p, &o, NULL, list, &len) != 0)
		return (-1);
	m.list.data = list;
	m.list.len = len;
	if (o.added != NULL) {
		if (link_public(p, o.added, NULL, pk) != 0)
			return (-1);
		crypto_hash_sha256(fp, pk, sizeof pk);
		m.added.data = fp;
		m.added.len = DEVICELIST_FPBYTES;
	}
	f.body_case = NATTER__FRAME__BODY_PUBLISH_DEVICE_LIST;
	f.publish_device_list = &m;
	return (link_ask_line(p, &f, "publish"));
}

/* keygen KEY: a new key saved as KEY; prints its public key in hex. */
static int
step_keygen(struct probe *p, int argc, char **argv)
{
	uint8_t	pk[32], sk[64];
	char	hex[65];

	crypto_sign_keypair(pk, sk);
	if (probe_save_key(p, argv[1], sk) != 0)
		return (-1);
	sodium_memzero(sk, sizeof sk);
	hex_encode(hex, pk, sizeof pk);
	printf("keygen %s %s\n", argv[1], hex);
	return (0);
}

/* The name event KIND waits for, of an Event, or NULL. */
static const char *
link_event_kind(const Natter__Event *ev)
{
	switch (ev->kind_case) {
	case NATTER__EVENT__KIND_PREKEYS_LOW:
		return ("prekeys_low");
	case NATTER__EVENT__KIND_BACKLOG_DRAINED:
		return ("drained");
	case NATTER__EVENT__KIND_DEVICE_LIST_CHANGED:
		return ("changed");
	case NATTER__EVENT__KIND_LINK:
		return ("link");
	case NATTER__EVENT__KIND_LINKED:
		return ("linked");
	default:
		return (NULL);
	}
}

/* event KIND: wait for the next Event of KIND (prekeys_low, drained,
 * changed, link, linked), passing over other pushes; print it. */
static int
step_event(struct probe *p, int argc, char **argv)
{
	Natter__Frame		*f;
	const Natter__Event	*ev;
	const char		*kind;

	for (;;) {
		if ((f = probe_push(p)) == NULL)
			return (-1);
		ev = f->event;
		if (f->body_case == NATTER__FRAME__BODY_EVENT &&
		    (kind = link_event_kind(ev)) != NULL &&
		    strcmp(kind, argv[1]) == 0)
			break;
		wire_free(f);
	}
	printf("event %s", kind);
	if (ev->kind_case == NATTER__EVENT__KIND_DEVICE_LIST_CHANGED)
		printf(" %s", ev->device_list_changed->name);
	else if (ev->kind_case == NATTER__EVENT__KIND_LINK)
		printf(" %.*s", (int)ev->link->payload.len,
		    (const char *)ev->link->payload.data);
	else if (ev->kind_case == NATTER__EVENT__KIND_LINKED)
		printf(" %s/%u", ev->linked->name, ev->linked->device);
	printf("\n");
	wire_free(f);
	return (0);
}

/* The login domain of a LinkOffer (natter.proto), spelled out here so
 * that the test does not take natterd's word for it. */
#define LINK_DOMAIN	"natter v1 link"


/* The fingerprint of KEY's public key (see link_secret): 0 or -1. */
static int
link_fp(struct probe *p, const char *key, uint8_t fp[DEVICELIST_FPBYTES])
{
	uint8_t	pk[32], h[crypto_hash_sha256_BYTES];

	if (link_public(p, key, NULL, pk) != 0)
		return (-1);
	crypto_hash_sha256(h, pk, sizeof pk);
	memcpy(fp, h, DEVICELIST_FPBYTES);
	return (0);
}

#define LINK_NOPK	40	/* one-time prekeys in an offer */

/* linkoffer KEY [badsig]: a new device's key, saved as KEY, offered with
 * a signed prekey and LINK_NOPK one-time prekeys. */
static int
step_linkoffer(struct probe *p, int argc, char **argv)
{
	Natter__Frame		 f = NATTER__FRAME__INIT;
	Natter__LinkOffer	 m = NATTER__LINK_OFFER__INIT;
	Natter__SignedPrekey	 spk;
	Natter__OneTimePrekey	 opks[LINK_NOPK], *opkp[LINK_NOPK];
	uint8_t			 pk[32], sk[64], sig[64], spkbuf[96];
	uint8_t			 opkbuf[LINK_NOPK * 32];

	crypto_sign_keypair(pk, sk);
	if (probe_save_key(p, argv[1], sk) != 0)
		return (-1);
	probe_fill_prekeys(&spk, spkbuf, opks, opkp, opkbuf, LINK_NOPK, 1,
	    sk);
	probe_sign(p, LINK_DOMAIN, "", NULL, sk, sig);
	sodium_memzero(sk, sizeof sk);
	if (argc > 2 && strcmp(argv[2], "badsig") == 0)
		sig[0] ^= 1;
	m.identity_key.data = pk;
	m.identity_key.len = sizeof pk;
	m.signed_prekey = &spk;
	m.n_one_time_prekeys = LINK_NOPK;
	m.one_time_prekeys = opkp;
	m.signature.data = sig;
	m.signature.len = sizeof sig;
	f.body_case = NATTER__FRAME__BODY_LINK_OFFER;
	f.link_offer = &m;
	return (link_ask_line(p, &f, "linkoffer"));
}

/* lookup KEY: LinkLookup of KEY's fingerprint ("rand": one nobody
 * offered); "key=match" when the answer is KEY's public key. */
static int
step_lookup(struct probe *p, int argc, char **argv)
{
	Natter__Frame		 f = NATTER__FRAME__INIT, *r;
	Natter__LinkLookup	 m = NATTER__LINK_LOOKUP__INIT;
	uint8_t			 fp[DEVICELIST_FPBYTES], pk[32];

	if (link_fp(p, argv[1], fp) != 0)
		return (-1);
	m.fingerprint.data = fp;
	m.fingerprint.len = sizeof fp;
	f.body_case = NATTER__FRAME__BODY_LINK_LOOKUP;
	f.link_lookup = &m;
	if ((r = link_ask(p, &f, "lookup")) == NULL)
		return (-1);
	if (r->response->code == NATTER__CODE__OK)
		printf(" key=%s", r->response->identity_key.len == 32 &&
		    link_public(p, argv[1], NULL, pk) == 0 &&
		    memcmp(pk, r->response->identity_key.data, 32) == 0 ?
		    "match" : "mismatch");
	printf("\n");
	wire_free(r);
	return (0);
}

/* relay KEY TEXT [SIZE]: LinkRelay of TEXT (or SIZE bytes) under KEY's
 * fingerprint. */
static int
step_relay(struct probe *p, int argc, char **argv)
{
	Natter__Frame		 f = NATTER__FRAME__INIT;
	Natter__LinkRelay	 m = NATTER__LINK_RELAY__INIT;
	uint8_t			 fp[DEVICELIST_FPBYTES], *big = NULL;
	size_t			 size = argc > 3 ? (size_t)atol(argv[3]) : 0;
	int			 rc;

	if (link_fp(p, argv[1], fp) != 0)
		return (-1);
	m.fingerprint.data = fp;
	m.fingerprint.len = sizeof fp;
	m.payload.data = (uint8_t *)argv[2];
	m.payload.len = strlen(argv[2]);
	if (size > 0) {
		big = xmalloc(size);
		memset(big, 'x', size);
		m.payload.data = big;
		m.payload.len = size;
	}
	f.body_case = NATTER__FRAME__BODY_LINK_RELAY;
	f.link_relay = &m;
	rc = link_ask_line(p, &f, "relay");
	free(big);
	return (rc);
}

const struct probe_step probe_link_steps[] = {
	{ "regl", 1, 6, "regl NAME [account=A] [version=N] [devs=ID=KEY,...] "
	    "[badsig]", step_regl },
	{ "publish", 0, 6, "publish [version=N] [devs=ID=KEY,...] "
	    "[added=KEY] [account=A] [signer=KEY] [badsig]", step_publish },
	{ "keygen", 1, 1, "keygen KEY", step_keygen },
	{ "event", 1, 1, "event KIND", step_event },
	{ "linkoffer", 1, 2, "linkoffer KEY [badsig]", step_linkoffer },
	{ "lookup", 1, 1, "lookup KEY", step_lookup },
	{ "relay", 2, 3, "relay KEY TEXT [SIZE]", step_relay },
};
const size_t probe_link_nsteps =
    sizeof probe_link_steps / sizeof probe_link_steps[0];
