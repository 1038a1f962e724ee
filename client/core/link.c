/* link: linked devices: offering this device to an account, approving one on the primary, removing one, publishing the signed list. */
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <uv.h>

#include "client/core/account.h"
#include "client/core/conn.h"
#include "client/core/devices.h"
#include "client/core/err.h"
#include "client/core/link.h"
#include "client/core/transfer.h"
#include "client/store/kv.h"
#include "client/store/store.h"
#include "shared/crypto/devicelist.h"
#include "shared/util/log.h"
#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"

/* Where a handshake is. */
enum link_step {
	LINK_IDLE,
	LINK_OFFERING,		/* new device: offer out, waiting to show the code */
	LINK_SHOWN,		/* new device: code shown, waiting for approval */
	LINK_COUNTERSIGNED,	/* new device: waiting for Linked */
	LINK_LOOKUP,		/* primary: waiting to look the code up */
	LINK_APPROVED,		/* primary: approval relayed, waiting */
	LINK_PUBLISHING,	/* primary: the new list is out */
	LINK_FAILING,		/* an error found up front, told next turn */
};

struct link {
	uv_loop_t		*loop;
	struct core		*c;
	struct store		*st;
	struct account		*acct;
	struct conn		*cn;
	struct devices		*devs;
	struct transfer		*tr;
	uv_timer_t		 timer;		/* the handshake's deadline */

	enum link_step		 step;
	uint8_t			 fp[DEVICELIST_FPBYTES];
	uint8_t			 secret[DEVICELIST_SECRETBYTES];
	uint8_t			 ik_new[DEVICELIST_KEYBYTES];
	uint8_t			 primary_pk[DEVICELIST_KEYBYTES];
	char			 account[DEVICELIST_ACCOUNTMAX + 1];
	char			 code[DEVICELIST_CODEBYTES];
	char			 label[LINK_LABEL_MAX + 1];
	uint32_t		 device;	/* the new device's id */
	uint64_t		 ts;		/* the approval's timestamp */
	uint32_t		 removing;	/* link_remove's device */
	int			 history;	/* messages sent to the new one */
	uint8_t			 list[DEVICELIST_MAXBYTES]; /* as published */
	size_t			 listlen;
	struct core_error	 err;		/* LINK_FAILING's */

	core_link_code_cb	*code_cb;
	core_linked_cb		*linked_cb;
	core_approved_cb	*approved_cb;
	core_event_cb		*progress_cb;	/* approval: the history */
	core_done_cb		*done_cb;
	void			*arg;
};

static void	link_fail(struct link *, const struct core_error *);

struct link *
link_create(uv_loop_t *loop, struct core *c, struct store *st,
    struct account *acct, struct conn *cn, struct devices *devs,
    struct transfer *tr)
{
	struct link	*l;

	l = xcalloc(1, sizeof *l);
	l->loop = loop;
	l->c = c;
	l->st = st;
	l->acct = acct;
	l->cn = cn;
	l->devs = devs;
	l->tr = tr;
	uv_timer_init(loop, &l->timer);
	l->timer.data = l;
	return (l);
}

static void
link_free_cb(uv_handle_t *h)
{
	free(h->data);
}

void
link_free(struct link *l)
{
	if (l == NULL)
		return;
	sodium_memzero(l->secret, sizeof l->secret);
	uv_close((uv_handle_t *)&l->timer, link_free_cb);
}

/* Forget the handshake (its secret first). */
static void
link_reset(struct link *l)
{
	uv_timer_stop(&l->timer);
	sodium_memzero(l->secret, sizeof l->secret);
	l->step = LINK_IDLE;
	l->history = 0;
	l->code_cb = NULL;
	l->linked_cb = NULL;
	l->approved_cb = NULL;
	l->progress_cb = NULL;
	l->done_cb = NULL;
}

/* Report the outcome to whoever waits, once. */
static void
link_finish(struct link *l, const struct core_error *err)
{
	core_linked_cb		*lcb = l->linked_cb;
	core_approved_cb	*acb = l->approved_cb;
	core_done_cb		*dcb = l->done_cb;
	void			*arg = l->arg;
	char			 label[sizeof l->label];
	uint32_t		 device = l->device;
	int			 history = l->history;

	memcpy(label, l->label, sizeof label);
	link_reset(l);
	if (lcb != NULL)
		lcb(l->c, err, err == NULL ? account_name(l->acct) : NULL,
		    device, arg);
	if (acb != NULL)
		acb(l->c, err, device, label, history, arg);
	if (dcb != NULL)
		dcb(l->c, err, arg);
}

static void
link_fail(struct link *l, const struct core_error *err)
{
	if (l->step != LINK_IDLE)
		link_finish(l, err);
}

void
link_fail_all(struct link *l, const struct core_error *err)
{
	link_fail(l, err);
}

static void
link_timeout_cb(uv_timer_t *t)
{
	struct link		*l = t->data;
	struct core_error	 err;

	if (l->step == LINK_SHOWN)
		err_set(&err, CORE_ERR_TIMEOUT, "no approval came in time: the "
		    "code has expired; run natter devices link again");
	else
		err_set(&err, CORE_ERR_TIMEOUT, "the new device did not answer "
		    "in time: run natter devices link on it again, then "
		    "approve the new code");
	link_fail(l, &err);
}

static void
link_later_cb(uv_timer_t *t)
{
	struct link	*l = t->data;

	link_finish(l, &l->err);
}

/* Report err to the callbacks just set, on the next loop turn. */
static void
link_later(struct link *l, const struct core_error *err)
{
	l->err = *err;
	l->step = LINK_FAILING;
	uv_timer_start(&l->timer, link_later_cb, 0, 0);
}

/* Is a handshake going on?  Then err says so. */
static int
link_busy(struct link *l, struct core_error *err)
{
	if (l->step == LINK_IDLE)
		return (0);
	err_set(err, CORE_ERR_USAGE, "a device link or removal is already in "
	    "progress in this process");
	return (1);
}

int
link_idle(struct link *l)
{
	return (l->step == LINK_IDLE);
}

/* Keep a device's label and when it was added (our own bookkeeping). */
static void
link_label_put(struct link *l, uint32_t device, const char *label)
{
	char		key[32];
	uint8_t		v[8 + LINK_LABEL_MAX];
	uint64_t	be = htobe64((uint64_t)time_now_ms());
	size_t		n = strlen(label);

	snprintf(key, sizeof key, "label %u", device);
	memcpy(v, &be, 8);
	memcpy(v + 8, label, n);
	if (kv_named_put(l->st, "lists", key, v, 8 + n) != 0)
		log_warn("cannot save the label of device %u", device);
}

char *
link_label(struct link *l, uint32_t device, int64_t *added)
{
	char		 key[32], *s;
	uint8_t		*v;
	uint64_t	 be;
	size_t		 len;

	snprintf(key, sizeof key, "label %u", device);
	if (kv_named_get(l->st, "lists", key, &v, &len) != 0 || len < 8)
		return (NULL);
	memcpy(&be, v, 8);
	*added = (int64_t)be64toh(be);
	s = xmalloc(len - 8 + 1);
	memcpy(s, v + 8, len - 8);
	s[len - 8] = '\0';
	free(v);
	return (s);
}

/* --- the new device ---------------------------------------------------- */

void
link_offer(struct link *l, const char *label, int timeout_s,
    core_link_code_cb *code_cb, core_linked_cb *cb, void *arg)
{
	struct core_error	 err;
	const uint8_t		*ik;
	uint8_t			 h[crypto_hash_sha256_BYTES];

	if (link_busy(l, &err))
		goto fail;
	l->linked_cb = cb;
	l->arg = arg;
	if (account_link_begin(l->acct, &err) != 0) {
		link_later(l, &err);
		return;
	}
	ik = account_ik(l->acct);
	memcpy(l->ik_new, ik, sizeof l->ik_new);
	randombytes_buf(l->secret, sizeof l->secret);
	crypto_hash_sha256(h, ik, DEVICELIST_KEYBYTES);
	memcpy(l->fp, h, sizeof l->fp);
	devicelist_link_code(l->code, ik, l->secret);
	snprintf(l->label, sizeof l->label, "%s", label != NULL ? label : "");
	l->code_cb = code_cb;
	l->step = LINK_OFFERING;
	uv_timer_start(&l->timer, link_timeout_cb, (uint64_t)(timeout_s > 0 ?
	    timeout_s : LINK_TIMEOUT_S) * 1000, 0);
	conn_set_oneshot(l->cn, 1);
	conn_start(l->cn);
	return;
fail:
	err_later(l->loop, l->c, &err, (struct err_cb){ .linked = cb }, arg);
}

static void
link_relayed(void *arg, const Natter__Response *resp)
{
	struct link		*l = arg;
	struct core_error	 err;

	if (resp == NULL || resp->code == NATTER__CODE__OK)
		return;		/* lost: the connection's down says so */
	err_from_resp(&err, resp, "passing the link handshake on");
	if (resp->code == NATTER__CODE__UNKNOWN_USER)
		err_set(&err, CORE_ERR_UNKNOWN_USER, "the other device left the "
		    "link handshake: start again with natter devices link");
	link_fail(l, &err);
}

/* Relay payload to the other side of the handshake. */
static int
link_send_relay(struct link *l, const uint8_t *payload, size_t len)
{
	Natter__Frame		fr = NATTER__FRAME__INIT;
	Natter__LinkRelay	lr = NATTER__LINK_RELAY__INIT;

	lr.fingerprint.data = l->fp;
	lr.fingerprint.len = sizeof l->fp;
	lr.payload.data = (uint8_t *)payload;
	lr.payload.len = len;
	fr.body_case = NATTER__FRAME__BODY_LINK_RELAY;
	fr.link_relay = &lr;
	return (conn_request(l->cn, &fr, link_relayed, l));
}

/* The primary's approval: check it with the secret, countersign. */
static void
link_approval_in(struct link *l, const uint8_t *p, size_t len)
{
	struct core_error	err;
	uint8_t			out[DEVICELIST_SIGBYTES + LINK_LABEL_MAX];
	size_t			acctlen, n = strlen(l->label);

	if (devicelist_approval_open(p, len, l->secret, l->ik_new, l->account,
	    &acctlen, &l->device, &l->ts, l->primary_pk) != 0) {
		err_set(&err, CORE_ERR_CRYPTO, "an approval came that does not "
		    "verify with this device's code: ignored");
		log_warn("%s", err.msg);
		return;
	}
	account_countersign(l->acct, l->account, l->device, l->ts,
	    l->primary_pk, out);
	memcpy(out + DEVICELIST_SIGBYTES, l->label, n);
	if (link_send_relay(l, out, DEVICELIST_SIGBYTES + n) == 0)
		l->step = LINK_COUNTERSIGNED;
}

void
link_linked(struct link *l, const Natter__Linked *lk)
{
	struct core_error	err;

	if (l->step != LINK_COUNTERSIGNED || lk->name == NULL ||
	    strcmp(lk->name, l->account) != 0 || lk->device != l->device) {
		log_warn("a Linked event that does not match the approval: "
		    "ignored");
		return;
	}
	if (account_linked(l->acct, l->account, l->device, l->primary_pk,
	    &err) != 0) {
		link_fail(l, &err);
		return;
	}
	if (l->label[0] != '\0')
		link_label_put(l, l->device, l->label);
	link_finish(l, NULL);
}

/* --- the primary ------------------------------------------------------- */

/* 0 if this is the account's primary device, else -1 with err. */
static int
link_primary(struct link *l, struct core_error *err)
{
	if (account_name(l->acct) == NULL) {
		err_set(err, CORE_ERR_NO_PROFILE, "this profile has no account "
		    "yet: run natter register NAME first");
		return (-1);
	}
	if (account_device(l->acct) != 1) {
		err_set(err, CORE_ERR_USAGE, "only the primary device (device 1 "
		    "of %s) can change the account's devices",
		    account_name(l->acct));
		return (-1);
	}
	return (0);
}

void
link_approve(struct link *l, const char *code, core_event_cb *progress,
    core_approved_cb *cb, void *arg)
{
	struct core_error	 err;
	struct devicelist	*own;

	if (link_busy(l, &err))
		goto busy;
	l->approved_cb = cb;
	l->progress_cb = progress;
	l->arg = arg;
	if (link_primary(l, &err) != 0)
		goto fail;
	if (code == NULL || devicelist_link_code_parse(code, l->fp,
	    l->secret) != 0) {
		err_set(&err, CORE_ERR_USAGE, "not a link code: copy the whole "
		    "code natter devices link printed on the new device");
		goto fail;
	}
	own = devices_own_list(l->devs);
	if (own != NULL && devicelist_count(own) >= LINK_MAX_DEVICES) {
		devicelist_free(own);
		err_set(&err, CORE_ERR_LIMIT, "%s already has %d devices, the "
		    "most an account can have: remove one first (natter devices "
		    "remove N)", account_name(l->acct), LINK_MAX_DEVICES);
		goto fail;
	}
	devicelist_free(own);
	l->step = LINK_LOOKUP;
	uv_timer_start(&l->timer, link_timeout_cb, (uint64_t)LINK_TIMEOUT_S *
	    1000, 0);
	if (conn_ready(l->cn))
		link_kick(l);
	else
		conn_need(l->cn);
	return;
fail:
	link_later(l, &err);
	return;
busy:
	err_later(l->loop, l->c, &err, (struct err_cb){ .approved = cb }, arg);
}

/* The next device id: above every id the account ever had. */
static uint32_t
link_next_id(struct link *l, const struct devicelist *own)
{
	uint32_t	id = 1, d, be;
	uint8_t		*v;
	size_t		 i, len;

	for (i = 0; own != NULL && i < devicelist_count(own); i++) {
		if ((d = devicelist_device(own, i, NULL)) >= id)
			id = d;
	}
	if (kv_named_get(l->st, "lists", "next device", &v, &len) == 0) {
		if (len == sizeof be) {
			memcpy(&be, v, sizeof be);
			if (be32toh(be) > id + 1)
				id = be32toh(be) - 1;
		}
		free(v);
	}
	return (id + 1);
}

static void
link_looked_up(void *arg, const Natter__Response *resp)
{
	struct link		*l = arg;
	struct devicelist	*own;
	struct core_error	 err;
	uint8_t			 ap[DEVICELIST_APPROVALMAX];
	size_t			 aplen;

	if (resp == NULL)
		return;
	if (resp->code != NATTER__CODE__OK) {
		err_from_resp(&err, resp, "looking the code up");
		if (resp->code == NATTER__CODE__UNKNOWN_USER)
			err_set(&err, CORE_ERR_UNKNOWN_USER, "no device is "
			    "waiting with that code (expired, used, or offered "
			    "to another server): run natter devices link again");
		link_fail(l, &err);
		return;
	}
	if (resp->identity_key.len != DEVICELIST_KEYBYTES ||
	    devicelist_link_code_match(l->fp, resp->identity_key.data) != 0) {
		err_set(&err, CORE_ERR_CRYPTO, "the server's key for that code "
		    "does not match the code: nothing was approved");
		link_fail(l, &err);
		return;
	}
	memcpy(l->ik_new, resp->identity_key.data, sizeof l->ik_new);
	own = devices_own_list(l->devs);
	l->device = link_next_id(l, own);
	devicelist_free(own);
	l->ts = (uint64_t)time_now_ms();
	if (account_approval(l->acct, l->device, l->ts, l->ik_new, l->secret,
	    ap, &aplen) != 0 || link_send_relay(l, ap, aplen) != 0) {
		err_set(&err, CORE_ERR_UNREACHABLE, "cannot send the approval");
		link_fail(l, &err);
		return;
	}
	l->step = LINK_APPROVED;
}

static void
link_history_progress(void *arg, const struct core_event *ev)
{
	struct link	*l = arg;

	if (l->progress_cb != NULL)
		l->progress_cb(l->c, ev, l->arg);
}

/* The history is on the server (what is not yet goes out later). */
static void
link_history_sent(void *arg)
{
	link_finish(arg, NULL);
}

/* Send the new device our recent history.  0 if it is on its way. */
static int
link_history(struct link *l)
{
	l->history = transfer_send(l->tr, l->device, link_history_progress,
	    link_history_sent, l);
	if (l->history < 0) {
		log_warn("cannot send the history to device %u", l->device);
		l->history = 0;
	}
	return (l->history > 0 ? 0 : -1);
}

static void
link_published(void *arg, const Natter__Response *resp)
{
	struct link		*l = arg;
	struct core_error	 err;
	uint32_t		 be;

	if (resp == NULL)
		return;
	if (resp->code != NATTER__CODE__OK) {
		err_from_resp(&err, resp, "publishing the device list");
		if (resp->code == NATTER__CODE__TOO_MANY_DEVICES)
			err.code = CORE_ERR_LIMIT;
		link_fail(l, &err);
		return;
	}
	devices_own_list_store(l->devs, l->list, l->listlen);
	if (l->removing != 0) {
		(void)devices_forget(l->devs, account_name(l->acct), l->removing);
		l->removing = 0;
	} else if (l->device != 0) {
		be = htobe32(l->device + 1);
		if (kv_named_put(l->st, "lists", "next device", &be,
		    sizeof be) != 0)
			log_warn("cannot save the next device id");
		link_label_put(l, l->device, l->label);
		if (link_history(l) == 0)
			return;		/* done when the history is stored */
	}
	link_finish(l, NULL);
}

/*
 * Publish our list changed by one device: add (ik != NULL) or remove it
 * (device 0: neither, for an account that never had a list), one version
 * up.
 */
static int
link_publish(struct link *l, uint32_t device, const uint8_t *ik,
    const uint8_t *added)
{
	Natter__Frame			 fr = NATTER__FRAME__INIT;
	Natter__PublishDeviceList	 pl = NATTER__PUBLISH_DEVICE_LIST__INIT;
	struct devicelist		*own;
	int				 rc;

	if ((own = devices_own_list(l->devs)) == NULL)
		own = devices_first_list(l->devs);
	devicelist_set_version(own, devicelist_version(own) + 1,
	    (uint64_t)time_now_ms());
	if (device == 0)
		rc = 0;			/* the first list, as it is */
	else
		rc = ik != NULL ? devicelist_add(own, device, ik) :
		    devicelist_remove(own, device);
	if (rc == 0) {
		account_sign_list(l->acct, own, l->list, &l->listlen);
		pl.list.data = l->list;
		pl.list.len = l->listlen;
		pl.added.data = (uint8_t *)added;
		pl.added.len = added != NULL ? DEVICELIST_FPBYTES : 0;
		fr.body_case = NATTER__FRAME__BODY_PUBLISH_DEVICE_LIST;
		fr.publish_device_list = &pl;
		rc = conn_request(l->cn, &fr, link_published, l);
	}
	devicelist_free(own);
	return (rc);
}

/* The new device's countersignature (and label): publish the new list. */
static void
link_countersig_in(struct link *l, const uint8_t *p, size_t len)
{
	struct core_error	err;
	const char		*self = account_name(l->acct);
	size_t			n;

	if (len < DEVICELIST_SIGBYTES || len > DEVICELIST_SIGBYTES +
	    LINK_LABEL_MAX || devicelist_link_verify_new(p, l->ik_new, self,
	    strlen(self), l->device, l->ts, account_ik(l->acct)) != 0) {
		err_set(&err, CORE_ERR_CRYPTO, "the new device's "
		    "countersignature does not verify: nothing was published");
		link_fail(l, &err);
		return;
	}
	n = len - DEVICELIST_SIGBYTES;
	memcpy(l->label, p + DEVICELIST_SIGBYTES, n);
	l->label[n] = '\0';
	if (link_publish(l, l->device, l->ik_new, l->fp) != 0) {
		err_set(&err, CORE_ERR_UNREACHABLE, "cannot publish the device "
		    "list");
		link_fail(l, &err);
		return;
	}
	l->step = LINK_PUBLISHING;
}

void
link_remove(struct link *l, uint32_t device, core_done_cb *cb, void *arg)
{
	struct core_error	 err;
	struct devicelist	*own;
	int			 listed;

	if (link_busy(l, &err) || link_primary(l, &err) != 0)
		goto fail;
	own = devices_own_list(l->devs);
	listed = own != NULL && devicelist_find(own, device) != NULL;
	devicelist_free(own);
	if (device == 1) {
		err_set(&err, CORE_ERR_USAGE, "device 1 is the primary: it holds "
		    "the account key and cannot be removed");
		goto fail;
	}
	if (!listed) {
		err_set(&err, CORE_ERR_USAGE, "%s has no device %u (natter "
		    "devices list)", account_name(l->acct), device);
		goto fail;
	}
	l->removing = device;
	l->done_cb = cb;
	l->arg = arg;
	l->step = LINK_LOOKUP;		/* publishes at the next kick */
	if (conn_ready(l->cn))
		link_kick(l);
	else
		conn_need(l->cn);
	return;
fail:
	err_later(l->loop, l->c, &err, (struct err_cb){ .done = cb }, arg);
}

/*
 * An account registered before device lists has none: its primary
 * publishes the first one, [device 1], so that contacts can check it.
 */
static void
link_first_list(struct link *l)
{
	struct devicelist	*own;

	if (account_name(l->acct) == NULL || account_device(l->acct) != 1)
		return;
	if ((own = devices_own_list(l->devs)) != NULL) {
		devicelist_free(own);
		return;
	}
	l->device = 0;
	l->removing = 0;
	if (link_publish(l, 0, NULL, NULL) == 0)
		l->step = LINK_PUBLISHING;
}

void
link_kick(struct link *l)
{
	Natter__Frame		fr = NATTER__FRAME__INIT;
	Natter__LinkLookup	lk = NATTER__LINK_LOOKUP__INIT;
	struct core_error	err;

	if (l->step == LINK_IDLE) {
		link_first_list(l);
		return;
	}
	if (l->step == LINK_OFFERING) {
		l->step = LINK_SHOWN;
		if (l->code_cb != NULL)
			l->code_cb(l->c, l->code, l->arg);
		return;
	}
	if (l->step != LINK_LOOKUP)
		return;
	if (l->removing != 0) {
		if (link_publish(l, l->removing, NULL, NULL) == 0)
			l->step = LINK_PUBLISHING;
		return;
	}
	lk.fingerprint.data = l->fp;
	lk.fingerprint.len = sizeof l->fp;
	fr.body_case = NATTER__FRAME__BODY_LINK_LOOKUP;
	fr.link_lookup = &lk;
	if (conn_request(l->cn, &fr, link_looked_up, l) != 0) {
		err_set(&err, CORE_ERR_UNREACHABLE, "cannot look the code up");
		link_fail(l, &err);
	}
}

void
link_relay(struct link *l, const Natter__LinkRelay *r)
{
	if (r->fingerprint.len != sizeof l->fp ||
	    sodium_memcmp(r->fingerprint.data, l->fp, sizeof l->fp) != 0)
		return;
	if (l->step == LINK_SHOWN)
		link_approval_in(l, r->payload.data, r->payload.len);
	else if (l->step == LINK_APPROVED)
		link_countersig_in(l, r->payload.data, r->payload.len);
}
