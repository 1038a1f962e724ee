# server_smoke: natter-bench's relay, offline and idle modes against a real
# natterd with tiny counts: the JSON line has the contract's keys (DESIGN.md
# section 9), nothing is lost or duplicated, and bad flags are usage errors.
. "$(dirname "$0")/../tools/server-e2e.sh"
sv_init bench_server_smoke
[ -x "$NATTER_BENCH_BIN" ] || fail "binary not built: $NATTER_BENCH_BIN"
start_server --sync full

bench()
{
	timeout -k 5 120 "$NATTER_BENCH_BIN" --server "$URL" "$@" \
	    2>>"$ROOT/bench.err"
}

# check FILE MODE KEYS...: one JSON line, exactly these keys, lost=dup=0.
check()
{
	python3 - "$@" <<'PY' || fail "$2: $(cat "$1")"
import json, sys
path, mode, keys = sys.argv[1], sys.argv[2], sys.argv[3:]
lines = [l for l in open(path).read().splitlines() if l.strip()]
assert len(lines) == 1, "want one line"
o = json.loads(lines[0])
assert sorted(o) == sorted(["mode"] + keys), "keys: %s" % sorted(o)
assert o["mode"] == mode, o["mode"]
for k in keys:
    assert isinstance(o[k], (int, float)) and o[k] >= 0, k
if "lost" in o:
    assert o["lost"] == 0 and o["dup"] == 0, "lost or dup"
    assert o["msgs_per_s"] > 0 and o["server_cpu_us_per_msg"] > 0
    assert o["p50_ms"] <= o["p99_ms"] <= o["max_ms"]
PY
}

relay_keys="pairs messages seconds msgs_per_s p50_ms p99_ms max_ms lost dup
server_cpu_us_per_msg"
bench --mode relay --pairs 3 --messages 50 --window 4 --json >"$ROOT/relay" ||
    fail "relay exited $?: $(cat "$ROOT/bench.err")"
check "$ROOT/relay" relay $relay_keys
bench --mode relay --pairs 2 --messages 40 --rate 400 --size 1000 --json \
    >"$ROOT/paced" || fail "paced relay exited $?: $(cat "$ROOT/bench.err")"
check "$ROOT/paced" relay $relay_keys
bench --mode offline --pairs 3 --messages 50 --json >"$ROOT/offline" ||
    fail "offline exited $?: $(cat "$ROOT/bench.err")"
check "$ROOT/offline" offline $relay_keys store_msgs_per_s drain_msgs_per_s
bench --mode idle --connections 20 --json >"$ROOT/idle" ||
    fail "idle exited $?: $(cat "$ROOT/bench.err")"
check "$ROOT/idle" idle connections server_rss_bytes rss_per_conn_bytes

assert_exit 2 "unknown flag" "$NATTER_BENCH_BIN" --mode relay --bogus
assert_exit 2 "bad number" "$NATTER_BENCH_BIN" --mode relay --pairs 0
assert_exit 2 "rate in offline" "$NATTER_BENCH_BIN" --mode offline --rate 5
# A server that is not there is a runtime failure, not a hang.
stop_server
assert_exit 1 "no server" timeout 60 "$NATTER_BENCH_BIN" --server "$URL" \
    --mode idle --connections 2
pass
