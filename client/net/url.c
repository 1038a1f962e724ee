/* url: the server URL, ws[s]://HOST[:PORT][/PATH], taken apart by libcurl. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "client/net/url.h"
#include "shared/util/log.h"
#include "shared/util/xmalloc.h"

/*
 * Why libcurl's curl_url() and not lws_parse_uri(), though lws makes the
 * connection: lws_parse_uri() only cuts a copy of the string at ':' and
 * '/' (the port through atoi, any scheme, no error return, the path
 * without its leading '/'), so every check would still be ours.
 * curl_url() checks each part (scheme, host name, IPv6 literal and zone
 * id, port range, stray characters) and says what failed
 * (curl_url_strerror), and libcurl is linked into the client anyway
 * (DESIGN.md: HTTP for assets).  What is left here is what is particular
 * to natter: the two schemes, their default ports, the default path.
 */

static int
url_fail(char *err, size_t errlen, const char *s, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
url_fail(char *err, size_t errlen, const char *s, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	n = snprintf(err, errlen, "bad server URL %s: ", s);
	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return (-1);
}

/* One part of h (copied with xstrdup), or NULL if the URL has none. */
static char *
url_part(CURLU *h, CURLUPart what)
{
	char	*v, *copy;

	if (curl_url_get(h, what, &v, 0) != CURLUE_OK)
		return (NULL);
	copy = xstrdup(v);
	curl_free(v);
	return (copy);
}

/* Fill u from the parts of h; -1 with err for what natter does not take. */
static int
url_fill(struct url *u, CURLU *h, const char *s, char *err, size_t errlen)
{
	char	*scheme, *user, *frag, *zone, *port, *query, *path;
	int	 rc = -1;

	scheme = url_part(h, CURLUPART_SCHEME);
	user = url_part(h, CURLUPART_USER);
	frag = url_part(h, CURLUPART_FRAGMENT);
	zone = url_part(h, CURLUPART_ZONEID);
	port = url_part(h, CURLUPART_PORT);
	query = url_part(h, CURLUPART_QUERY);
	path = url_part(h, CURLUPART_PATH);
	u->host = url_part(h, CURLUPART_HOST);
	if (scheme == NULL || (strcmp(scheme, "ws") != 0 &&
	    strcmp(scheme, "wss") != 0)) {
		url_fail(err, errlen, s, "the scheme must be ws:// or wss://");
		goto out;
	}
	if (u->host == NULL || *u->host == '\0') {
		url_fail(err, errlen, s, "no host");
		goto out;
	}
	if (user != NULL || frag != NULL) {
		url_fail(err, errlen, s, "no user name, password or #fragment "
		    "here");
		goto out;
	}
	u->tls = strcmp(scheme, "wss") == 0;
	u->port = port != NULL ? atoi(port) : u->tls ? 443 : 80;
	if (u->port < 1 || u->port > 65535) {	/* curl takes port 0 */
		url_fail(err, errlen, s, "port %s is not between 1 and 65535",
		    port);
		goto out;
	}
	if (u->host[0] == '[')
		xasprintf(&u->address, "%.*s%s%s", (int)strlen(u->host) - 2,
		    u->host + 1, zone != NULL ? "%" : "",
		    zone != NULL ? zone : "");
	else
		u->address = xstrdup(u->host);
	if ((path == NULL || strcmp(path, "/") == 0) && query == NULL)
		u->path = xstrdup(URL_DEFAULT_PATH);
	else
		xasprintf(&u->path, "%s%s%s", path != NULL ? path : "/",
		    query != NULL ? "?" : "", query != NULL ? query : "");
	rc = 0;
out:
	free(scheme);
	free(user);
	free(frag);
	free(zone);
	free(port);
	free(query);
	free(path);
	return (rc);
}

int
url_parse(struct url *u, const char *s, char *err, size_t errlen)
{
	CURLU		*h;
	CURLUcode	 uc;
	int		 rc = -1;

	memset(u, 0, sizeof *u);
	if ((h = curl_url()) == NULL)
		fatal("curl_url: out of memory");
	/* ws and wss are not schemes this libcurl speaks: allow them. */
	uc = curl_url_set(h, CURLUPART_URL, s, CURLU_NON_SUPPORT_SCHEME);
	if (uc != CURLUE_OK)
		url_fail(err, errlen, s, "%s (want ws://HOST:PORT or "
		    "wss://HOST:PORT)", curl_url_strerror(uc));
	else
		rc = url_fill(u, h, s, err, errlen);
	curl_url_cleanup(h);
	if (rc != 0)
		url_clear(u);
	return (rc);
}

void
url_clear(struct url *u)
{
	free(u->host);
	free(u->address);
	free(u->path);
	memset(u, 0, sizeof *u);
}

char *
url_http_base(const char *s)
{
	struct url	 u;
	char		 err[256], *base;

	if (url_parse(&u, s, err, sizeof err) != 0)
		return (NULL);
	xasprintf(&base, "%s://%s:%d", u.tls ? "https" : "http", u.host,
	    u.port);
	url_clear(&u);
	return (base);
}
