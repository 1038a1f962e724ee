/* metrics: counters and gauges rendered as Prometheus text for /metrics. */
#include <sys/resource.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "server/metrics.h"
#include "shared/util/xmalloc.h"

static uint64_t	metrics_counters[METRICS_NCOUNTERS];
static int64_t	metrics_nconnections;

static const struct {
	const char	*name;
	const char	*help;
	const char	*type;
} metrics_info[METRICS_NCOUNTERS] = {
	{ "natter_messages_stored_total", "Message rows stored.", "counter" },
	{ "natter_messages_delivered_total", "Message rows delivered and "
	    "acknowledged.", "counter" },
	{ "natter_receipts_stored_total", "Receipt rows queued.", "counter" },
	{ "natter_assets_stored_total", "Asset blobs stored.", "counter" },
	{ "natter_asset_dedup_hits_total", "Asset uploads already stored.",
	    "counter" },
	{ "natter_asset_bytes", "Bytes of stored asset blobs.", "gauge" },
	{ "natter_requests_total", "Frames received from clients.", "counter" },
	{ "natter_rate_limited_total", "Requests refused by the rate limit.",
	    "counter" },
	{ "natter_bad_frames_total", "Undecodable frames received.",
	    "counter" },
	{ "natter_commits_total", "Group commits.", "counter" },
	{ "natter_purged_total", "Expired rows purged.", "counter" },
	{ "natter_connections_refused_total", "Connections refused by the "
	    "per-address cap.", "counter" },
	{ "natter_asset_uploads_active", "Asset uploads under way.", "gauge" },
	{ "natter_asset_gets_total", "GET requests for asset blobs that "
	    "reached natterd (a CDN in front takes the rest).", "counter" },
	{ "natter_group_messages_total", "Group messages stored (each once).",
	    "counter" },
	{ "natter_group_deliveries_total", "References to group messages and "
	    "changes queued, one per member device.", "counter" },
	{ "natter_store_failures_total", "Transactions the PostgreSQL store "
	    "failed to commit (every connection was closed; clients resent).",
	    "counter" },
	{ "natter_directory_commands_total", "Commands sent to the shared "
	    "directory (Redis).", "counter" },
	{ "natter_directory_wakes_dropped_total", "Wake-ups for another node "
	    "dropped while the directory was unreachable.", "counter" },
	{ "natter_directory_connected", "1 while the shared directory "
	    "(Redis) is connected, else 0.", "gauge" },
};

void
metrics_add(enum metrics_counter c, uint64_t n)
{
	metrics_counters[c] += n;
}

void
metrics_sub(enum metrics_counter c, uint64_t n)
{
	metrics_counters[c] -= n < metrics_counters[c] ? n :
	    metrics_counters[c];
}

uint64_t
metrics_get(enum metrics_counter c)
{
	return (metrics_counters[c]);
}

void
metrics_connections(int delta)
{
	metrics_nconnections += delta;
}

static uint64_t
metrics_rss(void)
{
	FILE		*f;
	unsigned long	 size, resident;
	int		 n;

	if ((f = fopen("/proc/self/statm", "r")) == NULL)
		return (0);
	n = fscanf(f, "%lu %lu", &size, &resident);
	fclose(f);
	if (n != 2)
		return (0);
	return ((uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE));
}

static double
metrics_cpu(void)
{
	struct rusage	ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return (0);
	return ((double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
}

static void
metrics_line(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
metrics_line(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(*buf + *len, *cap - *len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < *cap - *len)
			break;
		*cap *= 2;
		*buf = xrealloc(*buf, *cap);
	}
	*len += (size_t)n;
}

char *
metrics_render(uint64_t queue_depth, uint64_t online, uint64_t groups)
{
	size_t	len = 0, cap = 4096;
	char	*buf = xmalloc(cap);
	int	 i;

	for (i = 0; i < METRICS_NCOUNTERS; i++) {
		metrics_line(&buf, &len, &cap, "# HELP %s %s\n# TYPE %s %s\n"
		    "%s %llu\n", metrics_info[i].name, metrics_info[i].help,
		    metrics_info[i].name, metrics_info[i].type,
		    metrics_info[i].name,
		    (unsigned long long)metrics_counters[i]);
	}
	metrics_line(&buf, &len, &cap, "# HELP natter_connections Open "
	    "WebSocket connections.\n# TYPE natter_connections gauge\n"
	    "natter_connections %lld\n", (long long)metrics_nconnections);
	metrics_line(&buf, &len, &cap, "# HELP natter_online_devices "
	    "Authenticated devices.\n# TYPE natter_online_devices gauge\n"
	    "natter_online_devices %llu\n", (unsigned long long)online);
	metrics_line(&buf, &len, &cap, "# HELP natter_queue_depth Queued "
	    "rows (messages and receipts).\n# TYPE natter_queue_depth gauge\n"
	    "natter_queue_depth %llu\n", (unsigned long long)queue_depth);
	metrics_line(&buf, &len, &cap, "# HELP natter_groups Groups on this "
	    "server.\n# TYPE natter_groups gauge\nnatter_groups %llu\n",
	    (unsigned long long)groups);
	metrics_line(&buf, &len, &cap, "# HELP process_cpu_seconds_total "
	    "User and system CPU time.\n# TYPE process_cpu_seconds_total "
	    "counter\nprocess_cpu_seconds_total %.6f\n", metrics_cpu());
	metrics_line(&buf, &len, &cap, "# HELP process_resident_memory_bytes "
	    "Resident memory.\n# TYPE process_resident_memory_bytes gauge\n"
	    "process_resident_memory_bytes %llu\n",
	    (unsigned long long)metrics_rss());
	return (buf);
}
