/* sealname: a file's name fit to show and to save, and its MIME type, for sending it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client/core/attach.h"
#include "client/core/sealname.h"
#include "shared/util/xmalloc.h"

#define SEALNAME_MIME_TYPES	"/etc/mime.types"

/* The MIME type of name by its extension, from Debian's /etc/mime.types. */
void
sealname_mime(const char *name, char *out, size_t outlen)
{
	const char	*ext = strrchr(name, '.');
	char		 line[1024], *p, *type, *w, *save;
	FILE		*f;

	snprintf(out, outlen, "application/octet-stream");
	if (ext == NULL || ext[1] == '\0' ||
	    (f = fopen(SEALNAME_MIME_TYPES, "r")) == NULL)
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
char *
sealname_clean(const char *path)
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
