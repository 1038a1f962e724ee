/* blobstore: the asset service's files: blobs, partial uploads, the key. */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "server/blobstore.h"
#include "server/httpreq.h"
#include "shared/util/log.h"
#include "shared/util/xmalloc.h"

struct blobstore {
	char	*dir;
	uint8_t	 key[ASSETTOKEN_KEYBYTES];
};

static int
blobstore_mkdir(const char *path)
{
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return (-1);
	return (0);
}

/* fsync the directory at path: 0 or -1. */
static int
blobstore_sync_dir(const char *path)
{
	int	fd, rc;

	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return (-1);
	rc = fsync(fd);
	close(fd);
	return (rc);
}

/* Read the key at path: 0, 1 when there is none, or -1 with *err set. */
static int
blobstore_read_key(struct blobstore *bs, const char *path, char **err)
{
	ssize_t	n;
	int	fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (errno == ENOENT ? 1 : -1);
	n = read(fd, bs->key, sizeof bs->key);
	close(fd);
	if (n == (ssize_t)sizeof bs->key)
		return (0);
	xasprintf(err, "%s: not a %zu-byte key; delete it to make a new one",
	    path, sizeof bs->key);
	return (-1);
}

/*
 * Read the key, or make one. Nodes sharing the directory may start at
 * once, and all must end up with the same key: each writes its own
 * temporary file (named by its pid), syncs it and link(2)s it into place,
 * which fails for all but the first; the others read the winner's. (A
 * file system without hard links gets a rename: there, nodes must not
 * make the key at the same moment.) A crash never leaves a short key.
 * 0 or -1.
 */
static int
blobstore_load_key(struct blobstore *bs, char **err)
{
	char	*path, *tmp;
	ssize_t	 n = -1;
	int	 fd, rc;

	xasprintf(&path, "%s/token.key", bs->dir);
	if ((rc = blobstore_read_key(bs, path, err)) != 1) {
		if (rc == -1 && *err == NULL)
			xasprintf(err, "cannot read %s: %s", path,
			    strerror(errno));
		free(path);
		return (rc);
	}
	randombytes_buf(bs->key, sizeof bs->key);
	xasprintf(&tmp, "%s.%ld.tmp", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd != -1) {
		n = write(fd, bs->key, sizeof bs->key);
		if (fsync(fd) != 0)
			n = -1;
		close(fd);
	}
	rc = -1;
	if (n == (ssize_t)sizeof bs->key) {
		if (link(tmp, path) == 0)
			rc = blobstore_sync_dir(bs->dir);
		else if (errno == EEXIST)	/* another node's is in */
			rc = blobstore_read_key(bs, path, err);
		else if ((errno == EPERM || errno == EOPNOTSUPP) &&
		    rename(tmp, path) == 0)	/* no hard links here */
			rc = blobstore_sync_dir(bs->dir);
	}
	if (rc != 0 && *err == NULL)
		xasprintf(err, "cannot write %s: %s", path, strerror(errno));
	unlink(tmp);
	free(tmp);
	free(path);
	return (rc == 0 ? 0 : -1);
}

struct blobstore *
blobstore_open(const char *dir, char **err)
{
	struct blobstore	*bs = xcalloc(1, sizeof *bs);
	char			*blobs, *partial;
	int			 rc;

	*err = NULL;
	bs->dir = xstrdup(dir);
	xasprintf(&blobs, "%s/blobs", dir);
	xasprintf(&partial, "%s/partial", dir);
	rc = blobstore_mkdir(dir) != 0 || blobstore_mkdir(blobs) != 0 ||
	    blobstore_mkdir(partial) != 0;
	free(blobs);
	free(partial);
	if (rc) {
		xasprintf(err, "cannot create the asset directories in %s: %s",
		    dir, strerror(errno));
		blobstore_free(bs);
		return (NULL);
	}
	if (blobstore_load_key(bs, err) != 0) {
		blobstore_free(bs);
		return (NULL);
	}
	return (bs);
}

void
blobstore_free(struct blobstore *bs)
{
	if (bs == NULL)
		return;
	sodium_memzero(bs->key, sizeof bs->key);
	free(bs->dir);
	free(bs);
}

const uint8_t *
blobstore_key(const struct blobstore *bs)
{
	return (bs->key);
}

char *
blobstore_blob_path(const struct blobstore *bs, const char *id)
{
	char	*path;

	xasprintf(&path, "%s/blobs/%.2s/%s", bs->dir, id, id);
	return (path);
}

char *
blobstore_partial_path(const struct blobstore *bs, const char *name,
    uint32_t device, const char *id)
{
	char	*path;

	xasprintf(&path, "%s/partial/%s.%u.%s", bs->dir, name, device, id);
	return (path);
}

int
blobstore_open_blob(const struct blobstore *bs, const char *id,
    uint64_t *size)
{
	struct stat	 sb;
	char		*path = blobstore_blob_path(bs, id);
	int		 fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd == -1)
		return (-1);
	if (fstat(fd, &sb) != 0) {
		close(fd);
		return (-1);
	}
	*size = (uint64_t)sb.st_size;
	return (fd);
}

int
blobstore_partial_open(const char *path, int truncate)
{
	struct stat	fsb, psb;
	int		fd, tries, saved;

	for (tries = 0; tries < 8; tries++) {
		if ((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC,
		    0600)) == -1)
			return (-1);
		if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
			saved = errno == EWOULDBLOCK ? EBUSY : errno;
			close(fd);
			errno = saved;
			return (-1);
		}
		/* Between the open and the lock, the writer that held it
		 * may have committed the file (renamed it into blobs/) or
		 * deleted it: then this is not the partial any more. */
		if (fstat(fd, &fsb) == 0 && stat(path, &psb) == 0 &&
		    fsb.st_dev == psb.st_dev && fsb.st_ino == psb.st_ino)
			break;
		close(fd);
		fd = -1;
	}
	if (fd == -1) {
		errno = EBUSY;
		return (-1);
	}
	if (truncate && ftruncate(fd, 0) != 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return (-1);
	}
	return (fd);
}

uint64_t
blobstore_partial_size(const char *path)
{
	struct stat	sb;

	if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
		return (0);
	return ((uint64_t)sb.st_size);
}

int
blobstore_commit(const struct blobstore *bs, const char *path,
    const char *id)
{
	char	*sub, *blob, *blobs, *partial;
	int	 fd, rc = -1, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	if (fsync(fd) != 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return (-1);
	}
	close(fd);
	xasprintf(&blobs, "%s/blobs", bs->dir);
	xasprintf(&partial, "%s/partial", bs->dir);
	xasprintf(&sub, "%s/%.2s", blobs, id);
	blob = blobstore_blob_path(bs, id);
	/* A new XX directory is an entry of blobs/: sync both. */
	if (blobstore_mkdir(sub) == 0 && rename(path, blob) == 0 &&
	    blobstore_sync_dir(sub) == 0 && blobstore_sync_dir(blobs) == 0)
		rc = blobstore_sync_dir(partial);
	saved = errno;
	free(sub);
	free(blob);
	free(blobs);
	free(partial);
	errno = saved;
	return (rc);
}

int
blobstore_remove_blob(const struct blobstore *bs, const char *id)
{
	char	*path = blobstore_blob_path(bs, id);
	int	 rc;

	rc = unlink(path) == 0 || errno == ENOENT ? 0 : -1;
	free(path);
	return (rc);
}

size_t
blobstore_purge_partials(const struct blobstore *bs, int64_t before_s)
{
	struct dirent	*de;
	struct stat	 sb;
	DIR		*d;
	char		*dir;
	size_t		 n = 0;
	int		 fd;

	xasprintf(&dir, "%s/partial", bs->dir);
	if ((d = opendir(dir)) == NULL) {
		free(dir);
		return (0);
	}
	fd = dirfd(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    fstatat(fd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(sb.st_mode) || (int64_t)sb.st_mtime >= before_s)
			continue;
		if (unlinkat(fd, de->d_name, 0) == 0)
			n++;
	}
	closedir(d);
	free(dir);
	return (n);
}

/* Each blob in the directory blobs/sub. */
static void
blobstore_foreach_sub(const char *path, void (*fn)(const char *, uint64_t,
    void *), void *arg)
{
	struct dirent	*de;
	struct stat	 sb;
	DIR		*d;

	if ((d = opendir(path)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (!httpreq_blob_id(de->d_name) ||
		    fstatat(dirfd(d), de->d_name, &sb, 0) != 0 ||
		    !S_ISREG(sb.st_mode))
			continue;
		fn(de->d_name, (uint64_t)sb.st_size, arg);
	}
	closedir(d);
}

void
blobstore_foreach(const struct blobstore *bs, void (*fn)(const char *,
    uint64_t, void *), void *arg)
{
	struct dirent	*de;
	DIR		*d;
	char		*dir, *sub;

	xasprintf(&dir, "%s/blobs", bs->dir);
	if ((d = opendir(dir)) == NULL) {
		free(dir);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strlen(de->d_name) != 2 || de->d_name[0] == '.')
			continue;
		xasprintf(&sub, "%s/%s", dir, de->d_name);
		blobstore_foreach_sub(sub, fn, arg);
		free(sub);
	}
	closedir(d);
	free(dir);
}
