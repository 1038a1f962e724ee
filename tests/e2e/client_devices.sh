# client_devices: linked devices end to end: link, approve, list, both
# devices receive, sync transcripts (outgoing, from_device), the limit of
# five, an expired and a reused code, removal (the removed device is
# refused, contacts stop encrypting to it).
. "$(dirname "$0")/lib.sh"
e2e_init client_devices
command -v sqlite3 >/dev/null || fail "sqlite3 CLI not installed"

# list_hex: alice's signed list as the server holds it (natterd stopped).
list_hex()
{
	sqlite3 "$DATA/natterd.db" "SELECT hex(list) FROM device_lists WHERE
	    account = (SELECT id FROM accounts WHERE name = 'alice');" ||
	    fail "sqlite3"
}

start_server
register alice bob

log "alice links a laptop"
link_device alice2 laptop
assert_eq "$(jl "$ROOT/alice2.link" 'L[1]["type"]+" "+L[1]["account"]+" "+str(L[1]["device"])')" \
    "linked alice 2" "the new device's last line"
assert_eq "$(jl "$ROOT/alice2.approve" 'L[0]["type"]+" "+str(L[0]["device"])+" "+L[0]["name"]')" \
    "approved 2 laptop" "approve's answer"
nat alice --json devices list >"$ROOT/l1" || fail "devices list exit $?"
assert_eq "$(jl "$ROOT/l1" '" ".join("%d:%s:%s" % (d["device"], d["primary"],
    d["current"]) for d in L[0]["devices"])')" "1:True:True 2:False:False" \
    "alice's devices on the primary"
nat alice2 --json devices list >"$ROOT/l2" || fail "devices list on 2 exit $?"
assert_eq "$(jl "$ROOT/l2" '" ".join("%d:%s" % (d["device"], d["current"])
    for d in L[0]["devices"])')" "1:False 2:True" "alice's devices on the laptop"
assert_eq "$(jl "$ROOT/l1" '[d["fingerprint"] for d in L[0]["devices"]]')" \
    "$(jl "$ROOT/l2" '[d["fingerprint"] for d in L[0]["devices"]]')" \
    "both see the same keys"

log "a message to alice reaches both devices"
send_cli bob alice hello 1 "$ROOT/s1"
nat alice --json recv >"$ROOT/r1" || fail "alice recv exit $?"
nat alice2 --json recv >"$ROOT/r2" || fail "alice2 recv exit $?"
check_messages "$ROOT/r1" bob alice hello 1 "$ROOT/s1"
check_messages "$ROOT/r2" bob alice hello 1 "$ROOT/s1"

log "what one device sends shows on the other as outgoing"
send_cli alice bob from1 1 "$ROOT/s2"
send_cli alice2 bob from2 1 "$ROOT/s3"
nat alice2 --json recv >"$ROOT/r3" || fail "alice2 recv exit $?"
assert_eq "$(jl "$ROOT/r3" '[(o["text"], o["outgoing"], o["from_device"], o["to"])
    for o in L if o["type"] == "message"]')" \
    '[["from1-1", true, 1, "bob"]]' "the laptop's copy of the primary's message"
nat alice --json recv >"$ROOT/r4" || fail "alice recv exit $?"
assert_eq "$(jl "$ROOT/r4" '[(o["text"], o["outgoing"], o["from_device"])
    for o in L if o["type"] == "message"]')" \
    '[["from2-1", true, 2]]' "the primary's copy of the laptop's message"
nat bob --json recv >"$ROOT/r5" || fail "bob recv exit $?"
assert_eq "$(jl "$ROOT/r5" '[(o["text"], o["from_device"]) for o in L
    if o["type"] == "message"]')" '[["from1-1", 1], ["from2-1", 2]]' \
    "bob sees which device sent what"
nat alice2 --json history bob >"$ROOT/h" || fail "history exit $?"
assert_contains "$(cat "$ROOT/h")" '"outgoing":true' "history marks ours"

log "a code that expired, and a code used twice, are refused"
assert_exit 1 "link that times out" nat alice3 devices link --timeout 1
nat_bg alice4 "$ROOT/alice4.link" --json devices link --timeout 1
wait_for 30 grep -q link_code "$ROOT/alice4.link" || fail "no code"
old=$(jl "$ROOT/alice4.link" 'L[0]["code"]')
wait "$BG_PID"
assert_exit 1 "approve an expired code" nat alice devices approve "$old"
assert_exit 1 "approve a used code" nat alice devices approve "$OFFER_CODE"
assert_exit 2 "approve something that is not a code" \
    nat alice devices approve not-a-code

log "five devices at most"
stop_server || fail "natterd exit status $? on SIGTERM"
v2=$(list_hex)
restart_server
link_device alice5 three

log "a rollback of the list to an older version is refused"
nat alice2 devices list >/dev/null || fail "devices list exit $?"
stop_server || fail "natterd exit status $? on SIGTERM"
sqlite3 "$DATA/natterd.db" "UPDATE device_lists SET list = X'$v2', version = 2
    WHERE account = (SELECT id FROM accounts WHERE name = 'alice');" ||
    fail "sqlite3"
restart_server
nat alice2 --json devices list >"$ROOT/l4" 2>"$ROOT/l4.err" ||
    fail "devices list exit $?: $(cat "$ROOT/l4.err")"
assert_contains "$(cat "$ROOT/l4.err")" "older or altered device list"     "the rollback's notice"
assert_eq "$(jl "$ROOT/l4" '[d["device"] for d in L[0]["devices"]]')"     "[1, 2, 3]" "the devices stay those of the newer list"
link_device alice6 four
link_device alice7 five
nat_bg alice8 "$ROOT/alice8.link" --json devices link --timeout 20
wait_for 30 grep -q link_code "$ROOT/alice8.link" || fail "no code"
nat alice devices approve "$(jl "$ROOT/alice8.link" 'L[0]["code"]')" \
    >/dev/null 2>"$ROOT/limit.err" && fail "a sixth device was approved"
assert_contains "$(cat "$ROOT/limit.err")" "5 devices" "the limit's message"
bg_stop "$BG_PID"

log "removing the laptop: it is refused, bob stops encrypting to it"
nat alice --json devices remove 2 >"$ROOT/rm" || fail "remove exit $?"
assert_eq "$(jl "$ROOT/rm" 'L[0]["type"]+" "+str(L[0]["device"])')" \
    "removed 2" "remove's answer"
nat alice2 recv >/dev/null 2>"$ROOT/gone.err" && fail "the removed device signed in"
assert_contains "$(cat "$ROOT/gone.err")" "removed from alice" "removed device's error"
assert_exit 2 "remove the primary" nat alice devices remove 1
send_cli bob alice after 1 "$ROOT/s6"
nat alice --json recv >"$ROOT/r6" || fail "alice recv exit $?"
check_messages "$ROOT/r6" bob alice after 1 "$ROOT/s6"
nat alice --json devices list >"$ROOT/l3" || fail "devices list exit $?"
assert_eq "$(jl "$ROOT/l3" '[d["device"] for d in L[0]["devices"]]')" \
    "[1, 3, 4, 5]" "devices after the removal"
pass
