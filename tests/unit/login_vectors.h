/* login_vectors: reading tests/vectors/login.txt, the signed login message's
 * frozen test vector, for the tests of both sides. */
#ifndef NATTER_TESTS_UNIT_LOGIN_VECTORS_H
#define NATTER_TESTS_UNIT_LOGIN_VECTORS_H

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/proto/login.h"
#include "shared/util/hex.h"

#define LOGIN_VECTORS_MAX	8

struct login_vector {
	char		domain[LOGIN_DOMAINMAX + 1];
	uint8_t		seed[32];
	uint8_t		pk[32];
	uint8_t		nonce[LOGIN_NONCEBYTES];
	char		name[WIRE_NAME_MAX + 1];
	int		has_device;
	uint32_t	device;
	uint8_t		message[LOGIN_MESSAGEMAX];
	size_t		mlen;
	uint8_t		sig[64];
};

static void
login_vectors_text(char *out, size_t size, const char *v)
{
	ck_assert_uint_lt(strlen(v), size);
	strcpy(out, v);
}

static void
login_vectors_field(struct login_vector *lv, const char *key, const char *v)
{
	if (strcmp(key, "domain") == 0)
		login_vectors_text(lv->domain, sizeof lv->domain, v);
	else if (strcmp(key, "seed") == 0)
		ck_assert_int_eq(hex_decode(lv->seed, sizeof lv->seed, v), 0);
	else if (strcmp(key, "pk") == 0)
		ck_assert_int_eq(hex_decode(lv->pk, sizeof lv->pk, v), 0);
	else if (strcmp(key, "nonce") == 0)
		ck_assert_int_eq(hex_decode(lv->nonce, sizeof lv->nonce, v), 0);
	else if (strcmp(key, "name") == 0)
		login_vectors_text(lv->name, sizeof lv->name, v);
	else if (strcmp(key, "device") == 0) {
		lv->has_device = strcmp(v, "-") != 0;
		lv->device = lv->has_device ?
		    (uint32_t)strtoul(v, NULL, 10) : 0;
	} else if (strcmp(key, "message") == 0) {
		lv->mlen = strlen(v) / 2;
		ck_assert_uint_le(lv->mlen, sizeof lv->message);
		ck_assert_int_eq(hex_decode(lv->message, lv->mlen, v), 0);
	} else if (strcmp(key, "sig") == 0)
		ck_assert_int_eq(hex_decode(lv->sig, sizeof lv->sig, v), 0);
	else
		ck_abort_msg("login.txt: unknown key %s", key);
}

/* Read every record (at most LOGIN_VECTORS_MAX) into v; their count. A
 * missing or malformed file fails the calling test. */
static int
login_vectors_read(struct login_vector v[LOGIN_VECTORS_MAX])
{
	const char	*dir = getenv("NATTER_VECTORS");
	char		 path[4096], line[1024], *sp, *nl;
	FILE		*f;
	int		 n = 0, in_record = 0;

	ck_assert_ptr_nonnull(dir);
	snprintf(path, sizeof path, "%s/login.txt", dir);
	ck_assert_msg((f = fopen(path, "r")) != NULL, "cannot open %s", path);
	memset(v, 0, LOGIN_VECTORS_MAX * sizeof *v);
	while (fgets(line, sizeof line, f) != NULL) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		if (line[0] == '#')
			continue;
		if (line[0] == '\0') {
			n += in_record;
			in_record = 0;
			continue;
		}
		ck_assert_int_lt(n, LOGIN_VECTORS_MAX);
		ck_assert_ptr_nonnull(sp = strchr(line, ' '));
		*sp = '\0';
		login_vectors_field(&v[n], line, sp + 1);
		in_record = 1;
	}
	fclose(f);
	return (n + in_record);
}

#endif
