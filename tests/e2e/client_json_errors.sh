#!/bin/sh
# client_json_errors: with --json (before or after the command) every line
# natter writes on standard error is a JSON object: a failure is one
# {"type":"error","code","reason","message"} with natter-rpc(5)'s code and
# the exit status it has without --json (usage errors add "usage");
# warnings and notices of a stream are objects too. Standard output stays
# empty on a failure. Without --json the same failures are text.
. "$(dirname "$0")/lib.sh"
e2e_init client_json_errors
NAT_TIMEOUT=30

start_server
register alice bob

# jerr RC CODE REASON WHAT CMD...: run CMD; exit RC, stdout empty, stderr
# exactly one JSON error object with CODE and REASON.
jerr()
{
	je_rc=$1
	je_code=$2
	je_reason=$3
	je_what=$4
	shift 4
	"$@" </dev/null >"$ROOT/out" 2>"$ROOT/err"
	je_got=$?
	[ "$je_got" = "$je_rc" ] ||
	    fail "$je_what: exit $je_got, want $je_rc; stderr: $(cat "$ROOT/err")"
	[ -s "$ROOT/out" ] && fail "$je_what: wrote to stdout: $(cat "$ROOT/out")"
	assert_eq "$(grep -c . "$ROOT/err")" 1 "$je_what: stderr lines"
	r=$(jl "$ROOT/err" '[L[0]["type"], L[0]["code"], L[0]["reason"],
	    isinstance(L[0]["message"], str) and len(L[0]["message"]) > 0]' 2>&1)
	assert_eq "$r" "[\"error\", $je_code, \"$je_reason\", true]" \
	    "$je_what: the error object"
	log "$je_what: $(cat "$ROOT/err")"
}

jerr 1 1009 "unknown user" "unknown user" nat alice --json send nobody hi
jerr 1 1009 "unknown user" "--json after the command" \
    nat alice send nobody hi --json
jerr 1 1002 passphrase "wrong passphrase" env NATTER_PASSPHRASE=wrong \
    "$NATTER_BIN" --home "$ROOT/alice" --server "$URL" --json recv
jerr 1 1002 passphrase "no passphrase" env -u NATTER_PASSPHRASE setsid -w \
    "$NATTER_BIN" --home "$ROOT/alice" --server "$URL" --json recv
jerr 1 1003 "no profile" "no profile" nat nobody --json history bob
jerr 1 1006 unreachable "unreachable server" env \
    NATTER_PASSPHRASE="$(passphrase alice)" "$NATTER_BIN" --home \
    "$ROOT/alice" --server "ws://127.0.0.1:$(free_port)" --json send bob x
jerr 1 1011 mismatch "safety number mismatch" nat alice --json verify bob \
    "$(printf '1%.0s' $(seq 1 60))"

jerr 2 -32602 usage "missing operand" nat alice --json send bob
assert_eq "$(jl "$ROOT/err" 'L[0]["usage"]')" "natter send TO TEXT" \
    "missing operand: usage member"
jerr 2 -32602 usage "unknown option" nat alice --json --bogus send bob x
jerr 2 -32602 usage "unknown command" nat alice frobnicate --json
jerr 2 -32602 usage "bad count" nat alice --json history bob --limit x
jerr 2 -32602 usage "invalid name" nat carol --json register "Not A Name"
[ -e "$ROOT/carol" ] && fail "a usage error made a profile"

# Without --json: text, "natter: " first.
nat alice send nobody hi >"$ROOT/out" 2>"$ROOT/err"
assert_eq "$?" 1 "unknown user without --json: exit status"
case $(cat "$ROOT/err") in
"natter: no user nobody"*) ;;
*) fail "unknown user without --json: stderr $(cat "$ROOT/err")" ;;
esac

log "a stream's notices are JSON too"
nat_bg alice "$ROOT/listen" --json listen
nat bob send alice "before the stop" >/dev/null || fail "send before stop"
wait_for 30 grep -q "before the stop" "$ROOT/listen" ||
    fail "listen did not print"
stop_server
wait_for 20 grep -q reconnecting "$ROOT/listen.err" ||
    fail "listen said nothing on stderr about the lost server"
r=$(jl "$ROOT/listen.err" '(sorted(set(o["type"] for o in L)) ==
    ["notice"] and all(isinstance(o["message"], str) for o in L))' 2>&1)
assert_eq "$r" true "listen's stderr lines: $(cat "$ROOT/listen.err")"
restart_server
nat bob send alice "after the restart" >/dev/null || fail "send after restart"
wait_for 30 grep -q "after the restart" "$ROOT/listen" ||
    fail "listen did not reconnect"
bg_stop "$BG_PID"
assert_eq "$(jl "$ROOT/listen.err" '(all(o["type"] in ("notice",
    "warning") for o in L))')" true "listen's stderr after reconnecting"
pass
