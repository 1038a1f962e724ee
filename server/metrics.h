/* metrics: counters and gauges rendered as Prometheus text for /metrics. */
#ifndef NATTER_SERVER_METRICS_H
#define NATTER_SERVER_METRICS_H

#include <stdint.h>

enum metrics_counter {
	METRICS_MESSAGES_STORED,
	METRICS_MESSAGES_DELIVERED,
	METRICS_RECEIPTS_STORED,
	METRICS_ASSETS_STORED,
	METRICS_ASSET_DEDUP_HITS,
	METRICS_ASSET_BYTES,
	METRICS_REQUESTS,
	METRICS_RATE_LIMITED,
	METRICS_BAD_FRAMES,
	METRICS_COMMITS,
	METRICS_PURGED,
	METRICS_REFUSED,
	METRICS_ASSET_UPLOADS_ACTIVE,
	METRICS_ASSET_GETS,
	METRICS_GROUP_MESSAGES,
	METRICS_GROUP_DELIVERIES,
	METRICS_STORE_FAILURES,
	METRICS_DIRECTORY_COMMANDS,
	METRICS_DIRECTORY_WAKES_DROPPED,
	METRICS_DIRECTORY_CONNECTED,
	METRICS_NCOUNTERS
};

void	metrics_add(enum metrics_counter, uint64_t);
/* For a gauge: take n off (never below 0). */
void	metrics_sub(enum metrics_counter, uint64_t n);
uint64_t metrics_get(enum metrics_counter);
/* Open connections (WebSocket), adjusted by delta. */
void	metrics_connections(int delta);
/* The /metrics body; queue_depth is the current row count, groups the
 * groups on this server. Caller frees. */
char	*metrics_render(uint64_t queue_depth, uint64_t online_devices,
	    uint64_t groups);

#endif
