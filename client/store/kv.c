/* kv: the profile's settings (the store's sealed kv table): keys, typed getters and setters. */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "client/store/kv.h"
#include "client/store/store.h"

int
kv_get_u32(struct store *st, int key, uint32_t *out)
{
	uint8_t		*v;
	size_t		 len;
	uint32_t	 be;

	if (store_kv_get(st, key, &v, &len) != 0)
		return (-1);
	if (len != sizeof be) {
		free(v);
		return (-1);
	}
	memcpy(&be, v, sizeof be);
	free(v);
	*out = be32toh(be);
	return (0);
}

int
kv_put_u32(struct store *st, int key, uint32_t val)
{
	uint32_t	be = htobe32(val);

	return (store_kv_put(st, key, &be, sizeof be));
}

int
kv_get_u64(struct store *st, int key, uint64_t *out)
{
	uint8_t		*v;
	size_t		 len;
	uint64_t	 be;

	if (store_kv_get(st, key, &v, &len) != 0)
		return (-1);
	if (len != sizeof be) {
		free(v);
		return (-1);
	}
	memcpy(&be, v, sizeof be);
	free(v);
	*out = be64toh(be);
	return (0);
}

int
kv_put_u64(struct store *st, int key, uint64_t val)
{
	uint64_t	be = htobe64(val);

	return (store_kv_put(st, key, &be, sizeof be));
}

char *
kv_get_str(struct store *st, int key)
{
	uint8_t	*v;
	size_t	 len;

	if (store_kv_get(st, key, &v, &len) != 0)
		return (NULL);
	return ((char *)v);	/* the store NUL-terminates */
}
