/* seal: a file being encrypted into the profile for sending, a slice at a time so that the loop keeps turning. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sodium.h>
#include <zstd.h>

#include "client/core/attach.h"
#include "client/core/err.h"
#include "client/core/seal.h"
#include "shared/crypto/media.h"
#include "shared/crypto/sha256.h"
#include "shared/util/dropbehind.h"
#include "shared/util/hex.h"
#include "shared/util/xmalloc.h"

#define SEAL_READBUF		(1024 * 1024)
#define SEAL_SAMPLE		(128 * 1024)	/* tried with zstd first */
#define SEAL_ZSTD_LEVEL		3
#define SEAL_MIME_TYPES		"/etc/mime.types"

struct seal {
	struct attach		*at;
	int			 in;		/* the file */
	int			 out;		/* the temporary blob */
	struct dropbehind	 outdb;
	uint64_t		 outlen;	/* bytes written to out */
	char			 tmp[PATH_MAX];
	uint64_t		 size, done;
	struct media_stream	*m;
	struct sha256		*h;		/* of the file */
	ZSTD_CCtx		*z;		/* NULL: not compressed */
	uint8_t			*buf, *zbuf;
	size_t			 zlen;
	int			 started;	/* zstd decided */
	int			 hashed;	/* the first pass is over */
	int			 finished;	/* the whole file is in */
	uint64_t		 sealing;	/* bytes of the second pass */
	struct timespec		 mtime;		/* the file's, at the start */
	Natter__Attachment	*reuse;		/* sent before: its pointer */
	uint8_t			 key[MEDIA_KEYBYTES];
	uint8_t			 psha[SHA256_BYTES], bsha[SHA256_BYTES];
	uint64_t		 sealed;	/* bytes into the cipher */
	char			*name, *caption;
	char			 mime[ATTACH_MIMEMAX + 1];
};

/* The MIME type of name by its extension, from Debian's /etc/mime.types. */
static void
seal_mime(const char *name, char *out, size_t outlen)
{
	const char	*ext = strrchr(name, '.');
	char		 line[1024], *p, *type, *w, *save;
	FILE		*f;

	snprintf(out, outlen, "application/octet-stream");
	if (ext == NULL || ext[1] == '\0' ||
	    (f = fopen(SEAL_MIME_TYPES, "r")) == NULL)
		return;
	ext++;
	while (fgets(line, sizeof line, f) != NULL) {
		if (line[0] == '#' || (p = strpbrk(line, " \t")) == NULL)
			continue;
		*p++ = '\0';
		type = line;
		for (w = strtok_r(p, " \t\n", &save); w != NULL;
		    w = strtok_r(NULL, " \t\n", &save)) {
			if (strcasecmp(w, ext) == 0) {
				snprintf(out, outlen, "%.*s", (int)outlen - 1,
				    type);
				fclose(f);
				return;
			}
		}
	}
	fclose(f);
}

/* A file name fit to show and to save: no directory, no control bytes. */
static char *
seal_clean_name(const char *path)
{
	const char	*b = strrchr(path, '/');
	char		*name;
	size_t		 i;

	name = xstrdup(b != NULL ? b + 1 : path);
	if (strlen(name) > ATTACH_NAMEMAX)
		name[ATTACH_NAMEMAX] = '\0';
	for (i = 0; name[i] != '\0'; i++) {
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f ||
		    name[i] == '/')
			name[i] = '_';
	}
	if (!attach_utf8(name, strlen(name)))
		for (i = 0; name[i] != '\0'; i++)
			if ((unsigned char)name[i] >= 0x80)
				name[i] = '_';
	if (name[0] == '\0' || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0) {
		free(name);
		name = xstrdup("file");
	}
	return (name);
}

/* Does zstd shrink the first bytes of the file by a tenth or more? */
static int
seal_compresses(const uint8_t *buf, size_t n)
{
	size_t	 bound, z;
	void	*tmp;
	int	 yes;

	if (n < 512)
		return (0);
	bound = ZSTD_compressBound(n);
	tmp = xmalloc(bound);
	z = ZSTD_compress(tmp, bound, buf, n, 1);
	yes = !ZSTD_isError(z) && z < n - n / 10;
	free(tmp);
	return (yes);
}

/* Push n bytes through zstd (z not NULL) and the cipher; end: flush. */
static int
seal_push(struct media_stream *m, ZSTD_CCtx *z, uint8_t *zbuf, size_t zlen,
    const uint8_t *p, size_t n, int end)
{
	ZSTD_inBuffer	in = { p, n, 0 };
	ZSTD_outBuffer	out;
	size_t		left;

	if (z == NULL)
		return (n == 0 ? 0 : media_push(m, p, n));
	do {
		out.dst = zbuf;
		out.size = zlen;
		out.pos = 0;
		left = ZSTD_compressStream2(z, &out, &in, end ? ZSTD_e_end :
		    ZSTD_e_continue);
		if (ZSTD_isError(left) ||
		    (out.pos > 0 && media_push(m, zbuf, out.pos) != 0))
			return (-1);
	} while (end ? left != 0 : in.pos < in.size);
	return (0);
}


static int
seal_out(void *arg, const uint8_t *p, size_t n)
{
	struct seal	*s = arg;

	if (attach_write(s->out, p, n) != 0)
		return (-1);
	s->outlen += n;
	dropbehind_advance(&s->outdb, s->outlen);
	return (0);
}

struct seal *
seal_begin(struct attach *at, const char *path, const char *caption,
    struct core_error *err)
{
	struct seal	*s;
	struct stat	 sb;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		err_set(err, CORE_ERR_USAGE, "cannot open %s: %s", path,
		    strerror(errno));
		return (NULL);
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    (uint64_t)sb.st_size > ATTACH_SIZEMAX) {
		err_set(err, CORE_ERR_USAGE, "%s is not a regular file natter "
		    "can send", path);
		(void)close(fd);
		return (NULL);
	}
	s = xcalloc(1, sizeof *s);
	s->at = at;
	s->in = fd;
	s->out = -1;
	s->size = (uint64_t)sb.st_size;
	s->mtime = sb.st_mtim;
	snprintf(s->tmp, sizeof s->tmp, "%s/.send.XXXXXX", attach_dir(at));
	if (attach_mkdir(at) != 0 || (s->out = mkstemp(s->tmp)) == -1) {
		err_set(err, CORE_ERR_IO, "cannot write in %s: %s",
		    attach_dir(at), strerror(errno));
		s->tmp[0] = '\0';
		seal_free(s);
		return (NULL);
	}
	dropbehind_write(&s->outdb, s->out, 0);
	s->name = seal_clean_name(path);
	seal_mime(s->name, s->mime, sizeof s->mime);
	s->caption = xstrdup(caption != NULL ? caption : "");
	s->h = sha256_new();
	s->buf = xmalloc(SEAL_READBUF);
	media_keygen(s->key);
	if ((s->m = media_push_start(s->key, seal_out, s)) == NULL) {
		err_set(err, CORE_ERR_IO, "cannot write in %s: %s",
		    attach_dir(at), strerror(errno));
		seal_free(s);
		return (NULL);
	}
	return (s);
}

void
seal_free(struct seal *s)
{
	if (s == NULL)
		return;
	if (s->tmp[0] != '\0')
		(void)unlink(s->tmp);
	if (s->in != -1)
		(void)close(s->in);
	if (s->out != -1)
		(void)close(s->out);
	media_stream_free(s->m);
	sha256_free(s->h);
	if (s->reuse != NULL)
		natter__attachment__free_unpacked(s->reuse, NULL);
	ZSTD_freeCCtx(s->z);
	if (s->buf != NULL)
		sodium_memzero(s->buf, SEAL_READBUF);
	free(s->buf);
	free(s->zbuf);
	free(s->name);
	free(s->caption);
	sodium_memzero(s->key, sizeof s->key);
	free(s);
}

uint64_t
seal_done(struct seal *s)
{
	return ((s->done + s->sealing) / 2);	/* two passes */
}

uint64_t
seal_size(struct seal *s)
{
	return (s->size);
}

const char *
seal_name(struct seal *s)
{
	return (s->name);
}

/* The first bytes decide whether the file goes through zstd. */
static void
seal_decide(struct seal *s, const uint8_t *p, size_t n)
{
	s->started = 1;
	if (!seal_compresses(p, n < SEAL_SAMPLE ? n : SEAL_SAMPLE))
		return;
	s->z = ZSTD_createCCtx();
	ZSTD_CCtx_setParameter(s->z, ZSTD_c_compressionLevel, SEAL_ZSTD_LEVEL);
	s->zlen = ZSTD_CStreamOutSize();
	s->zbuf = xmalloc(s->zlen);
}

static int
seal_fail(struct seal *s, struct core_error *err)
{
	err_set(err, CORE_ERR_IO, "cannot encrypt %s into %s: %s", s->name,
	    attach_dir(s->at), strerror(errno));
	return (-1);
}

/* The file is as it was when its SHA-256 was taken?  0, or -1 with err. */
static int
seal_unchanged(struct seal *s, struct core_error *err)
{
	struct stat	sb;

	if (fstat(s->in, &sb) != 0 || (uint64_t)sb.st_size != s->size ||
	    s->done != s->size || s->sealing != s->size ||
	    sb.st_mtim.tv_sec != s->mtime.tv_sec ||
	    sb.st_mtim.tv_nsec != s->mtime.tv_nsec) {
		err_set(err, CORE_ERR_IO, "%s changed while it was being "
		    "sent; send it again", s->name);
		return (-1);
	}
	return (0);
}

/*
 * The first pass is over: a file sent or received before needs nothing
 * more; a new one is read again for the second.  1 (done), 0, or -1.
 */
static int
seal_hashed(struct seal *s, struct core_error *err)
{
	s->hashed = 1;
	sha256_final(s->h, s->psha);
	if ((s->reuse = attach_sent_before(s->at, s->psha)) != NULL) {
		s->sealing = s->done;
		s->finished = 1;
		return (1);
	}
	if (lseek(s->in, 0, SEEK_SET) == -1)
		return (seal_fail(s, err));
	return (0);
}

/* The second pass is over: the last of zstd and the final chunk. */
static int
seal_finish(struct seal *s, struct core_error *err)
{
	if (seal_push(s->m, s->z, s->zbuf, s->zlen, NULL, 0, 1) != 0 ||
	    media_push_final(s->m, s->bsha, &s->sealed) != 0)
		return (seal_fail(s, err));
	if (seal_unchanged(s, err) != 0)
		return (-1);
	s->finished = 1;
	return (1);
}

/* n more bytes of the file in buf, in whichever pass. */
static int
seal_take(struct seal *s, size_t n, struct core_error *err)
{
	if (!s->hashed) {
		sha256_update(s->h, s->buf, n);
		s->done += n;
		return (0);
	}
	if (!s->started)
		seal_decide(s, s->buf, n);
	s->sealing += n;
	if (s->sealing > s->size ||
	    seal_push(s->m, s->z, s->zbuf, s->zlen, s->buf, n, 0) != 0)
		return (s->sealing > s->size ? seal_unchanged(s, err) :
		    seal_fail(s, err));
	return (0);
}

int
seal_step(struct seal *s, size_t budget, struct core_error *err)
{
	ssize_t	n;
	size_t	took = 0;
	int	rc;

	while (!s->finished && took < budget) {
		n = read(s->in, s->buf, SEAL_READBUF);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return (seal_fail(s, err));
		if (n == 0 && !s->hashed) {
			if ((rc = seal_hashed(s, err)) != 0)
				return (rc);
			continue;
		}
		if (n == 0)
			return (seal_finish(s, err));
		if (seal_take(s, (size_t)n, err) != 0)
			return (-1);
		took += (size_t)n;
	}
	return (s->finished ? 1 : 0);
}

int
seal_end(struct seal *s, Natter__Attachment **out, struct core_error *err)
{
	Natter__Attachment	 a = NATTER__ATTACHMENT__INIT;
	Natter__Attachment	*old;
	char			 hex[SHA256_HEXBYTES];

	*out = NULL;
	if ((old = s->reuse) != NULL) {
		/* Sent or received before: its key and blob again. */
		old->name = s->name;
		old->mime = s->mime;
		old->caption = s->caption;
		*out = attach_copy(old);
		old->name = old->mime = old->caption = NULL;
		return (0);
	}
	a.media_key.data = s->key;
	a.media_key.len = sizeof s->key;
	a.plain_sha256.data = s->psha;
	a.plain_sha256.len = sizeof s->psha;
	a.blob_sha256.data = s->bsha;
	a.blob_sha256.len = sizeof s->bsha;
	a.size = s->done;
	a.blob_size = MEDIA_BLOBSIZE(s->sealed);
	a.compression = s->z != NULL;
	a.name = s->name;
	a.mime = s->mime;
	a.caption = s->caption;
	hex_encode(hex, s->bsha, sizeof s->bsha);
	if (rename(s->tmp, attach_blob_path(s->at, hex)) != 0 ||
	    attach_remember(s->at, &a) != 0) {
		err_set(err, CORE_ERR_IO, "cannot keep the encrypted file in %s",
		    attach_dir(s->at));
		return (-1);
	}
	s->tmp[0] = '\0';
	*out = attach_copy(&a);
	return (0);
}
