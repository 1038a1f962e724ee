/* listenaddr: natterd's --listen HOST:PORT split and checked, HOST resolved to the one address natterd listens on. */
#ifndef NATTER_SERVER_LISTENADDR_H
#define NATTER_SERVER_LISTENADDR_H

#include <stddef.h>

#define LISTENADDR_HOSTLEN	46	/* INET6_ADDRSTRLEN */

/* An address to listen on, numeric. */
struct listenaddr {
	char	host[LISTENADDR_HOSTLEN];	/* "127.0.0.1", "::1" */
	int	port;
	int	v6;
};

enum listenaddr_result {
	LISTENADDR_OK = 0,
	LISTENADDR_BAD,		/* not HOST:PORT, or no such host: usage */
	LISTENADDR_FAIL,	/* the name cannot be looked up now */
};

/*
 * Parse arg: "HOST:PORT", HOST an IPv4 address, an IPv6 address (in
 * brackets or not) or a host name, PORT 1 to 65535.  A name is resolved;
 * natterd listens on its first IPv4 address, else on its first IPv6 one.
 * Numbers that are not a dotted quad ("127.1", "12345") are neither
 * address nor name.  Anything but LISTENADDR_OK leaves a sentence in err.
 */
enum listenaddr_result	listenaddr_parse(const char *arg, struct listenaddr *,
			    char *err, size_t errlen);

/* "HOST:PORT" of a, an IPv6 address in brackets. */
void	listenaddr_format(const struct listenaddr *, char *buf, size_t len);

#endif
