/* wire: encode and decode natter Frames (shared/proto/natter.proto). */
#include <string.h>

#include "shared/proto/wire.h"

Natter__Frame *
wire_decode(const uint8_t *data, size_t len, size_t maxlen)
{
	Natter__Frame	*f;

	if (len == 0 || len > maxlen)
		return (NULL);
	f = natter__frame__unpack(NULL, len, data);
	if (f == NULL)
		return (NULL);
	if (f->body_case == NATTER__FRAME__BODY__NOT_SET) {
		natter__frame__free_unpacked(f, NULL);
		return (NULL);
	}
	return (f);
}

void
wire_free(Natter__Frame *f)
{
	if (f != NULL)
		natter__frame__free_unpacked(f, NULL);
}

size_t
wire_size(const Natter__Frame *f)
{
	return (natter__frame__get_packed_size(f));
}

size_t
wire_encode(const Natter__Frame *f, uint8_t *out, size_t outcap)
{
	size_t	len = natter__frame__get_packed_size(f);

	if (len > outcap)
		return (0);
	return (natter__frame__pack(f, out));
}

int
wire_name_valid(const char *name)
{
	size_t	i, len = strlen(name);

	if (len == 0 || len > WIRE_NAME_MAX)
		return (0);
	for (i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_' || c == '-'))
			return (0);
	}
	return (1);
}
