#!/bin/sh
# client_listen_reconnect: a `listen` stays up across a natterd restart:
# it says on stderr that the connection dropped, reconnects on its own
# (backoff), and prints what was sent while natterd was back, once each.
. "$(dirname "$0")/lib.sh"
e2e_init client_listen_reconnect

start_server
register alice bob
nat_bg bob "$ROOT/bob.listen" --json listen
listener=$BG_PID
send_cli alice bob before 1 "$ROOT/s1"
wait_for 15 grep -q '"before-1"' "$ROOT/bob.listen" ||
    fail "listen did not print before-1: $(cat "$ROOT/bob.listen.err")"

log "natterd stops; listen keeps running and says so"
stop_server || fail "natterd exit status $? on SIGTERM"
wait_for 15 grep -q . "$ROOT/bob.listen.err" ||
    fail "listen said nothing about the lost connection"
kill -0 "$listener" 2>/dev/null || fail "listen exited when natterd stopped"

log "natterd is back: listen reconnects and prints new messages"
restart_server
send_cli alice bob after 3 "$ROOT/s2"
wait_for 30 grep -q '"after-3"' "$ROOT/bob.listen" ||
    fail "listen did not print after-3 after the restart: $(cat "$ROOT/bob.listen.err")"
for t in before-1 after-1 after-2 after-3; do
	assert_eq "$(grep -c "\"$t\"" "$ROOT/bob.listen")" 1 "times $t was printed"
done
bg_stop "$listener"
pass
