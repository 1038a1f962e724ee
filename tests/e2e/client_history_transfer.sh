# client_history_transfer: a newly linked device gets the account's recent
# history from the primary, over the pairwise session with it: every
# conversation, in parts (more than one here), with who sent what and from
# which device; nothing shows as unread there and nothing sends receipts
# for it; progress on both sides; the server never holds the text.
. "$(dirname "$0")/lib.sh"
e2e_init client_history_transfer

start_server
register alice bob carol

log "alice talks with bob (450 messages, more than two parts) and carol"
rpc_sends "$ROOT/in.bob" bob many 450
rpc_run alice "$ROOT/in.bob" "$ROOT/out.bob" 32 ||
    fail "alice's sends to bob: $(tail -n 3 "$ROOT/out.bob.err")"
send_cli bob alice back 2 "$ROOT/s.back"
send_cli carol alice hi 1 "$ROOT/s.carol"
nat alice --json recv >"$ROOT/r0" || fail "alice recv exit $?"
assert_eq "$(count_type "$ROOT/r0" message)" 3 "alice got bob's and carol's"
send_cli alice carol answer 1 "$ROOT/s.answer"
nat bob --json recv >/dev/null || fail "bob recv exit $?"
nat carol --json recv >/dev/null || fail "carol recv exit $?"

log "alice links a laptop; the approval sends the history"
nat_bg alice2 "$ROOT/link" --json devices link --name laptop
lk_pid=$BG_PID
wait_for 30 grep -q link_code "$ROOT/link" ||
    fail "no link code: $(cat "$ROOT/link.err")"
nat alice --json devices approve "$(jl "$ROOT/link" 'L[0]["code"]')" \
    >"$ROOT/approve" 2>"$ROOT/approve.err" ||
    fail "approve exit $?: $(cat "$ROOT/approve.err")"
wait "$lk_pid" || fail "devices link exit $?: $(cat "$ROOT/link.err")"
assert_eq "$(jl "$ROOT/approve" 'str(L[0]["device"]) + " " + str(L[0]["history"])')" \
    "2 454" "approve's answer: the device and the messages sent to it"
assert_contains "$(cat "$ROOT/approve.err")" "history" \
    "the primary shows the transfer's progress"

log "the server holds none of the text"
stop_server || fail "natterd exit status $? on SIGTERM"
for f in "$DATA"/*; do
	! grep -q "many-45" "$f" || fail "plaintext in $f"
done
restart_server

log "the laptop takes the history in"
nat alice2 --json recv >"$ROOT/r2" 2>"$ROOT/r2.err" ||
    fail "alice2 recv exit $?: $(cat "$ROOT/r2.err")"
assert_eq "$(count_type "$ROOT/r2" message)" 0 \
    "history is not shown as new messages"
assert_contains "$(cat "$ROOT/r2.err")" "454 of 454 messages" \
    "the laptop shows the transfer's progress"
nat alice2 --json history bob --limit 1000 >"$ROOT/h.bob" ||
    fail "history bob exit $?"
assert_eq "$(jl "$ROOT/h.bob" '[o["text"] for o in L][:2] + [o["text"] for o in L][-3:]')" \
    '["many-1", "many-2", "many-450", "back-1", "back-2"]' \
    "the laptop's conversation with bob, in order"
assert_eq "$(jl "$ROOT/h.bob" 'len(L)')" 452 "every message with bob"
assert_eq "$(jl "$ROOT/h.bob" 'sorted(set((o["from"], o["outgoing"], o["from_device"]) for o in L))')" \
    '[["alice", true, 1], ["bob", false, 1]]' "who sent what, from which device"
nat alice2 --json history carol >"$ROOT/h.carol" || fail "history carol exit $?"
assert_eq "$(jl "$ROOT/h.carol" '[(o["text"], o["outgoing"]) for o in L]')" \
    '[["hi-1", false], ["answer-1", true]]' "the conversation with carol"

log "nothing is unread on the laptop, and it sends no receipts"
nat alice2 --json recv >"$ROOT/r3" || fail "alice2 recv exit $?"
nat bob --json recv >"$ROOT/rb" || fail "bob recv exit $?"
assert_eq "$(count_type "$ROOT/rb" receipt)" 0 "receipts for old messages"

log "new messages reach both devices after the history"
send_cli bob alice after 1 "$ROOT/s.after"
nat alice2 --json recv >"$ROOT/r4" || fail "alice2 recv exit $?"
check_messages "$ROOT/r4" bob alice after 1 "$ROOT/s.after"
pass
