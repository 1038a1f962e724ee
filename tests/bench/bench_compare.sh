#!/bin/sh
# bench_compare: alternate natter-bench runs over several natterd
# builds, a fresh natterd and data directory per run, one line per run
# (build, 1-minute load average, natter-bench's JSON).
#   bench_compare.sh ROUNDS "BENCH-ARGS" NATTERD...
# BENCH-ARGS are natter-bench's, after --server and --json. From build/:
#   sh ../tests/bench/bench_compare.sh 6 "--mode relay --pairs 50 \
#       --messages 2000 --window 32 --size 100 --rate 25000" \
#       /tmp/old/natterd server/natterd
set -eu
[ $# -ge 3 ] || {
	echo "usage: bench_compare.sh ROUNDS BENCH-ARGS NATTERD..." >&2
	exit 2
}
rounds=$1 args=$2
shift 2
bench=${NATTER_BENCH_BIN:-tests/bench/natter-bench}
port=${BENCH_PORT:-17901}
i=0
while [ "$i" -lt "$rounds" ]; do
	for natterd in "$@"; do
		d=$(mktemp -d)
		"$natterd" --listen "127.0.0.1:$port" --data "$d" --sync full \
		    --log-level error &
		pid=$!
		k=0
		until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do
			k=$((k + 1))
			[ "$k" -lt 100 ] || { echo "natterd did not start" >&2; exit 1; }
			sleep 0.1
		done
		# shellcheck disable=SC2086
		out=$("$bench" --server "ws://127.0.0.1:$port" --json $args) ||
		    out="failed: $out"
		echo "$natterd $(cut -d' ' -f1 /proc/loadavg) $out"
		kill "$pid"
		wait "$pid" 2>/dev/null || true
		rm -rf "$d"
	done
	i=$((i + 1))
done
