# server_storm: a reconnect storm. STORM_DEVICES receivers (default 200;
# 2,000 in tests/long/server_storm_long.sh) each have 20 messages queued and
# all reconnect at once: every message is drained exactly once, no
# connection is refused, and natterd's memory stays bounded.
. "$(dirname "$0")/../tools/server-e2e.sh"
sv_init server_storm
[ -x "$NATTER_BENCH_BIN" ] || fail "binary not built: $NATTER_BENCH_BIN"
# Freed memory in ASan's quarantine would count as growth: keep it small.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"
export ASAN_OPTIONS
devices=${STORM_DEVICES:-200}
# All the devices connect from 127.0.0.1: no per-address cap.
NATTERD_MAX_PER_IP=0
export NATTERD_MAX_PER_IP
start_server --sync full
rss0=$(metric process_resident_memory_bytes)

timeout -k 5 900 "$NATTER_BENCH_BIN" --server "$URL" --mode offline \
    --pairs "$devices" --messages 20 --json >"$ROOT/storm" \
    2>"$ROOT/storm.err" ||
    fail "storm: exit $?: $(cat "$ROOT/storm" "$ROOT/storm.err")"
python3 - "$ROOT/storm" <<'PY' || fail "storm: $(cat "$ROOT/storm")"
import json, sys
o = json.loads(open(sys.argv[1]).read())
assert o["lost"] == 0 and o["dup"] == 0, o
PY
# The last acks may still be on their way when the bench exits.
i=0
while [ "$(metric natter_queue_depth)" != 0 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
assert_eq "$(metric natter_queue_depth)" 0 "everything drained and acked"
rss1=$(metric process_resident_memory_bytes)
grow=$(( (rss1 - rss0) / 1048576 ))
echo "# $devices devices: rss $rss0 -> $rss1 (+$grow MiB): $(cat "$ROOT/storm")"
# 2 x devices connections at ~6 KB plus SQLite's page cache (8 MiB).
limit=$(( 32 + devices * 2 * 16 / 1024 ))
[ "$grow" -le "$limit" ] || fail "memory grew by $grow MiB (limit $limit)"
still_serving storm
pass
