/* bgsync: a file being written is fdatasync'd on a libuv worker now and then, so that its final fsync has little left to wait for. */
#include <stdlib.h>
#include <unistd.h>

#include <uv.h>

#include "shared/util/bgsync.h"
#include "shared/util/xmalloc.h"

struct bgsync_job {
	uv_work_t	 work;
	int		 fd;		/* its own: the owner may be gone */
	struct bgsync	*owner;		/* NULL once it is */
};

struct bgsync {
	uv_loop_t		*loop;
	int			 fd;
	uint64_t		 next;	/* sync when written reaches it */
	struct bgsync_job	*job;	/* running */
};

struct bgsync *
bgsync_new(uv_loop_t *loop, int fd)
{
	struct bgsync	*b;

	b = xcalloc(1, sizeof *b);
	b->loop = loop;
	b->next = BGSYNC_STEP;
	if ((b->fd = dup(fd)) == -1) {
		free(b);
		return (NULL);
	}
	return (b);
}

static void
bgsync_run(uv_work_t *w)
{
	struct bgsync_job	*j = w->data;

	(void)fdatasync(j->fd);
}

static void
bgsync_after(uv_work_t *w, int status)
{
	struct bgsync_job	*j = w->data;

	(void)status;
	if (j->owner != NULL)
		j->owner->job = NULL;
	(void)close(j->fd);
	free(j);
}

void
bgsync_advance(struct bgsync *b, uint64_t written)
{
	struct bgsync_job	*j;

	if (b == NULL || written < b->next || b->job != NULL)
		return;
	j = xcalloc(1, sizeof *j);
	j->work.data = j;
	j->owner = b;
	if ((j->fd = dup(b->fd)) == -1) {
		free(j);
		return;
	}
	if (uv_queue_work(b->loop, &j->work, bgsync_run, bgsync_after) != 0) {
		(void)close(j->fd);
		free(j);
		return;
	}
	b->job = j;
	b->next = written + BGSYNC_STEP;
}

void
bgsync_free(struct bgsync *b)
{
	if (b == NULL)
		return;
	if (b->job != NULL)
		b->job->owner = NULL;
	(void)close(b->fd);
	free(b);
}
