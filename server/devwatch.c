/* devwatch: another node changed a device list; this node's connections follow it.
 *
 * The rules are in devwatch.h. A change is checked on a fiber of its
 * own, in a turn of the store, only when the account has a device
 * connected here: most nodes hear of most changes and do nothing. */
#include <stdlib.h>

#include "server/accounts.h"
#include "server/devwatch.h"
#include "server/fiber.h"
#include "server/online.h"
#include "server/pgturn.h"
#include "server/session.h"
#include "shared/proto/natter.pb-c.h"
#include "shared/util/log.h"
#include "shared/util/xmalloc.h"

#define DEVWATCH_MAXHERE	64	/* an account's devices on one node */

static struct db	*devwatch_db;

void
devwatch_start(struct db *db)
{
	devwatch_db = db;
}

static int
devwatch_listed(const uint32_t *list, size_t n, uint32_t device)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (list[i] == device)
			return (1);
	}
	return (0);
}

/* Close t (of a device no longer listed), or tell it the list changed. */
static void
devwatch_follow(struct session *t, uint32_t device, int listed)
{
	Natter__Event			ev = NATTER__EVENT__INIT;
	Natter__DeviceListChanged	ch = NATTER__DEVICE_LIST_CHANGED__INIT;

	if (!listed) {
		log_info("%s/%u removed (on another node)", session_name(t),
		    device);
		session_close(t, SESSION_CLOSE_REMOVED, "device removed");
		return;
	}
	ch.name = (char *)session_name(t);
	ev.kind_case = NATTER__EVENT__KIND_DEVICE_LIST_CHANGED;
	ev.device_list_changed = &ch;
	session_send_event(t, &ev);
}

static void
devwatch_check(void *arg)
{
	int64_t		 account = *(int64_t *)arg;
	uint32_t	 list[ACCOUNTS_MAXDEVICES], here[DEVWATCH_MAXHERE];
	size_t		 nlist, nhere, i;
	struct session	*t;
	int		 rc;

	pgturn_enter(PGTURN_SHARED);
	rc = accounts_devices(devwatch_db, account, list, ACCOUNTS_MAXDEVICES,
	    &nlist);
	pgturn_leave();
	if (rc != 0) {
		log_warn("cannot read the device list of account %lld",
		    (long long)account);
		return;
	}
	/* Who is here now: connections came and went while it read. */
	nhere = online_devices(account, here, DEVWATCH_MAXHERE);
	for (i = 0; i < nhere; i++) {
		if ((t = online_find(account, here[i])) != NULL)
			devwatch_follow(t, here[i],
			    devwatch_listed(list, nlist, here[i]));
	}
}

static void
devwatch_done(void *arg)
{
	free(arg);
}

void
devwatch_heard(int64_t account)
{
	uint32_t	 here[1];
	int64_t		*a;

	if (devwatch_db == NULL || account < 0 ||
	    online_devices(account, here, 1) == 0)
		return;
	a = xmalloc(sizeof *a);
	*a = account;
	if (fiber_run(devwatch_check, a, devwatch_done, a) != 0) {
		log_warn("no fiber free to check the device list of account "
		    "%lld", (long long)account);
		free(a);
	}
}
