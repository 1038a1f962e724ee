#!/bin/sh
# server_startup: natterd says one line on standard error once it listens
# (version, ws:// URL, absolute data directory) at the default log level
# and at info, none at error; --listen takes a host name (localhost) and
# listens on its address; values that are not HOST:PORT, an address or a
# host name exit 2 with the usage, as natterd(8) says.
. "$(dirname "$0")/../tools/server-e2e.sh"
sv_init server_startup

version=$("$NATTERD_BIN" --version | sed 's/^natterd //')
[ -n "$version" ] || fail "no version"

# launch HOST FLAGS...: natterd --listen HOST:PORT on a free PORT, stderr
# to $ROOT/err; sets PORT and SERVER_PID once it says it listens or
# answers /healthz on 127.0.0.1 (retries a port taken meanwhile).
launch()
{
	l_host=$1
	shift
	for l_try in 1 2 3 4 5; do
		PORT=$(free_port)
		HTTP=http://127.0.0.1:$PORT
		"$NATTERD_BIN" --listen "$l_host:$PORT" "$@" </dev/null \
		    >"$ROOT/out" 2>"$ROOT/err" &
		SERVER_PID=$!
		wait_for 15 l_up || fail "natterd neither up nor gone in 15 s"
		kill -0 "$SERVER_PID" 2>/dev/null && return 0
		wait "$SERVER_PID"
		SERVER_PID=""
		grep -q "in use" "$ROOT/err" || fail "natterd exited: $(cat "$ROOT/err")"
	done
	fail "no free port in 5 tries"
}
# l_up: natterd said it listens, or answers, or is gone.
l_up()
{
	grep -q listening "$ROOT/err" || healthy ||
	    ! kill -0 "$SERVER_PID" 2>/dev/null
}

mkdir -p "$ROOT/data"
cd "$ROOT" || fail "cd"
launch 127.0.0.1 --data data
# The line comes once natterd listens: /healthz answers at once.
wait_for 15 grep -q listening "$ROOT/err" || fail "no startup line: $(cat "$ROOT/err")"
curl -fsS -m 5 "$HTTP/healthz" >/dev/null ||
    fail "the startup line came before natterd listened"
assert_eq "$(cat "$ROOT/err")" \
    "natterd $version listening on ws://127.0.0.1:$PORT (data in $ROOT/data)" \
    "the startup line"
[ -s "$ROOT/out" ] && fail "natterd wrote to stdout: $(cat "$ROOT/out")"
stop_server || fail "natterd exit status $? on SIGTERM"

launch localhost --data "$ROOT/data"
wait_for 15 grep -q listening "$ROOT/err" || fail "no startup line for localhost"
url=$(sed -n 's/.* listening on ws:\/\/\([^ ]*\) .*/\1/p' "$ROOT/err")
case $url in
"127."*":$PORT" | "[::1]:$PORT") ;;
*) fail "--listen localhost: listening on $url" ;;
esac
assert_eq "$(curl -fsS -m 5 "http://$url/healthz")" ok "/healthz on $url"
roundtrip localhost
stop_server || fail "natterd exit status $? on SIGTERM"

launch 127.0.0.1 --data "$ROOT/data" --log-level error
wait_for 15 healthy || fail "not healthy at --log-level error"
[ -s "$ROOT/err" ] && fail "--log-level error printed: $(cat "$ROOT/err")"
stop_server || fail "natterd exit status $? on SIGTERM"

launch 127.0.0.1 --data "$ROOT/data" --log-level info
wait_for 15 grep -q "listening on ws://127.0.0.1:$PORT" "$ROOT/err" ||
    fail "no startup line at --log-level info: $(cat "$ROOT/err")"
stop_server || fail "natterd exit status $? on SIGTERM"

for bad in 999.1.1.1:7878 127.1:7878 12345:7878 :7878 "[::1:7878" \
    bad_host:7878 localhost:0 localhost:http localhost "[]:7878"; do
	"$NATTERD_BIN" --listen "$bad" --data "$ROOT/data" >"$ROOT/out" \
	    2>"$ROOT/err"
	assert_eq "$?" 2 "natterd --listen $bad: exit status"
	grep -q "^natterd: bad --listen value: " "$ROOT/err" ||
	    fail "--listen $bad: $(cat "$ROOT/err")"
	grep -q '^usage: natterd' "$ROOT/err" || fail "--listen $bad: no usage"
	[ -s "$ROOT/out" ] && fail "--listen $bad wrote to stdout"
done
pass
