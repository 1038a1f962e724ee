/* url: the server URL, ws[s]://HOST[:PORT][/PATH], taken apart by libcurl. */
#ifndef NATTER_CLIENT_NET_URL_H
#define NATTER_CLIENT_NET_URL_H

#include <stddef.h>

#define URL_DEFAULT_PATH	"/v1/ws"

/*
 * A parsed server URL: a plain record the caller owns (url_clear frees
 * its strings).  An IPv6 address is written in brackets in a URL
 * (ws://[::1]:7878/): host keeps them, for the Host and Origin headers;
 * address, what to connect to, has none (and has the zone, fe80::1%eth0,
 * if the URL names one).
 */
struct url {
	int	 tls;		/* 1 for wss:// */
	char	*host;		/* example.org, 127.0.0.1, [::1] */
	char	*address;	/* example.org, 127.0.0.1, ::1 */
	int	 port;		/* the URL's, else 80 (ws) or 443 (wss) */
	char	*path;		/* with ?query; none or /: URL_DEFAULT_PATH */
};

/*
 * Parse s into u.  0, or -1 with u zeroed and a sentence for the user in
 * err (naming s and what is wrong with it: a scheme other than ws or wss,
 * no host, a bad IPv6 address, a port outside 1-65535, a user name or a
 * #fragment, ...).
 */
int	url_parse(struct url *u, const char *s, char *err, size_t errlen)
	    __attribute__((warn_unused_result));

/*
 * The HTTP base of the server's other endpoints (the asset service):
 * http[s]://HOST:PORT, no slash at the end.  A new string, or NULL if s
 * does not parse.
 */
char	*url_http_base(const char *s);

/* Free u's strings and zero it; a zeroed u is left alone. */
void	url_clear(struct url *u);

#endif
