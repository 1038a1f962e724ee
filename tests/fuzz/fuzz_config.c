/* fuzz_config: the TUI's config file parser (config_parse) on any byte string. */
#include <string.h>

#include "client/tui/config.h"
#include "tests/fuzz/fuzz.h"

static const char *const config_seeds[][2] = {
	{ "defaults", "# natter\ncolors = yes\ntimestamp = %H:%M\n" },
	{ "keys", "send-key = alt-enter\nnotify = osc777\ncolor-own = green\n" },
	{ "bad", "nonsense\n= 3\ncolor-peer = 999\nnotify = bell\n" },
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	fuzz_seed_texts(config_seeds, sizeof config_seeds / sizeof config_seeds[0]);
	return (0);
}

/* Whatever the file, the settings stay in range and an error is described. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	cf;
	char		err[256];
	int		rc;

	config_default(&cf);
	err[0] = '\0';
	rc = config_parse(&cf, (const char *)data, size, err, sizeof err);
	FUZZ_CHECK(rc == 0 || rc == -1);
	FUZZ_CHECK(rc == 0 || err[0] != '\0');
	FUZZ_CHECK(memchr(cf.timefmt, '\0', sizeof cf.timefmt) != NULL);
	FUZZ_CHECK(cf.enter_sends == 0 || cf.enter_sends == 1);
	FUZZ_CHECK(cf.notify >= CONFIG_NOTIFY_NONE &&
	    cf.notify <= CONFIG_NOTIFY_OSC9);
	FUZZ_CHECK(cf.color_own >= -1 && cf.color_peer >= -1 &&
	    cf.color_status >= -1 && cf.color_error >= -1);
	return (0);
}
