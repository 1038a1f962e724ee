/* files: sending and receiving files end to end: prepare, upload, the pointer message, downloads, saving. */
#ifndef NATTER_CLIENT_CORE_FILES_H
#define NATTER_CLIENT_CORE_FILES_H

#include <stdint.h>

#include "client/core/core.h"
#include "shared/proto/content.pb-c.h"

struct files;
struct conn;
struct event_sink;
struct outbox;
struct store;
struct uv_loop_s;

/*
 * Everything a file needs: its own HTTP multi handle (net/xfer.c) on
 * loop, the outbox for the pointer message, the sink for progress and
 * CORE_EV_ATTACHMENT events (and its decoration of message events).
 * idle(arg) is called whenever the last transfer ended.
 */
struct files	*files_create(struct uv_loop_s *, struct core *, struct store *,
		    const char *home, struct conn *, struct outbox *,
		    struct event_sink *, void (*idle)(void *), void *arg);
void		 files_free(struct files *);

/* core_send_file, core_save, core_set_auto_download. */
void		 files_send(struct files *, const char *to, const char *path,
		    const char *caption, core_event_cb *progress,
		    core_file_sent_cb *sent, void *arg);
void		 files_save(struct files *, const char *id, const char *path,
		    core_event_cb *progress, core_saved_cb *done, void *arg);
void		 files_set_auto(struct files *, uint64_t);

/*
 * A message with a pointer is being stored (inside the caller's
 * transaction): its download is put on the list.  0 or -1.  After the
 * commit, files_kick starts it.
 */
int		 files_incoming(struct files *, const Natter__Attachment *);
/* The connection is up, or a download was added: transfers go on. */
void		 files_kick(struct files *);
/* The connection is gone for good (one-shot): what waits for it fails. */
void		 files_down(struct files *, const struct core_error *);
/* Transfers running or waiting. */
int		 files_busy(struct files *);

#endif
