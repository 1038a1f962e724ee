/* devices: PublishDeviceList: the account's devices follow its list;
 * LeaveAccount: a linked device takes itself off.
 *
 * Device 1 of an account publishes a new signed list (roster.c checks
 * it) and the devices table is made to match: a device in the table but
 * not on the list is removed (its row and signed prekey, its one-time
 * prekeys, its queue, and a record that refuses its sign-in from then
 * on); a device on the list but not in the table is added from its link
 * offer (link.c), with the offer's keys; a device on both must carry the
 * same key in both. Everything the database holds changes in the
 * request's savepoint, so a publish that fails changes nothing. What the
 * database does not hold follows once the writes succeeded: the removed
 * device's connection is closed, the offer is used up and its connection
 * hears Linked, the account's other devices hear DeviceListChanged. Like
 * every answer, those reach the wire only after the commit is on disk
 * (session.c). */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "server/accounts.h"
#include "server/devices.h"
#include "server/link.h"
#include "server/online.h"
#include "server/prekeys.h"
#include "server/queue.h"
#include "server/roster.h"
#include "server/session.h"
#include "shared/util/log.h"

#define C(x)	NATTER__CODE__##x

/* What a verified list changes. */
struct devices_plan {
	struct devicelist	*dl;
	uint32_t		 table[ACCOUNTS_MAXDEVICES];
	size_t			 ntable;
	uint32_t		 gone[ACCOUNTS_MAXDEVICES];
	size_t			 ngone;
	uint32_t		 added;		/* 0: none */
	const uint8_t		*fp;		/* its offer (link.c) */
	const uint8_t		*ik;
	const struct prekeys_upload *keys;
};

static char	devices_why[128];

static int
devices_in_table(const struct devices_plan *p, uint32_t device)
{
	size_t	i;

	for (i = 0; i < p->ntable; i++) {
		if (p->table[i] == device)
			return (1);
	}
	return (0);
}

/* Sort the table's devices into kept (same key on the list) and gone. */
static uint32_t
devices_plan_table(struct session *s, struct devices_plan *p,
    const char **why)
{
	const uint8_t	*listed;
	uint8_t		 ik[ACCOUNTS_KEYBYTES];
	size_t		 i;

	if (accounts_devices(session_db(s), session_account(s), p->table,
	    ACCOUNTS_MAXDEVICES, &p->ntable) != 0)
		return (C(INTERNAL));
	for (i = 0; i < p->ntable; i++) {
		if ((listed = devicelist_find(p->dl, p->table[i])) == NULL) {
			p->gone[p->ngone++] = p->table[i];
			continue;
		}
		if (accounts_device_key(session_db(s), session_account(s),
		    p->table[i], ik) != 0)
			return (C(INTERNAL));
		if (sodium_memcmp(ik, listed, sizeof ik) != 0) {
			snprintf(devices_why, sizeof devices_why, "device %u "
			    "is on the list with a key that is not its own",
			    p->table[i]);
			*why = devices_why;
			return (C(BAD_REQUEST));
		}
	}
	return (C(OK));
}

/* The offer of the device the list adds, fingerprint added: looked up
 * by this account, with the key the list gives the device. */
static uint32_t
devices_plan_offer(struct session *s, struct devices_plan *p,
    const ProtobufCBinaryData *added, const char **why)
{
	if (p->added == 0) {
		if (added->len == 0)
			return (C(OK));
		*why = "the list names a link but adds no device";
		return (C(BAD_REQUEST));
	}
	if (added->len != LINK_FPBYTES) {
		snprintf(devices_why, sizeof devices_why, "device %u is new: "
		    "added must be its link offer's fingerprint", p->added);
		*why = devices_why;
		return (C(BAD_REQUEST));
	}
	p->fp = added->data;
	p->keys = link_pending(p->fp, session_account(s), &p->ik);
	if (p->keys == NULL) {
		*why = link_none;
		return (C(UNKNOWN_USER));
	}
	if (sodium_memcmp(p->ik, devicelist_find(p->dl, p->added),
	    ACCOUNTS_KEYBYTES) != 0) {
		snprintf(devices_why, sizeof devices_why, "device %u is on "
		    "the list with a key that is not its link offer's",
		    p->added);
		*why = devices_why;
		return (C(BAD_REQUEST));
	}
	return (C(OK));
}

/* The list's devices that the table lacks: at most one, never one that
 * was removed before. */
static uint32_t
devices_plan_new(struct session *s, struct devices_plan *p,
    const char **why)
{
	uint8_t		ik[ACCOUNTS_KEYBYTES];
	uint32_t	id;
	size_t		i;
	int		rc;

	for (i = 0; i < devicelist_count(p->dl); i++) {
		id = devicelist_device(p->dl, i, NULL);
		if (devices_in_table(p, id))
			continue;
		rc = accounts_device_key(session_db(s), session_account(s), id,
		    ik);
		if (rc == -1)
			return (C(INTERNAL));
		if (rc == 2) {
			snprintf(devices_why, sizeof devices_why, "device %u "
			    "was removed; a new device takes a new id", id);
			*why = devices_why;
			return (C(BAD_REQUEST));
		}
		if (p->added != 0) {
			*why = "a list adds one device at a time";
			return (C(BAD_REQUEST));
		}
		p->added = id;
	}
	return (C(OK));
}

/* Forget one device of the account: its row (its sign-in refused from
 * then on), its prekeys, its queue.  0 or -1. */
static int
devices_forget(struct db *db, int64_t account, uint32_t device)
{
	if (accounts_remove_device(db, account, device) != 0 ||
	    prekeys_forget(db, account, device) != 0 ||
	    queue_forget(db, account, device) != 0)
		return (-1);
	return (0);
}

/* Write what p changes, and the list itself: 0 or -1. */
static int
devices_apply(struct session *s, const struct devices_plan *p,
    const ProtobufCBinaryData *list)
{
	struct db	*db = session_db(s);
	int64_t		 account = session_account(s);
	size_t		 i;

	for (i = 0; i < p->ngone; i++) {
		if (devices_forget(db, account, p->gone[i]) != 0)
			return (-1);
	}
	if (p->added != 0 && (accounts_add_device(db, account, p->added,
	    p->ik) != 0 || prekeys_store(db, account, p->added, p->keys) != 0))
		return (-1);
	return (roster_put(db, account, devicelist_version(p->dl), list->data,
	    list->len));
}

/* Once written: close the removed devices' connections, tell the
 * account's other connected devices. */
static void
devices_tell(struct session *s, const struct devices_plan *p)
{
	Natter__Event			ev = NATTER__EVENT__INIT;
	Natter__DeviceListChanged	ch = NATTER__DEVICE_LIST_CHANGED__INIT;
	struct session			*t;
	uint32_t			 id;
	size_t				 i;

	for (i = 0; i < p->ngone; i++) {
		log_info("%s/%u removed", session_name(s), p->gone[i]);
		if ((t = online_find(session_account(s), p->gone[i])) != NULL)
			session_close(t, SESSION_CLOSE_REMOVED,
			    "device removed");
	}
	if (p->added != 0) {
		log_info("%s/%u linked", session_name(s), p->added);
		link_used(p->fp, session_account(s), session_name(s),
		    p->added);
	}
	ch.name = (char *)session_name(s);
	ev.kind_case = NATTER__EVENT__KIND_DEVICE_LIST_CHANGED;
	ev.device_list_changed = &ch;
	for (i = 0; i < devicelist_count(p->dl); i++) {
		id = devicelist_device(p->dl, i, NULL);
		if (id != session_device(s) &&
		    (t = online_find(session_account(s), id)) != NULL)
			session_send_event(t, &ev);
	}
}

/* Verify the published list and plan what it changes. */
static uint32_t
devices_plan(struct session *s, const Natter__PublishDeviceList *m,
    struct devices_plan *p, const char **why)
{
	uint8_t		pk[ACCOUNTS_KEYBYTES];
	uint64_t	last = 0;
	uint32_t	code;

	if (accounts_device_key(session_db(s), session_account(s), 1,
	    pk) != 0 || roster_get(session_db(s), session_account(s), &last,
	    NULL, NULL) == -1)
		return (C(INTERNAL));
	code = roster_verify(m->list.data, m->list.len, session_name(s), pk,
	    last, &p->dl, why);
	if (code == C(OK))
		code = devices_plan_table(s, p, why);
	if (code == C(OK))
		code = devices_plan_new(s, p, why);
	if (code == C(OK))
		code = devices_plan_offer(s, p, &m->added, why);
	return (code);
}

uint32_t
devices_publish(struct session *s, const Natter__Frame *f, const char **why)
{
	const Natter__PublishDeviceList	*m = f->publish_device_list;
	struct devices_plan		 p;
	uint32_t			 code;

	if (session_device(s) != 1) {
		*why = "only device 1 of an account publishes its device list";
		return (C(NOT_PRIMARY));
	}
	memset(&p, 0, sizeof p);
	code = devices_plan(s, m, &p, why);
	if (code == C(OK) && devices_apply(s, &p, &m->list) != 0)
		code = C(INTERNAL);
	if (code == C(OK)) {
		session_respond(s, f->id, C(OK), NULL);
		devices_tell(s, &p);
		log_info("%s published device list version %llu",
		    session_name(s),
		    (unsigned long long)devicelist_version(p.dl));
	}
	devicelist_free(p.dl);
	return (code);
}

uint32_t
devices_leave(struct session *s, const Natter__Frame *f, const char **why)
{
	if (session_device(s) == 1) {
		*why = "device 1 holds the account key and cannot leave its "
		    "account";
		return (C(BAD_REQUEST));
	}
	if (devices_forget(session_db(s), session_account(s),
	    session_device(s)) != 0)
		return (C(INTERNAL));
	session_respond(s, f->id, C(OK), NULL);
	session_close(s, SESSION_CLOSE_REMOVED, "device left its account");
	log_info("%s/%u left its account", session_name(s), session_device(s));
	return (C(OK));
}
