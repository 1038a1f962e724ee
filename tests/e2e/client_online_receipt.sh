#!/bin/sh
# client_online_receipt: a listening recipient gets a message live; the
# sender sees the "delivered" receipt (later recv, and live over rpc).
. "$(dirname "$0")/lib.sh"
e2e_init client_online_receipt

start_server
register alice bob

nat_bg bob "$ROOT/bob.listen" --json listen
listener=$BG_PID

log "alice sends while bob listens"
send_cli alice bob live 1 "$ROOT/sent"
check_sent "$ROOT/sent" bob
id1=$(jl "$ROOT/sent" 'L[0]["id"]')
wait_for 15 grep -q '"live-1"' "$ROOT/bob.listen" ||
    fail "bob's listen did not print the message within 15 s: $(cat "$ROOT/bob.listen" "$ROOT/bob.listen.err")"
check_messages "$ROOT/bob.listen" alice bob live 1 "$ROOT/sent"

log "a later recv on alice's side shows the delivered receipt"
has_receipt()
{
	nat alice --json recv >>"$ROOT/alice.recv" 2>>"$ROOT/alice.recv.err" ||
	    return 1
	[ "$(jl "$ROOT/alice.recv" 'len([o for o in L if o.get("type") ==
	    "receipt" and o.get("id") == "'"$1"'" and o.get("status") ==
	    "delivered" and o.get("by") == "bob" and isinstance(o.get("ts"),
	    int)])')" -ge 1 ]
}
wait_for 20 has_receipt "$id1" ||
    fail "no delivered receipt for $id1 by bob: $(cat "$ROOT/alice.recv" "$ROOT/alice.recv.err")"
assert_eq "$(count_type "$ROOT/alice.recv" receipt)" 1 \
    "receipts printed to alice (each exactly once)"

log "alice over rpc: send, then the receipt arrives live as a notification"
rpc_sends "$ROOT/rpc.in" bob rpc 1
echo '#wait receive 1' >>"$ROOT/rpc.in"
rpc_run alice "$ROOT/rpc.in" "$ROOT/rpc.out" ||
    fail "rpc: $(cat "$ROOT/rpc.out" "$ROOT/rpc.out.err")"
id2=$(jl "$ROOT/rpc.out" '[o["result"]["id"] for o in L if o.get("id") == 1][0]') ||
    fail "no send result: $(cat "$ROOT/rpc.out")"
r=$(jl "$ROOT/rpc.out" '[o["params"]["status"] + " " + o["params"]["by"] for o
    in L if o.get("method") == "receive" and o["params"].get("type") ==
    "receipt" and o["params"].get("id") == "'"$id2"'"]')
assert_eq "$r" '["delivered bob"]' "live receipt notification"
wait_for 15 grep -q '"rpc-1"' "$ROOT/bob.listen" ||
    fail "bob's listen did not print rpc-1"
assert_eq "$(count_type "$ROOT/bob.listen" message)" 2 "messages printed by listen"

bg_stop "$listener"
assert_eq "$?" 0 "listen exit status on SIGTERM"
log "what listen printed is not printed again by recv"
nat bob --json recv >"$ROOT/bob.recv" || fail "bob recv exit $?"
assert_eq "$(count_type "$ROOT/bob.recv" message)" 0 "messages re-printed by recv"
pass
