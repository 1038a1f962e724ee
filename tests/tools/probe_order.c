/* probe_order: natter-probe's check that a connection's pipelined
 * requests take effect and are answered in the order they were sent
 * (sendmix), whatever each of them meets: a refusal, a message id
 * reused after a refusal, a duplicate of the Send before it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "shared/proto/wire.h"
#include "shared/util/xmalloc.h"
#include "tests/tools/probe.h"

#define ORDER_MAX	512	/* Sends in one sendmix */

/* What Send i (from 1) of a sendmix is. */
enum order_kind {
	ORDER_NEW,	/* a new message to TO */
	ORDER_REFUSED,	/* to an account that does not exist */
	ORDER_RETRY,	/* to TO, with the refused id before it */
	ORDER_DUP	/* the Send before it again: the same id and text */
};

static enum order_kind
order_kind(long i)
{
	if (i % 5 == 0)
		return (ORDER_REFUSED);
	if (i % 5 == 1 && i > 1)
		return (ORDER_RETRY);
	if (i % 7 == 0)
		return (ORDER_DUP);
	return (ORDER_NEW);
}

/* Send i of the mix to (to) with text and id. */
static int
order_send(struct probe *p, uint64_t rid, const char *to, const char *text,
    const uint8_t id[16])
{
	Natter__Frame		 f = NATTER__FRAME__INIT;
	Natter__Send		 m = NATTER__SEND__INIT;
	Natter__Envelope	 e = NATTER__ENVELOPE__INIT, *ep = &e;

	e.name = (char *)to;
	e.device = 1;
	e.type = 1;
	e.content.data = (uint8_t *)text;
	e.content.len = strlen(text);
	m.to = (char *)to;
	m.n_envelopes = 1;
	m.envelopes = &ep;
	m.message_id.data = (uint8_t *)id;
	m.message_id.len = 16;
	f.id = rid;
	f.body_case = NATTER__FRAME__BODY_SEND;
	f.send = &m;
	return (probe_send_frame(p, &f));
}

/* The next response (pushes are stashed for later steps). */
static Natter__Frame *
order_response(struct probe *p)
{
	Natter__Frame	*f;

	while ((f = probe_read(p)) != NULL) {
		if (f->body_case == NATTER__FRAME__BODY_RESPONSE)
			return (f);
		if (p->nstash < PROBE_MAXSTASH)
			p->stash[p->nstash++] = f;
		else
			wire_free(f);
	}
	return (NULL);
}

/*
 * sendmix TO N: N Sends at once, their kinds by order_kind, then their
 * answers, which must come in the order sent with the codes expected
 * (a duplicate answered with its original's time). Prints "sendmix OK N
 * in order" and then "sendmix stored TEXT..." (what TO must receive, in
 * order), or what went wrong and where.
 */
static int
step_sendmix(struct probe *p, int argc, char **argv)
{
	static uint8_t	 ids[ORDER_MAX + 1][16];
	static char	 texts[ORDER_MAX + 1][16];
	static int64_t	 ts[ORDER_MAX + 1];
	long		 n = atol(argv[2]), i;
	uint64_t	 base = p->next_id;
	uint32_t	 want;
	Natter__Frame	*r;
	enum order_kind	 k;

	if (n < 1 || n > ORDER_MAX) {
		fprintf(stderr, "sendmix: N is 1 to %d\n", ORDER_MAX);
		return (-1);
	}
	for (i = 1; i <= n; i++) {
		k = order_kind(i);
		if (k == ORDER_RETRY || k == ORDER_DUP)
			memcpy(ids[i], ids[i - 1], 16);
		else
			randombytes_buf(ids[i], 16);
		if (k == ORDER_DUP)
			memcpy(texts[i], texts[i - 1], sizeof texts[i]);
		else
			snprintf(texts[i], sizeof texts[i], "mix%ld", i);
		if (order_send(p, base + (uint64_t)i, k == ORDER_REFUSED ?
		    "nobody-here" : argv[1], texts[i], ids[i]) != 0)
			return (-1);
	}
	p->next_id = base + (uint64_t)n;
	for (i = 1; i <= n; i++) {
		if ((r = order_response(p)) == NULL)
			return (-1);
		k = order_kind(i);
		want = k == ORDER_REFUSED ? NATTER__CODE__UNKNOWN_USER :
		    NATTER__CODE__OK;
		ts[i] = r->response->server_ts;
		if (r->id != base + (uint64_t)i || r->response->code != want ||
		    (k == ORDER_DUP && ts[i] != ts[i - 1])) {
			printf("sendmix answer %ld: request %llu %s ts %lld "
			    "(expected request %ld %s%s)\n", i,
			    (unsigned long long)(r->id - base),
			    probe_code(r->response->code),
			    (long long)ts[i], i, probe_code(want),
			    k == ORDER_DUP ? ", the time of the one before" :
			    "");
			wire_free(r);
			return (0);
		}
		wire_free(r);
	}
	printf("sendmix OK %ld in order\nsendmix stored", n);
	for (i = 1; i <= n; i++) {
		k = order_kind(i);
		if (k == ORDER_NEW || k == ORDER_RETRY)
			printf(" %s", texts[i]);
	}
	printf("\n");
	return (0);
}

const struct probe_step probe_order_steps[] = {
	{ "sendmix", 2, 2, "sendmix TO N", step_sendmix },
};
const size_t probe_order_nsteps =
    sizeof probe_order_steps / sizeof probe_order_steps[0];
