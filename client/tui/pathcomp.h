/* pathcomp: file-system paths in the input line: Tab completion, and the path argument of /send-file and /save. */
#ifndef NATTER_CLIENT_TUI_PATHCOMP_H
#define NATTER_CLIENT_TUI_PATHCOMP_H

#include <stddef.h>

/*
 * A path is typed as one word: "\ " stands for a space and "\\" for a
 * backslash, and a leading "~/" for $HOME's directory.
 */

/* Where the word that ends s (len bytes) starts: after an unescaped space. */
size_t	 pathcomp_word_start(const char *s, size_t len);

/*
 * The path that arg starts with, unescaped and "~/" expanded (the caller
 * frees it; "" if arg is empty); *rest points past it and the blanks after
 * it, into arg.
 */
char	*pathcomp_take(const char *arg, const char **rest);

/*
 * Complete word (len bytes, as typed) against the file system: the
 * entries of its directory whose names start with its last part (dot
 * files only when that part starts with a dot).  Returns how many match
 * (0: none, or the directory cannot be read) and sets *out to the word it
 * should become (the caller frees it): "~/" expanded, extended by what
 * the matches have in common, escaped, with "/" after a directory that is
 * the only match.  With more than one match, list (size bytes) gets
 * their names, sorted, space separated, a directory's with a "/".
 */
int	 pathcomp_complete(const char *word, size_t len, char **out,
	    char *list, size_t size);

#endif
