/* edit: the input line editor (UTF-8 buffer, cursor on cluster boundaries, history). */
#ifndef NATTER_CLIENT_TUI_EDIT_H
#define NATTER_CLIENT_TUI_EDIT_H

#include <stddef.h>

#define EDIT_MAX	(64 * 1024)	/* bytes, with the NUL */
#define EDIT_HISTORY	100

struct edit;

struct edit	*edit_create(void);
void		 edit_free(struct edit *);

/* The text (NUL-terminated, owned by e), its length and the cursor. */
const char	*edit_text(struct edit *);
size_t		 edit_len(struct edit *);
size_t		 edit_cursor(struct edit *);

/*
 * Insert len bytes at the cursor (controls other than newline dropped)
 * if they fit: the text is at most EDIT_MAX - 1 bytes.  0, or -1 with
 * nothing inserted (so no UTF-8 sequence is ever split).
 */
int		 edit_insert(struct edit *, const char *, size_t);
/* The display column of the cursor in its line. */
int		 edit_column(struct edit *);
/* Replace everything with s, cursor at the end. */
void		 edit_set(struct edit *, const char *);

void		 edit_left(struct edit *);
void		 edit_right(struct edit *);
void		 edit_home(struct edit *);
void		 edit_end(struct edit *);
void		 edit_backspace(struct edit *);
void		 edit_delete(struct edit *);
/* Delete the word before the cursor (Ctrl-W) / the line before it (Ctrl-U). */
void		 edit_delete_word(struct edit *);
void		 edit_delete_line(struct edit *);

/* Input history: older (Up) / newer (Down). */
void		 edit_history_prev(struct edit *);
void		 edit_history_next(struct edit *);

/*
 * Take the text for sending: returns a copy the caller frees (NULL if
 * empty), adds it to the history and clears the buffer.
 */
char		*edit_take(struct edit *);

#endif
