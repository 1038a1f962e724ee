#!/bin/sh
# client_key_change: a contact whose identity key changes (here: the
# server claims a new device of bob and hands out mallory's keys as bob's, as a
# compromised server would) is blocked: `send` fails with exit 1 and a line
# saying what to do, until the user accepts the new key (`trust`) or
# verifies its safety number (`verify`; a wrong number is refused and
# keeps the block). Other contacts are not affected. A message queued
# before the change is kept, told once, and goes out once the key is
# verified (before: dropped from the outbox without a word).
. "$(dirname "$0")/lib.sh"
e2e_init client_key_change
command -v sqlite3 >/dev/null || fail "sqlite3 CLI not installed"

start_server
register alice bob carol mallory
send_cli alice bob before 1 "$ROOT/s1"
send_cli carol bob before 1 "$ROOT/s2"
send_cli alice carol hi 1 "$ROOT/s3"
nat bob recv >/dev/null || fail "bob recv exit $?"
old=$(nat alice fingerprint bob) || fail "fingerprint before the change"
log "carol queues a message for bob while natterd is down"
stop_server || fail "natterd exit status $? on SIGTERM"
nat carol send bob queued >/dev/null 2>&1 && fail "send without a server"
restart_server

log "the server now claims bob has a second device and hands out mallory's keys as bob's"
# A compromised server's move: a client with a working session keeps using
# it, so the change shows when the server reports a new device of bob and
# the client fetches bob's keys again.
swap_identity bob mallory

log "sending to bob is blocked, with a line saying what to do"
assert_exit 1 "send to a contact whose key changed" \
    nat alice send bob "should not go out"
nat alice send bob "should not go out" >/dev/null 2>"$ROOT/send.err"
assert_contains "$(cat "$ROOT/send.err")" "identity key of bob has changed" \
    "send error"
assert_contains "$(cat "$ROOT/send.err")" "natter trust bob" "send error"
[ "$(grep -c . "$ROOT/send.err")" = 1 ] ||
    fail "the error is not one line: $(cat "$ROOT/send.err")"
log "the change leaves one line in the conversation, told once"
nat alice --json history bob >"$ROOT/kh" || fail "history exit $?"
assert_eq "$(jl "$ROOT/kh" '[(o["status"], o["from"], o["text"]) for o in L
    if o["status"] == "key_changed"]')" '[["key_changed", "bob", ""]]' \
    "the key-change line in alice's history of bob"
nat alice history bob >"$ROOT/kh2" || fail "history exit $?"
assert_contains "$(cat "$ROOT/kh2")" "identity key changed here" \
    "the line in plain-text history"
nat alice --json recv >"$ROOT/kr" 2>/dev/null || fail "recv exit $?"
assert_eq "$(jl "$ROOT/kr" '[o for o in L if o.get("status") == "key_changed"]')" \
    "[]" "recv does not print the line"
log "alice's safety number with bob is now the new key's"
new=$(nat alice fingerprint bob 2>"$ROOT/fp.err") ||
    fail "fingerprint after the change exit $?: $(cat "$ROOT/fp.err")"
assert_ne "$new" "$old" "safety number after bob's key changed"
log "other contacts are not affected"
send_cli alice carol still-fine 1 "$ROOT/s4"

log "alice accepts the new key: sending works again"
nat alice trust bob >/dev/null 2>"$ROOT/trust.err" ||
    fail "trust exit $?: $(cat "$ROOT/trust.err")"
send_cli alice bob accepted 1 "$ROOT/s5"

log "carol: her queued message waits, kept; a wrong number is refused, the right one unblocks"
nat carol recv >/dev/null 2>"$ROOT/cb.err" || fail "carol recv exit $?"
assert_contains "$(cat "$ROOT/cb.err")" "a message queued for bob waits in the outbox" \
    "the queued message's notice"
assert_exit 1 "carol's send to bob after the change" nat carol send bob "blocked"
nat carol history bob >"$ROOT/ch" || fail "history exit $?"
assert_contains "$(cat "$ROOT/ch")" "queued [queued]" "still in carol's outbox"
nat carol fingerprint bob >"$ROOT/cfp" 2>&1 || fail "carol fingerprint exit $?"
digits=$(sed 1d "$ROOT/cfp" | tr -cd '0-9')
assert_eq "${#digits}" 60 "digits in carol's safety number with bob"
wrong=$(printf '%s' "$digits" | tr '0-9' '1-90')
assert_exit 1 "verify with a wrong number" nat carol verify bob "$wrong"
assert_exit 1 "send after a wrong verify" nat carol send bob "blocked"
nat carol verify bob "$digits" >/dev/null 2>"$ROOT/verify.err" ||
    fail "verify exit $?: $(cat "$ROOT/verify.err")"
send_cli carol bob verified 1 "$ROOT/s6"
nat carol history bob >"$ROOT/ch2" || fail "history exit $?"
assert_contains "$(cat "$ROOT/ch2")" "queued [sent]" "the queued message went out"
pass
