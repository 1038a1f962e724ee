/* listenaddr: natterd's --listen HOST:PORT split and checked, HOST resolved to the one address natterd listens on. */
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "server/listenaddr.h"

/* PORT: 1 to 65535, digits only; -1 if not. */
static int
listenaddr_port(const char *s)
{
	int	port = 0;

	if (*s == '\0' || strlen(s) > 5)
		return (-1);
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return (-1);
		port = port * 10 + (*s - '0');
	}
	return (port >= 1 && port <= 65535 ? port : -1);
}

/*
 * A host name as RFC 1123 has it: labels of letters, digits and hyphens,
 * not starting or ending with a hyphen, the last one not all digits (so
 * that "127.1" or "999.1.1.1" is not taken for a name).
 */
static int
listenaddr_name_ok(const char *s)
{
	size_t	len = strlen(s), n, i;
	int	digits = 0;

	if (len == 0 || len > 253)
		return (0);
	for (; *s != '\0'; s += n + (s[n] == '.')) {
		n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVW"
		    "XYZ0123456789-");
		if (n == 0 || n > 63 || (s[n] != '.' && s[n] != '\0') ||
		    s[0] == '-' || s[n - 1] == '-')
			return (0);
		for (i = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		digits = i == n;
	}
	return (!digits);
}

/* 1 if getaddrinfo's rc says the name has no address (not "try later"). */
static int
listenaddr_no_such_host(int rc)
{
	switch (rc) {
	case EAI_NONAME:
	case EAI_FAMILY:
#ifdef EAI_NODATA
	case EAI_NODATA:
#endif
#ifdef EAI_ADDRFAMILY
	case EAI_ADDRFAMILY:
#endif
		return (1);
	default:
		return (0);
	}
}

/* Resolve the name host into a; the result, with err set on failure. */
/* The address of ai as text (copied out: ai_addr need not be aligned for
 * sockaddr_in6). */
static void
listenaddr_ntop(const struct addrinfo *ai, char *out, size_t len)
{
	struct sockaddr_in	sin;
	struct sockaddr_in6	sin6;

	if (ai->ai_family == AF_INET6) {
		memcpy(&sin6, ai->ai_addr, sizeof sin6);
		inet_ntop(AF_INET6, &sin6.sin6_addr, out, len);
	} else {
		memcpy(&sin, ai->ai_addr, sizeof sin);
		inet_ntop(AF_INET, &sin.sin_addr, out, len);
	}
}

static enum listenaddr_result
listenaddr_resolve(const char *host, struct listenaddr *a, char *err,
    size_t errlen)
{
	struct addrinfo	 hints, *res, *ai, *pick = NULL;
	int		 rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, NULL, &hints, &res)) != 0) {
		snprintf(err, errlen, "cannot resolve %s: %s", host,
		    gai_strerror(rc));
		return (listenaddr_no_such_host(rc) ? LISTENADDR_BAD :
		    LISTENADDR_FAIL);
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET6 && pick == NULL)
			pick = ai;
		if (ai->ai_family == AF_INET) {
			pick = ai;
			break;
		}
	}
	if (pick != NULL) {
		a->v6 = pick->ai_family == AF_INET6;
		listenaddr_ntop(pick, a->host, sizeof a->host);
	} else
		snprintf(err, errlen, "%s has no IP address", host);
	freeaddrinfo(res);
	return (pick != NULL ? LISTENADDR_OK : LISTENADDR_BAD);
}

enum listenaddr_result
listenaddr_parse(const char *arg, struct listenaddr *a, char *err,
    size_t errlen)
{
	const char	*colon = strrchr(arg, ':');
	char		 host[256];
	size_t		 n;
	uint8_t		 bin[16];

	memset(a, 0, sizeof *a);
	if (colon == NULL || colon == arg ||
	    (a->port = listenaddr_port(colon + 1)) == -1 ||
	    (n = (size_t)(colon - arg)) >= sizeof host) {
		snprintf(err, errlen, "want HOST:PORT, PORT from 1 to 65535");
		return (LISTENADDR_BAD);
	}
	if (n >= 2 && arg[0] == '[' && arg[n - 1] == ']')
		snprintf(host, sizeof host, "%.*s", (int)n - 2, arg + 1);
	else
		snprintf(host, sizeof host, "%.*s", (int)n, arg);
	if (inet_pton(AF_INET, host, bin) == 1 ||
	    (a->v6 = inet_pton(AF_INET6, host, bin) == 1)) {
		inet_ntop(a->v6 ? AF_INET6 : AF_INET, bin, a->host,
		    sizeof a->host);
		return (LISTENADDR_OK);
	}
	if (!listenaddr_name_ok(host)) {
		snprintf(err, errlen, "\"%s\" is neither an IP address nor a "
		    "host name", host);
		return (LISTENADDR_BAD);
	}
	return (listenaddr_resolve(host, a, err, errlen));
}

void
listenaddr_format(const struct listenaddr *a, char *buf, size_t len)
{
	snprintf(buf, len, a->v6 ? "[%s]:%d" : "%s:%d", a->host, a->port);
}
