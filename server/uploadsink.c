/* uploadsink: where an upload's body goes on a worker thread: written to the partial through a descriptor of its own, hashed, handed to the disk as it comes. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "server/uploadsink.h"
#include "shared/crypto/sha256.h"
#include "shared/util/xmalloc.h"

/* For tests only: $NATTERD_TEST_WRITE_DELAY_MS, a slow disk (ms a piece). */
static unsigned
uploadsink_test_delay_ms(void)
{
	static int		 read;
	static unsigned		 ms;
	const char		*e;

	if (!read) {
		read = 1;
		if ((e = getenv("NATTERD_TEST_WRITE_DELAY_MS")) != NULL)
			ms = (unsigned)strtoul(e, NULL, 10) % 10000;
	}
	return (ms);
}

struct uploadsink *
uploadsink_new(int fd, uint64_t at)
{
	struct uploadsink	*k;

	k = xcalloc(1, sizeof *k);
	if ((k->fd = dup(fd)) == -1) {
		free(k);
		return (NULL);
	}
	(void)uploadsink_test_delay_ms();	/* read here, on the loop */
	k->at = at;
	if (at == 0)
		k->md = sha256_new();
	dropbehind_write(&k->db, k->fd, at);
	return (k);
}

int
uploadsink_eat(void *arg, const uint8_t *p, size_t len)
{
	struct uploadsink	*k = arg;
	ssize_t			 n;
	unsigned		 delay = uploadsink_test_delay_ms();

	if (delay > 0)
		(void)usleep(delay * 1000);
	if (k->md != NULL)
		sha256_update(k->md, p, len);
	while (len > 0) {
		n = pwrite(k->fd, p, len, (off_t)k->at);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			k->error = errno;
			return (-1);
		}
		p += n;
		len -= (size_t)n;
		k->at += (uint64_t)n;
	}
	dropbehind_advance(&k->db, k->at);
	return (0);
}

void
uploadsink_free(void *arg)
{
	struct uploadsink	*k = arg;

	(void)close(k->fd);
	sha256_free(k->md);
	free(k);
}
