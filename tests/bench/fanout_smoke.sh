# fanout_smoke: natter-bench --mode fanout against a fresh natterd with tiny
# counts (2 groups x 5 members x 20 messages, then a paced run): one JSON
# line with the contract's keys (DESIGN.md section 9) and the documented
# extras, every delivery counted once, nothing lost, duplicated or out of
# order; bad flags are usage errors.
. "$(dirname "$0")/../tools/server-e2e.sh"
sv_init bench_fanout_smoke
[ -x "$NATTER_BENCH_BIN" ] || fail "binary not built: $NATTER_BENCH_BIN"
start_server --sync full

bench()
{
	timeout -k 5 120 "$NATTER_BENCH_BIN" --server "$URL" --mode fanout \
	    "$@" 2>>"$ROOT/bench.err"
}

# check FILE G N M: one JSON line, the contract's keys (and only the
# extras docs/benchmarks.md names), deliveries = G x M x (N - 1).
check()
{
	python3 - "$@" <<'PY' || fail "fanout $2x$3: $(cat "$1")"
import json, sys
path, g, n, m = sys.argv[1], *map(int, sys.argv[2:])
lines = [l for l in open(path).read().splitlines() if l.strip()]
assert len(lines) == 1, "want one line"
o = json.loads(lines[0])
contract = ["mode", "groups", "members", "messages", "deliveries", "seconds",
    "deliveries_per_s", "p50_ms", "p99_ms", "max_ms", "lost", "dup",
    "server_cpu_us_per_delivery"]
extra = ["client_cpu_us_per_delivery", "receipts", "receipts_seconds",
    "disorder", "mismatches", "setup_seconds"]
assert list(o)[:len(contract)] == contract, "keys: %s" % list(o)
assert sorted(o) == sorted(contract + extra), "keys: %s" % sorted(o)
assert o["mode"] == "fanout"
for k in contract[1:] + extra:
    assert isinstance(o[k], (int, float)) and o[k] >= 0, k
assert (o["groups"], o["members"], o["messages"]) == (g, n, m)
assert o["deliveries"] == g * m * (n - 1), "deliveries"
assert o["receipts"] == o["deliveries"], "receipts"
assert o["lost"] == 0 and o["dup"] == 0 and o["disorder"] == 0
assert o["deliveries_per_s"] > 0 and o["server_cpu_us_per_delivery"] > 0
assert o["p50_ms"] <= o["p99_ms"] <= o["max_ms"]
PY
}

bench --groups 2 --members 5 --messages 20 --window 4 --json >"$ROOT/w4" ||
    fail "fanout exited $?: $(cat "$ROOT/bench.err")"
check "$ROOT/w4" 2 5 20
bench --groups 1 --members 3 --messages 20 --window 1 --rate 200 --size 1000 \
    --json >"$ROOT/paced" || fail "paced fanout exited $?: $(cat "$ROOT/bench.err")"
check "$ROOT/paced" 1 3 20

assert_exit 2 "unknown flag" "$NATTER_BENCH_BIN" --mode fanout --bogus
assert_exit 2 "one member" "$NATTER_BENCH_BIN" --mode fanout --members 1
assert_exit 2 "too many members" "$NATTER_BENCH_BIN" --mode fanout \
    --members 1025
stop_server
assert_exit 1 "no server" timeout 60 "$NATTER_BENCH_BIN" --server "$URL" \
    --mode fanout --groups 1 --members 2 --messages 1
pass
