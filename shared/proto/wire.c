/* wire: encode and decode natter Frames (shared/proto/natter.proto). */
#include <string.h>

#include "shared/proto/wire.h"

#define WIRE_MAXDEPTH	16

/*
 * protobuf-c accepts field number 0 when the tag is written in more than
 * one byte and keeps it as an unknown field, which it then encodes in a
 * form it rejects: a frame that decodes would not decode again once
 * re-encoded. Field 0 is invalid protobuf, so refuse it at any depth.
 */
static int
wire_fields_ok(const ProtobufCMessage *m, int depth)
{
	const ProtobufCFieldDescriptor	*fd;
	const char			*base = (const char *)m;
	ProtobufCMessage * const	*v;
	size_t				 n, i, k;

	if (depth > WIRE_MAXDEPTH)
		return (0);
	for (i = 0; i < m->n_unknown_fields; i++)
		if (m->unknown_fields[i].tag == 0)
			return (0);
	for (i = 0; i < m->descriptor->n_fields; i++) {
		fd = &m->descriptor->fields[i];
		if (fd->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		if ((fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
		    *(const uint32_t *)(base + fd->quantifier_offset) != fd->id)
			continue;
		v = (ProtobufCMessage * const *)(base + fd->offset);
		n = 1;
		if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
			n = *(const size_t *)(base + fd->quantifier_offset);
			v = *(ProtobufCMessage * const * const *)v;
		}
		for (k = 0; k < n; k++)
			if (v[k] != NULL && !wire_fields_ok(v[k], depth + 1))
				return (0);
	}
	return (1);
}

int
wire_message_valid(const ProtobufCMessage *m)
{
	return (wire_fields_ok(m, 0));
}

Natter__Frame *
wire_decode(const uint8_t *data, size_t len, size_t maxlen)
{
	Natter__Frame	*f;

	if (len == 0 || len > maxlen)
		return (NULL);
	f = natter__frame__unpack(NULL, len, data);
	if (f == NULL)
		return (NULL);
	if (f->body_case == NATTER__FRAME__BODY__NOT_SET ||
	    !wire_fields_ok(&f->base, 0)) {
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
