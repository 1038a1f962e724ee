/* wire: encode and decode natter Frames (shared/proto/natter.proto). */
#ifndef NATTER_SHARED_PROTO_WIRE_H
#define NATTER_SHARED_PROTO_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "shared/proto/natter.pb-c.h"

#define WIRE_NONCEBYTES		32
#define WIRE_MESSAGEIDBYTES	16
#define WIRE_NAME_MAX		32

/* Decode one frame of at most maxlen bytes. Returns NULL for anything that
 * is not a well-formed Frame with a body. Free with wire_free(). */
Natter__Frame	*wire_decode(const uint8_t *, size_t len, size_t maxlen);
void		 wire_free(Natter__Frame *);

/* 0 if a decoded message (any type) has field number 0 at any depth:
 * protobuf-c takes it but cannot encode it again.  wire_decode checks
 * frames; other decoders of untrusted bytes call this. */
int		 wire_message_valid(const ProtobufCMessage *);

/* Encode frame into out (capacity outcap, e.g. with LWS_PRE headroom
 * reserved by the caller); returns the length, or 0 if it does not fit. */
size_t		 wire_encode(const Natter__Frame *, uint8_t *out, size_t outcap);
/* The encoded size of frame. */
size_t		 wire_size(const Natter__Frame *);

/* 1 if name is a valid account name: [a-z0-9._-]{1,32}. */
int		 wire_name_valid(const char *);

#endif
