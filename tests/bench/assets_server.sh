#!/bin/sh
# assets_server: natterd's asset service against curl over loopback.
#   assets_server.sh [BYTES]     (default 1 GiB; CTest's smoke: 16 MiB)
# Writes a random blob, times `openssl dgst -sha256` over it (the hash's
# own speed), one upload (POST, curl -T: streamed, hashed, fsynced,
# renamed) and three downloads (GET to /dev/null), sampling natterd's
# VmRSS every 50 ms. Prints one JSON line:
# {"bytes","sha256_mb_per_s","upload_mb_per_s","download_mb_per_s" (the
# best of three),"rss_before_kb","rss_max_upload_kb","rss_max_download_kb"}.
# NATTERD_BIN and NATTER_PROBE_BIN name the binaries (default: ./build).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
natterd=${NATTERD_BIN:-$top/build/server/natterd}
probe=${NATTER_PROBE_BIN:-$top/build/tests/tools/natter-probe}
bytes=${1:-1073741824}
root=$(mktemp -d "${TMPDIR:-/tmp}/natter-abench.XXXXXX")
spid=""
sampler=""
cleanup()
{
	[ -n "$sampler" ] && kill "$sampler" 2>/dev/null
	[ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	rm -rf "$root"
}
trap cleanup EXIT INT TERM
port=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
http=http://127.0.0.1:$port
"$natterd" --listen "127.0.0.1:$port" --data "$root/data" 2>"$root/log" &
spid=$!
i=0
until curl -fs -m 2 "$http/healthz" >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 200 ] || { echo "natterd did not start" >&2; exit 1; }
	sleep 0.05
done
mkdir "$root/keys"
"$probe" -k "$root/keys" "127.0.0.1:$port" register bench >/dev/null
tok=$("$probe" -k "$root/keys" "127.0.0.1:$port" auth bench token |
    awk '$1 == "token" && $2 == "OK" { print $3 }')
[ -n "$tok" ] || { echo "no asset token" >&2; exit 1; }
head -c "$bytes" /dev/urandom >"$root/blob"

now() { date +%s.%N; }
rate() { python3 -c "import sys; print(round($bytes / 1e6 / ($2 - $1), 1))"; }
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$spid/status"; }
sample() { while :; do rss; sleep 0.05; done >"$root/rss.$1"; }
peak() { sort -n "$root/rss.$1" | tail -n 1; }

t0=$(now)
id=$(openssl dgst -sha256 -r "$root/blob" | cut -c1-64)
t1=$(now)
sha=$(rate "$t0" "$t1")
before=$(rss)
sample up &
sampler=$!
t0=$(now)
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -T "$root/blob" \
    -H "Authorization: Bearer $tok" -H "Asset-Sha256: $id" "$http/v1/assets")
t1=$(now)
kill "$sampler"
sampler=""
[ "$code" = 201 ] || { echo "upload: $code" >&2; exit 1; }
up=$(rate "$t0" "$t1")
sample down &
sampler=$!
down=0
for i in 1 2 3; do
	t0=$(now)
	code=$(curl -s -o /dev/null -w '%{http_code}' "$http/v1/assets/$id")
	t1=$(now)
	[ "$code" = 200 ] || { echo "download: $code" >&2; exit 1; }
	r=$(rate "$t0" "$t1")
	down=$(python3 -c "print(max($down, $r))")
done
kill "$sampler"
sampler=""
printf '{"bytes":%s,"sha256_mb_per_s":%s,"upload_mb_per_s":%s,' \
    "$bytes" "$sha" "$up"
printf '"download_mb_per_s":%s,"rss_before_kb":%s,"rss_max_upload_kb":%s,' \
    "$down" "$before" "$(peak up)"
printf '"rss_max_download_kb":%s}\n' "$(peak down)"
