/* seal: a file encrypted into the profile for sending, on worker threads while the loop keeps turning.
 *
 * Three lanes run side by side on libuv's thread pool:
 *
 * - the file's SHA-256 (one job that reads the file itself): a file sent
 *   or received before is known by it, and then the other lanes stop and
 *   its key and blob serve again;
 * - the cipher (a feed): zstd when it helps, then XChaCha20-Poly1305
 *   secretstream, on the bytes the loop reads;
 * - the blob (a feed): what the cipher wrote, hashed (the blob's id) and
 *   written to a temporary file in HOME/files.
 *
 * The loop reads the file and moves the cipher's output to the blob lane
 * between the cipher's buffers; it reads no more while either feed is
 * full, so a few MiB are in flight at most.  The cipher lane starts with
 * a fresh key before the hash says whether the file is new: for a new
 * file nothing waits for the hash, and for a file sent before the work
 * is thrown away. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <uv.h>
#include <zstd.h>

#include "client/core/attach.h"
#include "client/core/err.h"
#include "client/core/seal.h"
#include "client/core/sealname.h"
#include "shared/crypto/media.h"
#include "shared/crypto/sha256.h"
#include "shared/util/feed.h"
#include "shared/util/hex.h"
#include "shared/util/xmalloc.h"

#define SEAL_READBUF		(1024 * 1024)
#define SEAL_SAMPLE		(128 * 1024)	/* tried with zstd first */
#define SEAL_ZSTD_LEVEL		3
#define SEAL_REPORT		(8 * 1024 * 1024)	/* progress this often */

struct seal {
	uv_loop_t		*loop;
	struct attach		*at;
	int			 in;		/* the file */
	uint64_t		 size;
	struct timespec		 mtime;		/* the file's, at the start */
	char			*name, *caption;
	char			 mime[ATTACH_MIMEMAX + 1];
	int			 refs;		/* the owner, lanes, the job */
	int			 freed;

	/* The hash lane: a job; the loop reads its fields after it. */
	uv_work_t		 job;
	struct sha256		*h;
	atomic_int		 cancel;
	atomic_uint_least64_t	 hashed;	/* bytes so far */
	int			 hash_errno;
	int			 hash_done;
	uint8_t			 psha[SHA256_BYTES];
	Natter__Attachment	*reuse;		/* sent before: its pointer */

	/* The loop's reading. */
	uint8_t			*buf;
	uint64_t		 sealing;	/* bytes read into the cipher */
	int			 eof;

	/* The cipher lane (the worker's while it eats). */
	struct feed		*cipher;
	struct media_stream	*m;
	ZSTD_CCtx		*z;		/* NULL: not compressed */
	uint8_t			*zbuf;
	size_t			 zlen;
	uint8_t			 key[MEDIA_KEYBYTES];
	uint8_t			*sout;		/* the cipher's output */
	size_t			 soutlen, soutsize;
	uint64_t		 sealed;	/* plaintext bytes into it */
	int			 closed;	/* the final chunk is out */

	/* The blob lane (the worker's while it eats). */
	struct feed		*blob;
	int			 out;		/* the temporary blob */
	char			 tmp[PATH_MAX];
	struct sha256		*bh;
	int			 out_errno;
	int			 blob_done;
	uint8_t			 bsha[SHA256_BYTES];

	seal_progress_cb	*progress;
	seal_done_cb		*done;
	void			*arg;
	int			 told;		/* done was called */
	uint64_t		 reported;
};

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

/* The cipher's output, collected for the blob lane (on the worker). */
static int
seal_collect(void *arg, const uint8_t *p, size_t n)
{
	struct seal	*s = arg;

	if (s->soutlen + n > s->soutsize) {
		s->soutsize = s->soutlen + n + SEAL_READBUF;
		s->sout = xrealloc(s->sout, s->soutsize);
	}
	memcpy(s->sout + s->soutlen, p, n);
	s->soutlen += n;
	return (0);
}

/* The cipher lane: plaintext in, through zstd and the cipher. */
static int
seal_cipher_eat(void *arg, const uint8_t *p, size_t n)
{
	struct seal	*s = arg;

	return (seal_push(s->m, s->z, s->zbuf, s->zlen, p, n, 0));
}

/* The blob lane: written and hashed. */
static int
seal_blob_eat(void *arg, const uint8_t *p, size_t n)
{
	struct seal	*s = arg;

	if (attach_write(s->out, p, n) != 0) {
		s->out_errno = errno != 0 ? errno : EIO;
		return (-1);
	}
	sha256_update(s->bh, p, n);
	return (0);
}

/* The hash lane: the whole file, read on its own (on the worker). */
static void
seal_hash_job(uv_work_t *w)
{
	struct seal	*s = w->data;
	uint8_t		*buf = xmalloc(SEAL_READBUF);
	uint64_t	 off = 0;
	ssize_t		 n;

	while (!atomic_load(&s->cancel)) {
		n = pread(s->in, buf, SEAL_READBUF, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			s->hash_errno = errno;
		if (n <= 0)
			break;
		sha256_update(s->h, buf, (size_t)n);
		off += (uint64_t)n;
		atomic_store(&s->hashed, off);
	}
	sodium_memzero(buf, SEAL_READBUF);
	free(buf);
}

static void
seal_really_free(struct seal *s)
{
	if (s->tmp[0] != '\0')
		(void)unlink(s->tmp);
	if (s->in != -1)
		(void)close(s->in);
	if (s->out != -1)
		(void)close(s->out);
	media_stream_free(s->m);
	sha256_free(s->h);
	sha256_free(s->bh);
	if (s->reuse != NULL)
		natter__attachment__free_unpacked(s->reuse, NULL);
	ZSTD_freeCCtx(s->z);
	if (s->buf != NULL)
		sodium_memzero(s->buf, SEAL_READBUF);
	free(s->buf);
	if (s->zbuf != NULL)
		sodium_memzero(s->zbuf, s->zlen);
	free(s->zbuf);
	free(s->sout);
	free(s->name);
	free(s->caption);
	sodium_memzero(s->key, sizeof s->key);
	free(s);
}

/* One holder let go: the owner, a lane (feed_free's release) or the job. */
static void
seal_unref(void *arg)
{
	struct seal	*s = arg;

	if (--s->refs == 0)
		seal_really_free(s);
}

struct seal *
seal_begin(uv_loop_t *loop, struct attach *at, const char *path,
    const char *caption, struct core_error *err)
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
	s->loop = loop;
	s->at = at;
	s->in = fd;
	s->out = -1;
	s->refs = 1;
	s->size = (uint64_t)sb.st_size;
	s->mtime = sb.st_mtim;
	snprintf(s->tmp, sizeof s->tmp, "%s/.send.XXXXXX", attach_dir(at));
	if (attach_mkdir(at) != 0 || (s->out = mkstemp(s->tmp)) == -1) {
		err_set(err, CORE_ERR_IO, "cannot write in %s: %s",
		    attach_dir(at), strerror(errno));
		s->tmp[0] = '\0';
		seal_really_free(s);
		return (NULL);
	}
	s->name = sealname_clean(path);
	sealname_mime(s->name, s->mime, sizeof s->mime);
	s->caption = xstrdup(caption != NULL ? caption : "");
	s->h = sha256_new();
	s->bh = sha256_new();
	s->buf = xmalloc(SEAL_READBUF);
	media_keygen(s->key);
	/* The header goes to sout now; the blob lane hashes the blob. */
	s->m = media_push_start(s->key, seal_collect, s);
	media_push_unhashed(s->m);
	return (s);
}

void
seal_free(struct seal *s)
{
	if (s == NULL)
		return;
	s->freed = 1;
	atomic_store(&s->cancel, 1);
	if (s->cipher != NULL)
		feed_free(s->cipher, seal_unref);
	if (s->blob != NULL)
		feed_free(s->blob, seal_unref);
	s->cipher = s->blob = NULL;
	seal_unref(s);		/* the job, if running, holds one more */
}

uint64_t
seal_done(struct seal *s)
{
	return ((atomic_load(&s->hashed) + s->sealing) / 2);	/* two lanes */
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
	if (!seal_compresses(p, n < SEAL_SAMPLE ? n : SEAL_SAMPLE))
		return;
	s->z = ZSTD_createCCtx();
	ZSTD_CCtx_setParameter(s->z, ZSTD_c_compressionLevel, SEAL_ZSTD_LEVEL);
	s->zlen = ZSTD_CStreamOutSize();
	s->zbuf = xmalloc(s->zlen);
}

/* done, once, with err (NULL: sealed or sent before). */
static void
seal_tell(struct seal *s, const struct core_error *err)
{
	if (s->told)
		return;
	s->told = 1;
	atomic_store(&s->cancel, 1);
	s->done(s->arg, err);
}

static void
seal_fail(struct seal *s, int error)
{
	struct core_error	err;

	err_set(&err, CORE_ERR_IO, "cannot encrypt %s into %s: %s", s->name,
	    attach_dir(s->at), strerror(error));
	seal_tell(s, &err);
}

/* The file is as it was when sending began?  0, or told. */
static int
seal_unchanged(struct seal *s)
{
	struct core_error	err;
	struct stat		sb;

	if (fstat(s->in, &sb) != 0 || (uint64_t)sb.st_size != s->size ||
	    atomic_load(&s->hashed) != s->size || s->sealing != s->size ||
	    sb.st_mtim.tv_sec != s->mtime.tv_sec ||
	    sb.st_mtim.tv_nsec != s->mtime.tv_nsec) {
		err_set(&err, CORE_ERR_IO, "%s changed while it was being "
		    "sent; send it again", s->name);
		seal_tell(s, &err);
		return (-1);
	}
	return (0);
}

static void
seal_report(struct seal *s)
{
	uint64_t	now = seal_done(s);

	if (s->progress != NULL && !s->told && !s->freed &&
	    now >= s->reported + SEAL_REPORT) {
		s->reported = now;
		s->progress(s->arg);
	}
}

static void	seal_check(struct seal *);

/* Read the file into the cipher lane while both lanes have room. */
static void
seal_pump(struct seal *s)
{
	ssize_t	n;

	while (!s->told && !s->freed && !s->eof && !feed_full(s->cipher) &&
	    !feed_full(s->blob)) {
		n = pread(s->in, s->buf, SEAL_READBUF, (off_t)s->sealing);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			seal_fail(s, errno);
			return;
		}
		if (n == 0 || s->sealing + (uint64_t)n > s->size) {
			s->eof = 1;
			feed_flush(s->cipher);
			break;
		}
		if (s->sealing == 0)
			seal_decide(s, s->buf, (size_t)n);
		s->sealing += (uint64_t)n;
		if (feed_put(s->cipher, s->buf, (size_t)n) != 0)
			break;		/* seal_check says why */
	}
	seal_report(s);
}

/* The cipher ate a buffer: its output to the blob lane. */
static void
seal_cipher_ate(void *arg)
{
	struct seal	*s = arg;

	if (s->soutlen > 0 && feed_put(s->blob, s->sout, s->soutlen) == 0)
		s->soutlen = 0;
}

/* All plaintext through: the final chunk, on the loop (the lane is idle). */
static void
seal_close(struct seal *s)
{
	s->closed = 1;
	if (seal_push(s->m, s->z, s->zbuf, s->zlen, NULL, 0, 1) != 0 ||
	    media_push_final(s->m, NULL, &s->sealed) != 0) {
		seal_fail(s, EIO);
		return;
	}
	if (feed_put(s->blob, s->sout, s->soutlen) == 0)
		s->soutlen = 0;
	feed_flush(s->blob);
}

/* Where the lanes are: the next step, or done. */
static void
seal_check(struct seal *s)
{
	if (s->told || s->freed)
		return;
	if (feed_failed(s->blob)) {
		seal_fail(s, s->out_errno != 0 ? s->out_errno : EIO);
		return;
	}
	if (feed_failed(s->cipher)) {
		seal_fail(s, EIO);	/* zstd or the cipher refused */
		return;
	}
	if (s->hash_done && s->reuse != NULL) {
		seal_tell(s, NULL);	/* sent before: the lanes stop */
		return;
	}
	if (s->eof && !s->closed && feed_idle(s->cipher)) {
		seal_close(s);
		if (s->told)	/* failed: done may have freed the lanes */
			return;
	}
	if (s->closed && !s->blob_done && feed_idle(s->blob) &&
	    s->soutlen == 0) {
		s->blob_done = 1;
		sha256_final(s->bh, s->bsha);
	}
	if (s->hash_done && s->blob_done && seal_unchanged(s) == 0)
		seal_tell(s, NULL);
}

static void
seal_hash_after(uv_work_t *w, int status)
{
	struct seal	*s = w->data;

	if (s->freed) {
		seal_unref(s);
		return;
	}
	if (status != 0 || s->hash_errno != 0) {
		seal_fail(s, s->hash_errno != 0 ? s->hash_errno : EIO);
		seal_unref(s);
		return;
	}
	s->hash_done = 1;
	sha256_final(s->h, s->psha);
	s->reuse = attach_sent_before(s->at, s->psha);
	seal_check(s);
	seal_unref(s);
}

static void
seal_lane_ready(void *arg)
{
	struct seal	*s = arg;

	s->refs++;		/* done may free it */
	seal_pump(s);
	seal_check(s);
	seal_unref(s);
}

void
seal_run(struct seal *s, seal_progress_cb *progress, seal_done_cb *done,
    void *arg)
{
	s->progress = progress;
	s->done = done;
	s->arg = arg;
	s->cipher = feed_new(s->loop, seal_cipher_eat, s, seal_lane_ready, s);
	feed_on_eaten(s->cipher, seal_cipher_ate);
	s->blob = feed_new(s->loop, seal_blob_eat, s, seal_lane_ready, s);
	s->refs += 2;			/* each feed's release */
	s->job.data = s;
	if (uv_queue_work(s->loop, &s->job, seal_hash_job,
	    seal_hash_after) != 0) {
		seal_fail(s, EAGAIN);
		return;
	}
	s->refs++;
	seal_lane_ready(s);
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
	a.size = s->size;
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
