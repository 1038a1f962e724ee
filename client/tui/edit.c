/* edit: the input line editor (UTF-8 buffer, cursor on cluster boundaries, history). */
#include <stdlib.h>
#include <string.h>

#include "client/tui/edit.h"
#include "client/tui/width.h"
#include "shared/util/xmalloc.h"

struct edit {
	char	*buf;
	size_t	 len;
	size_t	 size;
	size_t	 cur;
	char	*hist[EDIT_HISTORY];
	int	 nhist;
	int	 hpos;		/* nhist: not browsing */
	char	*saved;		/* the line being typed while browsing */
};

struct edit *
edit_create(void)
{
	struct edit	*e;

	e = xcalloc(1, sizeof *e);
	e->size = 256;
	e->buf = xcalloc(1, e->size);
	return (e);
}

void
edit_free(struct edit *e)
{
	int	i;

	if (e == NULL)
		return;
	for (i = 0; i < e->nhist; i++)
		free(e->hist[i]);
	free(e->saved);
	free(e->buf);
	free(e);
}

const char *
edit_text(struct edit *e)
{
	return (e->buf);
}

size_t
edit_len(struct edit *e)
{
	return (e->len);
}

size_t
edit_cursor(struct edit *e)
{
	return (e->cur);
}

int
edit_insert(struct edit *e, const char *s, size_t n)
{
	size_t	i, k = 0;
	char	*clean;

	clean = xmalloc(n + 1);
	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] < 0x20 && s[i] != '\n')
			continue;
		if (s[i] == 0x7f)
			continue;
		clean[k++] = s[i];
	}
	if (e->len + k >= EDIT_MAX) {
		free(clean);
		return (-1);
	}
	if (e->len + k + 1 > e->size) {
		e->size = e->len + k + 256;
		e->buf = xrealloc(e->buf, e->size);
	}
	memmove(e->buf + e->cur + k, e->buf + e->cur, e->len - e->cur + 1);
	memcpy(e->buf + e->cur, clean, k);
	e->len += k;
	e->cur += k;
	free(clean);
	return (0);
}

int
edit_column(struct edit *e)
{
	size_t	start = e->cur;

	while (start > 0 && e->buf[start - 1] != '\n')
		start--;
	return (width_str(e->buf + start, e->cur - start));
}

void
edit_set(struct edit *e, const char *s)
{
	e->len = e->cur = 0;
	e->buf[0] = '\0';
	(void)edit_insert(e, s, strlen(s));
}

/* The start of the cluster before off. */
static size_t
edit_prev(struct edit *e, size_t off)
{
	size_t	p = 0, n;
	int	cols;

	while (p < off) {
		n = width_cluster(e->buf + p, e->len - p, &cols);
		if (p + n >= off)
			return (p);
		p += n;
	}
	return (0);
}

/* Remove bytes [from, to) and put the cursor at from. */
static void
edit_cut(struct edit *e, size_t from, size_t to)
{
	memmove(e->buf + from, e->buf + to, e->len - to + 1);
	e->len -= to - from;
	e->cur = from;
}

void
edit_left(struct edit *e)
{
	e->cur = edit_prev(e, e->cur);
}

void
edit_right(struct edit *e)
{
	int	cols;

	if (e->cur < e->len)
		e->cur += width_cluster(e->buf + e->cur, e->len - e->cur, &cols);
}

void
edit_home(struct edit *e)
{
	e->cur = 0;
}

void
edit_end(struct edit *e)
{
	e->cur = e->len;
}

void
edit_backspace(struct edit *e)
{
	if (e->cur > 0)
		edit_cut(e, edit_prev(e, e->cur), e->cur);
}

void
edit_delete(struct edit *e)
{
	int	cols;

	if (e->cur < e->len)
		edit_cut(e, e->cur, e->cur + width_cluster(e->buf + e->cur,
		    e->len - e->cur, &cols));
}

void
edit_delete_word(struct edit *e)
{
	size_t	p = e->cur;

	while (p > 0 && (e->buf[p - 1] == ' ' || e->buf[p - 1] == '\n'))
		p--;
	while (p > 0 && e->buf[p - 1] != ' ' && e->buf[p - 1] != '\n')
		p--;
	edit_cut(e, p, e->cur);
}

void
edit_delete_line(struct edit *e)
{
	edit_cut(e, 0, e->cur);
}

void
edit_history_prev(struct edit *e)
{
	if (e->hpos == 0)
		return;
	if (e->hpos == e->nhist) {
		free(e->saved);
		e->saved = xstrdup(e->buf);
	}
	e->hpos--;
	edit_set(e, e->hist[e->hpos]);
}

void
edit_history_next(struct edit *e)
{
	if (e->hpos >= e->nhist)
		return;
	e->hpos++;
	edit_set(e, e->hpos == e->nhist ? (e->saved != NULL ? e->saved : "") :
	    e->hist[e->hpos]);
}

char *
edit_take(struct edit *e)
{
	char	*s;

	if (e->len == 0)
		return (NULL);
	s = xstrdup(e->buf);
	if (e->nhist == EDIT_HISTORY) {
		free(e->hist[0]);
		memmove(e->hist, e->hist + 1, (EDIT_HISTORY - 1) *
		    sizeof e->hist[0]);
		e->nhist--;
	}
	e->hist[e->nhist++] = xstrdup(s);
	e->hpos = e->nhist;
	free(e->saved);
	e->saved = NULL;
	e->len = e->cur = 0;
	e->buf[0] = '\0';
	return (s);
}
