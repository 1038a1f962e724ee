/* groupcmd: groups in the TUI: /group and its subcommands, member lists, how a membership change reads, names' colours. */
#ifndef NATTER_CLIENT_TUI_GROUPCMD_H
#define NATTER_CLIENT_TUI_GROUPCMD_H

#include <stddef.h>

struct core_event;
struct tui;

#define GROUPCMD_USAGE	"create NAME USER... | add USER... | remove " \
	"USER... | leave | info | rename NEW | admin USER..."
#define GROUPCMD_COLOURS	6	/* colours for members' names */

/* /group [SUBCOMMAND ...] (commands.c's table); no argument: info. */
void	 groupcmd_run(struct tui *, const char *arg);

/* Whether a conversation is a group's ("#NAME"). */
int	 groupcmd_is_group(const char *peer);
/* A user's name, or "#" and a group's. */
int	 groupcmd_name_valid(const char *);

/* Subcommand names starting with word (len bytes), for Tab. */
int	 groupcmd_subcommands(const char *word, size_t len, const char **out,
	    int max);

/* A CORE_EV_GROUP_CHANGE event (the conversation line: change_text). */
void	 groupcmd_change(struct tui *, const struct core_event *);
/* "alice added carol, dave" (the caller frees it). */
char	*groupcmd_change_text(const struct core_event *);

/*
 * The colour (0 to GROUPCMD_COLOURS - 1) of a member's name in the open
 * group: by its place among the members (the first six differ), or for
 * a former member by a hash of the name.
 */
int	 groupcmd_name_colour(struct tui *, const char *name);
/* Load the open group's members (t->members), or free them. */
void	 groupcmd_load_members(struct tui *);
void	 groupcmd_free_members(struct tui *);

#endif
