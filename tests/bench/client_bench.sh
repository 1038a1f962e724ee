#!/bin/sh
# client_bench: the client's costs against a real natterd on loopback.
#   client_bench.sh [SENDS]      (default 2000; SENDS=20 is a smoke run)
# Prints the wall time of a one-shot `natter send` (process start to exit,
# median of 20) and the sends per second through one `natter rpc` fed SENDS
# requests, with natterd's commit count over that run.
# NATTER_BIN / NATTERD_BIN name the binaries (default: ./build); extra
# natterd flags in NATTERD_FLAGS (e.g. "--sync normal").
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
natter=${NATTER_BIN:-$top/build/client/natter}
natterd=${NATTERD_BIN:-$top/build/server/natterd}
n=${1:-2000}
root=$(mktemp -d "${TMPDIR:-/tmp}/natter-cbench.XXXXXX")
spid=""
cleanup()
{
	[ -z "$spid" ] || { kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; }
	rm -rf "$root"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
url=ws://127.0.0.1:$port
# shellcheck disable=SC2086
"$natterd" ${NATTERD_FLAGS:-} --listen "127.0.0.1:$port" \
    --data "$root/server" >"$root/natterd.log" 2>&1 &
spid=$!
i=0
until curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 200 ] || { echo "client_bench: natterd did not start" >&2; exit 1; }
	sleep 0.05
done
export NATTER_PASSPHRASE="bench passphrase"
nat()
{
	u=$1
	shift
	"$natter" --home "$root/$u" --server "$url" "$@" </dev/null
}
commits()
{
	curl -fs "http://127.0.0.1:$port/metrics" |
	    awk '/^natter_commits_total /{ print $2 }'
}
nat alice register alice >/dev/null
nat bob register bob >/dev/null
nat alice send bob warm-up >/dev/null

python3 - "$natter" "$root/alice" "$url" <<'PY'
import statistics, subprocess, sys, time
t = []
for i in range(20):
    a = time.perf_counter()
    subprocess.run([sys.argv[1], "--home", sys.argv[2], "--server",
        sys.argv[3], "send", "bob", "one-shot %d" % i], check=True,
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    t.append((time.perf_counter() - a) * 1000)
print("one-shot send: median %.0f ms (min %.0f, max %.0f; 20 runs)" %
    (statistics.median(t), min(t), max(t)))
PY

python3 -c "
import json
for i in range($n):
    print(json.dumps({'jsonrpc': '2.0', 'id': i, 'method': 'send',
        'params': {'to': 'bob', 'text': 'rpc message %d' % i}}))
" >"$root/in"
c0=$(commits)
t0=$(date +%s%N)
"$natter" --home "$root/alice" --server "$url" rpc <"$root/in" >"$root/out"
t1=$(date +%s%N)
c1=$(commits)
ok=$(grep -c '"result"' "$root/out" || :)
[ "$ok" = "$n" ] || { echo "client_bench: $ok of $n sends succeeded" >&2; exit 1; }
ms=$(((t1 - t0) / 1000000))
echo "rpc: $n sends in $ms ms = $((n * 1000 / (ms > 0 ? ms : 1))) sends/s; natterd commits: $((c1 - c0))"
