# cluster_bench_smoke: tests/bench/cluster-bench.sh with tiny counts, both
# ways: sequential runs (-r 1 -c "sqlite 1": one JSON line each, nothing
# lost, a transaction per natterd commit) and alternating segments
# (-i 2 -c 1: a line per segment pair, then the totals, each with a
# positive ratio; enough messages for natterd's CPU to show in clock
# ticks). A benchmark is not a timed test: this only checks that
# it runs and says what it should.
. "$(dirname "$0")/../e2e/lib.sh"
e2e_init cluster_bench_smoke
[ -x "$NATTER_BENCH_BIN" ] || fail "binary not built: $NATTER_BENCH_BIN"
BENCH=$E2E_TOP/tests/bench/cluster-bench.sh
export NATTERD_BIN NATTER_BENCH_BIN

sh "$BENCH" -r 1 -c "sqlite 1" --pairs 10 --messages 400 --window 8 \
    >"$ROOT/runs" 2>"$ROOT/runs.err" ||
    fail "cluster-bench -r exited $?: $(tail -n 5 "$ROOT/runs.err")"
python3 - "$ROOT/runs" <<'PY' || fail "runs: $(cat "$ROOT/runs")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert [o["config"] for o in lines] == ["sqlite", "1"], lines
for o in lines:
    assert o["msgs"] == 4000 and o["bench"]["lost"] == 0, o
    assert o["bench"]["dup"] == 0 and o["natterd_cpu_us_per_msg"] > 0, o
c = lines[1]
assert c["pg_rollbacks"] == 0 and c["pg_stmts_per_msg"] > 0, c
assert c["natter_commits"] > 0 and c["pg_xact"] >= c["natter_commits"], c
PY

sh "$BENCH" -i 2 -c 1 --pairs 10 --messages 400 --window 8 \
    >"$ROOT/segments" 2>"$ROOT/segments.err" ||
    fail "cluster-bench -i exited $?: $(tail -n 5 "$ROOT/segments.err")"
python3 - "$ROOT/segments" <<'PY' || fail "segments: $(cat "$ROOT/segments")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert len(lines) == 3, lines
assert [o.get("segment") for o in lines[:2]] == [1, 2], lines
total = lines[2]
assert total["segments"] == 2 and total["sqlite"]["msgs"] == 8000, total
assert total["1"]["msgs"] == 8000, total
for o in lines:
    assert o["ratio"] > 0, o
    assert o["sqlite"]["natterd_cpu_us_per_msg"] > 0, o
    assert o["1"]["natterd_cpu_us_per_msg"] > 0, o
PY
pass
