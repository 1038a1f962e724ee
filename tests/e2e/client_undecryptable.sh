# client_undecryptable: a message its recipient cannot decrypt (its
# ciphertext damaged in natterd's queue) is not reported to the sender as
# delivered; the recipient keeps a lasting "could not be decrypted" row in
# the conversation; the sender is told (an UNDECRYPTABLE receipt), starts
# a new session with that device and sends the message again, once; the
# row becomes the message, and the sender's tick then says delivered; a
# server repeating the receipt gets no second resend, and one naming a
# device that is not on bob's signed list (a ghost it added) gets nothing.
# Before: the damaged message was acked as delivered and only a passing
# warning (printed twice) told the recipient.
. "$(dirname "$0")/lib.sh"
e2e_init client_undecryptable
command -v sqlite3 >/dev/null || fail "sqlite3 CLI not installed"

start_server
register alice bob
send_cli alice bob one 1 "$ROOT/s1"
nat bob --json recv >"$ROOT/r1" || fail "bob recv exit $?"
check_messages "$ROOT/r1" alice bob one 1 "$ROOT/s1"
nat alice recv >/dev/null || fail "alice recv exit $?"

log "alice's second message is damaged in the server's queue"
send_cli alice bob two 1 "$ROOT/s2"
id=$(jl "$ROOT/s2" 'L[0]["id"]')
stop_server || fail "natterd exit status $? on SIGTERM"
rows=$(sqlite3 "$DATA/natterd.db" "UPDATE queue SET content =
    substr(content, 1, length(content) - 16) || zeroblob(16)
    WHERE receipt = 0 AND device = 1 AND account =
    (SELECT id FROM accounts WHERE name = 'bob'); SELECT changes();") ||
    fail "sqlite3"
assert_eq "$rows" 1 "messages damaged"
restart_server

log "bob keeps a lasting row for it; no message text is shown"
nat bob --json recv >"$ROOT/r2" 2>"$ROOT/r2.err" || fail "bob recv exit $?"
assert_eq "$(jl "$ROOT/r2" '[(o["id"], o["status"], o["text"], o["from"])
    for o in L if o["type"] == "message"]')" "[[\"$id\", \"undecryptable\", \"\", \"alice\"]]" \
    "bob's event for the damaged message"
assert_eq "$(grep -c . "$ROOT/r2.err")" 0 "no passing warnings on stderr"
nat bob history alice >"$ROOT/h1" || fail "history exit $?"
assert_contains "$(cat "$ROOT/h1")" "could not be decrypted" "bob's history"

log "alice is not told delivered; she sends it again over a new session"
nat alice --json recv >"$ROOT/r3" || fail "alice recv exit $?"
assert_eq "$(count_type "$ROOT/r3" receipt)" 0 "receipts alice sees"
nat alice history bob >"$ROOT/h2" || fail "history exit $?"
assert_contains "$(sed -n 2p "$ROOT/h2")" "two-1 [sent]" "alice's tick"

log "the server repeating the receipt gets no second resend"
stop_server || fail "natterd exit status $? on SIGTERM"
sqlite3 "$DATA/natterd.db" "INSERT INTO queue (account, device,
    from_account, from_name, from_device, message_id, type, content,
    server_ts, expires, receipt) SELECT a.id, 1, b.id, 'bob', 1, X'$id', 0,
    NULL, 1, 9000000000000, 2 FROM accounts a, accounts b
    WHERE a.name = 'alice' AND b.name = 'bob';" || fail "sqlite3"
restart_server
nat alice --json recv >"$ROOT/r3b" || fail "alice recv exit $?"
assert_eq "$(count_type "$ROOT/r3b" receipt)" 0 "receipts alice sees"
stop_server || fail "natterd exit status $? on SIGTERM"
assert_eq "$(sqlite3 "$DATA/natterd.db" "SELECT count(*) FROM queue
    WHERE receipt = 0 AND account = (SELECT id FROM accounts
    WHERE name = 'bob');")" 1 "copies of the message waiting for bob"
restart_server

log "hostile server: a receipt naming a device bob's signed list lacks gets nothing"
rogue_device bob 2
stop_server || fail "natterd exit status $? on SIGTERM"
sqlite3 "$DATA/natterd.db" "INSERT INTO queue (account, device,
    from_account, from_name, from_device, message_id, type, content,
    server_ts, expires, receipt) SELECT a.id, 1, b.id, 'bob', 2, X'$id', 0,
    NULL, 1, 9000000000000, 2 FROM accounts a, accounts b
    WHERE a.name = 'alice' AND b.name = 'bob';" || fail "sqlite3"
restart_server
nat alice --json recv >"$ROOT/r3c" 2>/dev/null || fail "alice recv exit $?"
stop_server || fail "natterd exit status $? on SIGTERM"
assert_eq "$(sqlite3 "$DATA/natterd.db" "SELECT count(*) FROM queue
    WHERE account = (SELECT id FROM accounts WHERE name = 'bob')
    AND device = 2;")" 0 "messages queued for the ghost device"
assert_eq "$(sqlite3 "$ROOT/alice/natter.db" "SELECT count(*) FROM outbox;")" \
    0 "alice's outbox"
sqlite3 "$DATA/natterd.db" "DELETE FROM devices WHERE device = 2 AND
    account = (SELECT id FROM accounts WHERE name = 'bob');" || fail "sqlite3"
restart_server

log "bob's row becomes the message"
nat bob --json recv >"$ROOT/r4" || fail "bob recv exit $?"
assert_eq "$(jl "$ROOT/r4" '[(o["id"], o["status"], o["text"])
    for o in L if o["type"] == "message"]')" "[[\"$id\", \"received\", \"two-1\"]]" \
    "the message, sent again"
nat bob --json history alice >"$ROOT/h3" || fail "history exit $?"
assert_eq "$(jl "$ROOT/h3" '[o["text"] for o in L]')" '["one-1", "two-1"]' \
    "bob's conversation"

log "the resend's delivery is the message's"
nat alice --json recv >"$ROOT/r5" || fail "alice recv exit $?"
assert_eq "$(jl "$ROOT/r5" '[(o["id"], o["status"]) for o in L
    if o["type"] == "receipt"]')" "[[\"$id\", \"delivered\"]]" \
    "alice's receipt"
nat alice history bob >"$ROOT/h4" || fail "history exit $?"
assert_contains "$(sed -n 2p "$ROOT/h4")" "two-1 [delivered]" "alice's tick"
pass
