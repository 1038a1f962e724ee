# client_list_migrate: an account from before signed device lists (no list
# on the server, none in the profile) gets one: its primary publishes
# [device 1] when it next signs in, and contacts then check it.
. "$(dirname "$0")/lib.sh"
e2e_init client_list_migrate
command -v sqlite3 >/dev/null || fail "sqlite3 CLI not installed"

lists()
{
	sqlite3 "$DATA/natterd.db" "SELECT count(*) FROM device_lists WHERE
	    account = (SELECT id FROM accounts WHERE name = '$1');" ||
	    fail "sqlite3"
}

start_server
register alice bob
stop_server || fail "natterd exit status $? on SIGTERM"
assert_eq "$(lists alice)" 1 "alice's list after register"
sqlite3 "$DATA/natterd.db" "DELETE FROM device_lists WHERE account =
    (SELECT id FROM accounts WHERE name = 'alice');" || fail "sqlite3"
sqlite3 "$ROOT/alice/natter.db" "DELETE FROM lists;" || fail "sqlite3"
assert_eq "$(lists alice)" 0 "alice's list, made legacy"
restart_server

log "bob can still write to the legacy account (its device 1 alone)"
send_cli bob alice legacy 1 "$ROOT/s1"
log "alice signs in: her primary publishes the first list"
nat alice --json recv >"$ROOT/r1" || fail "alice recv exit $?"
check_messages "$ROOT/r1" bob alice legacy 1 "$ROOT/s1"
stop_server || fail "natterd exit status $? on SIGTERM"
assert_eq "$(lists alice)" 1 "alice's list after she signed in"
restart_server
nat alice --json devices list >"$ROOT/l" || fail "devices list exit $?"
assert_eq "$(jl "$ROOT/l" '[d["device"] for d in L[0]["devices"]]')" "[1]" \
    "alice's devices"
send_cli bob alice listed 1 "$ROOT/s2"
nat alice --json recv >"$ROOT/r2" || fail "alice recv exit $?"
check_messages "$ROOT/r2" bob alice listed 1 "$ROOT/s2"
pass
