# client_ghost_device: a hostile server (its database edited while it is
# stopped) adds a "bob device 2" holding eve's keys, and an "alice device
# 2", and relabels eve's queued message as bob's.  Unmodified clients
# encrypt nothing to the ghosts and show nothing from them as bob's.
. "$(dirname "$0")/lib.sh"
e2e_init client_ghost_device
command -v sqlite3 >/dev/null || fail "sqlite3 CLI not installed"

db()
{
	sqlite3 "$DATA/natterd.db" "$1" || fail "sqlite3: $1"
}

# ghost ACCOUNT WITH: ACCOUNT gets a device 2 with WITH's device 1 keys.
ghost()
{
	db "INSERT INTO devices (account, device, identity_key, spk_id, spk,
	        spk_sig)
	    SELECT (SELECT id FROM accounts WHERE name = '$1'), 2,
	        identity_key, spk_id, spk, spk_sig FROM devices
	    WHERE device = 1 AND account =
	        (SELECT id FROM accounts WHERE name = '$2');
	    INSERT INTO opks (account, device, id, key)
	    SELECT (SELECT id FROM accounts WHERE name = '$1'), 2, id, key
	    FROM opks WHERE device = 1 AND account =
	        (SELECT id FROM accounts WHERE name = '$2');"
}

# queued ACCOUNT DEVICE: rows waiting for that device (natterd holds its
# database while it runs: call it while natterd is stopped).
queued()
{
	db "SELECT count(*) FROM queue WHERE device = $2 AND account =
	    (SELECT id FROM accounts WHERE name = '$1');"
}

start_server
register alice bob eve
send_cli alice bob before 1 "$ROOT/s1"
nat bob recv >/dev/null || fail "bob recv exit $?"
send_cli bob alice reply 1 "$ROOT/s2"
nat alice recv >/dev/null || fail "alice recv exit $?"
digits=$(nat alice fingerprint bob | sed 1d | tr -cd '0-9')
nat alice verify bob "$digits" >/dev/null || fail "alice verify bob"

log "the operator adds bob device 2 and alice device 2, both with eve's keys"
stop_server || fail "natterd exit status $? on SIGTERM"
ghost bob eve
ghost alice eve
restart_server

log "alice still reaches bob; nothing is queued for either ghost"
nat alice --json send bob "for bob only" >"$ROOT/s3" 2>"$ROOT/s3.err" ||
    fail "send after the ghost appeared: exit $?: $(cat "$ROOT/s3.err")"
assert_contains "$(cat "$ROOT/s3.err")" "not on bob's signed device list" \
    "alice's notice"
stop_server || fail "natterd exit status $? on SIGTERM"
assert_eq "$(queued bob 2)" 0 "rows queued for the ghost bob device 2"
assert_eq "$(queued alice 2)" 0 "rows queued for the ghost alice device 2"
restart_server
nat bob --json recv >"$ROOT/r3" || fail "bob recv exit $?"
assert_contains "$(cat "$ROOT/r3")" '"text":"for bob only"' "bob's copy"

log "eve's message, relabelled by the server as bob's, is not shown as bob's"
send_cli eve alice forged 1 "$ROOT/s4"
stop_server || fail "natterd exit status $? on SIGTERM"
db "UPDATE queue SET from_name = 'bob',
        from_account = (SELECT id FROM accounts WHERE name = 'bob')
    WHERE from_name = 'eve';"
restart_server
nat alice --json recv >"$ROOT/r4" 2>"$ROOT/r4.err" ||
    fail "alice recv exit $?: $(cat "$ROOT/r4.err")"
case $(cat "$ROOT/r4") in
*forged*) fail "a message from eve's key was shown: $(cat "$ROOT/r4")" ;;
esac
assert_contains "$(cat "$ROOT/r4.err")" "dropped a message from bob" \
    "alice's notice on receipt"
stop_server || fail "natterd exit status $? on SIGTERM"
assert_eq "$(queued alice 1)" 0 "rows left for alice (dropped ones are acked)"
restart_server

log "the same with the ghost device's number"
send_cli eve alice forged2 1 "$ROOT/s5"
stop_server || fail "natterd exit status $? on SIGTERM"
db "UPDATE queue SET from_name = 'bob', from_device = 2,
        from_account = (SELECT id FROM accounts WHERE name = 'bob')
    WHERE from_name = 'eve';"
restart_server
nat alice --json recv >"$ROOT/r5" 2>"$ROOT/r5.err" ||
    fail "alice recv exit $?: $(cat "$ROOT/r5.err")"
case $(cat "$ROOT/r5") in
*forged*) fail "a message from the ghost was shown: $(cat "$ROOT/r5")" ;;
esac

log "bob and alice still talk, verified"
send_cli bob alice after 1 "$ROOT/s6"
nat alice --json recv >"$ROOT/r6" || fail "alice recv exit $?"
check_messages "$ROOT/r6" bob alice after 1 "$ROOT/s6"
assert_eq "$(nat alice --json fingerprint bob >/dev/null; echo $?)" 0 \
    "fingerprint after"
pass
