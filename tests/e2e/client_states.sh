# client_states: every state natter reports is true (issue "every state
# told truly").  Each check failed on main before this test:
#  - the server's delivered receipt for a read receipt surfaced as
#    "message ... delivered by dave" for a message never sent;
#  - --json history said "pending" for a received message once read;
#  - plain-text history did not show an own message's state;
#  - a message queued offline to a contact never messaged before stayed in
#    the outbox through the next recv (only recv --wait 1 sent it).
. "$(dirname "$0")/lib.sh"
e2e_init client_states

start_server
register carol dave erin

log "receipts reach users only for real messages"
send_cli dave carol hi 1 "$ROOT/s1"
nat carol --json recv >"$ROOT/r1" || fail "carol recv exit $?"
check_messages "$ROOT/r1" dave carol hi 1 "$ROOT/s1"
nat carol --json read dave >/dev/null || fail "carol read exit $?"
nat dave --json recv >"$ROOT/r2" || fail "dave recv exit $?"
assert_eq "$(jl "$ROOT/r2" '[(o["status"], o["by"]) for o in L
    if o["type"] == "receipt"]')" '[["delivered", "carol"], ["read", "carol"]]' \
    "dave's receipts for his message"
nat carol --json recv --wait 1 >"$ROOT/r3" || fail "carol recv exit $?"
assert_eq "$(count_type "$ROOT/r3" receipt)" 0 \
    "receipts carol sees for her read receipt"
nat carol recv --wait 1 >"$ROOT/r3h" || fail "carol recv exit $?"
assert_eq "$(cat "$ROOT/r3h")" "" "carol's plain recv after it"

log "a received message once read says so in --json history"
nat carol --json history dave >"$ROOT/h1" || fail "history exit $?"
assert_eq "$(jl "$ROOT/h1" '[(o["text"], o["status"]) for o in L]')" \
    '[["hi-1", "read"]]' "carol's history of dave"

log "plain-text history shows each own message's state"
send_cli dave carol later 1 "$ROOT/s2"
nat dave history carol >"$ROOT/h2" || fail "history exit $?"
assert_contains "$(sed -n 1p "$ROOT/h2")" "hi-1 [read]" "the read message"
assert_contains "$(sed -n 2p "$ROOT/h2")" "later-1 [sent]" "the sent one"
nat carol recv >/dev/null || fail "carol recv exit $?"
nat dave recv >/dev/null || fail "dave recv exit $?"
nat dave history carol >"$ROOT/h3" || fail "history exit $?"
assert_contains "$(sed -n 2p "$ROOT/h3")" "later-1 [delivered]" \
    "the delivered one"

log "a message queued offline to a new contact goes out on the next recv"
stop_server || fail "natterd exit status $? on SIGTERM"
nat dave --json send erin offline >/dev/null 2>"$ROOT/q.err" &&
    fail "send without a server succeeded"
assert_contains "$(cat "$ROOT/q.err")" "outbox" "the queued message's notice"
nat dave history erin >"$ROOT/h4" || fail "history exit $?"
assert_contains "$(cat "$ROOT/h4")" "offline [queued]" "queued in history"
restart_server
nat dave recv >/dev/null || fail "dave recv exit $?"
nat erin --json recv >"$ROOT/r4" || fail "erin recv exit $?"
assert_eq "$(jl "$ROOT/r4" '[o["text"] for o in L if o["type"] == "message"]')" \
    '["offline"]' "erin got the queued message"
nat dave history erin >"$ROOT/h5" || fail "history exit $?"
assert_contains "$(cat "$ROOT/h5")" "offline [sent]" "sent in history"
pass
