#!/bin/sh
# client_bad_input: wrong or missing passphrase, unknown recipient, taken
# and invalid names, an unreachable server and usage errors fail with the
# contract's exit status (1 runtime, 2 usage) and one clear stderr line,
# without hanging; natterd keeps serving others after each.
. "$(dirname "$0")/lib.sh"
e2e_init client_bad_input
NAT_TIMEOUT=20

start_server
register alice bob
n=0

# try WANT WHAT CMD...: run CMD (stdin /dev/null, bounded), check the exit
# status; for a runtime failure (1), stderr must be exactly one line.
try()
{
	t_want=$1
	t_what=$2
	shift 2
	t0=$(now_ms)
	"$@" </dev/null >"$ROOT/t.out" 2>"$ROOT/t.err"
	t_rc=$?
	t_ms=$(($(now_ms) - t0))
	[ $t_rc = 124 ] || [ $t_rc = 137 ] && fail "$t_what: hung (killed after timeout)"
	case $t_want in
	*"$t_rc"*) ;;
	*) fail "$t_what: exit $t_rc, want $t_want; stderr: $(cat "$ROOT/t.err")" ;;
	esac
	if [ $t_rc = 1 ]; then
		[ "$(grep -c . "$ROOT/t.err")" = 1 ] ||
		    fail "$t_what: want one stderr line, got: $(cat "$ROOT/t.err")"
		grep -q '^natter' "$ROOT/t.err" ||
		    fail "$t_what: stderr line does not name the program: $(cat "$ROOT/t.err")"
	fi
	log "$t_what: exit $t_rc in $t_ms ms: $(head -n 1 "$ROOT/t.err")"
}

# still_serving: natterd is healthy and a normal send/recv works.
still_serving()
{
	n=$((n + 1))
	healthy || fail "natterd not healthy after: $1"
	nat alice send bob "alive-$n" >/dev/null ||
	    fail "normal send failed after: $1"
	nat bob --json recv >"$ROOT/alive" || fail "normal recv failed after: $1"
	grep -q "\"alive-$n\"" "$ROOT/alive" || fail "no delivery after: $1"
}

raw()
{
	r_user=$1
	shift
	timeout -k 2 20 "$NATTER_BIN" --home "$ROOT/$r_user" --server "$URL" "$@"
}

try 1 "wrong passphrase" env NATTER_PASSPHRASE=not-the-passphrase \
    timeout -k 2 20 "$NATTER_BIN" --home "$ROOT/alice" --server "$URL" \
    send bob nope
grep -qi passphrase "$ROOT/t.err" || fail "wrong passphrase: the line does not say so"
still_serving "wrong passphrase"

try 1 "no passphrase, no TTY" env -u NATTER_PASSPHRASE setsid -w \
    timeout -k 2 10 "$NATTER_BIN" --home "$ROOT/alice" --server "$URL" \
    send bob nope
grep -qi passphrase "$ROOT/t.err" || fail "no passphrase: the line does not say how to give one"
echo "not-the-passphrase" >"$ROOT/wrong.pass"
try 1 "wrong --passphrase-file" env -u NATTER_PASSPHRASE setsid -w \
    timeout -k 2 20 "$NATTER_BIN" --home "$ROOT/alice" --server "$URL" \
    --passphrase-file "$ROOT/wrong.pass" send bob nope
passphrase alice >"$ROOT/alice.pass"
try 0 "right --passphrase-file" env -u NATTER_PASSPHRASE setsid -w \
    timeout -k 2 20 "$NATTER_BIN" --home "$ROOT/alice" --server "$URL" \
    --passphrase-file "$ROOT/alice.pass" send bob via-file
still_serving "passphrase file"

try 1 "unknown recipient" nat alice send nobody-by-that-name hello
still_serving "unknown recipient"

try 1 "taken name" nat mallory register alice
still_serving "taken name"

try 12 "invalid name" nat mallory2 register "Not A Name!"
try 12 "overlong name" nat mallory3 register \
    "$(printf 'a%.0s' $(seq 1 40))"
still_serving "invalid name"

port2=$(free_port)
try 1 "unreachable server (send)" env NATTER_PASSPHRASE="$(passphrase alice)" \
    timeout -k 2 20 "$NATTER_BIN" --home "$ROOT/alice" \
    --server "ws://127.0.0.1:$port2" send bob nope
[ "$t_ms" -lt 10000 ] || fail "unreachable server: took $t_ms ms"
try 1 "unreachable server (register)" env NATTER_PASSPHRASE=x \
    timeout -k 2 20 "$NATTER_BIN" --home "$ROOT/nobody" \
    --server "ws://127.0.0.1:$port2" register nobody
[ "$t_ms" -lt 10000 ] || fail "unreachable server: took $t_ms ms"

try 2 "unknown flag" nat alice --no-such-flag send bob x
try 2 "unknown command" nat alice frobnicate
try 2 "send without args" nat alice send
try 2 "send without text" nat alice send bob
try 2 "send with an extra arg" nat alice send bob hi extra
try 2 "recv --wait abc" nat alice recv --wait abc
try 2 "recv --bogus" nat alice recv --bogus
try 2 "history --limit -x" nat alice history bob --limit -x
try 2 "register without name" nat newbie register
try 2 "verify without number" nat alice verify bob
try 2 "--home without value" "$NATTER_BIN" --home
try 0 "--help" "$NATTER_BIN" --help
grep -qi usage "$ROOT/t.out" || fail "--help does not print usage"
try 0 "--version" "$NATTER_BIN" --version
[ -s "$ROOT/t.out" ] || fail "--version printed nothing"
still_serving "usage errors"

log "a second process on the same profile waits or fails cleanly"
nat_bg bob "$ROOT/listen" --json listen
nat alice send bob "while-locked" >/dev/null || fail "send while bob listens"
wait_for 15 grep -q while-locked "$ROOT/listen" || fail "listen did not print"
try 01 "recv while listen holds the profile" nat bob recv
bg_stop "$BG_PID"
nat bob --json history alice >"$ROOT/h" || fail "history after listen"
grep -q '"while-locked"' "$ROOT/h" || fail "profile lost a message"
still_serving "lock contention"
pass
