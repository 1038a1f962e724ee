/* files: sending and receiving files end to end: prepare, upload, the pointer message, downloads, saving. */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <uv.h>

#include "client/core/attach.h"
#include "client/core/conn.h"
#include "client/core/download.h"
#include "client/core/err.h"
#include "client/core/event.h"
#include "client/core/files.h"
#include "client/core/outbox.h"
#include "client/core/seal.h"
#include "client/core/upload.h"
#include "client/net/xfer.h"
#include "client/store/msglog.h"
#include "shared/crypto/sha256.h"
#include "shared/util/hex.h"
#include "shared/util/xmalloc.h"

/* A file on its way out: sealed, uploaded, then its pointer in the outbox. */
struct files_out {
	struct files		*f;
	char			*to;
	struct seal		*seal;		/* until it is sealed */
	Natter__Attachment	*a;
	core_event_cb		*progress;
	core_file_sent_cb	*sent;
	void			*arg;
	char			 id[CORE_IDHEXBYTES];	/* once queued */
	int			 running;	/* seal_run was called */
	TAILQ_ENTRY(files_out)	 entry;		/* sealing, then queued */
};
TAILQ_HEAD(files_outs, files_out);

/* A core_save waiting for its file (or for the next loop turn). */
struct files_save {
	struct files		*f;
	char			 id[CORE_IDHEXBYTES];
	char			 blob[SHA256_HEXBYTES];
	char			*path;
	Natter__Attachment	*a;
	struct attach_saving	*direct;	/* the download writes it */
	core_event_cb		*progress;
	core_saved_cb		*done;
	void			*arg;
	uv_timer_t		*timer;
	TAILQ_ENTRY(files_save)	 entry;
};
TAILQ_HEAD(files_saves, files_save);

struct files {
	uv_loop_t		*loop;
	struct core		*c;
	struct store		*st;
	struct conn		*cn;
	struct outbox		*ob;
	struct event_sink	*ev;
	struct xfer		*x;
	struct attach		*at;
	struct upload		*up;
	struct download		*dl;
	struct files_saves	 saves;
	struct files_outs	 sealing;	/* the first one is */
	struct files_outs	 queued;	/* in the outbox, someone waits */
	uv_idle_t		*sealer;
	int			 sending;	/* files_out alive */
	void			(*idle)(void *);
	void			*idle_arg;
};

static void	files_out_free(struct files_out *);
static void	files_upload(void *, struct outbox_msg *, const char *,
		    const Natter__Attachment *);
static void	files_out_fail(struct files_out *, const struct core_error *);
static void	files_dl_progress(void *, const Natter__Attachment *,
		    uint64_t, uint64_t);
static void	files_dl_done(void *, const Natter__Attachment *,
		    const struct core_error *);

static void
files_decorate(void *arg, struct core_event *ev, const Natter__Attachment *a)
{
	struct files	*f = arg;

	attach_describe(f->at, a, ev->id, &ev->attachment_buf);
	ev->attachment = &ev->attachment_buf;
}

struct files *
files_create(uv_loop_t *loop, struct core *c, struct store *st,
    const char *home, struct conn *cn, struct outbox *ob,
    struct event_sink *ev, void (*idle)(void *), void *arg)
{
	struct files	*f;

	f = xcalloc(1, sizeof *f);
	f->loop = loop;
	f->c = c;
	f->st = st;
	f->cn = cn;
	f->ob = ob;
	f->ev = ev;
	f->idle = idle;
	f->idle_arg = arg;
	TAILQ_INIT(&f->saves);
	TAILQ_INIT(&f->sealing);
	TAILQ_INIT(&f->queued);
	f->sealer = xcalloc(1, sizeof *f->sealer);
	uv_idle_init(loop, f->sealer);
	f->sealer->data = f;
	f->x = xfer_create(loop);
	f->at = attach_create(st, home);
	f->up = upload_create(loop, f->x, f->at, cn);
	f->dl = download_create(loop, f->x, f->at, cn, files_dl_progress,
	    files_dl_done, f);
	event_sink_decorate(ev, files_decorate, f);
	outbox_set_upload(ob, files_upload, f);
	return (f);
}

static void
files_timer_closed(uv_handle_t *h)
{
	free(h);
}

static void
files_save_free(struct files_save *s)
{
	TAILQ_REMOVE(&s->f->saves, s, entry);
	if (s->direct != NULL) {
		char	*unused;

		(void)attach_save_close(s->f->at, s->direct, s->id, 0, &unused,
		    NULL);
	}
	uv_timer_stop(s->timer);
	uv_close((uv_handle_t *)s->timer, files_timer_closed);
	natter__attachment__free_unpacked(s->a, NULL);
	free(s->path);
	free(s);
}

void
files_free(struct files *f)
{
	if (f == NULL)
		return;
	while (!TAILQ_EMPTY(&f->saves))
		files_save_free(TAILQ_FIRST(&f->saves));
	while (!TAILQ_EMPTY(&f->sealing))
		files_out_free(TAILQ_FIRST(&f->sealing));
	while (!TAILQ_EMPTY(&f->queued))
		files_out_free(TAILQ_FIRST(&f->queued));
	uv_idle_stop(f->sealer);
	uv_close((uv_handle_t *)f->sealer, files_timer_closed);
	upload_free(f->up);
	download_free(f->dl);
	xfer_free(f->x);
	attach_free(f->at);
	free(f);
}

void
files_set_auto(struct files *f, uint64_t n)
{
	attach_set_auto(f->at, n);
}

int
files_busy(struct files *f)
{
	return (f->sending > 0 || upload_busy(f->up) ||
	    download_busy(f->dl) || !TAILQ_EMPTY(&f->saves));
}

static void
files_idle_check(struct files *f)
{
	if (!files_busy(f) && f->idle != NULL)
		f->idle(f->idle_arg);
}

/* A progress event about a's bytes. */
static void
files_progress_event(struct files *f, struct core_event *ev,
    const Natter__Attachment *a, uint64_t now, uint64_t total,
    const char *phase)
{
	memset(ev, 0, sizeof *ev);
	ev->type = CORE_EV_PROGRESS;
	attach_describe(f->at, a, "", &ev->attachment_buf);
	ev->attachment = &ev->attachment_buf;
	ev->text = a->name;
	ev->bytes = now;
	ev->bytes_total = total;
	ev->status = phase;
}

static void
files_out_free(struct files_out *o)
{
	o->f->sending--;
	if (o->seal != NULL) {
		TAILQ_REMOVE(&o->f->sealing, o, entry);
		seal_free(o->seal);
	} else if (o->id[0] != '\0')
		TAILQ_REMOVE(&o->f->queued, o, entry);
	if (o->a != NULL)
		natter__attachment__free_unpacked(o->a, NULL);
	free(o->to);
	free(o);
}

/* A queued file's upload, between the outbox and upload.c. */
struct files_up {
	struct files		*f;
	struct outbox_msg	*m;
	char			 id[CORE_IDHEXBYTES];
	Natter__Attachment	*a;
};

static void
files_up_progress(void *arg, uint64_t now, uint64_t total)
{
	struct files_up		*u = arg;
	struct files_out	*o;
	struct core_event	 ev;

	TAILQ_FOREACH(o, &u->f->queued, entry) {
		if (strcmp(o->id, u->id) != 0 || o->progress == NULL)
			continue;
		files_progress_event(u->f, &ev, u->a, now, total,
		    "uploading");
		o->progress(u->f->c, &ev, o->arg);
	}
}

static void
files_up_done(void *arg, const struct core_error *err)
{
	struct files_up	*u = arg;
	struct files	*f = u->f;

	natter__attachment__free_unpacked(u->a, NULL);
	outbox_uploaded(u->m, err);
	free(u);
	files_idle_check(f);
}

/* The outbox's uploader: a queued file's blob to the server. */
static void
files_upload(void *arg, struct outbox_msg *m, const char *id,
    const Natter__Attachment *a)
{
	struct files_up	*u;

	u = xcalloc(1, sizeof *u);
	u->f = arg;
	u->m = m;
	snprintf(u->id, sizeof u->id, "%s", id);
	u->a = attach_copy(a);
	upload_start(u->f->up, a, files_up_progress, files_up_done, u);
}

static void
files_out_sent(struct core *c, const struct core_error *err, const char *id,
    int64_t ts, void *arg)
{
	struct files_out	*o = arg;
	struct files		*f = o->f;
	struct core_attachment	 ca;

	attach_describe(f->at, o->a, id != NULL ? id : "", &ca);
	o->sent(c, err, id, ts, err == NULL ? &ca : NULL, o->arg);
	files_out_free(o);
	files_idle_check(f);
}

/* Sealed: into the outbox (durably), which uploads it, then sends it. */
static void
files_out_queue(struct files_out *o)
{
	struct files		*f = o->f;
	struct core_error	 e;

	if (outbox_add(f->ob, o->to, o->a->caption, o->a, files_out_sent, o,
	    o->id, &e) != 0) {
		files_out_fail(o, &e);
		return;
	}
	TAILQ_INSERT_TAIL(&f->queued, o, entry);
	if (conn_ready(f->cn))
		outbox_kick(f->ob);
	else
		conn_need(f->cn);
}

/* o failed before its upload: told, freed. */
static void
files_out_fail(struct files_out *o, const struct core_error *err)
{
	struct files	*f = o->f;

	o->sent(f->c, err, NULL, 0, NULL, o->arg);
	files_out_free(o);
	files_idle_check(f);
}

static void	files_seal_cb(uv_idle_t *);

/* How far the sealing of o is ("encrypting"); whole: done. */
static void
files_seal_report(struct files_out *o, int whole)
{
	struct core_event	ev;

	if (o->progress == NULL)
		return;
	memset(&ev, 0, sizeof ev);
	ev.type = CORE_EV_PROGRESS;
	ev.text = seal_name(o->seal);
	ev.bytes_total = seal_size(o->seal);
	ev.bytes = whole ? ev.bytes_total : seal_done(o->seal);
	ev.status = "encrypting";
	o->progress(o->f->c, &ev, o->arg);
}

static void
files_seal_progress(void *arg)
{
	files_seal_report(arg, 0);
}

/* The first file being sealed is: its upload starts; the next is sealed. */
static void
files_sealed(void *arg, const struct core_error *why)
{
	struct files_out	*o = arg;
	struct files		*f = o->f;
	struct core_error	 err;

	if (why == NULL && seal_end(o->seal, &o->a, &err) == 0) {
		files_seal_report(o, 1);
		TAILQ_REMOVE(&f->sealing, o, entry);
		seal_free(o->seal);
		o->seal = NULL;
		files_out_queue(o);
	} else
		files_out_fail(o, why != NULL ? why : &err);
	if (!TAILQ_EMPTY(&f->sealing))
		uv_idle_start(f->sealer, files_seal_cb);
}

/* One file is sealed at a time, started from the loop. */
static void
files_seal_cb(uv_idle_t *h)
{
	struct files		*f = h->data;
	struct files_out	*o = TAILQ_FIRST(&f->sealing);

	uv_idle_stop(h);
	if (o == NULL || o->running)
		return;
	o->running = 1;
	seal_run(o->seal, files_seal_progress, files_sealed, o);
}

void
files_send(struct files *f, const char *to, const char *path,
    const char *caption, core_event_cb *progress, core_file_sent_cb *sent,
    void *arg)
{
	struct files_out	*o;
	struct core_error	 err;
	struct seal		*s;

	if ((s = seal_begin(f->loop, f->at, path, caption, &err)) == NULL) {
		err_later(f->loop, f->c, &err,
		    (struct err_cb){ .file_sent = sent }, arg);
		return;
	}
	o = xcalloc(1, sizeof *o);
	o->f = f;
	o->to = xstrdup(to);
	o->seal = s;
	o->progress = progress;
	o->sent = sent;
	o->arg = arg;
	f->sending++;
	TAILQ_INSERT_TAIL(&f->sealing, o, entry);
	uv_idle_start(f->sealer, files_seal_cb);
}

/* Write s's file out and report; s is freed. */
static void
files_save_now(struct files_save *s, const struct core_error *why)
{
	struct files		*f = s->f;
	struct core_error	 err;
	char			*written = NULL, sha[SHA256_HEXBYTES];
	struct attach_saving	*sv;
	int			 rc = -1;
	core_saved_cb		*done = s->done;
	void			*arg = s->arg;
	Natter__Attachment	*a = s->a;

	s->a = NULL;
	if (s->direct != NULL) {
		/* Written as it checked out: keep it, or not. */
		sv = s->direct;
		s->direct = NULL;
		rc = attach_save_close(f->at, sv, s->id, why == NULL, &written,
		    &err);
	} else if (why == NULL)
		rc = attach_save(f->at, a, s->id, s->path, &written, &err);
	if (rc == 0) {
		files_save_free(s);
		hex_encode(sha, a->plain_sha256.data, SHA256_BYTES);
		done(f->c, NULL, written, a->size, sha, arg);
	} else {
		files_save_free(s);
		done(f->c, why != NULL ? why : &err, NULL, 0, NULL, arg);
	}
	free(written);
	natter__attachment__free_unpacked(a, NULL);
	files_idle_check(f);
}

static void
files_save_timer(uv_timer_t *t)
{
	files_save_now(t->data, NULL);
}

/* The pointer of message id (hex), or NULL with err. */
static Natter__Attachment *
files_pointer(struct files *f, const char *id, struct core_error *err)
{
	Natter__StoredMessage	*m;
	Natter__Attachment	*a = NULL;
	uint8_t			 raw[CORE_IDBYTES];
	int64_t			 seq;
	int			 status;

	if (id == NULL || strlen(id) != 2 * CORE_IDBYTES ||
	    hex_decode(raw, sizeof raw, id) != 0) {
		err_set(err, CORE_ERR_USAGE, "\"%.40s\" is not a message id "
		    "(32 hex digits, as recv and history print them)",
		    id != NULL ? id : "");
		return (NULL);
	}
	if (msglog_get(f->st, raw, sizeof raw, &seq, &status, &m) != 0) {
		err_set(err, CORE_ERR_USAGE, "no message %s in this profile", id);
		return (NULL);
	}
	if (m->attachment == NULL)
		err_set(err, CORE_ERR_USAGE, "message %s has no file", id);
	else
		a = attach_copy(m->attachment);
	natter__stored_message__free_unpacked(m, NULL);
	return (a);
}

void
files_save(struct files *f, const char *id, const char *path,
    core_event_cb *progress, core_saved_cb *done, void *arg)
{
	struct files_save	*s;
	struct core_attachment	 ca;
	struct core_error	 err;
	Natter__Attachment	*a;

	if ((a = files_pointer(f, id, &err)) == NULL) {
		err_later(f->loop, f->c, &err, (struct err_cb){ .saved = done },
		    arg);
		return;
	}
	s = xcalloc(1, sizeof *s);
	s->f = f;
	snprintf(s->id, sizeof s->id, "%s", id);
	hex_encode(s->blob, a->blob_sha256.data, SHA256_BYTES);
	s->path = path != NULL ? xstrdup(path) : NULL;
	s->a = a;
	s->progress = progress;
	s->done = done;
	s->arg = arg;
	s->timer = xcalloc(1, sizeof *s->timer);
	uv_timer_init(f->loop, s->timer);
	s->timer->data = s;
	TAILQ_INSERT_TAIL(&f->saves, s, entry);
	attach_describe(f->at, a, id, &ca);
	if (strcmp(ca.state, "ready") == 0) {
		uv_timer_start(s->timer, files_save_timer, 0, 0);
		return;
	}
	/*
	 * files_dl_done saves it: from the download's own checked pass
	 * when it starts now, else decrypted again once it is in.
	 */
	s->direct = attach_save_open(a, path, &err);
	if (download_kick(f->dl, a, s->direct != NULL ?
	    attach_save_fd(s->direct) : -1) == 0 && s->direct != NULL) {
		char	*unused;

		(void)attach_save_close(f->at, s->direct, id, 0, &unused, NULL);
		s->direct = NULL;
	}
}

static void
files_dl_progress(void *arg, const Natter__Attachment *a, uint64_t now,
    uint64_t total)
{
	struct files		*f = arg;
	struct files_save	*s;
	struct core_event	 ev;
	char			 hex[SHA256_HEXBYTES];

	files_progress_event(f, &ev, a, now, total, "downloading");
	event_emit(f->ev, &ev);
	hex_encode(hex, a->blob_sha256.data, SHA256_BYTES);
	TAILQ_FOREACH(s, &f->saves, entry)
		if (s->progress != NULL && strcmp(s->blob, hex) == 0)
			s->progress(f->c, &ev, s->arg);
}

static void
files_dl_done(void *arg, const Natter__Attachment *a,
    const struct core_error *err)
{
	struct files		*f = arg;
	struct files_save	*s, *next;
	struct core_event	 ev;
	char			 hex[SHA256_HEXBYTES];

	memset(&ev, 0, sizeof ev);
	ev.type = CORE_EV_ATTACHMENT;
	attach_describe(f->at, a, "", &ev.attachment_buf);
	ev.attachment = &ev.attachment_buf;
	ev.text = a->name;
	ev.error = err;
	event_emit(f->ev, &ev);
	hex_encode(hex, a->blob_sha256.data, SHA256_BYTES);
	for (s = TAILQ_FIRST(&f->saves); s != NULL; s = next) {
		next = TAILQ_NEXT(s, entry);
		if (strcmp(s->blob, hex) == 0)
			files_save_now(s, err);
	}
	files_idle_check(f);
}

int
files_incoming(struct files *f, const Natter__Attachment *a)
{
	return (attach_pending_add(f->at, a));
}

void
files_kick(struct files *f)
{
	upload_kick(f->up);
	(void)download_kick(f->dl, NULL, -1);
}

void
files_down(struct files *f, const struct core_error *err)
{
	upload_fail_waiting(f->up, err);
}
