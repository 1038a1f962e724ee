#!/bin/sh
# assets_client: natter-bench --mode assets, RUNS times, each against a
# fresh natterd on loopback (the e2e harness's start_server) with a fresh
# file of random bytes, beside `openssl dgst -sha256` over the same file
# (docs/benchmarks.md, "Assets (files)").
#   assets_client.sh SIZE [RUNS]      (default 3 runs)
# NATTERD_BIN, NATTER_PROBE_BIN and NATTER_BENCH_BIN name the binaries
# (default: ./build).
. "$(dirname "$0")/../tools/server-e2e.sh"
NATTER_BENCH_BIN=${NATTER_BENCH_BIN:-$E2E_TOP/build/tests/bench/natter-bench}
sv_init bench_assets_client
[ -x "$NATTER_BENCH_BIN" ] || fail "binary not built: $NATTER_BENCH_BIN"
size=${1:?usage: assets_client.sh SIZE [RUNS]}
runs=${2:-3}

i=0
while [ "$i" -lt "$runs" ]; do
	i=$((i + 1))
	rm -rf "$DATA"
	mkdir -p "$DATA"
	start_server --max-asset $((size * 2 + 1048576))
	head -c "$size" /dev/urandom >"$ROOT/file.bin"
	sync
	t0=$(date +%s%N)
	openssl dgst -sha256 "$ROOT/file.bin" >/dev/null
	t1=$(date +%s%N)
	echo "run $i: openssl dgst -sha256 $((size * 1000 / (t1 - t0))) MB/s," \
	    "load $(cut -d' ' -f1-3 /proc/loadavg)"
	TMPDIR=$ROOT "$NATTER_BENCH_BIN" --server "$URL" --mode assets \
	    --file "$ROOT/file.bin" --json || fail "natter-bench exited $?"
	stop_server || fail "natterd exited $?"
	rm -f "$ROOT/file.bin"
done
