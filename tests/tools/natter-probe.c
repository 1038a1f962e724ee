/* natter-probe: a raw natter protocol client for end-to-end tests.
 *
 * usage: natter-probe [-k KEYDIR] [-t SECONDS] HOST:PORT STEP...
 *
 * Runs the steps in order on one WebSocket connection and prints one line
 * per step (codes by name, e.g. "auth OK"). Exit 0 when every step could
 * run, 1 when the connection failed or a wait timed out, 2 on usage. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "shared/proto/wire.h"
#include "shared/util/hex.h"
#include "shared/util/xmalloc.h"
#include "tests/tools/probe.h"
#include "tests/tools/probe_ws.h"

static void
probe_usage(void)
{
	fprintf(stderr, "usage: natter-probe [-k KEYDIR] [-t SECONDS] "
	    "HOST:PORT STEP...\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct probe	 p;
	const char	*keydir = ".";
	char		*host, *colon;
	int		 ch, timeout = 10, port, used, rc = 0;

	while ((ch = getopt(argc, argv, "k:t:")) != -1) {
		switch (ch) {
		case 'k':
			keydir = optarg;
			break;
		case 't':
			timeout = atoi(optarg);
			break;
		default:
			probe_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || (colon = strrchr(argv[0], ':')) == NULL)
		probe_usage();
	if (sodium_init() < 0)
		return (1);
	host = xstrndup(argv[0], (size_t)(colon - argv[0]));
	port = atoi(colon + 1);
	setvbuf(stdout, NULL, _IOLBF, 0);
	probe_group_init(keydir);
	if (probe_open(&p, host, port, keydir, timeout * 1000) != 0)
		return (1);
	argc--;
	argv++;
	while (argc > 0) {
		used = probe_step(&p, argc, argv);
		if (used <= 0) {
			rc = used == 0 ? 2 : 1;
			break;
		}
		argc -= used;
		argv += used;
	}
	probe_close(&p);
	free(host);
	return (rc);
}
