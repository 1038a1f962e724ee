/* directory: which connection serves each online (account, device). */
#ifndef NATTER_DIRECTORY_H
#define NATTER_DIRECTORY_H

#include <stddef.h>
#include <stdint.h>

struct session;

/* Map (account, device) to s, returning the session it replaces or NULL.
 * The directory does not own sessions. */
struct session	*directory_add(int64_t account, uint32_t device,
		     struct session *s);
/* The session of (account, device), or NULL when it is offline. */
struct session	*directory_find(int64_t account, uint32_t device);
/* Forget (account, device) if it maps to s. */
void		 directory_remove(int64_t account, uint32_t device,
		     struct session *s);
/* Online devices. */
size_t		 directory_count(void);
/* Free the table (sessions untouched). */
void		 directory_clear(void);

#endif
