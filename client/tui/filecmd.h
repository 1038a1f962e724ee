/* filecmd: files in the TUI: /send-file and /save, transfer progress on the status line, how a file message reads. */
#ifndef NATTER_CLIENT_TUI_FILECMD_H
#define NATTER_CLIENT_TUI_FILECMD_H

#include <stddef.h>
#include <stdint.h>

struct core_attachment;
struct core_event;
struct tui;

/* /send-file PATH [CAPTION...] and /save [PATH] (commands.c's table). */
void	 filecmd_send(struct tui *, const char *arg);
void	 filecmd_save(struct tui *, const char *arg);

/* The core's CORE_EV_PROGRESS and CORE_EV_ATTACHMENT events. */
void	 filecmd_progress(struct tui *, const struct core_event *);
void	 filecmd_attachment(struct tui *, const struct core_event *);

/* A file's name fit to show (the caller frees it): controls as "_". */
char	*filecmd_name(const char *name);

/* size as people read it: "12 bytes", "1.5 KiB", "20.0 MiB". */
void	 filecmd_size(char *buf, size_t len, uint64_t size);

/*
 * A file message as the conversation shows it (the caller frees it):
 * "[file NAME, SIZE, STATE] CAPTION", STATE the attachment's state or
 * "saved PATH"; with brief, the list's preview: "[file NAME] CAPTION".
 * The name as filecmd_name shows it.
 */
char	*filecmd_label(const struct core_attachment *, const char *caption,
	    int brief);

#endif
