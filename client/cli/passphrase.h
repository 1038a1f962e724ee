/* passphrase: where the profile's passphrase comes from (environment, file, terminal prompt). */
#ifndef NATTER_CLIENT_CLI_PASSPHRASE_H
#define NATTER_CLIENT_CLI_PASSPHRASE_H

#include <stddef.h>

/* Longest passphrase accepted, in bytes. */
#define PASSPHRASE_MAX	1024

/*
 * Get the passphrase: $NATTER_PASSPHRASE, else the first line of file
 * (if not NULL), else a no-echo prompt on /dev/tty (asked twice when
 * confirm is set), else fail.  The result is in guarded memory
 * (sodium_malloc): release it with passphrase_free.  0, or -1 with a
 * sentence for the user in errbuf.
 */
int	passphrase_get(const char *file, int confirm, char **pass,
	    size_t *len, char *errbuf, size_t errlen)
	    __attribute__((warn_unused_result));

/* Wipe and free; NULL is a no-op. */
void	passphrase_free(char *);

#endif
