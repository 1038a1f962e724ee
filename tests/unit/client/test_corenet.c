/* test_corenet: outbox, inbox, devices and trust without natterd: cores on a fake transport that plays the server in process. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <uv.h>

#include "client/core/conn.h"
#include "client/core/content.h"
#include "client/core/core.h"
#include "client/core/groups.h"
#include "client/core/groupsend.h"
#include "client/core/senderkeys.h"
#include "client/store/store.h"
#include "shared/crypto/senderkey.h"
#include "shared/proto/wire.h"
#include "shared/util/xmalloc.h"
#include "tests/unit/unit.h"

#define PASS		"pw"
#define FAKE_MAX	4	/* connections and accounts */

/*
 * The fake server: accounts from Register (identity key, signed prekey,
 * one-time prekeys), bundles from them, Sends routed to the recipient
 * device's connection as Deliver frames.  Switches make it misbehave.
 */
struct fake_acct {
	char			 name[WIRE_NAME_MAX + 1];
	Natter__Register	*reg;		/* as received (unpacked copy) */
	size_t			 opk_next;
};

struct net {
	const struct net_cb	*cb;
	void			*arg;
	int			 up;
	struct fake_acct	*acct;		/* signed in as (device 1) */
};

struct fake_out {
	struct net	*n;
	uint8_t		*buf;		/* a packed frame */
	size_t		 len;
};

static struct {
	uv_loop_t		 loop;
	uv_timer_t		 flush;
	struct net		*nets[FAKE_MAX];
	struct fake_acct	 accts[FAKE_MAX];
	struct fake_out		 out[256];
	size_t			 nout;
	uint64_t		 seq;
	int			 mute;		/* answer no request */
	int			 extra;		/* Sends to answer: extra device */
	int			 missing;	/* Sends to answer: device missing */
	int			 refuse_auth;	/* Auths to answer INTERNAL */
	int			 sends, connects, disconnects;
	/* One group (groups.md), held as natterd would. */
	Natter__GroupInfo	 group;
	char			*members[FAKE_MAX];
	uint8_t			 gid[16];
	char			 gname[2];
	int			 ghost;		/* bob device 7, on no list */
	const char		*stale;		/* still in the device set */
	int			 ghost_envelopes; /* envelopes sent to it */
	int			 gsends, gstored;
	uint8_t			 gbody[1024];	/* the last stored GroupSend */
	size_t			 gbodylen;
	uint8_t			 gmsgid[16];	/* and its message id */
} fk;

static char	tmpdir[] = "/tmp/natter-test-corenet.XXXXXX";

static void
fake_flush_cb(uv_timer_t *t)
{
	struct fake_out	 out[sizeof fk.out / sizeof fk.out[0]];
	size_t		 i, n = fk.nout;

	(void)t;
	memcpy(out, fk.out, n * sizeof out[0]);
	fk.nout = 0;		/* frames handled below may push more */
	for (i = 0; i < n; i++) {
		struct fake_out	*o = &out[i];
		Natter__Frame	*f;

		if (o->n->up && (f = natter__frame__unpack(NULL, o->len,
		    o->buf)) != NULL)
			o->n->cb->frame(o->n->arg, f);
		free(o->buf);
	}
}

/* Queue f for n on the next loop turn, as a socket would. */
static void
fake_push(struct net *n, const Natter__Frame *f)
{
	struct fake_out	*o;

	ck_assert_uint_lt(fk.nout, sizeof fk.out / sizeof fk.out[0]);
	o = &fk.out[fk.nout++];
	o->n = n;
	o->len = natter__frame__get_packed_size(f);
	o->buf = malloc(o->len);
	natter__frame__pack(f, o->buf);
	uv_timer_start(&fk.flush, fake_flush_cb, 0, 0);
}

static void
fake_answer(struct net *n, uint64_t id, Natter__Response *r)
{
	Natter__Frame	f = NATTER__FRAME__INIT;

	f.id = id;
	f.body_case = NATTER__FRAME__BODY_RESPONSE;
	f.response = r;
	fake_push(n, &f);
}

static struct fake_acct *
fake_find(const char *name)
{
	int	i;

	for (i = 0; i < FAKE_MAX; i++) {
		if (strcmp(fk.accts[i].name, name) == 0)
			return (&fk.accts[i]);
	}
	return (NULL);
}

/* Register: a new account, or (to test key changes) a new key for one. */
static void
fake_register(struct net *n, const Natter__Frame *in, Natter__Response *r)
{
	struct fake_acct	*a;
	int			 i;

	if ((a = fake_find(in->register_->name)) == NULL) {
		for (i = 0; fk.accts[i].name[0] != '\0'; i++)
			;
		a = &fk.accts[i];
		snprintf(a->name, sizeof a->name, "%s", in->register_->name);
	} else
		natter__register__free_unpacked(a->reg, NULL);
	{
		size_t	 len = natter__register__get_packed_size(in->register_);
		uint8_t	*buf = malloc(len);

		natter__register__pack(in->register_, buf);
		a->reg = natter__register__unpack(NULL, len, buf);
		free(buf);
	}
	a->opk_next = 0;
	n->acct = a;
	r->device = 1;
}

static void
fake_bundle(const Natter__Frame *in, Natter__Response *r,
    Natter__PrekeyBundle *b, Natter__PrekeyBundle **bp)
{
	struct fake_acct	*a = fake_find(in->bundle_request->name);

	if (a == NULL) {
		r->code = NATTER__CODE__UNKNOWN_USER;
		return;
	}
	b->name = a->name;
	b->device = 1;
	b->identity_key = a->reg->identity_key;
	b->signed_prekey = a->reg->signed_prekey;
	if (a->opk_next < a->reg->n_one_time_prekeys)
		b->one_time_prekey = a->reg->one_time_prekeys[a->opk_next++];
	*bp = b;
	r->bundles = bp;
	r->n_bundles = 1;
}

/* Route each envelope to its device's connection (device 1 only here). */
static void
fake_send(struct net *n, const Natter__Frame *in, Natter__Response *r)
{
	static Natter__DeviceRef	 ref = NATTER__DEVICE_REF__INIT;
	static Natter__DeviceRef	*refp = &ref;
	size_t				 i;
	int				 j;

	fk.sends++;
	if (fk.extra > 0 || fk.missing > 0) {
		ref.name = in->send->to;
		r->code = NATTER__CODE__DEVICE_MISMATCH;
		if (fk.extra > 0) {
			fk.extra--;
			ref.device = 9;
			r->extra = &refp;
			r->n_extra = 1;
		} else {
			fk.missing--;
			ref.device = 1;
			r->missing = &refp;
			r->n_missing = 1;
		}
		return;
	}
	for (i = 0; i < in->send->n_envelopes; i++) {
		const Natter__Envelope	*e = in->send->envelopes[i];
		Natter__Frame		 f = NATTER__FRAME__INIT;

		if (e->device != 1) {
			fk.ghost_envelopes++;
			continue;
		}
		Natter__Deliver		 dl = NATTER__DELIVER__INIT;
		Natter__Delivery	 d = NATTER__DELIVERY__INIT;
		Natter__Delivery	*dp = &d;

		d.seq = ++fk.seq;
		d.from = n->acct->name;
		d.from_device = 1;
		d.message_id = in->send->message_id;
		d.type = e->type;
		d.content = e->content;
		dl.items = &dp;
		dl.n_items = 1;
		f.body_case = NATTER__FRAME__BODY_DELIVER;
		f.deliver = &dl;
		for (j = 0; j < FAKE_MAX; j++) {
			if (fk.nets[j] != NULL && fk.nets[j]->up &&
			    fk.nets[j]->acct != NULL &&
			    strcmp(fk.nets[j]->acct->name, e->name) == 0)
				fake_push(fk.nets[j], &f);
		}
	}
}

/* A Delivery to every member's connection but n's. */
static void
fake_group_push(struct net *n, Natter__Delivery *d)
{
	Natter__Frame		 f = NATTER__FRAME__INIT;
	Natter__Deliver		 dl = NATTER__DELIVER__INIT;
	size_t			 i;
	int			 j;

	dl.items = &d;
	dl.n_items = 1;
	f.body_case = NATTER__FRAME__BODY_DELIVER;
	f.deliver = &dl;
	for (j = 0; j < FAKE_MAX; j++) {
		if (fk.nets[j] == NULL || fk.nets[j] == n || !fk.nets[j]->up ||
		    fk.nets[j]->acct == NULL)
			continue;
		for (i = 0; i < fk.group.n_members; i++)
			if (strcmp(fk.group.members[i],
			    fk.nets[j]->acct->name) == 0) {
				d->seq = ++fk.seq;
				fake_push(fk.nets[j], &f);
			}
	}
}

static int
fake_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* Create (the users and the creator) or remove; a change to everyone. */
static void
fake_group_op(struct net *n, const Natter__Frame *in, Natter__Response *r)
{
	static Natter__GroupInfo	*gp = &fk.group;
	Natter__GroupChange		 ch = NATTER__GROUP_CHANGE__INIT;
	Natter__Delivery		 d = NATTER__DELIVERY__INIT;
	const Natter__GroupOp		*op = in->group_op;
	size_t				 i, j, k = 0;

	if (op->op == 1) {
		natter__group_info__init(&fk.group);
		randombytes_buf(fk.gid, sizeof fk.gid);
		fk.group.id.data = fk.gid;
		fk.group.id.len = sizeof fk.gid;
		fk.group.name = fk.gname;
		fk.members[k++] = n->acct->name;
		for (i = 0; i < op->n_users && k < FAKE_MAX; i++)
			fk.members[k++] = fake_find(op->users[i])->name;
		qsort(fk.members, k, sizeof fk.members[0], fake_cmp);
		fk.group.members = fk.members;
		fk.group.n_members = k;
		fk.group.admins = &fk.members[0];
		fk.group.n_admins = 1;
		fk.gname[0] = 'g';
	} else if (op->op == 2) {
		k = fk.group.n_members;
		for (i = 0; i < op->n_users && k < FAKE_MAX; i++)
			fk.members[k++] = fake_find(op->users[i])->name;
		qsort(fk.members, k, sizeof fk.members[0], fake_cmp);
		fk.group.n_members = k;
	}
	fk.group.epoch++;
	ch.change = op->op;
	ch.by = n->acct->name;
	ch.users = op->users;
	ch.n_users = op->n_users;
	ch.ts = 1;
	ch.group = &fk.group;
	d.type = 4;
	d.group = fk.group.id;
	d.change = &ch;
	d.from = n->acct->name;
	fake_group_push(n, &d);		/* before: a removed one learns it */
	if (op->op == 3) {
		for (i = j = 0; i < fk.group.n_members; i++) {
			for (k = 0; k < op->n_users; k++)
				if (strcmp(op->users[k], fk.members[i]) == 0)
					break;
			if (k == op->n_users)
				fk.members[j++] = fk.members[i];
		}
		fk.group.n_members = j;
	}
	r->groups = &gp;
	r->n_groups = 1;
}

/* The device set of the group but n's device (and bob's ghost). */
static size_t
fake_group_set(struct net *n, Natter__DeviceRef *refs, Natter__DeviceKey *keys)
{
	size_t	i, k = 0;

	for (i = 0; i < fk.group.n_members; i++) {
		if (strcmp(fk.group.members[i], n->acct->name) == 0)
			continue;
		natter__device_ref__init(&refs[k]);
		natter__device_key__init(&keys[k]);
		refs[k].name = keys[k].name = fk.group.members[i];
		refs[k].device = keys[k].device = 1;
		k++;
		if (fk.ghost && strcmp(fk.group.members[i], "bob") == 0) {
			natter__device_ref__init(&refs[k]);
			natter__device_key__init(&keys[k]);
			refs[k].name = keys[k].name = fk.group.members[i];
			refs[k].device = keys[k].device = 7;
			k++;
		}
	}
	if (fk.stale != NULL) {
		/* A lying server: a removed member's device stays. */
		natter__device_ref__init(&refs[k]);
		natter__device_key__init(&keys[k]);
		refs[k].name = keys[k].name = (char *)fk.stale;
		refs[k].device = keys[k].device = 1;
		k++;
	}
	return (k);
}

/* The device check, then one body for every member device. */
static void
fake_group_send(struct net *n, const Natter__Frame *in, Natter__Response *r)
{
	static Natter__DeviceRef	 refs[2 * FAKE_MAX], *rp[2 * FAKE_MAX];
	static Natter__DeviceKey	 keys[2 * FAKE_MAX];
	static Natter__GroupInfo	*gp = &fk.group;
	Natter__DeviceKey		*kp[2 * FAKE_MAX];
	Natter__Delivery		 d = NATTER__DELIVERY__INIT;
	uint8_t				 h[32];
	size_t				 i, k;

	fk.gsends++;
	k = fake_group_set(n, refs, keys);
	for (i = 0; i < k; i++) {
		rp[i] = &refs[i];
		kp[i] = &keys[i];
	}
	groupsend_hash(h, kp, k);
	if (in->group_send->devices_hash.len != 32 ||
	    memcmp(h, in->group_send->devices_hash.data, 32) != 0) {
		r->code = NATTER__CODE__DEVICE_MISMATCH;
		r->devices = rp;
		r->n_devices = k;
		r->groups = &gp;
		r->n_groups = 1;
		return;
	}
	fk.gstored++;
	ck_assert_uint_le(in->group_send->content.len, sizeof fk.gbody);
	memcpy(fk.gbody, in->group_send->content.data,
	    in->group_send->content.len);
	fk.gbodylen = in->group_send->content.len;
	if (in->group_send->message_id.len == sizeof fk.gmsgid)
		memcpy(fk.gmsgid, in->group_send->message_id.data,
		    sizeof fk.gmsgid);
	d.type = 3;
	d.group = fk.group.id;
	d.from = n->acct->name;
	d.from_device = 1;
	d.message_id = in->group_send->message_id;
	d.content = in->group_send->content;
	fake_group_push(n, &d);
}

static int
fake_net_send(struct net *n, const Natter__Frame *in)
{
	Natter__Response	 r = NATTER__RESPONSE__INIT;
	Natter__PrekeyBundle	 b = NATTER__PREKEY_BUNDLE__INIT, *bp;

	if (!n->up)
		return (-1);
	if (fk.mute && in->body_case != NATTER__FRAME__BODY_AUTH &&
	    in->body_case != NATTER__FRAME__BODY_REGISTER)
		return (0);
	switch (in->body_case) {
	case NATTER__FRAME__BODY_REGISTER:
		fake_register(n, in, &r);
		break;
	case NATTER__FRAME__BODY_AUTH:
		if (fk.refuse_auth > 0) {
			/* natterd without its store */
			fk.refuse_auth--;
			r.code = NATTER__CODE__INTERNAL;
			r.message = (char *)"server error; retry later";
			break;
		}
		n->acct = fake_find(in->auth->name);
		break;
	case NATTER__FRAME__BODY_BUNDLE_REQUEST:
		fake_bundle(in, &r, &b, &bp);
		break;
	case NATTER__FRAME__BODY_SEND:
		fake_send(n, in, &r);
		break;
	case NATTER__FRAME__BODY_GROUP_OP:
		fake_group_op(n, in, &r);
		break;
	case NATTER__FRAME__BODY_GROUP_SEND:
		fake_group_send(n, in, &r);
		break;
	default:
		break;
	}
	fake_answer(n, in->id, &r);
	return (0);
}

static struct net *
fake_net_create(uv_loop_t *loop, const struct net_cb *cb, void *arg, int tls)
{
	struct net	*n;
	int		 i;

	(void)loop;
	(void)tls;
	n = calloc(1, sizeof *n);
	n->cb = cb;
	n->arg = arg;
	for (i = 0; fk.nets[i] != NULL; i++)
		;
	fk.nets[i] = n;
	return (n);
}

static void
fake_net_free(struct net *n)
{
	int	i;

	for (i = 0; i < FAKE_MAX; i++) {
		if (fk.nets[i] == n)
			fk.nets[i] = NULL;
	}
	free(n);
}

static int
fake_net_connect(struct net *n, const char *url, char *err, size_t errlen)
{
	Natter__Frame		f = NATTER__FRAME__INIT;
	Natter__Challenge	ch = NATTER__CHALLENGE__INIT;
	uint8_t			nonce[WIRE_NONCEBYTES];

	(void)url;
	(void)err;
	(void)errlen;
	fk.connects++;
	n->up = 1;
	n->cb->up(n->arg);
	randombytes_buf(nonce, sizeof nonce);
	ch.nonce.data = nonce;
	ch.nonce.len = sizeof nonce;
	f.body_case = NATTER__FRAME__BODY_CHALLENGE;
	f.challenge = &ch;
	fake_push(n, &f);
	return (0);
}

static void
fake_net_disconnect(struct net *n)
{
	fk.disconnects++;
	n->up = 0;
}

static const struct conn_net fake_net = {
	fake_net_create, fake_net_free, fake_net_connect, fake_net_send,
	fake_net_disconnect
};

/* The server closes name's connections (natterd after a failed
 * transaction closes every one). */
static void
fake_drop(const char *name)
{
	struct fake_acct	*acct = fake_find(name);
	int			 i;

	for (i = 0; i < FAKE_MAX; i++) {
		if (fk.nets[i] == NULL || !fk.nets[i]->up ||
		    fk.nets[i]->acct != acct)
			continue;
		fk.nets[i]->up = 0;
		fk.nets[i]->acct = NULL;
		fk.nets[i]->cb->closed(fk.nets[i]->arg, 1,
		    "connection closed by the server");
	}
}

/* 1 if name is signed in on a connection. */
static int
fake_online(const char *name)
{
	struct fake_acct	*acct = fake_find(name);
	int			 i;

	for (i = 0; i < FAKE_MAX; i++) {
		if (fk.nets[i] != NULL && fk.nets[i]->up &&
		    fk.nets[i]->acct == acct)
			return (1);
	}
	return (0);
}

/* What the callbacks saw. */
struct seen {
	int			done;
	struct core_error	err;
	int			failed;
	int			messages, identity_changed, timeouts;
	int			changes, errors;
	char			text[64], group[40];
	char			errmsg[256];	/* the last ERROR's */
	int			receipts;	/* delivered, of ours */
	char			by[256];	/* their "by"s, in order */
	int			delivered_n, members_n;	/* the last's */
};

static void
done_cb(struct core *c, const struct core_error *err, void *arg)
{
	struct seen	*s = arg;

	(void)c;
	s->done = 1;
	if (err != NULL) {
		s->failed = 1;
		s->err = *err;
	}
}

static void
sent_cb(struct core *c, const struct core_error *err, const char *id,
    int64_t ts, void *arg)
{
	(void)id;
	(void)ts;
	done_cb(c, err, arg);
}

static void
event_cb(struct core *c, const struct core_event *ev, void *arg)
{
	struct seen	*s = arg;

	(void)c;
	if (ev->type == CORE_EV_MESSAGE && !ev->outgoing) {
		s->messages++;
		snprintf(s->text, sizeof s->text, "%s", ev->text);
		snprintf(s->group, sizeof s->group, "%s", ev->group != NULL ?
		    ev->group : "");
	} else if (ev->type == CORE_EV_GROUP_CHANGE)
		s->changes++;
	else if (ev->type == CORE_EV_RECEIPT && ev->status != NULL &&
	    strcmp(ev->status, "delivered") == 0) {
		s->receipts++;
		snprintf(s->by + strlen(s->by), sizeof s->by - strlen(s->by),
		    "%s%s", s->by[0] != '\0' ? " " : "", ev->by);
		s->delivered_n = ev->delivered_n;
		s->members_n = ev->members_n;
	}
	else if (ev->type == CORE_EV_ERROR) {
		s->errors++;
		snprintf(s->errmsg, sizeof s->errmsg, "%s", ev->error != NULL ?
		    ev->error->msg : "");
	}
	else if (ev->type == CORE_EV_IDENTITY_CHANGED)
		s->identity_changed++;
	else if (ev->type == CORE_EV_DISCONNECTED && ev->error != NULL &&
	    ev->error->code == CORE_ERR_TIMEOUT)
		s->timeouts++;
}

/* Run the loop until *flag is set (bounded: 10 s). */
static void
run_until(int *flag)
{
	time_t	end = time(NULL) + 10;

	while (!*flag && time(NULL) < end) {
		uv_run(&fk.loop, UV_RUN_NOWAIT);
		usleep(1000);
	}
	ck_assert_msg(*flag, "timed out");
}

/* Run the loop for ms milliseconds (what is in flight arrives). */
static void
run_for(int ms)
{
	int	i;

	for (i = 0; i < ms; i++) {
		uv_run(&fk.loop, UV_RUN_NOWAIT);
		usleep(1000);
	}
}

static void
setup(void)
{
	memset(&fk, 0, sizeof fk);
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	uv_loop_init(&fk.loop);
	uv_timer_init(&fk.loop, &fk.flush);
}

static void
teardown(void)
{
	char	cmd[128];
	int	i;

	uv_close((uv_handle_t *)&fk.flush, NULL);
	for (i = 0; i < 50; i++)
		uv_run(&fk.loop, UV_RUN_NOWAIT);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
	strcpy(tmpdir, "/tmp/natter-test-corenet.XXXXXX");
}

static struct core *
open_core(const char *who)
{
	struct core_error	 err;
	struct core		*c;
	char			 home[256];

	snprintf(home, sizeof home, "%s/%s", tmpdir, who);
	ck_assert_msg(core_open_net(&c, &fk.loop, home, PASS, strlen(PASS),
	    "ws://fake", CORE_OPEN_CREATE, &fake_net, &err) == 0,
	    "core_open: %s", err.msg);
	return (c);
}

static void
close_core(struct core *c)
{
	int	i;

	core_close(c);
	for (i = 0; i < 20; i++)
		uv_run(&fk.loop, UV_RUN_NOWAIT);
}

/* A registered account, online with events to s (NULL: not started). */
static struct core *
account(const char *who, struct seen *s)
{
	struct core		*c = open_core(who);
	struct core_error	 err;
	struct seen		 r;

	memset(&r, 0, sizeof r);
	core_register(c, who, done_cb, &r);
	run_until(&r.done);
	ck_assert_msg(!r.failed, "register: %s", r.err.msg);
	if (s != NULL)
		ck_assert_int_eq(core_start(c, 0, event_cb, s, &err), 0);
	return (c);
}

static void
send_ok(struct core *c, const char *to, const char *text)
{
	struct seen	s;

	memset(&s, 0, sizeof s);
	core_send_text(c, to, text, sent_cb, &s);
	run_until(&s.done);
	ck_assert_msg(!s.failed, "send: %s", s.err.msg);
}

/* Outbox, devices, peers and inbox end to end: X3DH, ratchet, commit, ack. */
START_TEST(test_send_receive)
{
	struct seen	 bs;
	struct core	*a, *b;

	memset(&bs, 0, sizeof bs);
	b = account("bob", &bs);
	a = account("alice", NULL);
	send_ok(a, "bob", "hello bob");
	run_until(&bs.messages);
	ck_assert_str_eq(bs.text, "hello bob");
	ck_assert_int_eq(core_outbox_count(a), 0);
	ck_assert_str_eq(core_trust_state(a, "bob"), "trusted");
	close_core(a);
	close_core(b);
}
END_TEST

/* A device-mismatch answer (an extra device) is retried, once. */
START_TEST(test_mismatch_retry)
{
	struct seen	 bs;
	struct core	*a, *b;

	memset(&bs, 0, sizeof bs);
	b = account("bob", &bs);
	a = account("alice", NULL);
	fk.extra = 1;
	send_ok(a, "bob", "after a mismatch");
	ck_assert_int_eq(fk.sends, 2);
	run_until(&bs.messages);
	ck_assert_str_eq(bs.text, "after a mismatch");
	close_core(a);
	close_core(b);
}
END_TEST

/*
 * A request without an answer fails after its deadline and the connection
 * is recycled; the message stays queued and goes on the next connection.
 */
START_TEST(test_request_timeout)
{
	struct seen	 as, bs, s;
	struct core	*a, *b;
	int		 disconnects;

	memset(&as, 0, sizeof as);
	memset(&bs, 0, sizeof bs);
	setenv("NATTER_REQUEST_TIMEOUT_MS", "200", 1);
	b = account("bob", &bs);
	a = account("alice", &as);
	fk.mute = 1;
	disconnects = fk.disconnects;
	memset(&s, 0, sizeof s);
	core_send_text(a, "bob", "through a stuck server", sent_cb, &s);
	run_until(&as.timeouts);
	ck_assert_int_gt(fk.disconnects, disconnects);
	ck_assert_int_eq(s.done, 0);
	ck_assert_int_eq(core_outbox_count(a), 1);
	fk.mute = 0;
	run_until(&s.done);
	ck_assert_msg(!s.failed, "send: %s", s.err.msg);
	run_until(&bs.messages);
	ck_assert_str_eq(bs.text, "through a stuck server");
	close_core(a);
	close_core(b);
	unsetenv("NATTER_REQUEST_TIMEOUT_MS");
}
END_TEST

/*
 * natterd closed every connection and, its store still down, answers
 * the sign-ins that follow with INTERNAL ("retry later"): a listening
 * device signs in again after the backoff, and is served once the
 * server is, rather than staying offline for good.
 */
START_TEST(test_signin_retry_later)
{
	struct seen	 bs;
	struct core	*a, *b;
	int		 connects, i;

	memset(&bs, 0, sizeof bs);
	b = account("bob", &bs);
	a = account("alice", NULL);
	fk.refuse_auth = 2;
	connects = fk.connects;
	fake_drop("bob");
	/* Three reconnects, each after its backoff: up to 0.5, 1 and 2 s. */
	for (i = 0; i < 200 && !fake_online("bob"); i++)
		run_for(50);
	ck_assert_msg(fake_online("bob"), "bob gave up after %d refusals",
	    2 - fk.refuse_auth);
	send_ok(a, "bob", "after the outage");
	run_until(&bs.messages);
	ck_assert_str_eq(bs.text, "after the outage");
	ck_assert_int_eq(fk.connects - connects, 3);
	close_core(a);
	close_core(b);
}
END_TEST

/* One-shot: the deadline is final, with CORE_ERR_TIMEOUT. */
START_TEST(test_request_timeout_oneshot)
{
	struct seen	 s;
	struct core	*a, *b;

	setenv("NATTER_REQUEST_TIMEOUT_MS", "200", 1);
	b = account("bob", NULL);
	close_core(b);
	a = account("alice", NULL);
	fk.mute = 1;
	memset(&s, 0, sizeof s);
	core_send_text(a, "bob", "lost?", sent_cb, &s);
	run_until(&s.done);
	ck_assert_int_eq(s.failed, 1);
	ck_assert_int_eq(s.err.code, CORE_ERR_TIMEOUT);
	ck_assert_ptr_nonnull(strstr(s.err.msg, "stays in the outbox"));
	ck_assert_int_eq(core_outbox_count(a), 1);
	close_core(a);
	unsetenv("NATTER_REQUEST_TIMEOUT_MS");
}
END_TEST

/*
 * The server presents another key for bob: the gate blocks sending (an
 * event, CORE_ERR_UNTRUSTED_IDENTITY) until the user accepts it.
 */
START_TEST(test_key_change_blocks)
{
	struct seen	 as, s;
	struct core	*a, *b, *b2;

	memset(&as, 0, sizeof as);
	b = account("bob", NULL);
	a = account("alice", &as);
	send_ok(a, "bob", "first");
	close_core(b);
	b2 = account("bob2", NULL);	/* a new key, registered as bob: */
	close_core(b2);
	{
		struct fake_acct *n = fake_find("bob2"), *o = fake_find("bob");

		natter__register__free_unpacked(o->reg, NULL);
		o->reg = n->reg;
		o->opk_next = 0;
		n->reg = NULL;
		n->name[0] = '\0';
	}
	fk.missing = 1;		/* makes alice look bob up again */
	memset(&s, 0, sizeof s);
	core_send_text(a, "bob", "second", sent_cb, &s);
	run_until(&s.done);
	ck_assert_int_eq(s.err.code, CORE_ERR_UNTRUSTED_IDENTITY);
	ck_assert_int_eq(as.identity_changed, 1);
	ck_assert_str_eq(core_trust_state(a, "bob"), "changed");
	ck_assert_int_eq(core_trust_accept(a, "bob", &s.err), 0);
	ck_assert_str_eq(core_trust_state(a, "bob"), "trusted");
	send_ok(a, "bob", "third");
	close_core(a);
}
END_TEST

static void
group_done(struct core *c, const struct core_error *err,
    const struct core_group *g, void *arg)
{
	struct seen	*s = arg;

	done_cb(c, err, arg);
	if (g != NULL)
		s->messages = (int)g->nmembers;
}

static void
group_op_ok(struct core *c, enum core_group_op op, const char *user)
{
	const char	*users[] = { user, NULL };
	struct seen	 s;

	memset(&s, 0, sizeof s);
	core_group_op(c, op, "g", users, group_done, &s);
	run_until(&s.done);
	ck_assert_msg(!s.failed, "group op: %s", s.err.msg);
}

/* Would carol's kept sender-key states read the last GroupSend body? */
static int
carol_reads_last(void)
{
	struct store	*st;
	enum store_err	 se;
	char		 home[256];
	uint8_t		*pt = NULL;
	size_t		 ptlen;
	int		 rc;

	snprintf(home, sizeof home, "%s/carol", tmpdir);
	ck_assert_ptr_nonnull(st = store_open(home, PASS, strlen(PASS), 0,
	    &se));
	ck_assert_int_eq(store_begin(st), 0);
	rc = senderkeys_decrypt(st, fk.gid, "alice", 1, fk.gbody, fk.gbodylen,
	    &pt, &ptlen);
	store_rollback(st);
	store_close(st);
	free(pt);
	return (rc);
}

/*
 * docs/groups.md end to end on the fake server: create, the device check
 * (a mismatch gives the set), our key only to listed devices (never to
 * bob's ghost device 7), one GroupSend; a second message needs no
 * distribution; after carol's removal the key rotates and what carol
 * kept reads nothing new.
 */
START_TEST(test_group_send)
{
	struct seen	 bs, cs;
	struct core	*a, *b, *c;
	int		 sends;

	memset(&bs, 0, sizeof bs);
	memset(&cs, 0, sizeof cs);
	b = account("bob", &bs);
	c = account("carol", &cs);
	a = account("alice", NULL);
	group_op_ok(a, CORE_GROUP_CREATE, "bob");
	group_op_ok(a, CORE_GROUP_ADD, "carol");
	run_until(&bs.changes);
	fk.ghost = 1;
	send_ok(a, "#g", "hello group");
	run_until(&bs.messages);
	run_until(&cs.messages);
	ck_assert_str_eq(bs.text, "hello group");
	ck_assert_str_eq(bs.group, "g");
	ck_assert_str_eq(cs.text, "hello group");
	ck_assert_int_eq(fk.ghost_envelopes, 0);
	ck_assert_int_eq(fk.gstored, 1);
	/* The same chain again: no distribution, one GroupSend. */
	sends = fk.sends;
	send_ok(a, "#g", "second");
	ck_assert_int_eq(fk.sends, sends);
	ck_assert_int_eq(fk.gstored, 2);
	/*
	 * Carol removed: a new key for bob only.  Carol stays online (the
	 * fake would hand her a key sent to her), and the fake lies: its
	 * device set keeps carol's device, so only alice's own view of the
	 * group keeps the new key from her.
	 */
	cs.changes = 0;
	fk.stale = "carol";
	group_op_ok(a, CORE_GROUP_REMOVE, "carol");
	run_until(&cs.changes);
	bs.messages = 0;
	send_ok(a, "#g", "after carol");
	run_until(&bs.messages);
	ck_assert_str_eq(bs.text, "after carol");
	cs.done = 0;
	run_for(200);
	close_core(c);
	ck_assert_int_gt(fk.sends, sends);	/* the new key went to bob */
	ck_assert_int_eq(fk.ghost_envelopes, 0);
	/* Carol has alice's states, from before: they read nothing new. */
	ck_assert_int_eq(carol_reads_last(), SENDERKEYS_BAD);
	close_core(a);
	close_core(b);
}
END_TEST

/*
 * A member's identity key changed and nobody accepted it: the group send
 * is blocked with CORE_ERR_UNTRUSTED_IDENTITY naming the member, as a
 * 1:1 send to it is; accepting the key unblocks it.
 */
START_TEST(test_group_key_change)
{
	struct seen	 s;
	struct core	*a, *b, *b2;
	int		 sends;

	b = account("bob", NULL);
	a = account("alice", NULL);
	group_op_ok(a, CORE_GROUP_CREATE, "bob");
	send_ok(a, "#g", "first");
	close_core(b);
	b2 = account("bob2", NULL);	/* a new key, presented as bob's */
	close_core(b2);
	{
		struct fake_acct *n = fake_find("bob2"), *o = fake_find("bob");

		natter__register__free_unpacked(o->reg, NULL);
		o->reg = n->reg;
		o->opk_next = 0;
		n->reg = NULL;
		n->name[0] = '\0';
	}
	fk.missing = 1;		/* alice looks bob up again, and sees it */
	memset(&s, 0, sizeof s);
	core_send_text(a, "bob", "direct", sent_cb, &s);
	run_until(&s.done);
	ck_assert_int_eq(s.err.code, CORE_ERR_UNTRUSTED_IDENTITY);
	memset(&s, 0, sizeof s);
	core_send_text(a, "#g", "to the group", sent_cb, &s);
	run_until(&s.done);
	ck_assert_int_eq(s.err.code, CORE_ERR_UNTRUSTED_IDENTITY);
	ck_assert_msg(strstr(s.err.msg, "bob") != NULL, "%s", s.err.msg);
	ck_assert_int_eq(fk.gstored, 1);
	ck_assert_int_eq(core_trust_accept(a, "bob", &s.err), 0);
	sends = fk.sends;
	send_ok(a, "#g", "accepted");
	ck_assert_int_eq(fk.gstored, 2);
	ck_assert_int_gt(fk.sends, sends);	/* the key to bob's new one */
	close_core(a);
}
END_TEST

/* The fake server forges a group message as (from, device) to bob. */
static void
forge_group_message(struct net *to, const char *from, uint32_t device,
    const uint8_t *body, size_t len)
{
	Natter__Frame		 f = NATTER__FRAME__INIT;
	Natter__Deliver		 dl = NATTER__DELIVER__INIT;
	Natter__Delivery	 d = NATTER__DELIVERY__INIT, *dp = &d;
	uint8_t			 id[16];

	randombytes_buf(id, sizeof id);
	d.seq = ++fk.seq;
	d.type = 3;
	d.group = fk.group.id;
	d.from = (char *)from;
	d.from_device = device;
	d.message_id.data = id;
	d.message_id.len = sizeof id;
	d.content.data = (uint8_t *)body;
	d.content.len = len;
	dl.items = &dp;
	dl.n_items = 1;
	f.body_case = NATTER__FRAME__BODY_DELIVER;
	f.deliver = &dl;
	fake_push(to, &f);
}

/*
 * Group messages bob must refuse (told, not shown): from an account that
 * is not a member as bob knows the group, and from a member's device
 * that never gave bob its key; the real one still comes through.
 */
START_TEST(test_group_refuse)
{
	struct seen	 bs;
	struct core	*a, *b, *c;
	struct net	*bn = NULL;
	int		 i;

	memset(&bs, 0, sizeof bs);
	b = account("bob", &bs);
	c = account("carol", NULL);
	a = account("alice", NULL);
	group_op_ok(a, CORE_GROUP_CREATE, "bob");
	run_until(&bs.changes);
	send_ok(a, "#g", "real");
	run_until(&bs.messages);
	for (i = 0; i < FAKE_MAX; i++)
		if (fk.nets[i] != NULL && fk.nets[i]->acct != NULL &&
		    strcmp(fk.nets[i]->acct->name, "bob") == 0)
			bn = fk.nets[i];
	ck_assert_ptr_nonnull(bn);
	forge_group_message(bn, "carol", 1, fk.gbody, fk.gbodylen);
	run_until(&bs.errors);
	forge_group_message(bn, "alice", 2, fk.gbody, fk.gbodylen);
	bs.errors = 0;
	run_until(&bs.errors);
	ck_assert_int_eq(bs.messages, 1);
	close_core(a);
	close_core(b);
	close_core(c);
}
END_TEST

/*
 * A group message from a device bob holds a key of (it gave one while
 * listed, say) but that is not on alice's signed list now: a server that
 * still routes for it must not get it shown.  The state is planted in
 * bob's profile, the message forged by the fake server.
 */
START_TEST(test_group_unlisted_device)
{
	Natter__Content		 ct = NATTER__CONTENT__INIT;
	struct seen		 bs;
	struct core		*a, *b;
	struct store		*st;
	struct senderkey	*sk;
	enum store_err		 se;
	struct net		*bn = NULL;
	uint8_t			 dist[SENDERKEY_DISTMAX], id[16], *pt, *c;
	size_t			 distlen, ptlen, clen;
	char			 home[256];
	int			 i, k;

	memset(&bs, 0, sizeof bs);
	b = account("bob", &bs);
	a = account("alice", NULL);
	group_op_ok(a, CORE_GROUP_CREATE, "bob");
	run_until(&bs.changes);		/* bob knows the group */
	close_core(b);
	/* alice's device 2 "gave" bob its key. */
	ck_assert_ptr_nonnull(sk = senderkey_create(fk.gid, sizeof fk.gid));
	senderkey_distribution(sk, dist, &distlen);
	snprintf(home, sizeof home, "%s/bob", tmpdir);
	ck_assert_ptr_nonnull(st = store_open(home, PASS, strlen(PASS), 0,
	    &se));
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(senderkeys_install(st, "alice", 2, fk.gid, dist,
	    distlen), 0);
	ck_assert_int_eq(store_commit(st), 0);
	store_close(st);
	memset(&bs, 0, sizeof bs);
	b = open_core("bob");
	ck_assert_int_eq(core_start(b, 0, event_cb, &bs, NULL), 0);
	randombytes_buf(id, sizeof id);
	ct.message_id.data = id;
	ct.message_id.len = sizeof id;
	ct.group.data = fk.gid;
	ct.group.len = sizeof fk.gid;
	ct.body_case = NATTER__CONTENT__BODY_TEXT;
	ct.text = (char *)"from a device off the list";
	ck_assert_int_eq(content_encode(&ct, &pt, &ptlen), 0);
	c = xmalloc(ptlen + SENDERKEY_OVERHEAD(sizeof fk.gid));
	ck_assert_int_eq(senderkey_encrypt(sk, c, &clen, pt, ptlen), 0);
	/* Wait (bounded) for bob to sign in again. */
	for (k = 0; k < 500 && bn == NULL; k++) {
		run_for(10);
		for (i = 0; i < FAKE_MAX; i++)
			if (fk.nets[i] != NULL && fk.nets[i]->up &&
			    fk.nets[i]->acct != NULL &&
			    strcmp(fk.nets[i]->acct->name, "bob") == 0)
				bn = fk.nets[i];
	}
	ck_assert_ptr_nonnull(bn);
	forge_group_message(bn, "alice", 2, c, clen);
	run_until(&bs.errors);
	run_for(100);
	ck_assert_int_eq(bs.messages, 0);
	ck_assert_msg(strstr(bs.errmsg, "signed device list") != NULL,
	    "refused for another reason: %s", bs.errmsg);
	free(c);
	free(pt);
	senderkey_free(sk);
	close_core(a);
	close_core(b);
}
END_TEST

/*
 * natterd gathers the delivered receipts of one group message acked in
 * one commit (Receipt.more): each member it names counts once, and
 * each is a receipt event of its own.
 */
START_TEST(test_group_gathered_receipt)
{
	Natter__Frame		 f = NATTER__FRAME__INIT;
	Natter__Deliver		 dl = NATTER__DELIVER__INIT;
	Natter__Delivery	 d = NATTER__DELIVERY__INIT, *dp = &d;
	Natter__Receipt		 r = NATTER__RECEIPT__INIT;
	Natter__DeviceRef	 more[2] = { NATTER__DEVICE_REF__INIT,
				    NATTER__DEVICE_REF__INIT }, *mp[2];
	struct seen		 as;
	struct core		*a, *b, *c;
	struct net		*an = NULL;
	int			 i;

	memset(&as, 0, sizeof as);
	b = account("bob", NULL);
	c = account("carol", NULL);
	a = account("alice", &as);
	group_op_ok(a, CORE_GROUP_CREATE, "bob");
	group_op_ok(a, CORE_GROUP_ADD, "carol");
	send_ok(a, "#g", "for both");
	for (i = 0; i < FAKE_MAX; i++)
		if (fk.nets[i] != NULL && fk.nets[i]->acct != NULL &&
		    strcmp(fk.nets[i]->acct->name, "alice") == 0)
			an = fk.nets[i];
	ck_assert_ptr_nonnull(an);
	/* bob's device 1, carol's, and bob's again (a second device). */
	more[0].name = (char *)"carol";
	more[0].device = 1;
	more[1].name = (char *)"bob";
	more[1].device = 2;
	mp[0] = &more[0];
	mp[1] = &more[1];
	r.message_id.data = fk.gmsgid;
	r.message_id.len = sizeof fk.gmsgid;
	r.by = (char *)"bob";
	r.by_device = 1;
	r.status = 1;
	r.ts = 1;
	r.more = mp;
	r.n_more = 2;
	d.seq = ++fk.seq;
	d.from = (char *)"bob";
	d.from_device = 1;
	d.message_id = r.message_id;
	d.receipt = &r;
	dl.items = &dp;
	dl.n_items = 1;
	f.body_case = NATTER__FRAME__BODY_DELIVER;
	f.deliver = &dl;
	fake_push(an, &f);
	run_until(&as.receipts);
	run_for(200);
	ck_assert_int_eq(as.receipts, 2);	/* bob's second device: no row */
	ck_assert_str_eq(as.by, "bob carol");
	ck_assert_int_eq(as.delivered_n, 2);
	ck_assert_int_eq(as.members_n, 2);
	close_core(a);
	close_core(b);
	close_core(c);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("corenet");
	TCase	*tc = tcase_create("corenet");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_send_receive);
	tcase_add_test(tc, test_mismatch_retry);
	tcase_add_test(tc, test_request_timeout);
	tcase_add_test(tc, test_request_timeout_oneshot);
	tcase_add_test(tc, test_signin_retry_later);
	tcase_add_test(tc, test_key_change_blocks);
	tcase_add_test(tc, test_group_send);
	tcase_add_test(tc, test_group_key_change);
	tcase_add_test(tc, test_group_refuse);
	tcase_add_test(tc, test_group_gathered_receipt);
	tcase_add_test(tc, test_group_unlisted_device);
	suite_add_tcase(s, tc);
	return (unit_run(s));
}
