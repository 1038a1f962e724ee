/* httpreq: pure parsers for the asset service's request headers. */
#include <string.h>
#include <strings.h>

#include "server/httpreq.h"

int
httpreq_blob_id(const char *s)
{
	size_t	i;

	for (i = 0; i < HTTPREQ_IDLEN; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return (0);
	}
	return (s[i] == '\0');
}

/* Digits at *sp up to the first non-digit, no overflow past max: 0 and
 * *sp moved past them, or -1 (none, or too large). */
static int
httpreq_digits(const char **sp, uint64_t max, uint64_t *out)
{
	const char	*s = *sp;
	uint64_t	 v = 0, d;

	if (*s < '0' || *s > '9')
		return (-1);
	for (; *s >= '0' && *s <= '9'; s++) {
		d = (uint64_t)(*s - '0');
		if (v > (max - d) / 10)
			return (-1);
		v = v * 10 + d;
	}
	*sp = s;
	*out = v;
	return (0);
}

int
httpreq_number(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t	v;

	if (httpreq_digits(&s, max, &v) != 0 || *s != '\0')
		return (-1);
	*out = v;
	return (0);
}

enum httpreq_range
httpreq_range(const char *hdr, uint64_t size, uint64_t *first, uint64_t *len)
{
	const char	*s = hdr;
	uint64_t	 a, b;

	if (s == NULL || strncasecmp(s, "bytes=", 6) != 0)
		return (HTTPREQ_RANGE_WHOLE);
	s += 6;
	if (strchr(s, ',') != NULL)
		return (HTTPREQ_RANGE_WHOLE);	/* several: send it all */
	if (*s == '-') {			/* -N: the last N bytes */
		s++;
		if (httpreq_digits(&s, UINT64_MAX, &b) != 0 || *s != '\0')
			return (HTTPREQ_RANGE_WHOLE);
		if (b == 0 || size == 0)
			return (HTTPREQ_RANGE_UNSATISFIABLE);
		if (b > size)
			b = size;
		*first = size - b;
		*len = b;
		return (HTTPREQ_RANGE_PART);
	}
	if (httpreq_digits(&s, UINT64_MAX, &a) != 0 || *s++ != '-')
		return (HTTPREQ_RANGE_WHOLE);
	if (*s == '\0')
		b = UINT64_MAX;			/* A-: to the end */
	else if (httpreq_digits(&s, UINT64_MAX, &b) != 0 || *s != '\0' ||
	    b < a)
		return (HTTPREQ_RANGE_WHOLE);
	if (a >= size)
		return (HTTPREQ_RANGE_UNSATISFIABLE);
	if (b >= size)
		b = size - 1;
	*first = a;
	*len = b - a + 1;
	return (HTTPREQ_RANGE_PART);
}

/* Skip spaces and tabs. */
static const char *
httpreq_skip(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return (s);
}

int
httpreq_if_none_match(const char *hdr, const char *id)
{
	const char	*s = hdr, *end;
	size_t		 idlen = strlen(id);

	if (s == NULL)
		return (0);
	s = httpreq_skip(s);
	if (*s == '*' && *httpreq_skip(s + 1) == '\0')
		return (1);
	while (*s != '\0') {
		s = httpreq_skip(s);
		if (strncmp(s, "W/", 2) == 0)
			s += 2;
		if (*s != '"')
			return (0);		/* malformed: no match */
		if ((end = strchr(s + 1, '"')) == NULL)
			return (0);
		if ((size_t)(end - s - 1) == idlen &&
		    strncmp(s + 1, id, idlen) == 0)
			return (1);
		s = httpreq_skip(end + 1);
		if (*s == ',')
			s++;
		else if (*s != '\0')
			return (0);
	}
	return (0);
}

int
httpreq_bearer(const char *hdr, char out[HTTPREQ_MAXTOKEN + 1])
{
	const char	*s = hdr;
	size_t		 n;

	if (s == NULL || strncasecmp(s, "Bearer", 6) != 0 ||
	    (s[6] != ' ' && s[6] != '\t'))
		return (-1);
	s = httpreq_skip(s + 6);
	n = strcspn(s, " \t");
	if (n == 0 || n > HTTPREQ_MAXTOKEN || *httpreq_skip(s + n) != '\0')
		return (-1);
	/* RFC 6750's token68 characters. */
	if (strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-._~+/=") < n)
		return (-1);
	memcpy(out, s, n);
	out[n] = '\0';
	return (0);
}
