#!/bin/sh
# client_restart: natterd stopped (SIGTERM) or killed (-9) and restarted
# between send and recv loses nothing.
. "$(dirname "$0")/lib.sh"
e2e_init client_restart

start_server
register alice bob

send_cli alice bob before-term 20 "$ROOT/sent1"
log "SIGTERM natterd, restart on the same port and data dir"
stop_server
assert_eq "$?" 0 "natterd exit status on SIGTERM"
restart_server
nat bob --json recv >"$ROOT/r1" 2>"$ROOT/r1.err" ||
    fail "recv exit $?: $(cat "$ROOT/r1.err")"
check_messages "$ROOT/r1" alice bob before-term 20 "$ROOT/sent1"

send_cli alice bob before-kill 20 "$ROOT/sent2"
log "kill -9 natterd right after the sends, restart"
kill9_server
restart_server
nat bob --json recv >"$ROOT/r2" 2>"$ROOT/r2.err" ||
    fail "recv exit $?: $(cat "$ROOT/r2.err")"
check_messages "$ROOT/r2" alice bob before-kill 20 "$ROOT/sent2"

log "the receipts survive the restarts too"
restart_server
nat alice --json recv >"$ROOT/a" || fail "alice recv exit $?"
cat "$ROOT/sent1" "$ROOT/sent2" >"$ROOT/sent"
want=$(jl "$ROOT/sent" 'sorted(o["id"] for o in L)')
got=$(jl "$ROOT/a" 'sorted(o["id"] for o in L if o.get("type") == "receipt"
    and o.get("status") == "delivered" and o.get("by") == "bob")')
assert_eq "$got" "$want" "delivered receipts, one per sent message"
pass
