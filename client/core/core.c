/* core: the client's engine: the public API of core.h, and the wiring of its modules (each module has its own state). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <uv.h>

#include "client/core/account.h"
#include "client/core/conn.h"
#include "client/core/devices.h"
#include "client/core/err.h"
#include "client/core/event.h"
#include "client/core/files.h"
#include "client/core/groupops.h"
#include "client/core/grouprecv.h"
#include "client/core/groups.h"
#include "client/core/groupsend.h"
#include "client/core/history.h"
#include "client/core/inbox.h"
#include "client/core/leave.h"
#include "client/core/link.h"
#include "client/core/outbox.h"
#include "client/core/peers.h"
#include "client/core/prekeys.h"
#include "client/core/receipts.h"
#include "client/core/resend.h"
#include "client/core/retire.h"
#include "client/core/transfer.h"
#include "client/core/trust.h"
#include "client/store/store.h"
#include "shared/crypto/devicelist.h"
#include "shared/crypto/keys.h"
#include "shared/proto/wire.h"
#include "shared/util/xmalloc.h"

/*
 * The layers, top to bottom (a module calls only those below it; conn
 * reaches up only through the conn_ops registered here):
 *   core
 *   link  trust  inbox
 *   receipts
 *   outbox
 *   devices
 *   peers  history
 *   account
 *   prekeys  conn  retire
 *   err  event                 (leaves; store/ and net/ below the core)
 */
struct core {
	uv_loop_t		*loop;
	struct store		*st;
	struct event_sink	*ev;
	struct prekeys		*pk;
	struct account		*acct;
	struct conn		*cn;
	struct peers		*peers;
	struct devices		*devs;
	struct outbox		*ob;
	struct receipts		*rcpt;
	struct transfer		*tr;
	struct inbox		*in;
	struct trust		*trust;
	struct link		*link;
	struct leave		*leave;
	struct resend		*rs;
	struct files		*files;
	struct groupops		*gops;
	struct groupsend	*gsend;
	struct grouprecv	*grecv;
	void			(*settled_cb)(void *);
	void			*settled_arg;
	struct history		*hist;
	uv_idle_t		 closer;	/* frees on a later turn */
	int			 closing;
	int			 oneshot;	/* as set by core_start */
	struct core_listing	*listing;	/* waits for the connection */
	core_done_cb		*rot_cb;	/* core_keys_rotate */
	void			*rot_arg;

	core_done_cb		*reg_cb;
	void			*reg_arg;
};

static const char *core_errnames[] = {
	"ok", "usage", "passphrase", "no profile", "profile exists", "locked",
	"unreachable", "name taken", "name invalid", "unknown user",
	"untrusted identity", "mismatch", "rate limited", "too large",
	"queue full", "server", "protocol", "crypto", "io", "corrupt",
	"closed", "unsupported", "timeout", "removed", "limit",
	"unknown group", "not admin", "group full",
};

const char *
core_strerror(enum core_err e)
{
	if ((size_t)e >= sizeof core_errnames / sizeof core_errnames[0])
		return ("unknown");
	return (core_errnames[e]);
}

static void	core_devices_kick(struct core *);
static void	core_settle_check(void *);
static void	core_leave_settled(void *);
static void	core_devices_drop(struct core *);

/* conn_ops: the connection reaches the core only through these. */
static void
core_on_challenge(void *arg, const uint8_t *nonce, size_t len)
{
	struct core	*c = arg;

	account_login(c->acct, c->cn, nonce, len);
}

static void
core_on_ready(void *arg)
{
	struct core		*c = arg;
	struct core_event	 ev;

	memset(&ev, 0, sizeof ev);
	ev.type = CORE_EV_CONNECTED;
	event_emit(c->ev, &ev);
	(void)retire_run(c->st);	/* long-running ones too; before uploads */
	inbox_ready(c->in);
	link_kick(c->link);
	leave_kick(c->leave);
	core_devices_kick(c);
	trust_kick(c->trust);
	groupops_kick(c->gops);
	outbox_kick(c->ob);
	files_kick(c->files);
}

static void
core_on_deliver(void *arg, const Natter__Deliver *d)
{
	struct core	*c = arg;

	inbox_deliver(c->in, d);
}

static void
core_on_event(void *arg, const Natter__Event *e)
{
	struct core	*c = arg;

	if (e->kind_case == NATTER__EVENT__KIND_LINK)
		link_relay(c->link, e->link);
	else if (e->kind_case == NATTER__EVENT__KIND_LINKED)
		link_linked(c->link, e->linked);
	else
		inbox_event(c->in, e);
}

static void
core_on_down(void *arg, const struct core_error *err, int64_t retry_ms)
{
	struct core		*c = arg;
	struct core_event	 ev;

	inbox_reset(c->in);
	if (retry_ms == 0) {
		account_abort(c->acct, err);
		outbox_fail_all(c->ob, err, 0);
		trust_fail_all(c->trust, err);
		link_fail_all(c->link, err);
		leave_fail_all(c->leave, err);
		prekeys_fail(c->pk, err);
		files_down(c->files, err);
		groupops_fail_all(c->gops, err);
		core_devices_drop(c);
	}
	memset(&ev, 0, sizeof ev);
	ev.type = CORE_EV_DISCONNECTED;
	ev.retry_in_ms = retry_ms;
	ev.error = err;
	event_emit(c->ev, &ev);
	core_settle_check(c);
}

static const struct conn_ops core_conn_ops = {
	core_on_challenge, core_on_ready, core_on_deliver, core_on_event,
	core_on_down,
};

static void
core_open_err(struct core_error *err, enum store_err se, const char *home)
{
	switch (se) {
	case STORE_EPASS:
		err_set(err, CORE_ERR_PASSPHRASE, "wrong passphrase for the "
		    "profile in %s", home);
		break;
	case STORE_ENOENT:
		err_set(err, CORE_ERR_NO_PROFILE, "no profile in %s: run natter "
		    "register NAME first, or use --home DIR", home);
		break;
	case STORE_ELOCKED:
		err_set(err, CORE_ERR_LOCKED, "the profile in %s is in use by "
		    "another natter process (listen, rpc or the TUI): stop it or "
		    "use that process", home);
		break;
	case STORE_ECORRUPT:
		err_set(err, CORE_ERR_CORRUPT, "the profile in %s is damaged "
		    "(bad key file or database)", home);
		break;
	default:
		err_set(err, CORE_ERR_IO, "cannot open the profile in %s: %s",
		    home, strerror(errno));
		break;
	}
}

/* event_group_cb: a group's name now, from this device's copy. */
static void
core_group_name(void *arg, const uint8_t *id, char *name, size_t len,
    int *members)
{
	struct core	*c = arg;
	struct group	*g;

	if ((g = groups_by_id(c->st, id, GROUPS_IDBYTES)) == NULL)
		return;
	snprintf(name, len, "%s", g->info->name);
	/* Members but us (the count delivered_n / read_n are out of). */
	*members = (int)g->info->n_members -
	    groups_is_member(g->info, account_name(c->acct));
	groups_free_one(g);
}

/* The modules above the account, wired to each other. */
static void
core_wire(struct core *c, const char *server, const struct conn_net *nt)
{
	const char	*t = getenv("NATTER_REQUEST_TIMEOUT_MS");

	if (server == NULL && (server = account_saved_server(c->acct)) == NULL)
		server = CORE_DEFAULT_SERVER;
	c->cn = conn_create(c->loop, server, nt, &core_conn_ops, c);
	if (t != NULL)
		conn_set_timeout(c->cn, atoi(t));
	c->peers = peers_create(c->st, c->acct, c->pk);
	c->devs = devices_create(c->st, c->acct, c->peers, c->cn, c->ev);
	c->ob = outbox_create(c, c->st, c->acct, c->cn, c->devs, c->peers,
	    c->ev);
	c->rcpt = receipts_create(c->st, c->acct, c->ob, c->ev);
	c->tr = transfer_create(c->st, c->acct, c->ob, c->ev);
	c->link = link_create(c->loop, c, c->st, c->acct, c->cn, c->devs,
	    c->tr);
	c->leave = leave_create(c->loop, c, c->st, c->acct, c->cn, c->ob,
	    c->link, c->ev);
	c->rs = resend_create(c->st, c->acct, c->ob, c->peers, c->devs);
	c->files = files_create(c->loop, c, c->st, store_dir(c->st), c->cn,
	    c->ob, c->ev, core_settle_check, c);
	c->gsend = groupsend_create(c->st, c->acct, c->cn, c->devs, c->peers,
	    c->ob);
	c->grecv = grouprecv_create(c->st, c->acct, c->devs, c->files,
	    c->ev);
	c->gops = groupops_create(c->loop, c, c->st, c->acct, c->cn);
	event_sink_groups(c->ev, core_group_name, c);
	c->in = inbox_create(&(struct inbox_parts){ .st = c->st,
	    .acct = c->acct, .cn = c->cn, .devs = c->devs, .peers = c->peers,
	    .pk = c->pk, .rcpt = c->rcpt, .tr = c->tr, .leave = c->leave,
	    .rs = c->rs, .ob = c->ob, .files = c->files, .gr = c->grecv,
	    .ev = c->ev });
	c->trust = trust_create(c->loop, c, c->st, c->acct, c->cn, c->devs);
	c->hist = history_create(c->st, c, c->ev);
	outbox_on_empty(c->ob, core_settle_check, c);
	leave_on_settled(c->leave, core_leave_settled, c);
}

int
core_open_net(struct core **corep, uv_loop_t *loop, const char *home,
    const char *pass, size_t passlen, const char *server, int flags,
    const struct conn_net *nt, struct core_error *err)
{
	struct core	*c;
	enum store_err	 se;

	*corep = NULL;
	if (home == NULL || *home == '\0' || pass == NULL) {
		err_set(err, CORE_ERR_USAGE, "no profile directory given");
		return (-1);
	}
	c = xcalloc(1, sizeof *c);
	c->loop = loop;
	c->st = store_open(home, pass, passlen, (flags & CORE_OPEN_CREATE) ?
	    STORE_CREATE : 0, &se);
	if (c->st == NULL) {
		core_open_err(err, se, home);
		free(c);
		return (-1);
	}
	c->ev = event_sink_create(c);
	c->pk = prekeys_create(c->st);
	if ((c->acct = account_open(c->st, c->pk, err)) == NULL) {
		prekeys_free(c->pk);
		event_sink_free(c->ev);
		if (store_created(c->st))
			store_discard(c->st);
		else
			store_close(c->st);
		free(c);
		return (-1);
	}
	core_wire(c, server, nt);
	(void)retire_run(c->st);	/* a failure is logged; next time */
	uv_idle_init(loop, &c->closer);
	c->closer.data = c;
	if (outbox_load(c->ob, err) != 0) {
		core_close(c);
		return (-1);
	}
	*corep = c;
	return (0);
}

int
core_open(struct core **corep, uv_loop_t *loop, const char *home,
    const char *pass, size_t passlen, const char *server, int flags,
    struct core_error *err)
{
	return (core_open_net(corep, loop, home, pass, passlen, server, flags,
	    &conn_net_ws, err));
}

/*
 * A profile that this open made and that still has no account is half
 * made (a register or a link that failed or was stopped): it goes, so
 * that trying again starts afresh, with any passphrase.
 */
static void
core_free_cb(uv_handle_t *h)
{
	struct core	*c = h->data;
	int		 discard;

	discard = store_created(c->st) && account_name(c->acct) == NULL;
	history_free(c->hist);
	groupops_free(c->gops);
	trust_free(c->trust);
	files_free(c->files);
	inbox_free(c->in);
	receipts_free(c->rcpt);
	transfer_free(c->tr);
	leave_free(c->leave);
	resend_free(c->rs);
	outbox_free(c->ob);
	groupsend_free(c->gsend);
	grouprecv_free(c->grecv);
	devices_free(c->devs);
	peers_free(c->peers);
	account_free(c->acct);
	prekeys_free(c->pk);
	event_sink_free(c->ev);
	if (discard)
		store_discard(c->st);
	else
		store_close(c->st);
	free(c);
}

/*
 * Safe inside a core callback: what the caller's stack may still touch
 * (the store, the lws context) is released on a later loop turn.
 */
void
core_close(struct core *c)
{
	struct core_error	err;

	if (c == NULL || c->closing)
		return;
	c->closing = 1;
	event_sink_set(c->ev, NULL, NULL);
	err_set(&err, CORE_ERR_CLOSED, "closed before the operation finished");
	conn_free(c->cn);
	account_abort(c->acct, &err);
	outbox_fail_all(c->ob, &err, 1);
	trust_fail_all(c->trust, &err);
	link_fail_all(c->link, &err);
	leave_fail_all(c->leave, &err);
	groupops_fail_all(c->gops, &err);
	link_free(c->link);
	prekeys_fail(c->pk, &err);
	core_devices_drop(c);
	uv_close((uv_handle_t *)&c->closer, core_free_cb);
}

int
core_settled(struct core *c)
{
	return (!files_busy(c->files) && (!conn_ready(c->cn) ||
	    (outbox_pending(c->ob) == 0 && !leave_busy(c->leave))));
}

static void
core_settle_check(void *arg)
{
	struct core	*c = arg;
	void		(*cb)(void *) = c->settled_cb;

	if (cb == NULL || c->closing || !core_settled(c))
		return;
	c->settled_cb = NULL;
	cb(c->settled_arg);
}

/* A leave was published: recv's drained may be due, and the settle. */
static void
core_leave_settled(void *arg)
{
	struct core	*c = arg;

	inbox_recheck(c->in);
	core_settle_check(c);
}

void
core_on_settled(struct core *c, void (*cb)(void *), void *arg)
{
	c->settled_cb = cb;
	c->settled_arg = arg;
	core_settle_check(c);
}

const char *
core_account(struct core *c)
{
	return (account_name(c->acct));
}

uint32_t
core_device(struct core *c)
{
	return (account_device(c->acct));
}

const char *
core_server(struct core *c)
{
	return (conn_server(c->cn));
}

static void
core_registered(void *arg, const struct core_error *err)
{
	struct core	*c = arg;
	core_done_cb	*cb = c->reg_cb;

	c->reg_cb = NULL;
	conn_set_oneshot(c->cn, c->oneshot);
	if (cb != NULL)
		cb(c, err, c->reg_arg);
}

void
core_register(struct core *c, const char *name, core_done_cb *done, void *arg)
{
	struct core_error	err;

	if (conn_started(c->cn) && account_name(c->acct) == NULL)
		err_set(&err, CORE_ERR_USAGE, "already connecting");
	else if (account_register(c->acct, name, core_registered, c,
	    &err) == 0) {
		c->reg_cb = done;
		c->reg_arg = arg;
		c->oneshot = !event_sink_has(c->ev);
		/* A registration that loses its connection fails. */
		conn_set_oneshot(c->cn, 1);
		conn_start(c->cn);
		return;
	}
	err_later(c->loop, c, &err, (struct err_cb){ .done = done }, arg);
}

/* 0 if the profile has an account, else -1 with err. */
static int
core_need_account(struct core *c, struct core_error *err)
{
	if (account_name(c->acct) != NULL)
		return (0);
	err_set(err, CORE_ERR_NO_PROFILE, "this profile has no account yet: "
	    "run natter register NAME first");
	return (-1);
}

int
core_start(struct core *c, int flags, core_event_cb *cb, void *arg,
    struct core_error *err)
{
	if (core_need_account(c, err) != 0)
		return (-1);
	event_sink_set(c->ev, cb, arg);
	c->oneshot = (flags & CORE_START_ONESHOT) != 0;
	conn_set_oneshot(c->cn, c->oneshot);
	if ((flags & CORE_START_REPLAY) && cb != NULL &&
	    history_unprinted(c->hist, cb, arg, err) != 0)
		return (-1);
	conn_start(c->cn);
	return (0);
}

int
core_reconnect(struct core *c)
{
	if (c->oneshot || !conn_started(c->cn) || conn_ready(c->cn))
		return (-1);
	conn_start(c->cn);
	return (0);
}

/* Something joined the outbox: connect (one-shot if not started) or kick. */
static void
core_outbox_go(struct core *c)
{
	if (conn_ready(c->cn))
		outbox_kick(c->ob);
	else
		conn_need(c->cn);
}

/* Can we send to *to at all?  0 (*to may now point to buf), or -1. */
static int
core_check_to(struct core *c, const char **top, char buf[GROUPS_PEERBYTES],
    struct core_error *err)
{
	const char	*to = *top;

	if (core_need_account(c, err) != 0)
		return (-1);
	if (to != NULL && to[0] == '#')
		return (groups_resolve(c->st, top, buf, err));
	if (to == NULL || !wire_name_valid(to)) {
		err_set(err, CORE_ERR_USAGE, "invalid recipient \"%.40s\"",
		    to != NULL ? to : "");
		return (-1);
	}
	return (0);
}

void
core_send_text(struct core *c, const char *to, const char *text,
    core_sent_cb *sent, void *arg)
{
	struct core_error	err;
	char			buf[GROUPS_PEERBYTES];

	if (core_check_to(c, &to, buf, &err) != 0)
		;
	else if (text == NULL || strlen(text) > CORE_TEXT_MAX)
		err_set(&err, CORE_ERR_TOO_LARGE, "message too long: at most %d "
		    "bytes", CORE_TEXT_MAX);
	else if (outbox_add(c->ob, to, text, NULL, sent, arg, NULL, &err) == 0) {
		core_outbox_go(c);
		return;
	}
	err_later(c->loop, c, &err, (struct err_cb){ .sent = sent }, arg);
}

void
core_send_file(struct core *c, const char *to, const char *path,
    const char *caption, core_event_cb *progress, core_file_sent_cb *sent,
    void *arg)
{
	struct core_error	err;
	char			buf[GROUPS_PEERBYTES];

	if (core_check_to(c, &to, buf, &err) != 0)
		;
	else if (caption != NULL && strlen(caption) > CORE_TEXT_MAX)
		err_set(&err, CORE_ERR_TOO_LARGE, "caption too long: at most %d "
		    "bytes", CORE_TEXT_MAX);
	else if (path == NULL || *path == '\0')
		err_set(&err, CORE_ERR_USAGE, "no file to send");
	else {
		files_send(c->files, to, path, caption, progress, sent, arg);
		return;
	}
	err_later(c->loop, c, &err, (struct err_cb){ .file_sent = sent }, arg);
}

void
core_save(struct core *c, const char *id, const char *path,
    core_event_cb *progress, core_saved_cb *done, void *arg)
{
	files_save(c->files, id, path, progress, done, arg);
}

void
core_set_auto_download(struct core *c, uint64_t bytes)
{
	files_set_auto(c->files, bytes);
}

int
core_mark_read(struct core *c, const char *peer, int64_t from, int64_t to,
    core_sent_cb *sent, void *arg, struct core_error *err)
{
	char	pb[GROUPS_PEERBYTES];
	int	n;

	if (core_need_account(c, err) != 0)
		return (-1);
	/* A group's: each sender gets a receipt for its messages. */
	n = receipts_mark_read(c->rcpt, groups_conv(c->st, peer, pb), from, to,
	    sent, arg, err);
	if (n > 0)
		core_outbox_go(c);
	return (n);
}

int
core_outbox_count(struct core *c)
{
	return (outbox_count(c->ob));
}

void
core_queued(struct core *c, const char *peer, core_event_cb *each, void *arg)
{
	char	pb[GROUPS_PEERBYTES];

	outbox_each_queued(c->ob, groups_conv(c->st, peer, pb), each, arg);
}

void
core_fingerprint(struct core *c, const char *peer, core_fingerprint_cb *cb,
    void *arg)
{
	trust_fingerprint(c->trust, peer, cb, arg);
}

void
core_verify(struct core *c, const char *peer, const char *number,
    core_done_cb *done, void *arg)
{
	trust_verify(c->trust, peer, number, done, arg);
}

int
core_trust_accept(struct core *c, const char *peer, struct core_error *err)
{
	return (trust_accept(c->trust, peer, err));
}

const char *
core_trust_state(struct core *c, const char *peer)
{
	return (trust_state(c->trust, peer));
}

int
core_history(struct core *c, const char *peer, int limit, core_event_cb *each,
    void *arg, struct core_error *err)
{
	char	pb[GROUPS_PEERBYTES];

	return (history_list(c->hist, groups_conv(c->st, peer, pb), limit, each,
	    arg, err));
}

int
core_history_before(struct core *c, const char *peer, int64_t before,
    int limit, core_event_cb *each, void *arg, struct core_error *err)
{
	char	pb[GROUPS_PEERBYTES];

	return (history_before(c->hist, groups_conv(c->st, peer, pb), before, limit,
	    each, arg, err));
}

int64_t
core_history_after(struct core *c, const char *peer, int64_t seq, int n)
{
	char	pb[GROUPS_PEERBYTES];

	return (history_after(c->hist, groups_conv(c->st, peer, pb), seq, n));
}

int
core_unprinted(struct core *c, core_event_cb *each, void *arg,
    struct core_error *err)
{
	return (history_unprinted(c->hist, each, arg, err));
}

int
core_mark_printed(struct core *c, int64_t seq)
{
	return (history_mark_printed(c->hist, seq));
}

int
core_conversations(struct core *c, core_conv_cb *each, void *arg,
    struct core_error *err)
{
	return (history_conversations(c->hist, each, arg, err));
}

int
core_search(struct core *c, const char *text, int64_t before,
    core_event_cb *each, void *arg, struct core_error *err)
{
	return (history_search(c->hist, text, before, each, arg, err));
}

int
core_messages_after(struct core *c, int64_t after, int limit,
    core_event_cb *each, void *arg, struct core_error *err)
{
	return (history_messages_after(c->hist, after, limit, each, arg, err));
}

int
core_mark_seen(struct core *c, const char *peer)
{
	char	pb[GROUPS_PEERBYTES];

	return (history_mark_seen(c->hist, groups_conv(c->st, peer, pb)));
}

void
core_devices_link(struct core *c, const char *label, int timeout_s,
    core_link_code_cb *code_cb, core_linked_cb *done, void *arg)
{
	link_offer(c->link, label, timeout_s, code_cb, done, arg);
}

void
core_devices_approve(struct core *c, const char *code,
    core_event_cb *progress, core_approved_cb *done, void *arg)
{
	link_approve(c->link, code, progress, done, arg);
}

void
core_devices_remove(struct core *c, uint32_t device, core_done_cb *done,
    void *arg)
{
	if (device != 1 && device == account_device(c->acct))
		leave_start(c->leave, done, arg);
	else
		link_remove(c->link, device, done, arg);
}

/* A listing waits for our own account's lookup (when it can be made). */
struct core_listing {
	struct core	*c;
	core_devices_cb	*cb;
	void		*arg;
};

static void
core_devices_answer(struct core *c, core_devices_cb *cb, void *arg)
{
	struct core_device	 v[DEVICELIST_MAXDEVICES];
	struct core_error	 err;
	struct devicelist	*own;
	char			*labels[DEVICELIST_MAXDEVICES];
	const uint8_t		*ik;
	uint8_t			 h[crypto_hash_sha256_BYTES];
	size_t			 i, j, n;

	if ((own = devices_own_list(c->devs)) == NULL) {
		err_set(&err, CORE_ERR_UNKNOWN_USER, "no signed device list of "
		    "%s is known here yet: try again when the server can be "
		    "reached", account_name(c->acct));
		cb(c, &err, NULL, 0, arg);
		return;
	}
	n = devicelist_count(own);
	for (i = 0; i < n; i++) {
		memset(&v[i], 0, sizeof v[i]);
		v[i].device = devicelist_device(own, i, &ik);
		v[i].primary = v[i].device == 1;
		v[i].current = v[i].device == account_device(c->acct);
		labels[i] = link_label(c->link, v[i].device, &v[i].added);
		v[i].label = labels[i];
		crypto_hash_sha256(h, ik, DEVICELIST_KEYBYTES);
		for (j = 0; j < 8; j++)
			snprintf(v[i].fingerprint + j * 5, 6, "%02x%02x%s",
			    h[2 * j], h[2 * j + 1], j < 7 ? " " : "");
		if (v[i].added == 0)
			v[i].added = (int64_t)devicelist_timestamp(own);
	}
	devicelist_free(own);
	cb(c, NULL, v, n, arg);
	for (i = 0; i < n; i++)
		free(labels[i]);
}

static void
core_devices_looked_up(void *arg, const struct core_error *err)
{
	struct core_listing	*l = arg;

	(void)err;		/* offline or refused: what is kept here */
	core_devices_answer(l->c, l->cb, l->arg);
	free(l);
}

void
core_devices_list(struct core *c, core_devices_cb *cb, void *arg)
{
	struct core_listing	*l;
	struct core_error	 err;
	char			*self = (char *)account_name(c->acct);

	if (core_need_account(c, &err) != 0) {
		err_later(c->loop, c, &err, (struct err_cb){ .devices = cb },
		    arg);
		return;
	}
	l = xcalloc(1, sizeof *l);
	l->c = c;
	l->cb = cb;
	l->arg = arg;
	if (devices_fetch(c->devs, &self, 1, DEVICES_KEYS,
	    core_devices_looked_up, l) == 0)
		return;
	/* Not connected yet: connect, then look up (c->pending_list). */
	c->listing = l;
	conn_need(c->cn);
}

/* A user's lookup (core_user_check): who to tell. */
struct core_check {
	struct core	*c;
	core_done_cb	*done;
	void		*arg;
};

static void
core_user_checked(void *arg, const struct core_error *err)
{
	struct core_check	*k = arg;

	k->done(k->c, err, k->arg);
	free(k);
}

void
core_user_check(struct core *c, const char *name, core_done_cb *done,
    void *arg)
{
	struct core_check	*k;
	struct core_error	 err;
	char			*n = (char *)name;

	k = xcalloc(1, sizeof *k);
	k->c = c;
	k->done = done;
	k->arg = arg;
	if (devices_fetch(c->devs, &n, 1, DEVICES_KEYS, core_user_checked,
	    k) == 0)
		return;
	free(k);
	err_set(&err, CORE_ERR_UNREACHABLE, "not connected to %s: cannot "
	    "look %s up now", conn_server(c->cn), name);
	err_later(c->loop, c, &err, (struct err_cb){ .done = done }, arg);
}

/* The connection is up: the listing that waited for it looks up. */
static void
core_devices_kick(struct core *c)
{
	struct core_listing	*l = c->listing;
	char			*self = (char *)account_name(c->acct);

	if (l == NULL || self == NULL)
		return;
	c->listing = NULL;
	if (devices_fetch(c->devs, &self, 1, DEVICES_KEYS,
	    core_devices_looked_up, l) != 0)
		core_devices_looked_up(l, NULL);
}

/* The connection gave up: answer from what is kept. */
static void
core_devices_drop(struct core *c)
{
	struct core_listing	*l = c->listing;

	c->listing = NULL;
	if (l != NULL)
		core_devices_looked_up(l, NULL);
}

/* prekeys_rotated_cb: the new signed prekey is on the server (or not). */
static void
core_rotated(void *arg, const struct core_error *err, uint32_t spk_id)
{
	struct core	*c = arg;
	core_done_cb	*cb = c->rot_cb;

	(void)spk_id;		/* core_keys_spk_id has it */
	c->rot_cb = NULL;
	if (cb != NULL)
		cb(c, err, c->rot_arg);
}

void
core_keys_rotate(struct core *c, core_done_cb *done, void *arg)
{
	struct keys_identity	id;
	struct core_error	err;
	int			rc = -1;

	if (core_need_account(c, &err) != 0)
		;
	else if (account_identity(c->acct, &id) != 0)
		err_set(&err, CORE_ERR_CORRUPT, "cannot read this device's "
		    "identity key from the profile");
	else {
		rc = prekeys_rotate(c->pk, &id, core_rotated, c, &err);
		keys_identity_wipe(&id);
	}
	if (rc != 0) {
		err_later(c->loop, c, &err, (struct err_cb){ .done = done },
		    arg);
		return;
	}
	c->rot_cb = done;
	c->rot_arg = arg;
	if (conn_ready(c->cn))
		prekeys_topup(c->pk, c->cn, PREKEYS_TARGET, NULL, NULL, NULL);
	else
		conn_need(c->cn);	/* the upload at sign-in carries it */
}

uint32_t
core_keys_spk_id(struct core *c)
{
	return (prekeys_spk_id(c->pk));
}

/* Groups (groupops.c): each connects one-shot when not started. */
void
core_group_op(struct core *c, enum core_group_op op, const char *name,
    const char * const *users, core_group_cb *done, void *arg)
{
	groupops_op(c->gops, op, name, users, done, arg);
}

void
core_group_info(struct core *c, const char *name, core_group_cb *done,
    void *arg)
{
	groupops_info(c->gops, name, done, arg);
}

void
core_group_list(struct core *c, core_groups_cb *done, void *arg)
{
	groupops_list(c->gops, done, arg);
}

int
core_groups_local(struct core *c, void (*each)(struct core *,
    const struct core_group *, void *), void *arg)
{
	return (groupops_local(c->gops, each, arg));
}
