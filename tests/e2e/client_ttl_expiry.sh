#!/bin/sh
# client_ttl_expiry: with natterd --message-ttl 2s a message left in the
# queue past its expiry is never delivered; fresh ones still are.
. "$(dirname "$0")/lib.sh"
e2e_init client_ttl_expiry

start_server --message-ttl 2s
register alice bob

log "establish the session first (so only the TTL is tested)"
send_cli alice bob hello 1 "$ROOT/sent0"
nat bob --json recv >"$ROOT/r0" || fail "recv exit $?"
check_messages "$ROOT/r0" alice bob hello 1

log "alice sends a message; bob stays offline past the 2 s TTL"
send_cli alice bob expire 1 "$ROOT/sent1"
ts=$(jl "$ROOT/sent1" 'L[0]["ts"]')
expired()
{
	[ "$(now_ms)" -gt $((ts + 2000 + 500)) ]
}
wait_for 10 expired || fail "clock did not pass the expiry"
send_cli alice bob fresh 1 "$ROOT/sent2"

log "bob: only the fresh message"
nat bob --json recv >"$ROOT/r1" 2>"$ROOT/r1.err" ||
    fail "recv exit $?: $(cat "$ROOT/r1.err")"
grep -q '"expire-1"' "$ROOT/r1" && fail "the expired message was delivered"
check_messages "$ROOT/r1" alice bob fresh 1 "$ROOT/sent2"
nat bob --json history alice >"$ROOT/h" || fail "history exit $?"
grep -q '"expire-1"' "$ROOT/h" && fail "the expired message is in bob's history"
pass
