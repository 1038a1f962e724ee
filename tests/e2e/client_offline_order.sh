#!/bin/sh
# client_offline_order: 200 messages to an offline recipient arrive in
# order, exactly once; a second recv prints nothing new.
. "$(dirname "$0")/lib.sh"
e2e_init client_offline_order
N=${N_MESSAGES:-200}

start_server
register alice bob

log "alice sends $N messages while bob is offline"
t0=$(now_ms)
send_cli alice bob off "$N" "$ROOT/sent"
log "sent $N in $(($(now_ms) - t0)) ms"
check_sent "$ROOT/sent" bob
assert_eq "$(line_count "$ROOT/sent")" "$N" "sent count"
assert_eq "$(jl "$ROOT/sent" 'len(set(o["id"] for o in L))')" "$N" \
    "distinct message ids from send"

log "bob comes online: recv"
nat bob --json recv >"$ROOT/recv1" 2>"$ROOT/recv1.err" ||
    fail "recv exit $?: $(cat "$ROOT/recv1.err")"
check_messages "$ROOT/recv1" alice bob off "$N" "$ROOT/sent"

log "second recv prints nothing new"
nat bob --json recv >"$ROOT/recv2" 2>"$ROOT/recv2.err" ||
    fail "second recv exit $?: $(cat "$ROOT/recv2.err")"
assert_eq "$(count_type "$ROOT/recv2" message)" 0 "messages in second recv"
assert_eq "$(count_type "$ROOT/recv2" receipt)" 0 "receipts in second recv"

log "history on bob's side still has all $N"
nat bob --json history alice --limit "$((N + 10))" >"$ROOT/hist" ||
    fail "history exit $?"
check_messages "$ROOT/hist" alice bob off "$N"
pass
