# server_http: natterd's HTTP side: /healthz, /metrics (every contract
# metric, counters that move), 404 answers, the asset routes' first refusals
# (server_assets*.sh test the rest), WebSocket only at /v1/ws.
. "$(dirname "$0")/../tools/server-e2e.sh"
sv_init server_http
start_server

assert_eq "$(curl -fsS -m 5 "$HTTP/healthz")" "ok" "/healthz body"
code=$(curl -s -o /dev/null -w '%{http_code}' -m 5 "$HTTP/healthz")
assert_eq "$code" 200 "/healthz status"

curl -fsS -m 5 "$HTTP/metrics" >"$ROOT/metrics" || fail "/metrics"
for m in natter_connections natter_messages_stored_total \
    natter_messages_delivered_total natter_queue_depth \
    natter_assets_stored_total natter_asset_dedup_hits_total \
    natter_asset_bytes process_cpu_seconds_total \
    process_resident_memory_bytes; do
	grep -Eq "^$m [0-9.e+]+\$" "$ROOT/metrics" || fail "/metrics lacks $m"
	grep -q "^# TYPE $m " "$ROOT/metrics" || fail "/metrics: no TYPE for $m"
done
rss=$(metric process_resident_memory_bytes)
[ "$rss" -gt 1000000 ] || fail "resident memory looks wrong: $rss"

code=$(curl -s -o /dev/null -w '%{http_code}' -m 5 "$HTTP/nothing-here")
assert_eq "$code" 404 "unknown path"
code=$(curl -s -o /dev/null -w '%{http_code}' -m 5 "$HTTP/v1/assets/abc")
assert_eq "$code" 400 "a malformed blob id"
code=$(curl -s -o /dev/null -w '%{http_code}' -m 5 -X POST \
    --data-binary "blob" "$HTTP/v1/assets")
assert_eq "$code" 401 "an upload without a token"

# A WebSocket upgrade anywhere but /v1/ws is refused.
code=$(curl -s -o /dev/null -w '%{http_code}' -m 5 --http1.1 \
    -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
    -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Protocol: natter.v1' \
    -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' "$HTTP/elsewhere")
assert_ne "$code" 101 "upgrade at /elsewhere"

# Counters move with traffic; the queue depth follows it.
roundtrip http1
assert_eq "$(metric natter_messages_stored_total)" 1 "stored after a send"
assert_eq "$(metric natter_messages_delivered_total)" 1 "delivered after ack"
assert_eq "$(metric natter_queue_depth)" 0 "queue empty after acks"
probe register http-c >/dev/null || fail "register http-c"
probe auth rt-http1-a send http-c one send http-c two >/dev/null ||
    fail "send to http-c"
assert_eq "$(metric natter_queue_depth)" 2 "queue depth with 2 waiting"
still_serving http2
pass
