/* leave: a linked device leaving its account, and the primary taking a device that left off the signed list. */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <uv.h>

#include "client/core/account.h"
#include "client/core/conn.h"
#include "client/core/err.h"
#include "client/core/event.h"
#include "client/core/leave.h"
#include "client/core/link.h"
#include "client/core/outbox.h"
#include "client/store/kv.h"
#include "client/store/store.h"
#include "shared/util/log.h"
#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"

#define LEAVE_TABLE	"lists"
#define LEAVE_ROW	"devices that left"	/* u32 big-endian each */
#define LEAVE_MAX	16

/* Where this device's own leaving is. */
enum leave_step {
	LEAVE_NONE,
	LEAVE_TELLING,		/* DeviceLeave in the outbox */
	LEAVE_TOLD,		/* stored for the primary: LeaveAccount next */
	LEAVE_ASKING		/* LeaveAccount sent */
};

struct leave {
	uv_loop_t		*loop;
	struct core		*c;
	struct store		*st;
	struct account		*acct;
	struct conn		*cn;
	struct outbox		*ob;
	struct link		*link;
	struct event_sink	*ev;

	enum leave_step		 step;
	core_done_cb		*done_cb;
	void			*arg;
	uint32_t		 removing;	/* primary: being published */
	void			(*settled)(void *);
	void			*settled_arg;
};

struct leave *
leave_create(uv_loop_t *loop, struct core *c, struct store *st,
    struct account *acct, struct conn *cn, struct outbox *ob,
    struct link *link, struct event_sink *ev)
{
	struct leave	*l;

	l = xcalloc(1, sizeof *l);
	l->loop = loop;
	l->c = c;
	l->st = st;
	l->acct = acct;
	l->cn = cn;
	l->ob = ob;
	l->link = link;
	l->ev = ev;
	return (l);
}

void
leave_free(struct leave *l)
{
	free(l);
}

void
leave_on_settled(struct leave *l, void (*cb)(void *), void *arg)
{
	l->settled = cb;
	l->settled_arg = arg;
}

int
leave_busy(struct leave *l)
{
	return (l->step != LEAVE_NONE || l->removing != 0);
}

/* This device's leaving is over (err NULL: it left). */
static void
leave_finish(struct leave *l, const struct core_error *err)
{
	core_done_cb	*cb = l->done_cb;

	l->step = LEAVE_NONE;
	l->done_cb = NULL;
	if (err == NULL)
		log_info("this device (%u) left %s", account_device(l->acct),
		    account_name(l->acct));
	if (cb != NULL)
		cb(l->c, err, l->arg);
}

static void
leave_answered(void *arg, const Natter__Response *resp)
{
	struct leave		*l = arg;
	struct core_error	 err;

	if (resp == NULL) {
		l->step = LEAVE_TOLD;	/* again at the next sign-in */
		return;
	}
	if (resp->code != NATTER__CODE__OK) {
		err_from_resp(&err, resp, "leaving the account");
		leave_finish(l, &err);
		return;
	}
	leave_finish(l, NULL);
}

/* The primary's DeviceLeave is on the server: ask to be forgotten. */
static void
leave_ask(struct leave *l)
{
	Natter__Frame		fr = NATTER__FRAME__INIT;
	Natter__LeaveAccount	la = NATTER__LEAVE_ACCOUNT__INIT;

	fr.body_case = NATTER__FRAME__BODY_LEAVE_ACCOUNT;
	fr.leave_account = &la;
	if (conn_request(l->cn, &fr, leave_answered, l) == 0)
		l->step = LEAVE_ASKING;
	else
		conn_need(l->cn);
}

static void
leave_told(struct core *c, const struct core_error *err, const char *id,
    int64_t ts, void *arg)
{
	struct leave	*l = arg;

	(void)c;
	(void)id;
	(void)ts;
	if (err != NULL) {
		leave_finish(l, err);
		return;
	}
	l->step = LEAVE_TOLD;
	leave_ask(l);
}

/* Queue the DeviceLeave for our primary.  0 or -1. */
static int
leave_tell(struct leave *l)
{
	Natter__OutboxItem	 o = NATTER__OUTBOX_ITEM__INIT;
	struct outbox_msg	*m;
	uint8_t			 id[CORE_IDBYTES];
	int64_t			 oid;

	randombytes_buf(id, sizeof id);
	o.message_id.data = id;
	o.message_id.len = sizeof id;
	o.to = (char *)account_name(l->acct);
	o.ts = time_now_ms();
	o.device = 1;
	o.leave = 1;
	if (store_outbox_add(l->st, &o, &oid) != 0)
		return (-1);
	m = outbox_queue(l->ob, oid, &o, NULL, NULL);
	outbox_notify(m, leave_told, l);
	return (0);
}

void
leave_start(struct leave *l, core_done_cb *cb, void *arg)
{
	struct core_error	err;

	if (account_device(l->acct) == 1)
		err_set(&err, CORE_ERR_USAGE, "device 1 is the primary: it holds "
		    "the account key and cannot leave %s",
		    account_name(l->acct));
	else if (l->step != LEAVE_NONE)
		err_set(&err, CORE_ERR_USAGE, "this device is already leaving "
		    "its account");
	else if (leave_tell(l) != 0)
		err_set(&err, CORE_ERR_IO, "cannot save the notice for the "
		    "primary in the profile %s", store_dir(l->st));
	else {
		l->step = LEAVE_TELLING;
		l->done_cb = cb;
		l->arg = arg;
		if (conn_ready(l->cn))
			outbox_kick(l->ob);
		else
			conn_need(l->cn);
		return;
	}
	err_later(l->loop, l->c, &err, (struct err_cb){ .done = cb }, arg);
}

/* The devices recorded as having left (at most LEAVE_MAX).  n or -1. */
static int
leave_recorded(struct leave *l, uint32_t *v)
{
	uint8_t	*b;
	size_t	 len, i;
	int	 rc;

	if ((rc = kv_named_get(l->st, LEAVE_TABLE, LEAVE_ROW, &b, &len)) != 0)
		return (rc == 1 ? 0 : -1);
	for (i = 0; i < len / 4 && i < LEAVE_MAX; i++) {
		memcpy(&v[i], b + 4 * i, 4);
		v[i] = be32toh(v[i]);
	}
	free(b);
	return ((int)i);
}

static int
leave_save(struct leave *l, const uint32_t *v, int n)
{
	uint32_t	be[LEAVE_MAX];
	int		i;

	for (i = 0; i < n; i++)
		be[i] = htobe32(v[i]);
	return (kv_named_put(l->st, LEAVE_TABLE, LEAVE_ROW, be,
	    (size_t)n * 4));
}

int
leave_record(struct leave *l, uint32_t device)
{
	uint32_t	v[LEAVE_MAX];
	int		n, i;

	if ((n = leave_recorded(l, v)) < 0)
		return (-1);
	for (i = 0; i < n; i++) {
		if (v[i] == device)
			return (0);
	}
	if (n == LEAVE_MAX)
		return (0);	/* more than an account can have: ignored */
	v[n++] = device;
	log_info("device %u says it left %s", device, account_name(l->acct));
	return (leave_save(l, v, n));
}

/* Forget device from the record. */
static void
leave_unrecord(struct leave *l, uint32_t device)
{
	uint32_t	v[LEAVE_MAX];
	int		n, i, j = 0;

	if ((n = leave_recorded(l, v)) < 0)
		return;
	for (i = 0; i < n; i++) {
		if (v[i] != device)
			v[j++] = v[i];
	}
	if (leave_save(l, v, j) != 0)
		log_warn("cannot save the devices that left");
}

/* Nothing left to publish: tell whoever waits (the inbox's drained). */
static void
leave_settle(struct leave *l)
{
	if (!leave_busy(l) && l->settled != NULL)
		l->settled(l->settled_arg);
}

static void
leave_removed(struct core *c, const struct core_error *err, void *arg)
{
	struct leave		*l = arg;
	struct core_event	 ev;
	uint32_t		 device = l->removing;

	(void)c;
	l->removing = 0;
	if (err != NULL && err->code != CORE_ERR_USAGE) {
		log_info("device %u left; publishing the list without it "
		    "failed: %s (again at the next sign-in)", device, err->msg);
		leave_settle(l);
		return;
	}
	leave_unrecord(l, device);	/* done, or no longer on the list */
	if (err == NULL) {
		memset(&ev, 0, sizeof ev);
		ev.type = CORE_EV_DEVICES;
		ev.from = account_name(l->acct);
		ev.from_device = device;
		event_emit(l->ev, &ev);
	}
	leave_kick(l);
	leave_settle(l);
}

void
leave_kick(struct leave *l)
{
	uint32_t	v[LEAVE_MAX];

	if (l->step == LEAVE_TOLD && conn_ready(l->cn)) {
		leave_ask(l);
		return;
	}
	if (account_device(l->acct) != 1 || l->removing != 0 ||
	    !conn_ready(l->cn) || !link_idle(l->link) ||
	    leave_recorded(l, v) <= 0)
		return;
	l->removing = v[0];
	link_remove(l->link, v[0], leave_removed, l);
}

void
leave_fail_all(struct leave *l, const struct core_error *err)
{
	l->removing = 0;
	if (l->step == LEAVE_NONE)
		return;
	/* Refused as removed while leaving: the leave went through. */
	leave_finish(l, err->code == CORE_ERR_REMOVED ? NULL : err);
}
