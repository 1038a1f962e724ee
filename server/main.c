/* main: natterd's command line, startup, signals and shutdown. */
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <uv.h>

#include "server/assets.h"
#include "server/db.h"
#include "server/devwatch.h"
#include "server/directory.h"
#include "server/fiber.h"
#include "server/link.h"
#include "server/linkdir.h"
#include "server/listenaddr.h"
#include "server/online.h"
#include "server/pgcache.h"
#include "server/server.h"
#include "server/session.h"
#include "server/ws.h"
#include "shared/util/log.h"
#include "shared/util/timeutil.h"
#include "shared/util/xmalloc.h"

#define MAIN_DEFAULT_LISTEN	"127.0.0.1:7878"
#define MAIN_DEFAULT_TTL	"30d"
#define MAIN_DEFAULT_FRAME	(256 * 1024)
#define MAIN_DEFAULT_ASSET	(2ULL << 30)	/* 2 GiB */
#define MAIN_DEFAULT_PER_IP	1024		/* NATTERD_MAX_PER_IP */

static const char main_usage[] =
    "usage: natterd [--listen HOST:PORT] [--data DIR] "
    "[--message-ttl DURATION]\n"
    "               [--max-frame BYTES] [--max-asset BYTES] "
    "[--sync normal|full]\n"
    "               [--assets DIR] [--log-level LEVEL]\n"
    "               [--tls-cert FILE --tls-key FILE]\n"
    "               [--store sqlite|postgresql://USER@HOST/DB]\n"
    "               [--directory redis://HOST:PORT] [--node NAME]\n";

/* What the command line sets besides ws_config. */
struct main_config {
	const char	*data_dir;
	const char	*assets_dir;	/* NULL: DATA/assets */
	int64_t		 ttl_ms;
	size_t		 max_frame;
	size_t		 max_asset;
	int		 sync_full;
	int64_t		 link_ttl_ms;
	const char	*store;		/* NULL: SQLite in data_dir */
	const char	*directory;	/* --directory, or NULL: in-process */
	const char	*node;		/* --node, or NULL: HOST:PORT */
};

static uv_signal_t		 main_sigterm, main_sigint;
static struct listenaddr	 main_listen;	/* --listen, resolved */
static struct db		*main_db;
static struct directory		*main_directory;
static struct session_config	 main_session;	/* every connection's */

static void
main_usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

static void
main_usage_error(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "natterd: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s", main_usage);
	exit(2);
}

static int
main_parse_size(const char *s, size_t min, size_t max, size_t *out)
{
	char			*end;
	unsigned long long	 v;

	if (*s < '0' || *s > '9')
		return (-1);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return (-1);
	*out = (size_t)v;
	return (0);
}

/* --listen: a bad value is a usage error, a name not resolvable now 1. */
static void
main_parse_listen(const char *arg, struct ws_config *wc)
{
	char	err[256];

	switch (listenaddr_parse(arg, &main_listen, err, sizeof err)) {
	case LISTENADDR_OK:
		break;
	case LISTENADDR_BAD:
		main_usage_error("bad --listen value: %s (%s)", arg, err);
	default:
		fprintf(stderr, "natterd: --listen %s: %s; try again\n", arg,
		    err);
		exit(1);
	}
	wc->host = main_listen.host;
	wc->port = main_listen.port;
}

static int
main_mkdirs(const char *path)
{
	char	*p = xstrdup(path), *s;
	int	 rc = 0;

	for (s = p + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	if (mkdir(p, 0700) != 0 && errno != EEXIST)
		rc = -1;
	free(p);
	return (rc);
}

static char *
main_default_data(void)
{
	const char	*xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	char		*path;

	if (xdg != NULL && *xdg == '/')
		xasprintf(&path, "%s/natterd", xdg);
	else if (home != NULL && *home != '\0')
		xasprintf(&path, "%s/.local/share/natterd", home);
	else {
		fprintf(stderr, "natterd: no data directory: set HOME, "
		    "XDG_DATA_HOME or use --data DIR\n");
		exit(1);
	}
	return (path);
}

static void
main_signal(uv_signal_t *h, int signum)
{
	log_info("signal %d: shutting down", signum);
	uv_stop(h->loop);
}

/* One descriptor per connection: raise the soft limit to the hard one
 * (capped, since libwebsockets sizes its tables by it). */
static void
main_raise_nofile(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > 65536)
		rl.rlim_max = rl.rlim_cur > 65536 ? rl.rlim_cur : 65536;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			log_warn("cannot raise the open file limit");
	}
}

/*
 * Keep the heap natterd freed, up to a bound. By default glibc gives the
 * top of the heap back (brk) once 128 KiB are free there and takes it
 * again on the next burst, and each give-back flushes the TLBs: 6% of a
 * node's CPU on PostgreSQL, where every statement's result is a few
 * allocations. Blocks of a few MiB still come from mmap.
 */
static void
main_tune_malloc(void)
{
	(void)mallopt(M_TRIM_THRESHOLD, 16 << 20);
	(void)mallopt(M_TOP_PAD, 1 << 20);
	(void)mallopt(M_MMAP_THRESHOLD, 4 << 20);
}

/*
 * libuv's thread pool (4 threads unless UV_THREADPOOL_SIZE says) runs the
 * message store's syncs and every upload's writer, periodic sync and
 * final commit: with 4, four uploads writing at once would make a
 * message's sync wait behind them.  Threads waiting on a disk cost no
 * CPU.  Before the pool's first use.
 */
static void
main_size_pool(void)
{
	(void)setenv("UV_THREADPOOL_SIZE", "64", 0);
}

/* Another node queued rows for a device: read them if it is here. */
static void
main_directory_wake(int64_t account, uint32_t device)
{
	struct session	*s = online_find(account, device);

	if (s != NULL)
		session_wake(s);
}

/* A device connected to another node: close its connection here. */
static void
main_directory_moved(int64_t account, uint32_t device)
{
	struct session	*s = online_find(account, device);

	if (s == NULL)
		return;
	log_info("%s/%u connected to another node; closing it here",
	    session_name(s), device);
	session_moved(s);
}

/* A node (this one too) changed account's device list (-1: any): the
 * kept copy goes (pgcache.h), and this node's connections of the account
 * follow the list (devwatch.h). */
static void
main_devices_heard(int64_t account)
{
	pgcache_forget(account);
	devwatch_heard(account);
}

/* Another node handed out a one-time prekey of (account, device), which
 * has count left: warn the device if it is connected here. */
static void
main_prekeys_low(int64_t account, uint32_t device, uint32_t count)
{
	struct session	*s = online_find(account, device);

	if (s != NULL)
		session_prekeys_low(s, count);
}

/* This node committed a change to account's device list: every node's
 * copy goes (pgcache.h). */
static void
main_publish_devices(int64_t account)
{
	if (main_directory != NULL)
		directory_devices_changed(main_directory, account);
}

/* The directory: in-process, or the Redis one of --directory, as node
 * --node (default: the address natterd listens on). */
static struct directory *
main_open_directory(const struct main_config *mc, uv_loop_t *loop,
    char **err)
{
	struct directory_config	dc;
	char			node[LISTENADDR_HOSTLEN + 16];

	memset(&dc, 0, sizeof dc);
	dc.loop = loop;
	if (mc->directory == NULL)
		return (directory_create(&directory_local_ops, &dc, err));
	if (mc->node == NULL)
		listenaddr_format(&main_listen, node, sizeof node);
	dc.where = mc->directory;
	dc.node = mc->node != NULL ? mc->node : node;
	dc.hooks.wake = main_directory_wake;
	dc.hooks.moved = main_directory_moved;
	/* With a shared store, device lists are kept while the directory
	 * tells every change (pgcache.h). */
	if (mc->store != NULL) {
		dc.hooks.devices_changed = main_devices_heard;
		dc.hooks.live = pgcache_live;
		pgcache_publish(main_publish_devices);
	}
	dc.hooks.link = linkdir_message;
	dc.hooks.prekeys_low = main_prekeys_low;
	/* The directory routes wake-ups between nodes; without a shared
	 * store there is nothing to wake them for. */
	if (mc->store == NULL)
		log_warn("--directory without a shared --store: each node "
		    "keeps its own queues, so messages are not shared between "
		    "nodes");
	return (directory_create(&directory_redis_ops, &dc, err));
}

/* Open the database and the directory, hook the server into loop and
 * listen: 0, or -1 with *err set (caller frees). */
static int
main_start(const struct main_config *mc, struct ws_config *wc, uv_loop_t *loop,
    char **err)
{
	struct assets_config	 ac;
	char			*path;

	if (mc->store != NULL) {
		/* Requests wait for PostgreSQL on fibers (fiber.h). */
		main_db = db_open_pg(loop, mc->store, err);
		if (main_db == NULL)
			return (-1);
		fiber_enable(1);
	} else {
		xasprintf(&path, "%s/natterd.db", mc->data_dir);
		/* SQLite never waits for the disk itself: durable.c syncs
		 * the WAL. */
		main_db = db_open(path, 0, err);
		free(path);
		if (main_db == NULL)
			return (-1);
	}
	main_directory = main_open_directory(mc, loop, err);
	if (main_directory == NULL)
		return (-1);
	link_start(main_directory);
	server_start(loop, main_db, main_directory, mc->ttl_ms,
	    mc->sync_full);
	memset(&ac, 0, sizeof ac);
	/* --assets: several nodes may share one (blobstore.h says how). */
	if (mc->assets_dir != NULL)
		path = xstrdup(mc->assets_dir);
	else
		xasprintf(&path, "%s/assets", mc->data_dir);
	if (main_mkdirs(path) != 0) {
		xasprintf(err, "cannot create the asset directory %s: %s",
		    path, strerror(errno));
		free(path);
		return (-1);
	}
	ac.dir = path;
	ac.db = main_db;
	ac.loop = loop;
	ac.ttl_ms = mc->ttl_ms;
	ac.max_asset = mc->max_asset;
	if (assets_start(&ac, err) != 0) {
		free(path);
		return (-1);
	}
	free(path);
	main_session.db = main_db;
	main_session.directory = main_directory;
	main_session.ttl_ms = mc->ttl_ms;
	main_session.max_frame = mc->max_frame;
	main_session.link_ttl_ms = mc->link_ttl_ms;
	wc->session = &main_session;
	return (ws_start(wc, loop, err));
}

/* Commit, close every connection and handle, close the database. */
static void
main_shutdown(uv_loop_t *loop, char *data)
{
	server_stop();
	ws_stop();
	/* The sessions are gone, and have forgotten their devices; the
	 * directory's connections would keep the loop running. */
	link_start(NULL);
	directory_free(main_directory);
	main_directory = NULL;
	pgcache_free();
	/* PostgreSQL's connection is a handle on the loop: close it before
	 * running the loop out. */
	if (db_pg(main_db) != NULL) {
		db_close(main_db);
		main_db = NULL;
	}
	uv_run(loop, UV_RUN_DEFAULT);
	assets_stop();
	if (uv_loop_close(loop) != 0)
		log_warn("event loop did not close cleanly");
	db_close(main_db);
	main_db = NULL;
	server_close();
	online_clear();
	free(data);
}

/*
 * The one line that says natterd is up (unless --log-level error): its
 * version, the URL clients give as --server, the data directory.
 */
static void
main_announce(const struct ws_config *wc, const char *data,
    enum log_level level)
{
	char	addr[LISTENADDR_HOSTLEN + 16], *abs;

	if (level < LOG_WARN)
		return;
	listenaddr_format(&main_listen, addr, sizeof addr);
	abs = realpath(data, NULL);
	fprintf(stderr, "natterd %s listening on %s://%s (data in %s)\n",
	    NATTER_VERSION, wc->tls_cert != NULL ? "wss" : "ws", addr,
	    abs != NULL ? abs : data);
	free(abs);
}

enum {
	OPT_LISTEN = 256, OPT_DATA, OPT_TTL, OPT_FRAME, OPT_ASSET, OPT_SYNC,
	OPT_LOG, OPT_CERT, OPT_KEY, OPT_HELP, OPT_VERSION, OPT_ASSETS,
	OPT_STORE, OPT_DIRECTORY, OPT_NODE
};

static const struct option main_options[] = {
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "data", required_argument, NULL, OPT_DATA },
	{ "message-ttl", required_argument, NULL, OPT_TTL },
	{ "max-frame", required_argument, NULL, OPT_FRAME },
	{ "max-asset", required_argument, NULL, OPT_ASSET },
	{ "sync", required_argument, NULL, OPT_SYNC },
	{ "assets", required_argument, NULL, OPT_ASSETS },
	{ "log-level", required_argument, NULL, OPT_LOG },
	{ "tls-cert", required_argument, NULL, OPT_CERT },
	{ "tls-key", required_argument, NULL, OPT_KEY },
	{ "directory", required_argument, NULL, OPT_DIRECTORY },
	{ "node", required_argument, NULL, OPT_NODE },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "store", required_argument, NULL, OPT_STORE },
	{ NULL, 0, NULL, 0 }
};

static void
main_parse(int argc, char **argv, struct main_config *mc,
    struct ws_config *wc, enum log_level *level)
{
	int64_t	ttl;
	int	ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", main_options, NULL)) != -1) {
		switch (ch) {
		case OPT_LISTEN:
			main_parse_listen(optarg, wc);
			break;
		case OPT_DATA:
			if (*optarg == '\0')
				main_usage_error("bad --data value");
			mc->data_dir = optarg;
			break;
		case OPT_ASSETS:
			if (*optarg == '\0')
				main_usage_error("bad --assets value");
			mc->assets_dir = optarg;
			break;
		case OPT_TTL:
			if (time_parse_duration(optarg, &ttl) != 0)
				main_usage_error("bad --message-ttl value: %s "
				    "(want Ns, Nm, Nh or Nd)", optarg);
			mc->ttl_ms = ttl * 1000;
			break;
		case OPT_FRAME:
			if (main_parse_size(optarg, 1024, 64 << 20,
			    &mc->max_frame) != 0)
				main_usage_error("bad --max-frame value: %s "
				    "(1024 to 67108864)", optarg);
			break;
		case OPT_ASSET:
			if (main_parse_size(optarg, 1, (size_t)1 << 40,
			    &mc->max_asset) != 0)
				main_usage_error("bad --max-asset value: %s",
				    optarg);
			break;
		case OPT_SYNC:
			if (strcmp(optarg, "full") == 0)
				mc->sync_full = 1;
			else if (strcmp(optarg, "normal") == 0)
				mc->sync_full = 0;
			else
				main_usage_error("bad --sync value: %s (want "
				    "normal or full)", optarg);
			break;
		case OPT_LOG:
			if (log_parse_level(optarg, level) != 0)
				main_usage_error("bad --log-level value: %s "
				    "(error, warn, info or debug)", optarg);
			break;
		case OPT_CERT:
			wc->tls_cert = optarg;
			break;
		case OPT_KEY:
			wc->tls_key = optarg;
			break;
		case OPT_STORE:
			if (strcmp(optarg, "sqlite") == 0)
				mc->store = NULL;
			else if (strncmp(optarg, "postgresql://", 13) == 0 ||
			    strncmp(optarg, "postgres://", 11) == 0)
				mc->store = optarg;
			else
				main_usage_error("bad --store value: %s (want "
				    "sqlite or postgresql://USER@HOST/DB)",
				    optarg);
			break;
		case OPT_DIRECTORY:
			if (directory_redis_check(optarg) != 0)
				main_usage_error("bad --directory value: %s "
				    "(want redis://HOST:PORT)", optarg);
			mc->directory = optarg;
			break;
		case OPT_NODE:
			if (directory_node_check(optarg) != 0)
				main_usage_error("bad --node value: %s (1 to "
				    "255 printable characters, no spaces)",
				    optarg);
			mc->node = optarg;
			break;
		case OPT_HELP:
			fputs(main_usage, stdout);
			exit(0);
		case OPT_VERSION:
			printf("natterd %s\n", NATTER_VERSION);
			exit(0);
		case ':':
			main_usage_error("option needs a value: %s",
			    argv[optind - 1]);
		default:
			main_usage_error("unknown option: %s",
			    argv[optind - 1]);
		}
	}
	if (optind < argc)
		main_usage_error("unexpected argument: %s", argv[optind]);
	if ((wc->tls_cert == NULL) != (wc->tls_key == NULL))
		main_usage_error("--tls-cert and --tls-key go together");
	if (mc->node != NULL && mc->directory == NULL)
		main_usage_error("--node needs --directory");
}

/* The number in environment variable name, or def when it is unset or
 * empty: 0, or -1 when it is not a number. */
static int
main_env_number(const char *name, uint64_t def, uint64_t *out)
{
	const char		*v = getenv(name);
	char			*end;
	unsigned long long	 n;

	*out = def;
	if (v == NULL || *v == '\0')
		return (0);
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno != 0 || *end != '\0' || v[0] == '-')
		return (-1);
	*out = n;
	return (0);
}

/* NATTERD_MAX_PER_IP: connections per peer address (0: no cap);
 * NATTERD_LINK_TTL: seconds a link offer waits (1 to a day). */
static int
main_env(struct ws_config *wc, int64_t *link_ttl_ms)
{
	uint64_t	secs;

	if (main_env_number("NATTERD_MAX_PER_IP", MAIN_DEFAULT_PER_IP,
	    &wc->per_ip) != 0) {
		fprintf(stderr, "natterd: NATTERD_MAX_PER_IP must be a number "
		    "of connections (0 for no cap)\n");
		return (-1);
	}
	if (main_env_number("NATTERD_LINK_TTL", LINK_TTL_MS / 1000,
	    &secs) != 0 || secs < 1 || secs > 86400) {
		fprintf(stderr, "natterd: NATTERD_LINK_TTL must be a number "
		    "of seconds from 1 to 86400\n");
		return (-1);
	}
	*link_ttl_ms = (int64_t)secs * 1000;
	return (0);
}

int
main(int argc, char **argv)
{
	struct main_config	 mc;
	struct ws_config	 wc;
	enum log_level		 level = LOG_WARN;
	uv_loop_t		 loop;
	char			*err = NULL, *data = NULL;
	int64_t			 ttl;

	log_set_prefix("natterd");
	memset(&mc, 0, sizeof mc);
	memset(&wc, 0, sizeof wc);
	main_parse_listen(MAIN_DEFAULT_LISTEN, &wc);
	if (time_parse_duration(MAIN_DEFAULT_TTL, &ttl) != 0)
		fatal("bad default TTL");
	mc.ttl_ms = ttl * 1000;
	mc.max_frame = MAIN_DEFAULT_FRAME;
	mc.max_asset = MAIN_DEFAULT_ASSET;
	mc.sync_full = 1;
	main_parse(argc, argv, &mc, &wc, &level);
	if (main_env(&wc, &mc.link_ttl_ms) != 0)
		return (2);
	log_set_level(level);
	wc.verbose = level == LOG_DEBUG;
	if (mc.data_dir == NULL)
		mc.data_dir = data = main_default_data();
	if (main_mkdirs(mc.data_dir) != 0) {
		fprintf(stderr, "natterd: cannot create data directory %s: "
		    "%s\n", mc.data_dir, strerror(errno));
		return (1);
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "natterd: cannot initialise libsodium\n");
		return (1);
	}
	signal(SIGPIPE, SIG_IGN);
	/* A write past RLIMIT_FSIZE fails with EFBIG (an upload's 507). */
	signal(SIGXFSZ, SIG_IGN);
	main_raise_nofile();
	main_tune_malloc();
	main_size_pool();
	uv_loop_init(&loop);
	if (main_start(&mc, &wc, &loop, &err) != 0) {
		fprintf(stderr, "natterd: %s\n", err);
		free(err);
		main_shutdown(&loop, data);
		return (1);
	}
	uv_signal_init(&loop, &main_sigterm);
	uv_signal_start(&main_sigterm, main_signal, SIGTERM);
	uv_signal_init(&loop, &main_sigint);
	uv_signal_start(&main_sigint, main_signal, SIGINT);
	main_announce(&wc, mc.data_dir, level);

	uv_run(&loop, UV_RUN_DEFAULT);

	uv_close((uv_handle_t *)&main_sigterm, NULL);
	uv_close((uv_handle_t *)&main_sigint, NULL);
	main_shutdown(&loop, data);
	log_info("stopped");
	return (0);
}
