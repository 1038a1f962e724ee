/* uploadsink: where an upload's body goes on a worker thread: written to the partial through a descriptor of its own, hashed, handed to the disk as it comes. */
#ifndef NATTER_SERVER_UPLOADSINK_H
#define NATTER_SERVER_UPLOADSINK_H

#include <stddef.h>
#include <stdint.h>

#include "shared/util/dropbehind.h"

/* The loop reads it only while the feed that eats into it is idle. */
struct uploadsink {
	int			 fd;
	uint64_t		 at;	/* the next byte's offset */
	struct sha256		*md;	/* NULL: the file is hashed at the end */
	struct dropbehind	 db;
	int			 error;	/* errno of a failed write */
};

/* For the partial open as fd (duplicated), from byte at; hashed as it
 * goes when at is 0.  NULL (errno set) if fd cannot be duplicated. */
struct uploadsink	*uploadsink_new(int fd, uint64_t at);
/* A feed_eat_fn, on a worker: write and hash; -1 (error set) if the
 * write failed. */
int			 uploadsink_eat(void *, const uint8_t *, size_t);
/* feed_free's release: closes the descriptor, frees. */
void			 uploadsink_free(void *);

#endif
