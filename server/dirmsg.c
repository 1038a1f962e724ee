/* dirmsg: the Redis directory's text: its address and its messages.
 *
 * Pure functions, so that what Redis hands natterd is checked in one
 * place and tested without a Redis (test_directory_redis). */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/dirmsg.h"
#include "shared/util/xmalloc.h"

static const char dirmsg_hexdigits[] = "0123456789abcdef";

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

/* Hex of in[0..len) at out (2 * len characters, no NUL). */
static void
dirmsg_hex(char *out, const uint8_t *in, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		out[2 * i] = dirmsg_hexdigits[in[i] >> 4];
		out[2 * i + 1] = dirmsg_hexdigits[in[i] & 0xf];
	}
}

/* One lower-case hex digit's value, or -1. */
static int
dirmsg_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	return (-1);
}

/* n bytes from 2 * n hex digits at s: 0, or -1. */
static int
dirmsg_unhex(uint8_t *out, const char *s, size_t n)
{
	int	hi, lo;
	size_t	i;

	for (i = 0; i < n; i++) {
		if ((hi = dirmsg_nibble(s[2 * i])) < 0 ||
		    (lo = dirmsg_nibble(s[2 * i + 1])) < 0)
			return (-1);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
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
dirmsg_wake_next(const char **p, const char *end, int64_t *account,
    uint32_t *device)
{
	const char	*s = *p;
	uint64_t	 a, d;

	if (s == end)
		return (0);
	if (dirmsg_number(&s, end, &a) != 0 || s == end || *s++ != ' ' ||
	    dirmsg_number(&s, end, &d) != 0)
		return (-1);
	if (s != end && (*s++ != ' ' || s == end))
		return (-1);	/* "A D " ends with nothing after it */
	*p = s;
	*account = (int64_t)a;
	*device = (uint32_t)d;
	return (1);
}

/* "A D [A D]..." in s[0..len): 0 and the first device, or -1. */
static int
dirmsg_wake_list(const char *s, size_t len, int64_t *account,
    uint32_t *device)
{
	const char	*p = s, *end = s + len;
	int64_t		 a;
	uint32_t	 d;
	int		 rc, n = 0;

	while ((rc = dirmsg_wake_next(&p, end, &a, &d)) == 1) {
		if (n++ == 0) {
			*account = a;
			*device = d;
		}
	}
	return (rc == 0 && n > 0 ? 0 : -1);
}

int
dirmsg_low(const char *s, size_t len, int64_t *account, uint32_t *device,
    uint32_t *count)
{
	const char	*end = s + len, *p, *n;
	uint64_t	 v;

	if (len < 4 || memcmp(s, "low ", 4) != 0)
		return (-1);
	p = s + 4;
	/* The last space parts "A D" from N. */
	for (n = end; n > p && n[-1] != ' '; n--)
		;
	if (n == p || dirmsg_device(p, (size_t)(n - 1 - p), account,
	    device) != 0 || dirmsg_number(&n, end, &v) != 0 || n != end)
		return (-1);
	*count = (uint32_t)v;
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
	    dirmsg_wake_list(s + 5, len - 5, account, device) == 0)
		return (DIRMSG_WAKE);
	if (len > 6 && memcmp(s, "moved ", 6) == 0 &&
	    dirmsg_device(s + 6, len - 6, account, device) == 0)
		return (DIRMSG_MOVED);
	if (len > 4 && memcmp(s, "link", 4) == 0)
		return (DIRMSG_LINK);
	return (DIRMSG_BAD);
}

/* FP at *p, then a space or the end: 0 with *p past it, or -1. */
static int
dirmsg_fp(const char **p, const char *end, uint8_t fp[DIRMSG_FPBYTES])
{
	if (end - *p < 2 * DIRMSG_FPBYTES ||
	    dirmsg_unhex(fp, *p, DIRMSG_FPBYTES) != 0)
		return (-1);
	*p += 2 * DIRMSG_FPBYTES;
	if (*p == end)
		return (0);
	if (**p != ' ')
		return (-1);
	(*p)++;
	return (0);
}

/* "FP PAYLOAD" in [p, end). */
static enum dirmsg_link_kind
dirmsg_link_relay(const char *p, const char *end, struct dirmsg_link *m,
    enum dirmsg_link_kind kind)
{
	size_t	n;

	if (dirmsg_fp(&p, end, m->fp) != 0 || p[-1] != ' ')
		return (DIRMSG_LINK_BAD);
	n = (size_t)(end - p);
	if (n % 2 != 0 || n / 2 > DIRMSG_PAYLOADMAX ||
	    dirmsg_unhex(m->payload, p, n / 2) != 0)
		return (DIRMSG_LINK_BAD);
	m->payloadlen = n / 2;
	return (kind);
}

/* "FP D NAME" in [p, end). */
static enum dirmsg_link_kind
dirmsg_link_linked(const char *p, const char *end, struct dirmsg_link *m)
{
	uint64_t	d;
	size_t		n, i;

	if (dirmsg_fp(&p, end, m->fp) != 0 || p == end ||
	    dirmsg_number(&p, end, &d) != 0 || p == end || *p++ != ' ')
		return (DIRMSG_LINK_BAD);
	n = (size_t)(end - p);
	if (n == 0 || n >= DIRMSG_NAMEMAX)
		return (DIRMSG_LINK_BAD);
	for (i = 0; i < n; i++) {
		if (p[i] <= ' ' || p[i] > '~')
			return (DIRMSG_LINK_BAD);
	}
	memcpy(m->name, p, n);
	m->name[n] = '\0';
	m->device = (uint32_t)d;
	return (DIRMSG_LINK_USED);
}

/* The word before the first space (or the end) picks the form. */
static enum dirmsg_link_kind
dirmsg_link_kind(const char *s, size_t len, struct dirmsg_link *m)
{
	const char	*end = s + len, *p;
	uint64_t	 a;

	if ((p = memchr(s, ' ', len)) == NULL)
		return (DIRMSG_LINK_BAD);
	len = (size_t)(p++ - s);
	if (len == 4 && memcmp(s, "link", 4) == 0)
		return (dirmsg_link_relay(p, end, m, DIRMSG_LINK_RELAY));
	if (len == 5 && memcmp(s, "linkp", 5) == 0) {
		if (dirmsg_number(&p, end, &a) != 0 || p == end || *p++ != ' ')
			return (DIRMSG_LINK_BAD);
		m->account = (int64_t)a;
		return (dirmsg_link_relay(p, end, m, DIRMSG_LINK_PRIMARY));
	}
	if (len == 6 && memcmp(s, "linked", 6) == 0)
		return (dirmsg_link_linked(p, end, m));
	if (dirmsg_fp(&p, end, m->fp) != 0 || p != end || p[-1] == ' ')
		return (DIRMSG_LINK_BAD);
	if (len == 8 && memcmp(s, "linkgone", 8) == 0)
		return (DIRMSG_LINK_GONE);
	if (len == 8 && memcmp(s, "linkdrop", 8) == 0)
		return (DIRMSG_LINK_DROP);
	return (DIRMSG_LINK_BAD);
}

enum dirmsg_link_kind
dirmsg_link_parse(const char *s, size_t len, struct dirmsg_link *m)
{
	memset(m, 0, sizeof *m);
	m->kind = dirmsg_link_kind(s, len, m);
	return (m->kind);
}

size_t
dirmsg_link_tail(char *buf, size_t size, const uint8_t fp[DIRMSG_FPBYTES],
    const uint8_t *payload, size_t len)
{
	size_t	n = 2 * DIRMSG_FPBYTES + 1 + 2 * len;

	if (len > DIRMSG_PAYLOADMAX || n >= size)
		return (0);
	dirmsg_hex(buf, fp, DIRMSG_FPBYTES);
	buf[2 * DIRMSG_FPBYTES] = ' ';
	dirmsg_hex(buf + 2 * DIRMSG_FPBYTES + 1, payload, len);
	buf[n] = '\0';
	return (n);
}

size_t
dirmsg_link_used(char *buf, size_t size, const uint8_t fp[DIRMSG_FPBYTES],
    uint32_t device, const char *name)
{
	char	hex[2 * DIRMSG_FPBYTES + 1];
	size_t	i, n = strlen(name);
	int	rc;

	if (n == 0 || n >= DIRMSG_NAMEMAX)
		return (0);
	for (i = 0; i < n; i++) {
		if (name[i] <= ' ' || name[i] > '~')
			return (0);
	}
	dirmsg_hex(hex, fp, DIRMSG_FPBYTES);
	hex[sizeof hex - 1] = '\0';
	rc = snprintf(buf, size, "linked %s %u %s", hex, device, name);
	return (rc < 0 || (size_t)rc >= size ? 0 : (size_t)rc);
}

size_t
dirmsg_link_fp(char *buf, size_t size, const char *word,
    const uint8_t fp[DIRMSG_FPBYTES])
{
	char	hex[2 * DIRMSG_FPBYTES + 1];
	int	rc;

	dirmsg_hex(hex, fp, DIRMSG_FPBYTES);
	hex[sizeof hex - 1] = '\0';
	rc = snprintf(buf, size, "%s %s", word, hex);
	return (rc < 0 || (size_t)rc >= size ? 0 : (size_t)rc);
}

static void
dirmsg_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
dirmsg_get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3]);
}

size_t
dirmsg_keys_encode(uint8_t *buf, size_t size, const uint8_t ik[DIRMSG_KEYBYTES],
    const struct prekeys_upload *u)
{
	uint8_t	*p = buf;
	size_t	 n = DIRMSG_KEYSHEAD + u->n * DIRMSG_KEYSONE, i;

	if (!u->has_signed || u->n > PREKEYS_MAXUPLOAD || n > size)
		return (0);
	memcpy(p, ik, DIRMSG_KEYBYTES);
	p += DIRMSG_KEYBYTES;
	dirmsg_put32(p, u->spk_id);
	p += 4;
	memcpy(p, u->spk, PREKEYS_KEYBYTES);
	p += PREKEYS_KEYBYTES;
	memcpy(p, u->spk_sig, PREKEYS_SIGBYTES);
	p += PREKEYS_SIGBYTES;
	for (i = 0; i < u->n; i++) {
		dirmsg_put32(p, u->opks[i].id);
		memcpy(p + 4, u->opks[i].key, PREKEYS_KEYBYTES);
		p += DIRMSG_KEYSONE;
	}
	return (n);
}

int
dirmsg_keys_decode(const uint8_t *buf, size_t len,
    uint8_t ik[DIRMSG_KEYBYTES], struct prekeys_upload *u)
{
	const uint8_t	*p = buf + DIRMSG_KEYSHEAD;
	size_t		 i;

	memset(u, 0, sizeof *u);
	if (len < DIRMSG_KEYSHEAD || (len - DIRMSG_KEYSHEAD) %
	    DIRMSG_KEYSONE != 0 || (len - DIRMSG_KEYSHEAD) / DIRMSG_KEYSONE >
	    PREKEYS_MAXUPLOAD)
		return (-1);
	memcpy(ik, buf, DIRMSG_KEYBYTES);
	u->has_signed = 1;
	u->spk_id = dirmsg_get32(buf + DIRMSG_KEYBYTES);
	memcpy(u->spk, buf + DIRMSG_KEYBYTES + 4, PREKEYS_KEYBYTES);
	memcpy(u->spk_sig, buf + DIRMSG_KEYBYTES + 4 + PREKEYS_KEYBYTES,
	    PREKEYS_SIGBYTES);
	u->n = (len - DIRMSG_KEYSHEAD) / DIRMSG_KEYSONE;
	u->opks = xcalloc(u->n + 1, sizeof *u->opks);
	for (i = 0; i < u->n; i++, p += DIRMSG_KEYSONE) {
		u->opks[i].id = dirmsg_get32(p);
		memcpy(u->opks[i].key, p + 4, PREKEYS_KEYBYTES);
	}
	return (0);
}

int
dirmsg_link_found(const char *s, size_t len, int64_t *ms, const char **keys,
    size_t *keyslen)
{
	const char	*p = s, *end = s + len;
	uint64_t	 v;

	if (dirmsg_number(&p, end, &v) != 0 || v == 0 || p == end ||
	    *p++ != ' ')
		return (-1);
	*ms = (int64_t)v;
	*keys = p;
	*keyslen = (size_t)(end - p);
	return (0);
}
