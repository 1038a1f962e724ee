# server_assets_slowdisk: natterd's upload writer on a slow disk
# (NATTERD_TEST_WRITE_DELAY_MS): natterd stops reading the body while the
# writer catches up, so a 128 MiB upload over loopback grows its memory
# by a few MiB (under 32 MiB, sanitizers included), not by the blob; the
# blob is stored whole, and other clients are answered meanwhile.
. "$(dirname "$0")/../tools/assets-e2e.sh"
sv_init server_assets_slowdisk
NATTERD_TEST_WRITE_DELAY_MS=25
export NATTERD_TEST_WRITE_DELAY_MS
start_server

tok=$(asset_token alice)
make_blob "$ROOT/big" 134217728
id=$(blob_id "$ROOT/big")
rss0=$(metric process_resident_memory_bytes)
(upload "$ROOT/big" "$tok" >"$ROOT/code") &
up=$!
peak=$rss0
healthy=0
while kill -0 "$up" 2>/dev/null; do
	rss=$(metric process_resident_memory_bytes)
	[ -n "$rss" ] && [ "$rss" -gt "$peak" ] && peak=$rss
	curl -fs -m 2 -o /dev/null "$HTTP/healthz" && healthy=$((healthy + 1))
	sleep 0.1
done
wait "$up"
assert_eq "$(cat "$ROOT/code")" 201 "the upload on a slow disk"
grow=$((peak - rss0))
log "128 MiB on a slow disk: natterd grew by $grow bytes; $healthy health checks answered meanwhile"
[ "$grow" -lt 33554432 ] ||
    fail "natterd held the body in memory: it grew by $grow bytes"
[ "$healthy" -gt 3 ] || fail "natterd answered $healthy health checks meanwhile"
curl -fsS -o "$ROOT/back" "$HTTP/v1/assets/$id" || fail "GET the blob"
cmp -s "$ROOT/back" "$ROOT/big" || fail "the blob read back differs"
pass
