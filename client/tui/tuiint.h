/* tuiint: the TUI's state, shared by tui, view, layout, keys and commands. */
#ifndef NATTER_CLIENT_TUI_TUIINT_H
#define NATTER_CLIENT_TUI_TUIINT_H

#include <stdint.h>

#include <uv.h>

#include "client/core/core.h"
#include "client/tui/config.h"

#define TUI_PAGE	100	/* messages loaded per page of history */
#define TUI_NOTICE_MAX	4096	/* bytes of a notice (/help fits) */
#define TUI_PROGRESS_MAX	128	/* bytes of a transfer's status */

enum tui_state {
	TUI_ST_QUEUED,
	TUI_ST_SENT,
	TUI_ST_DELIVERED,
	TUI_ST_READ,
	TUI_ST_RECEIVED,
};

enum tui_conn {
	TUI_CONN_CONNECTING,
	TUI_CONN_UP,
	TUI_CONN_RETRY,		/* reconnecting at retry_at */
	TUI_CONN_OFFLINE,
};

/* One message of the open conversation (loaded window). */
struct tui_msg {
	int64_t		 seq;		/* 0: still in the outbox */
	char		 id[CORE_IDHEXBYTES];
	char		*from;
	char		*text;		/* a file's: filecmd_label */
	char		*file;		/* its file's name, or NULL */
	int64_t		 ts;
	int		 outgoing;
	int		 unseen;	/* received, no read receipt yet */
	enum tui_state	 state;
	int		 change;	/* a group's membership change */
	int		 delivered_n;	/* ours, to a group: members that */
	int		 read_n;	/* have it, have read it, */
	int		 members_n;	/* of (0: not a group's) */
};

/* One entry of the conversation list. */
struct tui_conv {
	char		*peer;
	int		 pin;		/* place in the list, kept for good */
	int64_t		 ts;
	char		*preview;
	int		 unread;
};

struct edit;
struct grid;
struct search;

struct tui {
	uv_loop_t		 loop;
	struct core		*core;
	struct config		 conf;

	/* Everything below is what a frame shows. */
	const char		*account;
	uint32_t		 device;
	const char		*server;
	enum tui_conn		 conn;
	int64_t			 retry_at;	/* ms, uv_now clock */
	char			 conn_why[TUI_NOTICE_MAX];	/* why it is down */
	int64_t			 now;		/* ms, uv_now clock */
	int64_t			 wall;		/* ms since the epoch */
	int			 queued;

	struct tui_conv		*convs;		/* in the order of pins */
	int			 nconvs;
	char			**pins;		/* peers, first appearance first */
	int			 npins;

	char			*open;		/* the open conversation's peer */
	const char		*trust;		/* core_trust_state of open */
	struct tui_msg		*msgs;		/* oldest first */
	int			 nmsgs;
	int			 want;		/* messages to load */
	int			 more;		/* older ones exist */
	int64_t			 anchor;	/* window ends before it; 0: live */
	int			 scroll;	/* lines above the bottom */
	int64_t			 mark_seq;	/* highlighted (search hit) */
	int			 mark_top;	/* scroll the mark into view */
	int			 nlines;	/* layout: lines of the window */
	int			 rows;		/* layout: rows to show them */
	int			 shown_first;	/* layout: messages on screen, */
	int			 shown_last;	/* indices in msgs (-1: none) */
	int64_t			 top_seq;	/* layout: the top line's message */
	int			 top_sub;	/* and line within it */
	int			 scrolled;	/* scroll was set by a key */
	int			 focused;	/* the terminal has the focus */
	int			 live;		/* the backlog is drained */
	int			 newcount;	/* arrived while scrolled back */
	int64_t			 unread_seq;	/* first unread when opened */
	char			**members;	/* the open group's, sorted */
	int			 nmembers;

	struct edit		*edit;
	struct search		*search;	/* NULL: search the database */
	char			 notice[TUI_NOTICE_MAX];
	int			 notice_err;
	char			 banner[TUI_NOTICE_MAX];	/* key change */
	char			 progress[TUI_PROGRESS_MAX];	/* a file */
	int			 sending;	/* /send-file not done yet */
	int64_t			 search_seq;	/* the last hit */
	char			*search_text;

	int			 dirty;
	int			 stale_convs;
	int			 stale_msgs;
	int			 quit;
	int			 quit_asked;	/* told that messages are queued */
	int			 status;	/* exit status */
};

/* tui.c */
void	tui_notice(struct tui *, int err, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	tui_quit(struct tui *, int status);
/* The user asks to quit: with messages queued, say so first (once). */
void	tui_leave(struct tui *);
/* Connect now rather than when the backoff ends (Ctrl-R, /reconnect). */
void	tui_reconnect(struct tui *);

/* view.c: loading the model from the core. */
void	view_reload_convs(struct tui *);
void	view_reload_msgs(struct tui *);
void	view_open(struct tui *, const char *peer);
void	view_close(struct tui *);
/* Switch to the conversation delta places down (up if < 0) the list. */
void	view_cycle(struct tui *, int delta);
void	view_jump(struct tui *, int index);
/* Back to the newest message (leaving a window into the past). */
void	view_bottom(struct tui *);
void	view_free(struct tui *);
const char *view_state_name(enum tui_state);

/* commands.c: the command table. */
/* Run the input line (a /command or a message for the open conversation). */
void	commands_line(struct tui *, char *);
/* Tab: complete the input line in place. */
void	commands_complete(struct tui *);
/* The last search's next hit: older (dir < 0, Alt-n) or newer (Alt-N). */
void	commands_search_next(struct tui *, int dir);

#endif
