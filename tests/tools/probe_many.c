/* probe_many: natter-probe's steps over many accounts, each on a
 * connection of its own: registering them, and reading each one's
 * backlog to check the group messages it got (regmany, recvmany). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "shared/proto/login.h"
#include "shared/proto/wire.h"
#include "shared/util/xmalloc.h"
#include "tests/tools/probe.h"

#define MANY_MAX	2048	/* texts expected per account */

/* regmany PREFIX A B: register PREFIX-A .. PREFIX-B, each on its own
 * connection; print "regmany OK N" when all were. */
static int
step_regmany(struct probe *p, int argc, char **argv)
{
	struct probe	q;
	uint8_t		pk[32], sk[64];
	long		a = atol(argv[2]), b = atol(argv[3]), ok = 0;
	char		*name;

	for (; a <= b; a++) {
		xasprintf(&name, "%s-%ld", argv[1], a);
		if (probe_open(&q, p->host, p->port, p->keydir,
		    p->timeout_ms) != 0) {
			free(name);
			return (-1);
		}
		crypto_sign_keypair(pk, sk);
		if (probe_register(&q, "r", name, sk, 1, 0, NULL, 0) == 0)
			ok++;
		probe_close(&q);
		free(name);
	}
	printf("regmany OK %ld\n", ok);
	return (0);
}

/* Log q in as name (device 1, its saved key): 0, or -1. */
static int
many_login(struct probe *q, const char *name)
{
	Natter__Frame	 f = NATTER__FRAME__INIT, *r;
	Natter__Auth	 a = NATTER__AUTH__INIT;
	uint8_t		 sk[64], sig[64];
	uint32_t	 device = 1;
	int		 ok;

	if (probe_load_key(q, name, sk) != 0)
		return (-1);
	probe_sign(q, LOGIN_AUTH_DOMAIN, name, &device, sk, sig);
	sodium_memzero(sk, sizeof sk);
	a.name = (char *)name;
	a.device = device;
	a.signature.data = sig;
	a.signature.len = 64;
	f.body_case = NATTER__FRAME__BODY_AUTH;
	f.auth = &a;
	if ((r = probe_request(q, &f)) == NULL)
		return (-1);
	ok = r->response->code == NATTER__CODE__OK;
	wire_free(r);
	return (ok ? 0 : -1);
}

/* Read q's backlog to its end, acking everything: the texts of its
 * group messages into texts (caller frees each), *n set. 0 or -1. */
static int
many_drain(struct probe *q, char **texts, size_t max, size_t *n)
{
	Natter__Frame		*f;
	Natter__Delivery	*d;
	uint64_t		 seqs[64];
	size_t			 i, k;
	int			 drained = 0;

	*n = 0;
	while (!drained) {
		if ((f = probe_push(q)) == NULL)
			return (-1);
		if (f->body_case == NATTER__FRAME__BODY_EVENT &&
		    f->event->kind_case == NATTER__EVENT__KIND_BACKLOG_DRAINED)
			drained = 1;
		if (f->body_case != NATTER__FRAME__BODY_DELIVER) {
			wire_free(f);
			continue;
		}
		for (i = k = 0; i < f->deliver->n_items && k < 64; i++) {
			d = f->deliver->items[i];
			seqs[k++] = d->seq;
			if (d->type == 3 && *n < max)
				texts[(*n)++] = xstrndup(
				    (const char *)d->content.data,
				    d->content.len);
		}
		wire_free(f);
		if (probe_ack(q, seqs, k) != 0)
			return (-1);
	}
	return (0);
}

/* Check texts[0..n) against want[0..nwant): each once, nothing else,
 * the first inorder of want in their order. NULL, or what is wrong. */
static const char *
many_check(char **texts, size_t n, char **want, size_t nwant, size_t inorder)
{
	size_t	i, j, last = 0, hits;

	for (i = 0; i < nwant; i++) {
		for (j = 0, hits = 0; j < n; j++) {
			if (strcmp(texts[j], want[i]) != 0)
				continue;
			hits++;
			if (i < inorder && j < last)
				return ("out of order");
			if (i < inorder)
				last = j;
		}
		if (hits == 0)
			return ("lost a message");
		if (hits > 1)
			return ("got a message twice");
	}
	return (n == nwant ? NULL : "got a message it should not have");
}

/* The lines of path (caller frees each) into out: how many. */
static size_t
many_lines(const char *path, char **out, size_t max)
{
	FILE	*fp = fopen(path, "r");
	char	 line[256];
	size_t	 n = 0;

	if (fp == NULL)
		return (0);
	while (n < max && fgets(line, sizeof line, fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (*line != '\0')
			out[n++] = xstrdup(line);
	}
	fclose(fp);
	return (n);
}

static void
many_free_all(char **v, size_t n)
{
	while (n-- > 0)
		free(v[n]);
}

/* recvmany PREFIX A B FILE [K]: log in as PREFIX-A .. PREFIX-B in turn
 * (device 1), read each one's backlog and check its group messages: the
 * lines of FILE, each exactly once, the first K in order. Prints
 * "recvmany ok=N bad=M" and a line for each of the first bad ones. */
static int
step_recvmany(struct probe *p, int argc, char **argv)
{
	struct probe	 q;
	char		*want[MANY_MAX], *got[2 * MANY_MAX], *name;
	const char	*bad;
	size_t		 nwant, ngot, inorder;
	long		 a = atol(argv[2]), b = atol(argv[3]), ok = 0, nbad = 0;

	nwant = many_lines(argv[4], want, MANY_MAX);
	inorder = argc > 5 ? (size_t)atol(argv[5]) : nwant;
	for (; a <= b; a++) {
		xasprintf(&name, "%s-%ld", argv[1], a);
		if (probe_open(&q, p->host, p->port, p->keydir,
		    p->timeout_ms) != 0 || many_login(&q, name) != 0 ||
		    many_drain(&q, got, 2 * MANY_MAX, &ngot) != 0) {
			fprintf(stderr, "natter-probe: %s: cannot read\n",
			    name);
			free(name);
			many_free_all(want, nwant);
			return (-1);
		}
		probe_close(&q);
		if ((bad = many_check(got, ngot, want, nwant, inorder)) == NULL)
			ok++;
		else if (nbad++ < 5)
			printf("recvmany %s: %s (%zu of %zu)\n", name, bad,
			    ngot, nwant);
		many_free_all(got, ngot);
		free(name);
	}
	many_free_all(want, nwant);
	printf("recvmany ok=%ld bad=%ld\n", ok, nbad);
	return (0);
}

const struct probe_step probe_many_steps[] = {
	{ "regmany", 3, 3, "regmany PREFIX A B", step_regmany },
	{ "recvmany", 4, 5, "recvmany PREFIX A B FILE [K]", step_recvmany },
};
const size_t probe_many_nsteps =
    sizeof probe_many_steps / sizeof probe_many_steps[0];
