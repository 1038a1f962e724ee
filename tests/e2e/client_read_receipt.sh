#!/bin/sh
# client_read_receipt: `natter read` marks received messages read and sends
# an encrypted read receipt; the sender's recv shows each "read" receipt
# once and its history shows the messages as read; a receipt queued while
# the server is down goes out with the next connection; rpc method "read".
. "$(dirname "$0")/lib.sh"
e2e_init client_read_receipt

start_server
register alice bob

log "nothing to read before anything arrived"
out=$(nat bob --json read alice) || fail "read exit $?"
printf '%s\n' "$out" >"$ROOT/read0"
assert_eq "$(jl "$ROOT/read0" 'L[0]["type"], L[0]["peer"], L[0]["count"]')" \
    '["read", "alice", 0]' "read with nothing received"

send_cli alice bob hi 3 "$ROOT/sent"
ids=$(jl "$ROOT/sent" 'sorted(o["id"] for o in L)')
nat bob --json recv >"$ROOT/bob.recv" || fail "bob recv exit $?"
check_messages "$ROOT/bob.recv" alice bob hi 3 "$ROOT/sent"

log "alice sees delivered receipts, and no read receipt yet"
nat alice --json recv >"$ROOT/alice.recv0" || fail "alice recv exit $?"
# The server queues delivered receipts when bob acks: they are all there.
assert_eq "$(jl "$ROOT/alice.recv0" 'sorted(o["id"] for o in L if
    o.get("type") == "receipt" and o["status"] == "delivered")')" "$ids" \
    "delivered receipts before bob read anything"
assert_eq "$(jl "$ROOT/alice.recv0" 'len([o for o in L if
    o.get("status") == "read"])')" 0 "read receipts before bob read anything"

log "bob reads: 3 marked, a second read marks none"
nat bob --json read alice >"$ROOT/read1" || fail "read exit $?"
assert_eq "$(jl "$ROOT/read1" 'L[0]["type"], L[0]["peer"], L[0]["count"]')" \
    '["read", "alice", 3]' "first read"
nat bob read alice >"$ROOT/read2" || fail "read exit $?"
assert_eq "$(cat "$ROOT/read2")" "nothing unread from alice" "second read"

log "alice's recv prints each read receipt once, by bob"
reads()
{
	nat alice --json recv >>"$ROOT/alice.recv" 2>>"$ROOT/alice.recv.err" ||
	    return 1
	[ "$(jl "$ROOT/alice.recv" 'len([o for o in L if
	    o.get("status") == "read"])')" -ge "$1" ]
}
wait_for 20 reads 3 ||
    fail "read receipts missing: $(cat "$ROOT/alice.recv" "$ROOT/alice.recv.err")"
assert_eq "$(jl "$ROOT/alice.recv" 'sorted(o["id"] for o in L if
    o.get("type") == "receipt" and o["status"] == "read" and
    o["by"] == "bob" and isinstance(o["ts"], int))')" "$ids" \
    "read receipts: one per message, by bob"
nat alice --json recv >"$ROOT/alice.again" || fail "alice recv exit $?"
assert_eq "$(count_type "$ROOT/alice.again" receipt)" 0 "receipts printed again"
nat alice --json history bob >"$ROOT/alice.hist" || fail "history exit $?"
assert_eq "$(jl "$ROOT/alice.hist" '[m["status"] for m in L]')" \
    '["read", "read", "read"]' "alice's history shows the messages read"
nat bob --json history alice >"$ROOT/bob.hist" || fail "history exit $?"
assert_eq "$(jl "$ROOT/bob.hist" '[m["text"] for m in L]')" \
    '["hi-1", "hi-2", "hi-3"]' "bob's history keeps the messages"

log "a receipt queued while the server is down goes out later"
send_cli alice bob late 1 "$ROOT/sent2"
nat bob --json recv >/dev/null || fail "bob recv exit $?"
stop_server || fail "natterd exit status $? on SIGTERM"
nat bob read alice >"$ROOT/read3" 2>&1
assert_eq "$?" 1 "read exit status with the server down"
assert_contains "$(cat "$ROOT/read3")" "stays in the outbox" "read error"
nat bob read alice >"$ROOT/read4" 2>&1 || fail "second read exit $?"
assert_eq "$(cat "$ROOT/read4")" "nothing unread from alice" \
    "the message stays marked read"
restart_server
# bob's next send carries the queued receipt out first (the outbox is FIFO).
send_cli bob alice flush 1 "$ROOT/sent3"
late=$(jl "$ROOT/sent2" 'L[0]["id"]')
wait_for 20 reads 4 ||
    fail "the queued read receipt did not arrive: $(tail -n 5 "$ROOT/alice.recv")"
assert_eq "$(jl "$ROOT/alice.recv" '[o["id"] for o in L if
    o.get("status") == "read"][-1]')" "$late" "the late message's receipt"

log "rpc: method read"
send_cli alice bob rpc 2 "$ROOT/sent4"
nat bob --json recv >/dev/null || fail "bob recv exit $?"
cat >"$ROOT/rpc.in" <<'EOF'
{"jsonrpc":"2.0","id":1,"method":"read","params":{"to":"alice"}}
{"jsonrpc":"2.0","id":2,"method":"read","params":{"to":"alice"}}
{"jsonrpc":"2.0","id":3,"method":"read","params":{"to":"no such"}}
EOF
rpc_run bob "$ROOT/rpc.in" "$ROOT/rpc.out" ||
    fail "rpc: $(cat "$ROOT/rpc.out" "$ROOT/rpc.out.err")"
assert_eq "$(jl "$ROOT/rpc.out" '[(o["id"], o.get("result", {}).get("count"),
    o.get("error", {}).get("code")) for o in L if "id" in o]')" \
    '[[1, 2, null], [2, 0, null], [3, null, -32602]]' "rpc read results"
wait_for 20 reads 6 ||
    fail "rpc read receipts missing: $(tail -n 5 "$ROOT/alice.recv")"

log "300 unread: two receipts (at most 256 ids each), every id read once"
rpc_sends "$ROOT/bulk.in" bob bulk 300
rpc_run alice "$ROOT/bulk.in" "$ROOT/bulk.out" 32 ||
    fail "rpc: $(cat "$ROOT/bulk.out.err")"
nat bob --json recv >"$ROOT/bob.bulk" || fail "bob recv exit $?"
check_messages "$ROOT/bob.bulk" alice bob bulk 300
nat bob --json read alice >"$ROOT/read5" || fail "read exit $?"
assert_eq "$(jl "$ROOT/read5" 'L[0]["count"]')" 300 "messages marked"
wait_for 30 reads 306 ||
    fail "bulk read receipts missing: $(jl "$ROOT/alice.recv" 'len(L)')"
assert_eq "$(jl "$ROOT/alice.recv" 'len([o for o in L if
    o.get("status") == "read"]) - len(set(o["id"] for o in L if
    o.get("status") == "read"))')" 0 "read receipts printed twice"
ids=$(jl "$ROOT/bulk.out" 'sorted(o["result"]["id"] for o in L if "result" in o)')
assert_eq "$(jl "$ROOT/alice.recv" 'sorted(set(o["id"] for o in L if
    o.get("status") == "read") & set('"$ids"'))')" "$ids" \
    "every bulk message read"
pass
