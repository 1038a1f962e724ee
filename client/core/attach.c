/* attach: files sent and received: encrypted into the profile, the sender's map of files sent, states, saving a file. */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <zstd.h>

#include "client/core/attach.h"
#include "client/core/err.h"
#include "client/store/kv.h"
#include "client/store/store.h"
#include "shared/crypto/media.h"
#include "shared/crypto/sha256.h"
#include "shared/util/hex.h"
#include "shared/util/log.h"
#include "shared/util/utf8.h"
#include "shared/util/dropbehind.h"
#include "shared/util/xmalloc.h"

#define ATTACH_TABLE		"media"
#define ATTACH_READBUF		(1024 * 1024)
#define ATTACH_BUSYMAX		16
#define ATTACH_PENDMAX		1000

struct attach {
	struct store	*st;
	char		*dir;		/* HOME/files */
	char		 path[PATH_MAX];
	char		 busy[ATTACH_BUSYMAX][SHA256_HEXBYTES];
	uint64_t	 autosize;
};

/* The decrypted stream's last stage (see attach.h). */
struct attach_plain {
	ZSTD_DCtx	*z;
	uint8_t		*buf;
	size_t		 bufsize;
	int		 fd;
	struct dropbehind db;		/* fd to the disk as it comes */
	struct sha256	*h;
	uint64_t	 n, want;
	uint8_t		 sha[SHA256_BYTES];
	int		 failed;
};

/* A whole number of bytes, digits only; 0 or -1 (*n unchanged). */
static int
attach_parse_size(const char *s, uint64_t *n)
{
	char			*end;
	unsigned long long	 v;

	if (*s < '0' || *s > '9')
		return (-1);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return (-1);
	*n = v;
	return (0);
}

struct attach *
attach_create(struct store *st, const char *home)
{
	struct attach	*at;
	const char	*e;

	at = xcalloc(1, sizeof *at);
	at->st = st;
	xasprintf(&at->dir, "%s/files", home);
	at->autosize = CORE_AUTO_DOWNLOAD;
	if ((e = getenv("NATTER_AUTO_DOWNLOAD")) != NULL && *e != '\0' &&
	    attach_parse_size(e, &at->autosize) != 0)
		log_warn("NATTER_AUTO_DOWNLOAD=%.40s is not a number of bytes; "
		    "files up to %d bytes are downloaded", e,
		    CORE_AUTO_DOWNLOAD);
	return (at);
}

void
attach_free(struct attach *at)
{
	if (at == NULL)
		return;
	free(at->dir);
	free(at);
}

const char *
attach_dir(struct attach *at)
{
	return (at->dir);
}

int
attach_mkdir(struct attach *at)
{
	if (mkdir(at->dir, 0700) != 0 && errno != EEXIST)
		return (-1);
	return (0);
}

int
attach_write(int fd, const uint8_t *p, size_t n)
{
	ssize_t	w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return (-1);
		p += w;
		n -= w;
	}
	return (0);
}

const char *
attach_blob_path(struct attach *at, const char *blobhex)
{
	snprintf(at->path, sizeof at->path, "%s/%s", at->dir, blobhex);
	return (at->path);
}

const char *
attach_part_path(struct attach *at, const char *blobhex)
{
	snprintf(at->path, sizeof at->path, "%s/%s.part", at->dir, blobhex);
	return (at->path);
}

void
attach_set_auto(struct attach *at, uint64_t n)
{
	at->autosize = n;
}

uint64_t
attach_auto(struct attach *at)
{
	return (at->autosize);
}

int
attach_utf8(const char *s, size_t len)
{
	uint32_t	cp;
	size_t		n;

	while (len > 0) {
		n = utf8_decode(s, len, &cp);
		if (cp == UTF8_REPLACEMENT && n == 1)
			return (0);
		s += n;
		len -= n;
	}
	return (1);
}

int
attach_valid(const Natter__Attachment *a)
{
	if (a == NULL || a->media_key.len != MEDIA_KEYBYTES ||
	    a->plain_sha256.len != SHA256_BYTES ||
	    a->blob_sha256.len != SHA256_BYTES || a->name == NULL ||
	    a->size > ATTACH_SIZEMAX || a->compression > 1 ||
	    strlen(a->name) == 0 || strlen(a->name) > ATTACH_NAMEMAX ||
	    strchr(a->name, '/') != NULL || strcmp(a->name, ".") == 0 ||
	    strcmp(a->name, "..") == 0 || !attach_utf8(a->name, strlen(a->name)))
		return (-1);
	if (a->compression == 0 && a->blob_size != MEDIA_BLOBSIZE(a->size))
		return (-1);
	if (a->mime != NULL && strlen(a->mime) > ATTACH_MIMEMAX)
		return (-1);
	return (0);
}

Natter__Attachment *
attach_sent_before(struct attach *at, const uint8_t psha[SHA256_BYTES])
{
	Natter__Attachment	*a;
	char			 key[2 + SHA256_HEXBYTES], hex[SHA256_HEXBYTES];
	uint8_t			*v;
	size_t			 len;
	struct stat		 sb;

	hex_encode(hex, psha, SHA256_BYTES);
	snprintf(key, sizeof key, "p %s", hex);
	if (kv_named_get(at->st, ATTACH_TABLE, key, &v, &len) != 0)
		return (NULL);
	a = natter__attachment__unpack(NULL, len, v);
	sodium_memzero(v, len);
	free(v);
	if (a == NULL)
		return (NULL);
	hex_encode(hex, a->blob_sha256.data, a->blob_sha256.len);
	if (a->blob_sha256.len != SHA256_BYTES ||
	    stat(attach_blob_path(at, hex), &sb) != 0 ||
	    (uint64_t)sb.st_size != a->blob_size) {
		natter__attachment__free_unpacked(a, NULL);
		return (NULL);
	}
	return (a);
}

int
attach_remember(struct attach *at, const Natter__Attachment *a)
{
	Natter__Attachment	 k = *a;
	char			 key[2 + SHA256_HEXBYTES], hex[SHA256_HEXBYTES];
	uint8_t			*v;
	size_t			 len;
	int			 rc;

	k.name = k.mime = k.caption = (char *)"";
	len = natter__attachment__get_packed_size(&k);
	v = xmalloc(len);
	natter__attachment__pack(&k, v);
	hex_encode(hex, a->plain_sha256.data, SHA256_BYTES);
	snprintf(key, sizeof key, "p %s", hex);
	rc = kv_named_put(at->st, ATTACH_TABLE, key, v, len);
	sodium_memzero(v, len);
	free(v);
	return (rc);
}

Natter__Attachment *
attach_copy(const Natter__Attachment *a)
{
	uint8_t			*v;
	size_t			 len = natter__attachment__get_packed_size(a);
	Natter__Attachment	*c;

	v = xmalloc(len);
	natter__attachment__pack(a, v);
	c = natter__attachment__unpack(NULL, len, v);
	sodium_memzero(v, len);
	free(v);
	if (c == NULL)
		fatal("attach: cannot copy a pointer");
	return (c);
}

void
attach_set_busy(struct attach *at, const char *blobhex, int busy)
{
	size_t	i, freeslot = ATTACH_BUSYMAX;

	for (i = 0; i < ATTACH_BUSYMAX; i++) {
		if (strcmp(at->busy[i], blobhex) == 0) {
			if (!busy)
				at->busy[i][0] = '\0';
			return;
		}
		if (at->busy[i][0] == '\0' && freeslot == ATTACH_BUSYMAX)
			freeslot = i;
	}
	if (busy && freeslot < ATTACH_BUSYMAX)
		snprintf(at->busy[freeslot], SHA256_HEXBYTES, "%s", blobhex);
}

static int
attach_is_busy(struct attach *at, const char *blobhex)
{
	size_t	i;

	for (i = 0; i < ATTACH_BUSYMAX; i++)
		if (strcmp(at->busy[i], blobhex) == 0)
			return (1);
	return (0);
}

int
attach_refuse(struct attach *at, const char *blobhex)
{
	char	key[2 + SHA256_HEXBYTES];

	snprintf(key, sizeof key, "r %s", blobhex);
	(void)unlink(attach_part_path(at, blobhex));
	(void)attach_pending_del(at, blobhex);
	return (kv_named_put(at->st, ATTACH_TABLE, key, "1", 1));
}

static int
attach_refused(struct attach *at, const char *blobhex)
{
	char	 key[2 + SHA256_HEXBYTES];
	uint8_t	*v;
	size_t	 len;

	snprintf(key, sizeof key, "r %s", blobhex);
	if (kv_named_get(at->st, ATTACH_TABLE, key, &v, &len) != 0)
		return (0);
	free(v);
	return (1);
}

void
attach_describe(struct attach *at, const Natter__Attachment *a,
    const char *idhex, struct core_attachment *out)
{
	static char	 saved[PATH_MAX];
	char		 key[2 + CORE_IDHEXBYTES];
	uint8_t		*v;
	size_t		 len;

	memset(out, 0, sizeof *out);
	out->name = a->name;
	out->size = a->size;
	out->mime = a->mime != NULL && *a->mime != '\0' ? a->mime :
	    "application/octet-stream";
	if (a->plain_sha256.len == SHA256_BYTES)
		hex_encode(out->sha256, a->plain_sha256.data, SHA256_BYTES);
	if (a->blob_sha256.len == SHA256_BYTES)
		hex_encode(out->blob, a->blob_sha256.data, SHA256_BYTES);
	if (access(attach_blob_path(at, out->blob), F_OK) == 0)
		out->state = "ready";
	else if (attach_is_busy(at, out->blob))
		out->state = "downloading";
	else if (attach_refused(at, out->blob))
		out->state = "refused";
	else if (a->size > at->autosize)
		out->state = "waiting";
	else
		out->state = "pending";
	snprintf(key, sizeof key, "s %s", idhex);
	if (kv_named_get(at->st, ATTACH_TABLE, key, &v, &len) == 0) {
		snprintf(saved, sizeof saved, "%.*s", (int)len, (char *)v);
		out->saved = saved;
		free(v);
	}
}

/* The pending list (MediaPending, one sealed row). */
static Natter__MediaPending *
attach_pending_get(struct attach *at)
{
	Natter__MediaPending	*p = NULL;
	uint8_t			*v;
	size_t			 len;

	if (kv_named_get(at->st, ATTACH_TABLE, "pending", &v, &len) == 0) {
		p = natter__media_pending__unpack(NULL, len, v);
		sodium_memzero(v, len);
		free(v);
	}
	return (p);
}

static int
attach_pending_put(struct attach *at, const Natter__MediaPending *p)
{
	uint8_t	*v;
	size_t	 len = natter__media_pending__get_packed_size(p);
	int	 rc;

	v = xmalloc(len + 1);
	natter__media_pending__pack(p, v);
	rc = kv_named_put(at->st, ATTACH_TABLE, "pending", v, len);
	sodium_memzero(v, len);
	free(v);
	return (rc);
}

static int
attach_pending_find(const Natter__MediaPending *p, const char *blobhex)
{
	char	hex[SHA256_HEXBYTES];
	size_t	i;

	for (i = 0; p != NULL && i < p->n_items; i++) {
		if (p->items[i]->blob_sha256.len != SHA256_BYTES)
			continue;
		hex_encode(hex, p->items[i]->blob_sha256.data, SHA256_BYTES);
		if (strcmp(hex, blobhex) == 0)
			return ((int)i);
	}
	return (-1);
}

int
attach_pending_add(struct attach *at, const Natter__Attachment *a)
{
	Natter__MediaPending	 np = NATTER__MEDIA_PENDING__INIT;
	Natter__MediaPending	*p = attach_pending_get(at);
	Natter__Attachment	**items;
	char			 hex[SHA256_HEXBYTES];
	size_t			 n = p != NULL ? p->n_items : 0;
	int			 rc = 0;

	hex_encode(hex, a->blob_sha256.data, SHA256_BYTES);
	if (attach_pending_find(p, hex) < 0 && n < ATTACH_PENDMAX) {
		items = xcalloc(n + 1, sizeof *items);
		if (n > 0)
			memcpy(items, p->items, n * sizeof *items);
		items[n] = (Natter__Attachment *)a;
		np.items = items;
		np.n_items = n + 1;
		rc = attach_pending_put(at, &np);
		free(items);
	}
	if (p != NULL)
		natter__media_pending__free_unpacked(p, NULL);
	return (rc);
}

int
attach_pending_del(struct attach *at, const char *blobhex)
{
	Natter__MediaPending	*p = attach_pending_get(at);
	Natter__Attachment	*gone;
	int			 i, rc = 0;

	if (p == NULL || (i = attach_pending_find(p, blobhex)) < 0) {
		if (p != NULL)
			natter__media_pending__free_unpacked(p, NULL);
		return (0);
	}
	gone = p->items[i];
	memmove(p->items + i, p->items + i + 1,
	    (p->n_items - i - 1) * sizeof *p->items);
	p->n_items--;
	rc = attach_pending_put(at, p);
	p->items[p->n_items] = gone;	/* freed with the rest */
	p->n_items++;
	natter__media_pending__free_unpacked(p, NULL);
	return (rc);
}

Natter__Attachment *
attach_pending_next(struct attach *at, int with_waiting)
{
	Natter__MediaPending	*p = attach_pending_get(at);
	Natter__Attachment	*a = NULL;
	char			 hex[SHA256_HEXBYTES];
	size_t			 i;

	for (i = 0; p != NULL && i < p->n_items; i++) {
		if (p->items[i]->blob_sha256.len != SHA256_BYTES)
			continue;
		hex_encode(hex, p->items[i]->blob_sha256.data, SHA256_BYTES);
		if (attach_is_busy(at, hex) ||
		    (!with_waiting && p->items[i]->size > at->autosize))
			continue;
		a = attach_copy(p->items[i]);
		break;
	}
	if (p != NULL)
		natter__media_pending__free_unpacked(p, NULL);
	return (a);
}

struct attach_plain *
attach_plain_new(const Natter__Attachment *a, int fd)
{
	struct attach_plain	*pl;

	pl = xcalloc(1, sizeof *pl);
	pl->fd = fd;
	dropbehind_write(&pl->db, fd, 0);
	pl->h = sha256_new();
	pl->want = a->size;
	memcpy(pl->sha, a->plain_sha256.data, SHA256_BYTES);
	if (a->compression == 1) {
		pl->z = ZSTD_createDCtx();
		pl->bufsize = ZSTD_DStreamOutSize();
		pl->buf = xmalloc(pl->bufsize);
	}
	return (pl);
}

void
attach_plain_free(struct attach_plain *pl)
{
	if (pl == NULL)
		return;
	ZSTD_freeDCtx(pl->z);
	if (pl->buf != NULL)
		sodium_memzero(pl->buf, pl->bufsize);
	free(pl->buf);
	sha256_free(pl->h);
	free(pl);
}

/* Plaintext out: counted (never past the pointer's size), hashed, written. */
static int
attach_plain_out(struct attach_plain *pl, const uint8_t *p, size_t n)
{
	if (n > pl->want - pl->n)
		return (pl->failed = 1, -1);
	pl->n += n;
	sha256_update(pl->h, p, n);
	if (pl->fd != -1 && attach_write(pl->fd, p, n) != 0)
		return (pl->failed = 1, -1);
	dropbehind_advance(&pl->db, pl->n);
	return (0);
}

int
attach_plain_put(void *arg, const uint8_t *p, size_t n)
{
	struct attach_plain	*pl = arg;
	ZSTD_inBuffer		 in = { p, n, 0 };
	ZSTD_outBuffer		 out;
	size_t			 r;

	if (pl->failed)
		return (-1);
	if (pl->z == NULL)
		return (attach_plain_out(pl, p, n));
	while (in.pos < in.size) {
		out.dst = pl->buf;
		out.size = pl->bufsize;
		out.pos = 0;
		r = ZSTD_decompressStream(pl->z, &out, &in);
		if (ZSTD_isError(r) || attach_plain_out(pl, pl->buf,
		    out.pos) != 0)
			return (pl->failed = 1, -1);
	}
	return (0);
}

int
attach_plain_end(struct attach_plain *pl)
{
	uint8_t	h[SHA256_BYTES];

	if (pl->failed || pl->n != pl->want)
		return (-1);
	sha256_final(pl->h, h);
	return (sodium_memcmp(h, pl->sha, sizeof h) == 0 ? 0 : -1);
}

/* Where to write a's file: path as given, or NAME in a directory (unique). */
static char *
attach_target(const Natter__Attachment *a, const char *path)
{
	struct stat	 sb;
	const char	*dir = path != NULL ? path : ".";
	const char	*dot;
	char		*t;
	int		 i;
	size_t		 n;

	if (path != NULL && (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)))
		return (xstrdup(path));
	for (n = strlen(dir); n > 1 && dir[n - 1] == '/'; n--)
		;	/* DIR/ names DIR */
	xasprintf(&t, "%.*s/%s", (int)n, dir, a->name);
	dot = strrchr(a->name, '.');
	if (dot == a->name)
		dot = NULL;
	for (i = 1; access(t, F_OK) == 0 && i < 1000; i++) {
		free(t);
		xasprintf(&t, "%.*s/%.*s (%d)%s", (int)n, dir, dot != NULL ?
		    (int)(dot - a->name) : (int)strlen(a->name), a->name, i,
		    dot != NULL ? dot : "");
	}
	return (t);
}

/*
 * Decrypt the blob file in (the profile's copy, whose SHA-256 was checked
 * as it arrived) to fd: every chunk's tag, the final tag, the size and
 * the file's SHA-256 are checked again.  0 if everything checked out.
 */
static int
attach_decrypt(const Natter__Attachment *a, int in, int fd)
{
	struct attach_plain	*pl = attach_plain_new(a, fd);
	struct media_stream	*m;
	struct dropbehind	 db;
	uint8_t			*buf = xmalloc(ATTACH_READBUF);
	uint64_t		 done = 0;
	ssize_t			 n;
	int			 rc = -1;

	m = media_pull_start(a->media_key.data, attach_plain_put, pl);
	media_pull_unhashed(m);		/* checked when it came */
	dropbehind_read(&db, in, 0);
	while ((n = read(in, buf, ATTACH_READBUF)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 || media_pull(m, buf, n) != 0)
			goto out;
		dropbehind_advance(&db, done += (uint64_t)n);
	}
	if (media_pull_final(m, NULL, NULL) == 0 && attach_plain_end(pl) == 0)
		rc = 0;
out:
	free(buf);
	media_stream_free(m);
	attach_plain_free(pl);
	return (rc);
}

struct attach_saving {
	char	*target;
	char	 tmp[PATH_MAX + 16];
	int	 fd;
};

struct attach_saving *
attach_save_open(const Natter__Attachment *a, const char *path,
    struct core_error *err)
{
	struct attach_saving	*sv;
	char			*slash;

	sv = xcalloc(1, sizeof *sv);
	sv->target = attach_target(a, path);
	snprintf(sv->tmp, sizeof sv->tmp, "%s", sv->target);
	slash = strrchr(sv->tmp, '/');
	snprintf(slash != NULL ? slash + 1 : sv->tmp, sizeof sv->tmp -
	    (slash != NULL ? (size_t)(slash + 1 - sv->tmp) : 0),
	    ".natter.XXXXXX");
	if ((sv->fd = mkstemp(sv->tmp)) == -1) {
		err_set(err, CORE_ERR_IO, "cannot write %s: %s", sv->target,
		    strerror(errno));
		free(sv->target);
		free(sv);
		return (NULL);
	}
	return (sv);
}

int
attach_save_fd(struct attach_saving *sv)
{
	return (sv->fd);
}

int
attach_save_close(struct attach *at, struct attach_saving *sv,
    const char *idhex, int ok, char **written, struct core_error *err)
{
	char	key[2 + CORE_IDHEXBYTES];
	int	rc = -1;

	*written = NULL;
	if (!ok)
		(void)unlink(sv->tmp);
	else if (fsync(sv->fd) != 0 || rename(sv->tmp, sv->target) != 0) {
		err_set(err, CORE_ERR_IO, "cannot write %s: %s", sv->target,
		    strerror(errno));
		(void)unlink(sv->tmp);
	} else
		rc = 0;
	(void)close(sv->fd);
	if (rc == 0) {
		snprintf(key, sizeof key, "s %s", idhex);
		if (kv_named_put(at->st, ATTACH_TABLE, key, sv->target,
		    strlen(sv->target)) != 0)
			log_warn("saved %s, but could not record it",
			    sv->target);
		*written = sv->target;
		sv->target = NULL;
	}
	free(sv->target);
	free(sv);
	return (rc);
}

int
attach_save(struct attach *at, const Natter__Attachment *a, const char *idhex,
    const char *path, char **written, struct core_error *err)
{
	struct attach_saving	*sv;
	char			 hex[SHA256_HEXBYTES];
	int			 in, ok;

	*written = NULL;
	hex_encode(hex, a->blob_sha256.data, SHA256_BYTES);
	if ((in = open(attach_blob_path(at, hex), O_RDONLY | O_CLOEXEC)) == -1) {
		err_set(err, CORE_ERR_IO, "the file %s is not in the profile "
		    "(not downloaded)", a->name);
		return (-1);
	}
	if ((sv = attach_save_open(a, path, err)) == NULL) {
		(void)close(in);
		return (-1);
	}
	if (!(ok = attach_decrypt(a, in, sv->fd) == 0)) {
		/* It checked out when it came: the profile's copy is damaged. */
		err_set(err, CORE_ERR_IO, "the copy of %s in the profile is "
		    "damaged: it is downloaded again; save it once that is "
		    "done", a->name);
		(void)unlink(attach_blob_path(at, hex));
		(void)attach_pending_add(at, a);
	}
	(void)close(in);
	if (attach_save_close(at, sv, idhex, ok, written, err) != 0)
		return (-1);
	return (0);
}
