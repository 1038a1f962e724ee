# client_prekey_upload: one-time prekeys a one-shot command makes reach the
# server before it exits, and the next run makes none it does not need
# (before: recv made 100 private keys each run and exited before the
# upload: 200, 300, 400 rows in the profile, none on the server).
. "$(dirname "$0")/lib.sh"
e2e_init client_prekey_upload
command -v sqlite3 >/dev/null || fail "sqlite3 CLI not installed"

server_opks()
{
	sqlite3 "$DATA/natterd.db" "SELECT count(*) FROM opks WHERE account =
	    (SELECT id FROM accounts WHERE name = '$1');" || fail "sqlite3"
}
local_opks()
{
	sqlite3 "$ROOT/$1/natter.db" "SELECT count(*) FROM prekeys
	    WHERE kind = 2;" || fail "sqlite3"
}

start_server
register alice
stop_server || fail "natterd exit status $? on SIGTERM"
assert_eq "$(server_opks alice)" 100 "one-time prekeys after register"
log "the server handed them all out"
sqlite3 "$DATA/natterd.db" "DELETE FROM opks;" || fail "sqlite3"
restart_server
nat alice recv >/dev/null || fail "recv exit $?"
stop_server || fail "natterd exit status $? on SIGTERM"
assert_eq "$(server_opks alice)" 100 "one-time prekeys after one recv"
assert_eq "$(local_opks alice)" 200 "private one-time prekeys kept"
restart_server
nat alice recv >/dev/null || fail "recv exit $?"
nat alice recv >/dev/null || fail "recv exit $?"
stop_server || fail "natterd exit status $? on SIGTERM"
assert_eq "$(server_opks alice)" 100 "one-time prekeys after two more"
assert_eq "$(local_opks alice)" 200 "no new private keys when none are needed"
pass
