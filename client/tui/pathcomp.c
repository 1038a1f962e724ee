/* pathcomp: file-system paths in the input line: Tab completion, and the path argument of /send-file and /save. */
#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/tui/pathcomp.h"
#include "shared/util/xmalloc.h"

/* Names that match, as pathcomp_complete collects them. */
struct pathcomp_names {
	char	**v;
	int	  n;
};

/* s (len bytes) without its escapes, a leading "~/" (or "~") as $HOME. */
static char *
pathcomp_unescape(const char *s, size_t len)
{
	const char	*home = getenv("HOME");
	char		*out;
	size_t		 i = 0, n = 0, hl = 0;

	if (home != NULL && *home != '\0' && len >= 1 && s[0] == '~' &&
	    (len == 1 || s[1] == '/'))
		hl = strlen(home);
	out = xmalloc(hl + len + 2);
	if (hl > 0) {
		memcpy(out, home, hl);
		n = hl;
		out[n++] = '/';
		i = len == 1 ? 1 : 2;
	}
	for (; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len)
			i++;
		out[n++] = s[i];
	}
	out[n] = '\0';
	return (out);
}

/* s (len bytes) with its spaces and backslashes escaped. */
static char *
pathcomp_escape(const char *s, size_t len)
{
	char	*out;
	size_t	 i, n = 0;

	out = xmalloc(2 * len + 1);
	for (i = 0; i < len; i++) {
		if (s[i] == ' ' || s[i] == '\\')
			out[n++] = '\\';
		out[n++] = s[i];
	}
	out[n] = '\0';
	return (out);
}

size_t
pathcomp_word_start(const char *s, size_t len)
{
	size_t	start = 0, i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len)
			i++;
		else if (s[i] == ' ' || s[i] == '\n')
			start = i + 1;
	}
	return (start);
}

char *
pathcomp_take(const char *arg, const char **rest)
{
	size_t	i;

	for (i = 0; arg[i] != '\0' && arg[i] != ' ' && arg[i] != '\n'; i++) {
		if (arg[i] == '\\' && arg[i + 1] != '\0')
			i++;
	}
	*rest = arg + i;
	while (**rest == ' ' || **rest == '\n')
		(*rest)++;
	return (pathcomp_unescape(arg, i));
}

static int
pathcomp_cmp(const void *a, const void *b)
{
	return (strcmp(*(char * const *)a, *(char * const *)b));
}

/* Is name in dir a directory (or a link to one)? */
static int
pathcomp_is_dir(const char *dir, const char *name)
{
	struct stat	 sb;
	char		*p;
	int		 rc;

	xasprintf(&p, "%s/%s", dir, name);
	rc = stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
	free(p);
	return (rc);
}

/* Collect the entries of dir that start with base; 0 or -1. */
static int
pathcomp_scan(const char *dir, const char *base, struct pathcomp_names *nm)
{
	struct dirent	*d;
	DIR		*dp;
	size_t		 bl = strlen(base);

	if ((dp = opendir(dir)) == NULL)
		return (-1);
	while ((d = readdir(dp)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		if (d->d_name[0] == '.' && base[0] != '.')
			continue;
		if (strncmp(d->d_name, base, bl) != 0)
			continue;
		nm->v = xreallocarray(nm->v, (size_t)nm->n + 1, sizeof *nm->v);
		nm->v[nm->n++] = xstrdup(d->d_name);
	}
	closedir(dp);
	if (nm->n > 1)
		qsort(nm->v, (size_t)nm->n, sizeof *nm->v, pathcomp_cmp);
	return (0);
}

/* The names, space separated, into list (size bytes). */
static void
pathcomp_list(const char *dir, const struct pathcomp_names *nm, char *list,
    size_t size)
{
	size_t	n = 0;
	int	i;

	if (size == 0)
		return;
	list[0] = '\0';
	for (i = 0; i < nm->n && n < size; i++)
		n += (size_t)snprintf(list + n, size - n, "%s%s%s",
		    i > 0 ? " " : "", nm->v[i],
		    pathcomp_is_dir(dir, nm->v[i]) ? "/" : "");
}

int
pathcomp_complete(const char *word, size_t len, char **out, char *list,
    size_t size)
{
	struct pathcomp_names	 nm = { NULL, 0 };
	char			*path, *slash, *dir, *full;
	size_t			 keep, common, k;
	int			 i, n;

	*out = NULL;
	path = pathcomp_unescape(word, len);
	slash = strrchr(path, '/');
	keep = slash != NULL ? (size_t)(slash - path) + 1 : 0;
	if (slash == path)
		dir = xstrdup("/");
	else
		dir = slash != NULL ? xstrndup(path, keep - 1) : xstrdup(".");
	if (pathcomp_scan(dir, path + keep, &nm) != 0 || nm.n == 0) {
		free(dir);
		free(path);
		return (0);
	}
	common = strlen(nm.v[0]);
	for (i = 1; i < nm.n; i++) {
		for (k = 0; k < common && nm.v[i][k] == nm.v[0][k]; k++)
			;
		common = k;
	}
	xasprintf(&full, "%.*s%.*s%s", (int)keep, path, (int)common, nm.v[0],
	    nm.n == 1 && pathcomp_is_dir(dir, nm.v[0]) ? "/" : "");
	*out = pathcomp_escape(full, strlen(full));
	if (nm.n > 1)
		pathcomp_list(dir, &nm, list, size);
	n = nm.n;
	for (i = 0; i < nm.n; i++)
		free(nm.v[i]);
	free(nm.v);
	free(full);
	free(dir);
	free(path);
	return (n);
}
