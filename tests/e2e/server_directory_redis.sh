# server_directory_redis: natterd --directory redis://HOST:PORT --node NAME
# against a real redis-server: a device that logs in is dev:ACCOUNT:DEVICE
# = n1 in Redis, and gone once it disconnects; the warning that queues are
# not shared; bad values are usage errors; with Redis unreachable natterd
# still starts and serves, and says so in one line, not one per attempt.
. "$(dirname "$0")/lib.sh"
e2e_init server_directory_redis

command -v redis-server >/dev/null ||
    fail "redis-server not installed (scripts/setup installs it)"
RPORT=$(free_port)
mkdir -p "$ROOT/redis"
redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$ROOT/redis" >"$ROOT/redis.log" 2>&1 &
bg_track $!
rcli()
{
	redis-cli -p "$RPORT" "$@"
}
# Conditions for wait_for, which polls a command (not a value).
dev_keys()
{
	rcli --scan --pattern 'dev:*'
}
has_keys()
{
	[ -n "$(dev_keys)" ]
}
no_keys()
{
	[ -z "$(dev_keys)" ]
}
connected()
{
	[ "$(metric natter_directory_connected)" = 1 ]
}
retried()
{
	[ "$(metric natter_directory_commands_total)" -ge 4 ]
}
wait_for 10 rcli ping || fail "redis-server did not answer on $RPORT"

start_server --directory "redis://127.0.0.1:$RPORT" --node n1
grep -q 'warn: --directory without a shared --store' "$SERVER_LOG" ||
    fail "no warning that queues are not shared"
wait_for 10 connected ||
    fail "natterd did not connect to Redis"

register alice
# register logged in and out: nothing stays behind.
wait_for 10 no_keys || fail "keys left after register: $(dev_keys)"

nat_bg alice "$ROOT/listen" listen
listen_pid=$BG_PID
wait_for 20 has_keys ||
    fail "no dev: key while alice listens"
key=$(dev_keys)
case $key in
dev:[0-9]*:1) ;;
*) fail "unexpected key $key" ;;
esac
assert_eq "$(rcli get "$key")" n1 "$key names the node"
bg_stop "$listen_pid"
wait_for 10 no_keys ||
    fail "$key still there after alice disconnected"

# Bad values: usage errors.
for bad in "--directory redis://127.0.0.1" "--directory http://h:1" \
    "--directory redis://h:1/0" "--node n1" \
    "--directory redis://h:1 --node" ; do
	# shellcheck disable=SC2086
	"$NATTERD_BIN" $bad --data "$ROOT/other" >"$ROOT/out" 2>"$ROOT/err"
	assert_eq "$?" 2 "natterd $bad: exit status"
	grep -q '^usage: natterd' "$ROOT/err" || fail "natterd $bad: no usage"
done
"$NATTERD_BIN" --directory redis://h:1 --node "two words" \
    --data "$ROOT/other" >"$ROOT/out" 2>"$ROOT/err"
assert_eq "$?" 2 "--node 'two words': exit status"
assert_contains "$(cat "$ROOT/err")" "bad --node value: two words" \
    "--node 'two words': message"

# Redis unreachable: natterd starts, serves, says so once however many
# attempts it makes (each sends one PING, counted as a command).
stop_server || fail "natterd exit status $? on SIGTERM"
dead=$(free_port)
: >"$SERVER_LOG"
start_server --directory "redis://127.0.0.1:$dead"
register bob
wait_for 20 retried ||
    fail "natterd does not retry"
assert_eq "$(grep -c 'directory: cannot reach' "$SERVER_LOG")" 1 \
    "lines about the unreachable Redis"
assert_contains "$(grep 'directory: cannot reach' "$SERVER_LOG")" \
    "natterd: warn: directory: cannot reach redis://127.0.0.1:$dead (Connection refused)" \
    "the line about the unreachable Redis"
assert_eq "$(metric natter_directory_connected)" 0 "connected gauge"
stop_server || fail "natterd exit status $? on SIGTERM"
pass
