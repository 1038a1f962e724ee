/* bench_assets: natter-bench --mode assets: one file through the client core and natterd's asset service.
 *
 * Two fresh accounts in temporary profiles, both cores on this process's
 * one libuv loop. The sender's core_send_file encrypts a file of --size
 * random bytes (zstd-friendly text with --compressible) into its
 * profile, uploads it and sends its pointer; upload time runs from the
 * call to the sent callback. The receiver downloads it by itself (its
 * automatic download size is set above the file's), checking it as it
 * arrives; core_save, called as the message arrives (as recv --save
 * does), has that same pass write the file; download time runs from the
 * message event to the saved callback. The saved file's
 * SHA-256 must equal the original's, or the run fails. --file PATH
 * sends that file instead (left in place), e.g. to compare with another
 * tool over the same bytes.
 *
 * For scale, one plain SHA-256 pass over the same file (read from the
 * page cache, as `openssl dgst -sha256` reads it) is timed in the same
 * run. A child process samples natterd's process_resident_memory_bytes
 * and this process's RSS every ASSETS_SAMPLE_MS while the file moves, so
 * nothing but the client code runs on the loop being measured.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <uv.h>

#include "client/core/core.h"
#include "shared/crypto/sha256.h"
#include "shared/util/hex.h"
#include "shared/util/xmalloc.h"
#include "tests/bench/bench.h"
#include "tests/bench/bench_args.h"
#include "tests/bench/bench_net.h"

#define ASSETS_PASS		"natter-bench assets passphrase"
#define ASSETS_CHUNK		(1024 * 1024)	/* file generation and hashing */
#define ASSETS_SAMPLE_MS	50
#define ASSETS_STALL_MS		120000		/* no event for so long: fail */
#define ASSETS_MAXSIZE		(1LL << 40)

/* What the sampling child saw between 'b' and the end of its pipe. */
struct assets_rss {
	double		server_base, server_max;
	double		client_base, client_max;
	double		server_cpu;	/* seconds of natterd's CPU meanwhile */
	int		ok;
};

struct assets_probe {
	pid_t		pid;
	int		cmd;	/* parent writes 'b', then closes */
	int		res;	/* child writes one struct assets_rss */
};

struct assets {
	uv_loop_t	 loop;
	uv_timer_t	 watchdog;
	struct core	*snd, *rcv;
	const char	*server;
	const char	*file;		/* --file, or NULL: one is made */
	int64_t		 size;
	int		 compressible;
	char		 root[PATH_MAX];
	char		 src[PATH_MAX + 16], out[PATH_MAX + 16];
	char		 sname[32], rname[32];
	char		 sha[SHA256_HEXBYTES];	/* of the original */
	char		 id[CORE_IDHEXBYTES];
	int		 registered, failed, done;
	int		 closing;	/* callbacks from core_close: ignored */
	/* Monotonic times (ns) of the steps. */
	int64_t		 t_send, t_encrypted, t_posted, t_sent;
	int64_t		 t_msg, t_ready, t_saved, t_last;
	double		 cpu;		/* this process's CPU seconds in transfer */
};

static void
assets_fail(struct assets *as, const char *what, const struct core_error *err)
{
	if (as->closing)
		return;
	fprintf(stderr, "natter-bench: %s%s%s\n", what, err != NULL ? ": " : "",
	    err != NULL ? err->msg : "");
	as->failed = 1;
	uv_stop(&as->loop);
}

/* One resident-set reading of process pid from /proc, or -1. */
static double
assets_statm(pid_t pid)
{
	char		 path[64];
	unsigned long	 size, rss;
	FILE		*f;
	int		 n;

	snprintf(path, sizeof path, "/proc/%ld/statm", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	n = fscanf(f, "%lu %lu", &size, &rss);
	fclose(f);
	return (n == 2 ? (double)rss * (double)sysconf(_SC_PAGESIZE) : -1);
}

static void
assets_max(double *m, double v)
{
	if (v > *m)
		*m = v;
}

static double
assets_maxrss(void)
{
	struct rusage	ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return (-1);
	return ((double)ru.ru_maxrss * 1024);
}

/* CPU seconds (all threads, user and system) of this process so far. */
static double
assets_cpu(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
		return (0);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

/* The sampling child: never returns. */
static void
assets_probe_child(const char *server, int cmd, int res, pid_t parent)
{
	struct assets_rss	 r;
	struct bench_net	*net;
	struct pollfd		 pfd = { cmd, POLLIN, 0 };
	char			 c;
	int			 n;

	memset(&r, 0, sizeof r);
	if ((net = bench_net_create(server, 0)) == NULL ||
	    read(cmd, &c, 1) != 1)
		_exit(1);
	r.server_base = r.server_max = bench_net_metric(net,
	    "process_resident_memory_bytes");
	r.client_base = r.client_max = assets_statm(parent);
	r.server_cpu = bench_net_metric(net, "process_cpu_seconds_total");
	r.ok = r.server_base >= 0 && r.client_base >= 0 && r.server_cpu >= 0;
	do {
		while ((n = poll(&pfd, 1, ASSETS_SAMPLE_MS)) == -1 &&
		    errno == EINTR)
			;
		assets_max(&r.server_max, bench_net_metric(net,
		    "process_resident_memory_bytes"));
		assets_max(&r.client_max, assets_statm(parent));
	} while (n == 0);
	r.server_cpu = bench_net_metric(net, "process_cpu_seconds_total") -
	    r.server_cpu;
	if (write(res, &r, sizeof r) != sizeof r)
		_exit(1);
	_exit(0);
}

/* Fork the sampler before the profiles make this process big. */
static int
assets_probe_start(struct assets_probe *p, const char *server)
{
	int	cmd[2], res[2];
	pid_t	parent = getpid();

	if (pipe2(cmd, O_CLOEXEC) != 0)
		return (-1);
	if (pipe2(res, O_CLOEXEC) != 0) {
		close(cmd[0]);
		close(cmd[1]);
		return (-1);
	}
	fflush(NULL);
	if ((p->pid = fork()) == -1) {
		close(cmd[0]);
		close(cmd[1]);
		close(res[0]);
		close(res[1]);
		return (-1);
	}
	if (p->pid == 0) {
		close(cmd[1]);
		close(res[0]);
		assets_probe_child(server, cmd[0], res[1], parent);
	}
	close(cmd[0]);
	close(res[1]);
	p->cmd = cmd[1];
	p->res = res[0];
	return (0);
}

static void
assets_probe_begin(struct assets_probe *p)
{
	if (write(p->cmd, "b", 1) != 1)
		fprintf(stderr, "natter-bench: the RSS sampler is gone\n");
}

/* Stop the sampler and reap it; *r->ok is 0 if it saw nothing. */
static void
assets_probe_end(struct assets_probe *p, struct assets_rss *r)
{
	int	status;

	close(p->cmd);
	if (read(p->res, r, sizeof *r) != sizeof *r)
		memset(r, 0, sizeof *r);
	close(p->res);
	while (waitpid(p->pid, &status, 0) == -1 && errno == EINTR)
		;
}

/*
 * Write the test file: size bytes of ChaCha20 output, or numbered lines
 * of text that zstd shrinks; then flush it to disk, so that writeback
 * does not run during the transfer.
 */
static int
assets_make_file(const char *path, uint64_t size, int compressible)
{
	uint8_t		*buf, key[crypto_stream_chacha20_ietf_KEYBYTES];
	uint8_t		 nonce[crypto_stream_chacha20_ietf_NONCEBYTES];
	uint64_t	 left = size, line = 0;
	size_t		 n, k;
	int		 fd, rc = -1;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1)
		return (-1);
	buf = xmalloc(ASSETS_CHUNK + 128);
	randombytes_buf(key, sizeof key);
	memset(nonce, 0, sizeof nonce);
	while (left > 0) {
		n = left < ASSETS_CHUNK ? (size_t)left : ASSETS_CHUNK;
		if (compressible) {
			for (k = 0; k < n; )
				k += (size_t)snprintf((char *)buf + k, 128,
				    "%012llu natter-bench: a line of a log "
				    "file, mostly the same as the last\n",
				    (unsigned long long)line++);
		} else {
			crypto_stream_chacha20_ietf(buf, n, nonce, key);
			sodium_increment(nonce, sizeof nonce);
		}
		if (write(fd, buf, n) != (ssize_t)n)
			goto out;
		left -= n;
	}
	if (fsync(fd) == 0)
		rc = 0;
out:
	free(buf);
	close(fd);
	return (rc);
}

/* SHA-256 of the file at path, hex; its bytes per second in *rate. */
static int
assets_sha256(const char *path, char hex[SHA256_HEXBYTES], double *rate)
{
	struct sha256	*h;
	uint8_t		*buf, md[SHA256_BYTES];
	uint64_t	 total = 0;
	int64_t		 t0;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	buf = xmalloc(ASSETS_CHUNK);
	sha256_buf(md, "", 0);		/* OpenSSL's first use is slow */
	h = sha256_new();
	t0 = bench_now_ns();
	while ((n = read(fd, buf, ASSETS_CHUNK)) > 0) {
		sha256_update(h, buf, (size_t)n);
		total += (uint64_t)n;
	}
	sha256_final(h, md);
	if (rate != NULL)
		*rate = (double)total * 1e9 / (double)(bench_now_ns() - t0 + 1);
	sha256_free(h);
	free(buf);
	close(fd);
	if (n != 0)
		return (-1);
	hex_encode(hex, md, sizeof md);
	return (0);
}

static int
assets_rm(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return (remove(path));
}

static void
assets_watchdog(uv_timer_t *t)
{
	struct assets	*as = t->data;

	if (bench_now_ns() - as->t_last > ASSETS_STALL_MS * 1000000LL)
		assets_fail(as, "nothing happened for two minutes", NULL);
}

static void
assets_registered(struct core *c, const struct core_error *err, void *arg)
{
	struct assets	*as = arg;

	if (err != NULL) {
		assets_fail(as, "register", err);
		return;
	}
	if (++as->registered == 2)
		uv_stop(&as->loop);
}

static void
assets_saved(struct core *c, const struct core_error *err, const char *path,
    uint64_t size, const char *sha256, void *arg)
{
	struct assets	*as = arg;

	as->t_saved = as->t_last = bench_now_ns();
	if (err != NULL) {
		assets_fail(as, "save", err);
		return;
	}
	if (size != (uint64_t)as->size || strcmp(sha256, as->sha) != 0) {
		assets_fail(as, "the saved file is not the one sent", NULL);
		return;
	}
	as->done = 1;
	uv_stop(&as->loop);
}

/* The receiver's events: the message, then its blob downloaded and checked. */
static void
assets_rcv_event(struct core *c, const struct core_event *ev, void *arg)
{
	struct assets	*as = arg;
	int64_t		 now = bench_now_ns();

	as->t_last = now;
	switch (ev->type) {
	case CORE_EV_MESSAGE:
		if (ev->outgoing || ev->attachment == NULL || as->t_msg != 0)
			return;
		as->t_msg = now;
		snprintf(as->id, sizeof as->id, "%s", ev->id);
		/* As recv --save does: the download writes it as it checks. */
		core_save(c, as->id, as->out, NULL, assets_saved, as);
		break;
	case CORE_EV_ATTACHMENT:
		if (ev->error != NULL || strcmp(ev->attachment->state,
		    "ready") != 0) {
			assets_fail(as, "download", ev->error);
			return;
		}
		if (as->t_ready != 0 || as->id[0] == '\0')
			return;
		as->t_ready = now;
		break;
	case CORE_EV_ERROR:
		assets_fail(as, "receiver", ev->error);
		break;
	default:
		break;
	}
}

static void
assets_snd_event(struct core *c, const struct core_event *ev, void *arg)
{
	struct assets	*as = arg;

	if (ev->type == CORE_EV_ERROR)
		assets_fail(as, "sender", ev->error);
}

/* The sender's upload progress, as natter send-file shows it. */
static void
assets_progress(struct core *c, const struct core_event *ev, void *arg)
{
	struct assets	*as = arg;
	int64_t		 now = bench_now_ns();

	as->t_last = now;
	if (ev->bytes != ev->bytes_total || ev->status == NULL)
		return;
	/* The file is sealed in slices on the loop, then uploaded. */
	if (as->t_encrypted == 0 && strcmp(ev->status, "encrypting") == 0)
		as->t_encrypted = now;
	if (as->t_posted == 0 && strcmp(ev->status, "uploading") == 0)
		as->t_posted = now;
}

static void
assets_sent(struct core *c, const struct core_error *err, const char *id,
    int64_t ts, const struct core_attachment *a, void *arg)
{
	struct assets	*as = arg;

	as->t_sent = as->t_last = bench_now_ns();
	if (err != NULL)
		assets_fail(as, "send-file", err);
}

/* Open (creating) the profile NAME under root; 0 or -1. */
static int
assets_open(struct assets *as, struct core **c, const char *name)
{
	struct core_error	err;
	char			home[PATH_MAX + 32];

	snprintf(home, sizeof home, "%s/%s", as->root, name);
	if (core_open(c, &as->loop, home, ASSETS_PASS, strlen(ASSETS_PASS),
	    as->server, CORE_OPEN_CREATE, &err) != 0) {
		*c = NULL;
		fprintf(stderr, "natter-bench: open %s: %s\n", home, err.msg);
		return (-1);
	}
	return (0);
}

/* Two registered accounts, both started; 0 or -1. */
static int
assets_accounts(struct assets *as)
{
	struct core_error	err;
	uint32_t		r = randombytes_random();

	snprintf(as->sname, sizeof as->sname, "as%08x-s", r);
	snprintf(as->rname, sizeof as->rname, "as%08x-r", r);
	if (assets_open(as, &as->snd, "sender") != 0 ||
	    assets_open(as, &as->rcv, "receiver") != 0)
		return (-1);
	core_register(as->snd, as->sname, assets_registered, as);
	core_register(as->rcv, as->rname, assets_registered, as);
	uv_run(&as->loop, UV_RUN_DEFAULT);
	if (as->failed)
		return (-1);
	if (core_start(as->snd, 0, assets_snd_event, as, &err) != 0 ||
	    core_start(as->rcv, 0, assets_rcv_event, as, &err) != 0) {
		assets_fail(as, "start", &err);
		return (-1);
	}
	core_set_auto_download(as->rcv, (uint64_t)as->size + 1);
	return (0);
}

/* Send the file and wait until it is saved on the other side. */
static void
assets_transfer(struct assets *as)
{
	as->cpu = assets_cpu();
	as->t_send = as->t_last = bench_now_ns();
	core_send_file(as->snd, as->rname, as->src, NULL, assets_progress,
	    assets_sent, as);
	uv_timer_start(&as->watchdog, assets_watchdog, 1000, 1000);
	uv_run(&as->loop, UV_RUN_DEFAULT);
	uv_timer_stop(&as->watchdog);
	as->cpu = assets_cpu() - as->cpu;
}

static double
assets_s(int64_t from, int64_t to)
{
	return (from != 0 && to >= from ? (double)(to - from) / 1e9 : 0);
}

/* One number of the report: JSON key (also the text output's label). */
struct assets_field {
	const char	*key;
	double		 v;
	int		 prec;		/* digits after the point */
};

static void
assets_report(struct assets *as, int json, double sha_rate,
    const struct assets_rss *r, double open_peak, double peak)
{
	double	up = assets_s(as->t_send, as->t_sent);
	double	down = assets_s(as->t_msg, as->t_saved);
	double	upr = up > 0 ? (double)as->size / up : 0;
	int64_t	sealed = as->t_encrypted != 0 ? as->t_encrypted : as->t_send;
	double	downr = down > 0 ? (double)as->size / down : 0;
	const struct assets_field f[] = {
		{ "bytes", (double)as->size, 0 },
		{ "upload_mb_per_s", upr / 1e6, 1 },
		{ "download_mb_per_s", downr / 1e6, 1 },
		{ "client_peak_rss_bytes", peak, 0 },
		{ "server_rss_growth_bytes", r->ok ?
		    r->server_max - r->server_base : -1, 0 },
		{ "sha256_mb_per_s", sha_rate / 1e6, 1 },
		{ "upload_ratio", upr / sha_rate, 3 },
		{ "download_ratio", downr / sha_rate, 3 },
		{ "compressible", as->compressible, 0 },
		{ "client_open_peak_rss_bytes", open_peak, 0 },
		{ "client_rss_growth_bytes", r->ok ?
		    r->client_max - r->client_base : -1, 0 },
		{ "upload_s", up, 3 },
		{ "encrypt_s", assets_s(as->t_send, sealed), 3 },
		{ "post_s", assets_s(sealed, as->t_posted), 3 },
		{ "pointer_s", assets_s(as->t_posted, as->t_sent), 3 },
		{ "download_s", down, 3 },
		{ "fetch_s", assets_s(as->t_msg, as->t_ready), 3 },
		{ "save_s", assets_s(as->t_ready, as->t_saved), 3 },
		{ "client_cpu_s", as->cpu, 3 },
		{ "server_cpu_s", r->ok ? r->server_cpu : -1, 3 },
	};
	size_t	i;

	printf(json ? "{\"mode\":\"assets\"" : "%-28s assets\n", "mode");
	for (i = 0; i < sizeof f / sizeof f[0]; i++)
		printf(json ? ",\"%s\":%.*f" : "%-28s %.*f\n", f[i].key,
		    f[i].prec, f[i].v);
	if (json)
		printf("}\n");
}


/* Close both cores and let their handles go. */
static void
assets_close(struct assets *as)
{
	as->closing = 1;
	core_close(as->snd);
	core_close(as->rcv);
	as->snd = as->rcv = NULL;
	uv_close((uv_handle_t *)&as->watchdog, NULL);
	while (uv_run(&as->loop, UV_RUN_DEFAULT) != 0)
		;
	(void)uv_loop_close(&as->loop);
}

/* Set up the directory and the file, and hash it; 0 or -1. */
static int
assets_prepare(struct assets *as, double *sha_rate)
{
	const char	*tmp = getenv("TMPDIR");

	snprintf(as->root, sizeof as->root, "%s/natter-bench-assets.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(as->root) == NULL) {
		fprintf(stderr, "natter-bench: mkdtemp %s: %s\n", as->root,
		    strerror(errno));
		as->root[0] = '\0';
		return (-1);
	}
	snprintf(as->out, sizeof as->out, "%s/saved", as->root);
	if (as->file != NULL)
		snprintf(as->src, sizeof as->src, "%s", as->file);
	else {
		snprintf(as->src, sizeof as->src, "%s/file.%s", as->root,
		    as->compressible ? "txt" : "bin");
		if (assets_make_file(as->src, (uint64_t)as->size,
		    as->compressible) != 0) {
			fprintf(stderr, "natter-bench: cannot write %s: %s\n",
			    as->src, strerror(errno));
			return (-1);
		}
	}
	if (assets_sha256(as->src, as->sha, sha_rate) != 0) {
		fprintf(stderr, "natter-bench: cannot read %s: %s\n", as->src,
		    strerror(errno));
		return (-1);
	}
	return (0);
}

/* --file instead of a generated file: its size, which --size must match. */
static int
assets_file_size(struct assets *as)
{
	struct stat	sb;

	if (stat(as->file, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    sb.st_size == 0) {
		fprintf(stderr, "natter-bench: --file %s: not a file with "
		    "something in it\n", as->file);
		return (-1);
	}
	if (as->size != 0 && as->size != (int64_t)sb.st_size) {
		fprintf(stderr, "natter-bench: --file %s has %lld bytes, not "
		    "--size %lld\n", as->file, (long long)sb.st_size,
		    (long long)as->size);
		return (-1);
	}
	as->size = (int64_t)sb.st_size;
	return (0);
}

int
bench_assets(int argc, char **argv)
{
	struct assets		 as;
	struct assets_probe	 probe;
	struct assets_rss	 rss;
	struct bench_net	*net;
	char			 saved[SHA256_HEXBYTES];
	double			 sha_rate = 0, open_peak = 0;
	int			 json = 0, rc = 1;
	const struct bench_arg	 args[] = {
		{ "--server", BENCH_ARG_STRING, &as.server, 0, 0 },
		{ "--size", BENCH_ARG_INT, &as.size, 1, ASSETS_MAXSIZE },
		{ "--compressible", BENCH_ARG_FLAG, &as.compressible, 0, 0 },
		{ "--file", BENCH_ARG_STRING, &as.file, 0, 0 },
		{ "--json", BENCH_ARG_FLAG, &json, 0, 0 },
	};

	memset(&as, 0, sizeof as);
	as.server = CORE_DEFAULT_SERVER;
	if (bench_args_parse(argc, argv, args, sizeof args /
	    sizeof args[0]) != 0 || (as.file == NULL && as.size == 0) ||
	    (as.file != NULL && (as.compressible ||
	    assets_file_size(&as) != 0))) {
		fprintf(stderr, "usage: %s\n", BENCH_USAGE_ASSETS);
		return (2);
	}
	if (sodium_init() < 0)
		return (1);
	if ((net = bench_net_create(as.server, 0)) == NULL)
		return (2);
	if (bench_net_metric(net, "process_resident_memory_bytes") < 0) {
		fprintf(stderr, "natter-bench: cannot read natterd's /metrics "
		    "at %s\n", as.server);
		bench_net_free(net);
		return (1);
	}
	bench_net_free(net);
	if (assets_probe_start(&probe, as.server) != 0) {
		fprintf(stderr, "natter-bench: fork: %s\n", strerror(errno));
		return (1);
	}
	uv_loop_init(&as.loop);
	uv_timer_init(&as.loop, &as.watchdog);
	as.watchdog.data = &as;
	if (assets_prepare(&as, &sha_rate) == 0 && assets_accounts(&as) == 0) {
		open_peak = assets_maxrss();
		assets_probe_begin(&probe);
		assets_transfer(&as);
	}
	assets_probe_end(&probe, &rss);
	assets_close(&as);
	if (as.done && !as.failed) {
		if (assets_sha256(as.out, saved, NULL) != 0 ||
		    strcmp(saved, as.sha) != 0)
			fprintf(stderr, "natter-bench: %s differs from what "
			    "was sent\n", as.out);
		else
			rc = 0;
	}
	if (rc == 0)
		assets_report(&as, json, sha_rate, &rss, open_peak,
		    assets_maxrss());
	if (as.root[0] != '\0' && nftw(as.root, assets_rm, 16,
	    FTW_DEPTH | FTW_PHYS) != 0)
		fprintf(stderr, "natter-bench: cannot remove %s\n", as.root);
	return (rc);
}
