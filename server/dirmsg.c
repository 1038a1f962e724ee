/* dirmsg: the Redis directory's text: its address and its messages.
 *
 * Pure functions, so that what Redis hands natterd is checked in one
 * place and tested without a Redis (test_directory_redis). */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "server/dirmsg.h"

/* A name's characters; an address in brackets must parse as IPv6. */
int
dirmsg_address(const char *where, char *host, int *port)
{
	const char	*p, *colon, *close;
	unsigned char	 a6[sizeof(struct in6_addr)];
	char		*end;
	unsigned long	 v;
	size_t		 n, i;

	if (strncmp(where, "redis://", 8) != 0)
		return (-1);
	p = where + 8;
	if (*p == '[') {
		if ((close = strchr(p, ']')) == NULL || close[1] != ':')
			return (-1);
		p++;
		colon = close + 1;
		n = (size_t)(close - p);
	} else {
		if ((colon = strchr(p, ':')) == NULL)
			return (-1);
		n = (size_t)(colon - p);
		for (i = 0; i < n; i++) {
			if (!isalnum((unsigned char)p[i]) &&
			    strchr(".-_", p[i]) == NULL)
				return (-1);
		}
	}
	if (n == 0 || n >= DIRMSG_HOSTMAX)
		return (-1);
	memcpy(host, p, n);
	host[n] = '\0';
	if (where[8] == '[' && inet_pton(AF_INET6, host, a6) != 1)
		return (-1);
	p = colon + 1;
	if (strlen(p) > 5 || strspn(p, "0123456789") != strlen(p) || *p == '\0')
		return (-1);
	v = strtoul(p, &end, 10);
	if (v == 0 || v > 65535)
		return (-1);
	*port = (int)v;
	return (0);
}

/* Up to 10 digits at *p (before end), at most 2^32 - 1: 0, or -1. */
static int
dirmsg_number(const char **p, const char *end, uint64_t *out)
{
	const char	*s = *p;
	uint64_t	 v = 0;

	while (s < end && *s >= '0' && *s <= '9' && s - *p < 10)
		v = v * 10 + (uint64_t)(*s++ - '0');
	if (s == *p || v > UINT32_MAX || (s < end && *s >= '0' && *s <= '9'))
		return (-1);
	*p = s;
	*out = v;
	return (0);
}

int
dirmsg_device(const char *s, size_t len, int64_t *account,
    uint32_t *device)
{
	const char	*end = s + len;
	uint64_t	 a, d;

	if (dirmsg_number(&s, end, &a) != 0 || s == end || *s++ != ' ' ||
	    dirmsg_number(&s, end, &d) != 0 || s != end)
		return (-1);
	*account = (int64_t)a;
	*device = (uint32_t)d;
	return (0);
}

int
dirmsg_list(const char *s, size_t len, int64_t *account)
{
	const char	*end = s + len;
	uint64_t	 a;

	if (len == 3 && memcmp(s, "all", 3) == 0) {
		*account = -1;
		return (0);
	}
	if (dirmsg_number(&s, end, &a) != 0 || s != end)
		return (-1);
	*account = (int64_t)a;
	return (0);
}

enum dirmsg_kind
dirmsg_order(const char *s, size_t len, int64_t *account, uint32_t *device)
{
	if (len == 4 && memcmp(s, "ping", 4) == 0)
		return (DIRMSG_PING);
	if (len > 5 && memcmp(s, "wake ", 5) == 0 &&
	    dirmsg_device(s + 5, len - 5, account, device) == 0)
		return (DIRMSG_WAKE);
	if (len > 6 && memcmp(s, "moved ", 6) == 0 &&
	    dirmsg_device(s + 6, len - 6, account, device) == 0)
		return (DIRMSG_MOVED);
	return (DIRMSG_BAD);
}
