/* resend: a message a contact's device could not decrypt goes to that device again, once, over a new session. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/core/account.h"
#include "client/core/core.h"
#include "client/core/devices.h"
#include "client/core/outbox.h"
#include "client/core/peers.h"
#include "client/core/resend.h"
#include "client/store/kv.h"
#include "client/store/msglog.h"
#include "client/store/store.h"
#include "shared/util/hex.h"
#include "shared/util/log.h"
#include "shared/util/xmalloc.h"

#define RESEND_TABLE	"lists"
#define RESEND_PREFIX	"resend "

struct resend {
	struct store	*st;
	struct account	*acct;
	struct outbox	*ob;
	struct peers	*peers;
	struct devices	*devs;
};

struct resend *
resend_create(struct store *st, struct account *acct, struct outbox *ob,
    struct peers *peers, struct devices *devs)
{
	struct resend	*r;

	r = xcalloc(1, sizeof *r);
	r->st = st;
	r->acct = acct;
	r->ob = ob;
	r->peers = peers;
	r->devs = devs;
	return (r);
}

void
resend_free(struct resend *r)
{
	free(r);
}

/* The lists row naming a resend id. */
static void
resend_row(char *out, size_t len, const uint8_t *id)
{
	char	hex[2 * CORE_IDBYTES + 1];

	hex_encode(hex, id, CORE_IDBYTES);
	snprintf(out, len, RESEND_PREFIX "%s", hex);
}

int
resend_original(struct resend *r, const uint8_t *id, size_t idlen,
    uint8_t *orig, size_t origlen)
{
	char	 row[sizeof RESEND_PREFIX + 2 * CORE_IDBYTES];
	uint8_t	*v;
	size_t	 len;
	int	 rc;

	if (idlen != CORE_IDBYTES || origlen != CORE_IDBYTES)
		return (1);
	resend_row(row, sizeof row, id);
	if ((rc = kv_named_get(r->st, RESEND_TABLE, row, &v, &len)) != 0)
		return (1);
	rc = len == CORE_IDBYTES ? 0 : 1;
	if (rc == 0)
		memcpy(orig, v, CORE_IDBYTES);
	free(v);
	return (rc);
}

/* 1 the first time message id is resent to device (recorded), 0 after
 * that (a server repeating the receipt gets nothing more), -1. */
static int
resend_first(struct resend *r, const uint8_t *id, uint32_t device)
{
	char	 hex[2 * CORE_IDBYTES + 1], row[sizeof RESEND_PREFIX + 48];
	uint8_t	*v, one = 1;
	size_t	 len;
	int	 rc;

	hex_encode(hex, id, CORE_IDBYTES);
	snprintf(row, sizeof row, "resent %s %u", hex, device);
	if ((rc = kv_named_get(r->st, RESEND_TABLE, row, &v, &len)) == 0) {
		free(v);
		return (0);
	}
	if (rc == -1 || kv_named_put(r->st, RESEND_TABLE, row, &one, 1) != 0)
		return (-1);
	return (1);
}

/* Queue m's text for (m->to, device) alone under a new Send id. */
static int
resend_queue(struct resend *r, const Natter__StoredMessage *m,
    uint32_t device)
{
	Natter__OutboxItem	 o = NATTER__OUTBOX_ITEM__INIT;
	char			 row[sizeof RESEND_PREFIX + 2 * CORE_IDBYTES];
	uint8_t			 sid[CORE_IDBYTES];
	int64_t			 oid;

	randombytes_buf(sid, sizeof sid);
	o.message_id = m->message_id;
	o.to = m->to;
	o.ts = m->ts;
	o.text = m->text;
	o.attachment = m->attachment;	/* a file goes again as a file */
	o.device = device;
	o.resend_id.data = sid;
	o.resend_id.len = sizeof sid;
	resend_row(row, sizeof row, sid);
	if (kv_named_put(r->st, RESEND_TABLE, row, m->message_id.data,
	    CORE_IDBYTES) != 0 || store_outbox_add(r->st, &o, &oid) != 0)
		return (-1);
	(void)outbox_queue(r->ob, oid, &o, NULL, NULL);
	return (1);
}

int
resend_request(struct resend *r, const char *by, uint32_t device,
    const uint8_t *id, size_t idlen)
{
	Natter__StoredMessage	*m;
	uint8_t			 orig[CORE_IDBYTES];
	int64_t			 seq;
	int			 status, rc;

	/* The receipt is the server's word: only a device on by's verified
	 * list is ever sent anything again. */
	if (!devices_is_listed(r->devs, by, device)) {
		log_info("an undecryptable receipt names %s device %u, which is "
		    "not on %s's signed device list: ignored", by, device, by);
		return (0);
	}
	if (resend_original(r, id, idlen, orig, sizeof orig) == 0) {
		log_info("%s (device %u) could not decrypt a message sent "
		    "again either: not resent", by, device);
		return (0);
	}
	if ((rc = msglog_get(r->st, id, idlen, &seq, &status, &m)) != 0)
		return (rc == 1 ? 0 : -1);
	rc = 0;
	if (m->outgoing && m->text != NULL && *m->text != '\0' &&
	    m->to != NULL && strcmp(m->to, by) == 0 &&
	    strcmp(by, account_name(r->acct)) != 0) {
		if ((rc = resend_first(r, id, device)) == 1) {
			log_info("%s (device %u) could not decrypt a message: "
			    "new session, sending it again", by, device);
			(void)peers_forget(r->peers, by, device);
			rc = resend_queue(r, m, device);
		}
	}
	natter__stored_message__free_unpacked(m, NULL);
	return (rc);
}
