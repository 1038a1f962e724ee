#!/bin/sh
# assets_client: natter-bench --mode assets, RUNS times, each against a
# fresh natterd on loopback with a fresh file of random bytes, beside
# `openssl dgst -sha256` over the same file (docs/benchmarks.md, "Assets
# (files)").
#   assets_client.sh SIZE [RUNS]      (default 3 runs)
# NATTERD_BIN / NATTER_BENCH_BIN name the binaries (default: ./build).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
natterd=${NATTERD_BIN:-$top/build/server/natterd}
bench=${NATTER_BENCH_BIN:-$top/build/tests/bench/natter-bench}
size=$1
runs=${2:-3}
root=$(mktemp -d "${TMPDIR:-/tmp}/natter-abench.XXXXXX")
spid=""
cleanup()
{
	[ -z "$spid" ] || { kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null || :; }
	rm -rf "$root"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ns()
{
	date +%s%N
}

i=0
while [ "$i" -lt "$runs" ]; do
	i=$((i + 1))
	port=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
	rm -rf "$root/server"
	"$natterd" --listen "127.0.0.1:$port" --data "$root/server" \
	    --max-asset $((size * 2 + 1048576)) >"$root/natterd.log" 2>&1 &
	spid=$!
	n=0
	until curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do
		n=$((n + 1))
		[ $n -lt 200 ] || { echo "assets_client: natterd did not start" >&2; exit 1; }
		sleep 0.05
	done
	head -c "$size" /dev/urandom >"$root/file.bin"
	sync
	t0=$(ns)
	openssl dgst -sha256 "$root/file.bin" >/dev/null
	t1=$(ns)
	echo "run $i: openssl dgst -sha256 $((size * 1000 / (t1 - t0))) MB/s," \
	    "load $(cut -d' ' -f1-3 /proc/loadavg)"
	"$bench" --server "ws://127.0.0.1:$port" --mode assets \
	    --file "$root/file.bin" --json
	kill "$spid"
	wait "$spid" || :
	spid=""
	rm -f "$root/file.bin"
done
