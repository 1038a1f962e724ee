# client_device_leave: a linked device removes itself (natter devices
# remove N on device N): the server refuses it at once, the primary is told
# over their session and publishes the list without it, contacts stop
# encrypting to it, a new device takes a new id; device 1 cannot leave.
. "$(dirname "$0")/lib.sh"
e2e_init client_device_leave
command -v sqlite3 >/dev/null || fail "sqlite3 CLI not installed"

# server_devices NAME: the device ids natterd holds for NAME (stopped).
server_devices()
{
	sqlite3 "$DATA/natterd.db" "SELECT group_concat(device, ' ') FROM
	    (SELECT device FROM devices WHERE account = (SELECT id FROM
	    accounts WHERE name = '$1') ORDER BY device);" || fail "sqlite3"
}

start_server
register alice bob
link_device alice2 laptop
send_cli bob alice before 1 "$ROOT/s1"
nat alice2 --json recv >"$ROOT/r1" || fail "alice2 recv exit $?"
check_messages "$ROOT/r1" bob alice before 1 "$ROOT/s1"
nat alice --json recv >"$ROOT/r0" || fail "alice recv exit $?"
check_messages "$ROOT/r0" bob alice before 1 "$ROOT/s1"

log "device 1 cannot leave; device 2 cannot remove device 1"
assert_exit 2 "the primary removing itself" nat alice devices remove 1
assert_exit 2 "a linked device removing the primary" \
    nat alice2 devices remove 1

log "the laptop leaves"
nat alice2 --json devices remove 2 >"$ROOT/rm" 2>"$ROOT/rm.err" ||
    fail "devices remove 2 on alice2 exit $?: $(cat "$ROOT/rm.err")"
assert_eq "$(jl "$ROOT/rm" 'L[0]["type"]+" "+str(L[0]["device"])')" \
    "removed 2" "the leaving device's answer"
nat alice2 recv >/dev/null 2>"$ROOT/gone.err" &&
    fail "the device that left signed in"
assert_contains "$(cat "$ROOT/gone.err")" "removed from alice" \
    "the device that left is refused"
stop_server || fail "natterd exit status $? on SIGTERM"
assert_eq "$(server_devices alice)" "1" "the server forgot device 2 at once"
restart_server

log "bob's next message reaches only the primary"
send_cli bob alice after 1 "$ROOT/s2"
nat alice --json recv >"$ROOT/r2" 2>"$ROOT/r2.err" ||
    fail "alice recv exit $?: $(cat "$ROOT/r2.err")"
check_messages "$ROOT/r2" bob alice after 1 "$ROOT/s2"
assert_contains "$(cat "$ROOT/r2.err")" "device 2 left this account" \
    "the primary's notice"
nat alice --json devices list >"$ROOT/l1" || fail "devices list exit $?"
assert_eq "$(jl "$ROOT/l1" '[d["device"] for d in L[0]["devices"]]')" \
    "[1]" "the primary's list after the leave"
nat alice --json recv >"$ROOT/r3" 2>"$ROOT/r3.err" || fail "alice recv exit $?"
assert_eq "$(grep -c "left this account" "$ROOT/r3.err")" 0 \
    "the leave is published once"

log "a new device takes a new id"
link_device alice3 tablet
assert_eq "$(jl "$ROOT/alice3.approve" 'str(L[0]["device"])')" "3" \
    "the next device's id"
send_cli bob alice third 1 "$ROOT/s3"
nat alice3 --json recv >"$ROOT/r4" || fail "alice3 recv exit $?"
check_messages "$ROOT/r4" bob alice third 1 "$ROOT/s3"
stop_server || fail "natterd exit status $? on SIGTERM"
assert_eq "$(server_devices alice)" "1 3" "alice's devices at the end"
pass
