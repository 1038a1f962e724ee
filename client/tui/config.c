/* config: the TUI's settings file ($XDG_CONFIG_HOME/natter/config), a bounded line parser. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/tui/config.h"

#define CONFIG_FILE_MAX	(64 * 1024)

static const char *config_colours[] = { "black", "red", "green", "yellow",
    "blue", "magenta", "cyan", "white" };

void
config_default(struct config *cf)
{
	memset(cf, 0, sizeof *cf);
	cf->colors = 1;
	cf->color_own = 2;		/* green */
	cf->color_peer = 6;		/* cyan */
	cf->color_status = 4;		/* blue */
	cf->color_error = 1;		/* red */
	snprintf(cf->timefmt, sizeof cf->timefmt, "%%H:%%M");
	cf->enter_sends = 1;
	cf->notify = CONFIG_NOTIFY_NONE;
	cf->read_receipts = 1;
}

static int
config_colour(const char *v, int *out)
{
	size_t	i;

	if (strcmp(v, "default") == 0) {
		*out = -1;
		return (0);
	}
	for (i = 0; i < sizeof config_colours / sizeof config_colours[0]; i++) {
		if (strcmp(v, config_colours[i]) == 0) {
			*out = (int)i;
			return (0);
		}
	}
	return (-1);
}

static int
config_bool(const char *v, int *out)
{
	if (strcmp(v, "on") == 0 || strcmp(v, "yes") == 0 ||
	    strcmp(v, "true") == 0)
		*out = 1;
	else if (strcmp(v, "off") == 0 || strcmp(v, "no") == 0 ||
	    strcmp(v, "false") == 0)
		*out = 0;
	else
		return (-1);
	return (0);
}

/* Apply one key and value; NULL, or what is wrong. */
static const char *
config_set(struct config *cf, const char *k, const char *v)
{
	if (strcmp(k, "colors") == 0)
		return (config_bool(v, &cf->colors) ? "expected on or off" :
		    NULL);
	if (strcmp(k, "color-own") == 0)
		return (config_colour(v, &cf->color_own) ? "unknown colour" :
		    NULL);
	if (strcmp(k, "color-peer") == 0)
		return (config_colour(v, &cf->color_peer) ? "unknown colour" :
		    NULL);
	if (strcmp(k, "color-status") == 0)
		return (config_colour(v, &cf->color_status) ?
		    "unknown colour" : NULL);
	if (strcmp(k, "color-error") == 0)
		return (config_colour(v, &cf->color_error) ?
		    "unknown colour" : NULL);
	if (strcmp(k, "timestamp") == 0) {
		if (*v == '\0' || strlen(v) >= sizeof cf->timefmt)
			return ("timestamp format empty or too long");
		snprintf(cf->timefmt, sizeof cf->timefmt, "%s", v);
		return (NULL);
	}
	if (strcmp(k, "send-key") == 0) {
		if (strcmp(v, "enter") == 0)
			cf->enter_sends = 1;
		else if (strcmp(v, "alt-enter") == 0)
			cf->enter_sends = 0;
		else
			return ("expected enter or alt-enter");
		return (NULL);
	}
	if (strcmp(k, "read-receipts") == 0)
		return (config_bool(v, &cf->read_receipts) ?
		    "expected on or off" : NULL);
	if (strcmp(k, "notify") == 0) {
		if (strcmp(v, "none") == 0)
			cf->notify = CONFIG_NOTIFY_NONE;
		else if (strcmp(v, "bell") == 0)
			cf->notify = CONFIG_NOTIFY_BELL;
		else if (strcmp(v, "osc777") == 0)
			cf->notify = CONFIG_NOTIFY_OSC777;
		else if (strcmp(v, "osc9") == 0)
			cf->notify = CONFIG_NOTIFY_OSC9;
		else
			return ("expected none, bell, osc777 or osc9");
		return (NULL);
	}
	return ("unknown key");
}

/* Cut leading and trailing blanks of s in place. */
static char *
config_trim(char *s)
{
	size_t	n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r'))
		s[--n] = '\0';
	return (s);
}

/*
 * One line (NUL-terminated, no newline): 0, or -1 with what is wrong in
 * why (naming the key).
 */
static int
config_line(struct config *cf, char *line, char *why, size_t size)
{
	const char	*bad;
	char		*eq, *k, *v;

	if ((eq = strchr(line, '#')) != NULL)
		*eq = '\0';
	k = config_trim(line);
	if (*k == '\0')
		return (0);
	if ((eq = strchr(k, '=')) == NULL) {
		snprintf(why, size, "expected key = value");
		return (-1);
	}
	*eq = '\0';
	k = config_trim(k);
	v = config_trim(eq + 1);
	if ((bad = config_set(cf, k, v)) == NULL)
		return (0);
	if (strcmp(bad, "unknown key") == 0)
		snprintf(why, size, "unknown key \"%.40s\"", k);
	else
		snprintf(why, size, "%s: %s", k, bad);
	return (-1);
}

/* Add "line N: why" to err (a line each), as far as it has room. */
static void
config_report(char *err, size_t errlen, int lineno, const char *why)
{
	size_t	n = strlen(err);

	if (n + 1 < errlen)
		snprintf(err + n, errlen - n, "%sline %d: %s", n > 0 ? "\n" :
		    "", lineno, why);
}

int
config_parse(struct config *cf, const char *buf, size_t len, char *err,
    size_t errlen)
{
	char		 line[CONFIG_LINE_MAX], why[128];
	const char	*nl;
	size_t		 n;
	int		 lineno = 0, rc = 0, bad;

	if (errlen > 0)
		err[0] = '\0';
	while (len > 0) {
		lineno++;
		nl = memchr(buf, '\n', len);
		n = nl != NULL ? (size_t)(nl - buf) : len;
		bad = 1;
		if (n >= sizeof line)
			snprintf(why, sizeof why, "line too long");
		else if (memchr(buf, '\0', n) != NULL)
			snprintf(why, sizeof why, "NUL byte");
		else {
			memcpy(line, buf, n);
			line[n] = '\0';
			bad = config_line(cf, line, why, sizeof why) != 0;
		}
		if (bad) {
			config_report(err, errlen, lineno, why);
			rc = -1;
		}
		n = nl != NULL ? n + 1 : n;
		buf += n;
		len -= n;
	}
	return (rc);
}

int
config_path(char *buf, size_t size)
{
	const char	*x = getenv("XDG_CONFIG_HOME"), *h = getenv("HOME");
	int		 n;

	if (x != NULL && *x != '\0')
		n = snprintf(buf, size, "%s/natter/config", x);
	else if (h != NULL && *h != '\0')
		n = snprintf(buf, size, "%s/.config/natter/config", h);
	else
		return (-1);
	return (n < 0 || (size_t)n >= size ? -1 : 0);
}

int
config_load(struct config *cf, char *err, size_t errlen)
{
	char	 path[1024], *buf, e[2048];
	FILE	*f;
	size_t	 len;
	int	 rc;

	config_default(cf);
	if (config_path(path, sizeof path) != 0)
		return (0);
	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return (0);
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (-1);
	}
	buf = malloc(CONFIG_FILE_MAX);
	len = buf != NULL ? fread(buf, 1, CONFIG_FILE_MAX, f) : 0;
	fclose(f);
	if (buf == NULL)
		return (-1);
	rc = config_parse(cf, buf, len, e, sizeof e);
	if (rc != 0)
		snprintf(err, errlen, "%s: %s", path, e);
	free(buf);
	return (rc);
}
