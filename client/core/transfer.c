/* transfer: history for a newly linked device: the primary sends its recent messages in parts; the new device takes them in. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "client/core/account.h"
#include "client/core/event.h"
#include "client/core/outbox.h"
#include "client/core/transfer.h"
#include "client/store/msglog.h"
#include "client/store/store.h"
#include "shared/proto/wire.h"
#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"

struct transfer {
	struct store		*st;
	struct account		*acct;
	struct outbox		*ob;
	struct event_sink	*ev;
};

/* One history on its way to one device. */
struct transfer_run {
	struct transfer		*tr;
	uint32_t		 device;
	int			 total;		/* messages */
	int			 stored;	/* messages stored on the server */
	int			 parts, settled; /* queued; stored or failed */
	transfer_progress_cb	*progress;
	transfer_done_cb	*done;
	void			*arg;
};

/* One queued part, until the outbox reports on it. */
struct transfer_sent {
	struct transfer_run	*run;
	int			 messages;
};

/* One part being filled. */
struct transfer_part {
	Natter__HistoryChunk	  hc;
	Natter__StoredMessage	**m;
	size_t			  bytes;
};

struct transfer *
transfer_create(struct store *st, struct account *acct, struct outbox *ob,
    struct event_sink *ev)
{
	struct transfer	*tr;

	tr = xcalloc(1, sizeof *tr);
	tr->st = st;
	tr->acct = acct;
	tr->ob = ob;
	tr->ev = ev;
	return (tr);
}

void
transfer_free(struct transfer *tr)
{
	free(tr);
}

static void
transfer_event(struct core_event *ev, struct transfer *tr, int outgoing,
    uint32_t device, int done, int total)
{
	memset(ev, 0, sizeof *ev);
	ev->type = CORE_EV_HISTORY;
	ev->outgoing = outgoing;
	ev->from = account_name(tr->acct);
	ev->from_device = device;
	ev->received = done;
	ev->total = total;
}

static void
transfer_progress(struct transfer_run *run)
{
	struct core_event	ev;

	if (run->progress == NULL || run->done == NULL)
		return;
	transfer_event(&ev, run->tr, 1, run->device, run->stored, run->total);
	run->progress(run->arg, &ev);
}

/* The outbox reports on a part: progress, and done after the last. */
static void
transfer_stored(struct core *c, const struct core_error *err,
    const char *id, int64_t ts, void *arg)
{
	struct transfer_sent	*sent = arg;
	struct transfer_run	*run = sent->run;

	(void)c;
	(void)id;
	(void)ts;
	if (err == NULL) {
		run->stored += sent->messages;
		transfer_progress(run);
	}
	free(sent);
	if (++run->settled < run->parts)
		return;
	if (run->done != NULL)
		run->done(run->arg);
	free(run);
}

/* Queue part in the outbox, as the run's next.  0 or -1. */
static int
transfer_queue(struct transfer_run *run, struct transfer_part *p)
{
	struct transfer		*tr = run->tr;
	Natter__OutboxItem	 o = NATTER__OUTBOX_ITEM__INIT;
	struct transfer_sent	*sent;
	struct outbox_msg	*m;
	uint8_t			 id[16], *buf;
	int64_t			 oid;
	size_t			 len;
	int			 rc;

	p->hc.messages = p->m;
	len = natter__history_chunk__get_packed_size(&p->hc);
	buf = xmalloc(len);
	natter__history_chunk__pack(&p->hc, buf);
	randombytes_buf(id, sizeof id);
	o.message_id.data = id;
	o.message_id.len = sizeof id;
	o.to = (char *)account_name(tr->acct);
	o.ts = time_now_ms();
	o.history.data = buf;
	o.history.len = len;
	o.device = run->device;
	if ((rc = store_outbox_add(tr->st, &o, &oid)) == 0) {
		m = outbox_queue(tr->ob, oid, &o, NULL, NULL);
		sent = xcalloc(1, sizeof *sent);
		sent->run = run;
		sent->messages = (int)p->hc.n_messages;
		outbox_notify(m, transfer_stored, sent);
		run->parts++;
	}
	sodium_memzero(buf, len);
	free(buf);
	return (rc);
}

static void
transfer_part_clear(struct transfer_part *p)
{
	size_t	i;

	for (i = 0; i < p->hc.n_messages; i++)
		natter__stored_message__free_unpacked(p->m[i], NULL);
	p->hc.n_messages = 0;
	p->bytes = 0;
}

/* How many messages the history holds (at most TRANSFER_MAX_MESSAGES). */
static int
transfer_total(struct store *st)
{
	sqlite3_stmt	*s;
	int		 n = -1;

	s = store_prep(st, "SELECT min(count(*), ?) FROM messages WHERE "
	    "kind = 1");
	if (s == NULL)
		return (-1);
	sqlite3_bind_int(s, 1, TRANSFER_MAX_MESSAGES);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return (n);
}

/* The newest TRANSFER_MAX_MESSAGES messages, oldest first. */
static sqlite3_stmt *
transfer_rows(struct store *st)
{
	sqlite3_stmt	*s;

	s = store_prep(st, "SELECT id, status, v FROM messages WHERE kind = 1"
	    " AND id IN (SELECT id FROM messages WHERE kind = 1 ORDER BY id"
	    " DESC LIMIT ?) ORDER BY id");
	if (s != NULL)
		sqlite3_bind_int(s, 1, TRANSFER_MAX_MESSAGES);
	return (s);
}

/* The message of row s (its status from the row), or NULL. */
static Natter__StoredMessage *
transfer_row(struct store *st, sqlite3_stmt *s)
{
	Natter__StoredMessage	*m;
	uint8_t			*v;
	size_t			 len;

	if (store_col_open(st, s, 2, "messages", sqlite3_column_int64(s, 0),
	    &v, &len) != 0)
		return (NULL);
	m = natter__stored_message__unpack(NULL, len, v);
	sodium_memzero(v, len);
	free(v);
	if (m != NULL)
		m->status = (uint32_t)sqlite3_column_int(s, 1);
	return (m);
}

/* Walk the rows into parts, queuing each full one.  0 or -1. */
static int
transfer_walk(struct transfer_run *run, sqlite3_stmt *s,
    struct transfer_part *p)
{
	Natter__StoredMessage	*m;
	size_t			 tl;

	while (sqlite3_step(s) == SQLITE_ROW) {
		if ((m = transfer_row(run->tr->st, s)) == NULL)
			continue;
		tl = m->text != NULL ? strlen(m->text) : 0;
		if (p->hc.n_messages > 0 && (p->hc.n_messages ==
		    TRANSFER_PART_MESSAGES || p->bytes + tl > TRANSFER_PART_BYTES)) {
			if (transfer_queue(run, p) != 0) {
				natter__stored_message__free_unpacked(m, NULL);
				return (-1);
			}
			p->hc.offset += (uint32_t)p->hc.n_messages;
			transfer_part_clear(p);
		}
		p->m[p->hc.n_messages++] = m;
		p->bytes += tl;
	}
	return (0);
}

/* Queue every part in one commit.  0, or -1 (rolled back). */
static int
transfer_parts(struct transfer_run *run, struct transfer_part *p)
{
	struct store	*st = run->tr->st;
	sqlite3_stmt	*s;
	int		 rc = -1;

	if (store_begin(st) != 0)
		return (-1);
	if ((run->total = transfer_total(st)) >= 0 &&
	    (s = transfer_rows(st)) != NULL) {
		p->hc.total = (uint32_t)run->total;
		rc = transfer_walk(run, s, p);
		sqlite3_finalize(s);
	}
	/* The last part ends at total; no history, no part. */
	run->total = (int)(p->hc.offset + p->hc.n_messages);
	p->hc.total = (uint32_t)run->total;
	if (rc == 0 && p->hc.n_messages > 0)
		rc = transfer_queue(run, p);
	if (rc != 0 || store_commit(st) != 0) {
		store_rollback(st);
		return (-1);
	}
	return (0);
}

int
transfer_send(struct transfer *tr, uint32_t device,
    transfer_progress_cb *progress, transfer_done_cb *done, void *arg)
{
	struct transfer_run	*run;
	struct transfer_part	 p;
	int			 n;

	run = xcalloc(1, sizeof *run);
	run->tr = tr;
	run->device = device;
	run->progress = progress;
	run->done = done;
	run->arg = arg;
	memset(&p, 0, sizeof p);
	natter__history_chunk__init(&p.hc);
	p.m = xcalloc(TRANSFER_PART_MESSAGES, sizeof *p.m);
	n = transfer_parts(run, &p);
	transfer_part_clear(&p);
	free(p.m);
	if (n != 0 || run->parts == 0) {
		/* Rolled back: parts already queued go out unheard of. */
		n = n != 0 ? -1 : 0;
		if (run->parts == 0)
			free(run);
		else
			run->done = NULL;
		return (n);
	}
	transfer_progress(run);
	outbox_kick(tr->ob);
	return (run->total);
}

/* A message of a part, checked as if it had come on its own. */
static int
transfer_valid(const Natter__StoredMessage *m)
{
	return (m->message_id.len == WIRE_MESSAGEIDBYTES && m->text != NULL &&
	    m->peer != NULL && wire_name_valid(m->peer) && m->from != NULL &&
	    wire_name_valid(m->from) && m->to != NULL &&
	    wire_name_valid(m->to));
}

int
transfer_take(struct transfer *tr, const Natter__HistoryChunk *hc)
{
	Natter__StoredMessage	 m;
	int64_t			 seq;
	size_t			 i;
	int			 rc, status;

	for (i = 0; i < hc->n_messages; i++) {
		if (!transfer_valid(hc->messages[i]))
			continue;
		m = *hc->messages[i];
		m.by = NULL;
		/* Read on the primary already: not unread, no receipt. */
		status = !m.outgoing ? STORE_ST_SEEN :
		    m.status == STORE_ST_DELIVERED || m.status == STORE_ST_READ ?
		    (int)m.status : STORE_ST_SENT;
		m.status = 0;
		if ((rc = msglog_add(tr->st, STORE_MESSAGE, status, &m,
		    &seq)) == -1)
			return (-1);
		if (rc == 0 && msglog_mark_printed(tr->st, seq) != 0)
			return (-1);
	}
	return (0);
}

void
transfer_taken(struct transfer *tr, const Natter__HistoryChunk *hc)
{
	struct core_event	ev;

	transfer_event(&ev, tr, 0, 1, (int)(hc->offset + hc->n_messages),
	    (int)hc->total);
	event_emit(tr->ev, &ev);
}
