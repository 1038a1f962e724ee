/* sealname: a file's name fit to show and to save, and its MIME type, for sending it. */
#ifndef NATTER_CLIENT_CORE_SEALNAME_H
#define NATTER_CLIENT_CORE_SEALNAME_H

#include <stddef.h>

/* The MIME type of name by its extension (Debian's /etc/mime.types), or
 * application/octet-stream, into out. */
void	 sealname_mime(const char *name, char *out, size_t outlen);
/* path's last component, at most ATTACH_NAMEMAX bytes, control bytes and
 * (in a name that is not UTF-8) bytes over 0x7f as '_'; "file" for an
 * empty, "." or ".." name.  The caller frees it. */
char	*sealname_clean(const char *path);

#endif
