/* fuzz_http: natterd's HTTP request parsers (httpreq.c) and upload tokens. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/assettoken.h"
#include "server/httpreq.h"
#include "tests/fuzz/fuzz.h"

#define HTTP_MAXIN	4096

enum {
	SEL_ID,
	SEL_NUMBER,
	SEL_RANGE,
	SEL_INM,
	SEL_BEARER,
	SEL_TOKEN,
	SEL_N
};

static const uint8_t	http_key[ASSETTOKEN_KEYBYTES] = { 42 };
static char		http_seed_token[ASSETTOKEN_MAXLEN + 1];

#define SEED_ID	"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

static void
http_seed(const char *name, uint8_t sel, const char *text)
{
	fuzz_seed_sel(name, sel, (const uint8_t *)text, strlen(text));
}

static void
http_seeds(void)
{
	http_seed("id", SEL_ID, SEED_ID);
	http_seed("number", SEL_NUMBER, "18446744073709551615");
	http_seed("range-ab", SEL_RANGE, "bytes=0-1023");
	http_seed("range-a", SEL_RANGE, "bytes=512-");
	http_seed("range-n", SEL_RANGE, "bytes=-100");
	http_seed("range-multi", SEL_RANGE, "bytes=0-1,4-9");
	http_seed("inm", SEL_INM, "\"x\", W/\"" SEED_ID "\"");
	http_seed("inm-star", SEL_INM, "*");
	http_seed("bearer", SEL_BEARER, "Bearer alice.1.2000.00ff");
	http_seed("token", SEL_TOKEN, http_seed_token);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	assettoken_make(http_key, "alice", 1, 4000000000LL, http_seed_token,
	    sizeof http_seed_token);
	http_seeds();
	return (0);
}

static void
http_range(const char *s)
{
	static const uint64_t	sizes[] = { 0, 1, 100, 1ULL << 31, UINT64_MAX };
	uint64_t		first, len;
	size_t			i;

	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		if (httpreq_range(s, sizes[i], &first, &len) !=
		    HTTPREQ_RANGE_PART)
			continue;
		/* A range is inside the blob and not empty. */
		FUZZ_CHECK(len >= 1 && first < sizes[i]);
		FUZZ_CHECK(len <= sizes[i] - first);
	}
}

static void
http_number(const char *s)
{
	char		buf[32];
	uint64_t	v, w;

	if (httpreq_number(s, 1000000, &v) == 0)
		FUZZ_CHECK(v <= 1000000);
	if (httpreq_number(s, UINT64_MAX, &v) != 0)
		return;
	snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
	FUZZ_CHECK(httpreq_number(buf, UINT64_MAX, &w) == 0 && w == v);
}

/* Only the token made for it verifies (a 256-bit MAC says so): any
 * other string accepted is a finding. */
static void
http_token(const char *s)
{
	char		name[ASSETTOKEN_MAXNAME + 1];
	uint32_t	device;

	if (assettoken_verify(http_key, s, 0, name, &device) != ASSETTOKEN_OK)
		return;
	FUZZ_CHECK(strcmp(s, http_seed_token) == 0);
	FUZZ_CHECK(strcmp(name, "alice") == 0 && device == 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s, out[HTTPREQ_MAXTOKEN + 1];

	if (size < 1 || size > HTTP_MAXIN)
		return (0);
	s = malloc(size);
	FUZZ_CHECK(s != NULL);
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % SEL_N) {
	case SEL_ID:
		if (httpreq_blob_id(s))
			FUZZ_CHECK(strlen(s) == HTTPREQ_IDLEN);
		break;
	case SEL_NUMBER:
		http_number(s);
		break;
	case SEL_RANGE:
		http_range(s);
		break;
	case SEL_INM:
		(void)httpreq_if_none_match(s, SEED_ID);
		break;
	case SEL_BEARER:
		if (httpreq_bearer(s, out) == 0)
			FUZZ_CHECK(out[0] != '\0' && strstr(s, out) != NULL);
		break;
	default:
		http_token(s);
		break;
	}
	free(s);
	return (0);
}
