# server_crash: what natterd answered "stored" survives kill -9, and
# SIGTERM with clients connected exits 0 with everything committed.
. "$(dirname "$0")/../tools/server-e2e.sh"
sv_init server_crash
start_server

probe register alice >/dev/null || fail "register alice"
probe register bob >/dev/null || fail "register bob"
i=1
set --
while [ $i -le 40 ]; do
	set -- "$@" send bob "crash-$i"
	i=$((i + 1))
done
probe auth alice "$@" >"$ROOT/sent" || fail "sending"
assert_eq "$(grep -c '^send OK' "$ROOT/sent")" 40 "sends stored"
# Kill right after the last answer: no shutdown path runs.
kill9_server
restart_server
probe auth bob recv 40 >"$ROOT/got" || fail "recv after kill -9"
assert_eq "$(grep -c '^msg alice 1 crash-' "$ROOT/got")" 40 \
    "messages after kill -9"

# Acks survive kill -9 too: after the acked recv, nothing comes again.
kill9_server
restart_server
out=$(probe auth bob recv)
assert_eq "$out" "auth OK
drained 0" "acked messages stay deleted after kill -9"
out=$(probe auth alice recv 40)
assert_eq "$(printf '%s\n' "$out" | grep -c '^receipt bob 1 ')" 40 \
    "receipts after kill -9"

# SIGTERM while bob is connected and waiting: exit 0.
probe auth bob recv 1000 >/dev/null &
bg_track $!
wait_for 10 sh -c "[ \$(curl -fsS -m 2 $HTTP/metrics |
    awk '\$1 == \"natter_connections\" { print \$2 }') -ge 1 ]" ||
    fail "bob did not connect"
stop_server
assert_eq "$?" 0 "exit status on SIGTERM with a client connected"
restart_server
still_serving after-term
pass
