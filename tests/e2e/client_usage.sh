#!/bin/sh
# client_usage: a usage error says what is wrong, then the whole usage of
# the command ("usage: natter send TO TEXT", as --help lists it), of every
# command of a group ("natter devices"), or of natter; exit 2. JSON-RPC's
# invalid params name the method and the param, never the command line's
# words (TEXT, usage: natter ...).
. "$(dirname "$0")/lib.sh"
e2e_init client_usage
NAT_TIMEOUT=30

start_server
register alice bob
"$NATTER_BIN" --help >"$ROOT/help" || fail "--help exit $?"

# usage WHAT FIRST-LINE CMD...: exit 2; stderr is "natter: FIRST-LINE"
# then usage lines, each of which --help lists.
usage()
{
	u_what=$1
	u_first=$2
	shift 2
	nat alice "$@" >"$ROOT/out" 2>"$ROOT/err"
	u_rc=$?
	assert_eq "$u_rc" 2 "$u_what: exit status"
	assert_eq "$(head -n 1 "$ROOT/err")" "natter: $u_first" \
	    "$u_what: first line"
	sed -n '2s/^usage: //p; 3,$s/^       //p' "$ROOT/err" >"$ROOT/lines"
	[ -s "$ROOT/lines" ] || fail "$u_what: no usage line: $(cat "$ROOT/err")"
	while IFS= read -r l; do
		case $l in
		natter\ \[--home*) grep -qF "usage: $l" "$ROOT/help" ;;
		natter\ --help*) grep -qF "$l" "$ROOT/help" ;;
		*) grep -qF "  ${l#natter }  " "$ROOT/help" ||
		    grep -qF "  ${l#natter } " "$ROOT/help" ;;
		esac || fail "$u_what: \"$l\" is not in --help"
	done <"$ROOT/lines"
	log "$u_what: $(tr '\n' '|' <"$ROOT/err")"
}

usage "send without text" "send: missing TEXT" send bob
assert_eq "$(sed -n 2p "$ROOT/err")" "usage: natter send TO TEXT" \
    "send without text: usage line"
usage "send with an empty text" "send: TEXT is empty" send bob ""
usage "send with an extra operand" \
    'send: unexpected argument "extra" (quote a message with spaces)' \
    send bob hi extra
usage "history with a bad count" \
    'history: bad value for N: "x" (want a whole number from 0 to 1000000)' \
    history bob --limit x
assert_eq "$(sed -n 2p "$ROOT/err")" "usage: natter history TO [--limit N]" \
    "history: usage line"
usage "verify without a number" "verify: missing SAFETY-NUMBER" verify bob
usage "devices approve without a code" "devices approve: missing CODE" \
    devices approve
assert_eq "$(sed -n 2p "$ROOT/err")" "usage: natter devices approve CODE" \
    "devices approve: usage line"
usage "devices alone" "devices: needs a command" devices
assert_eq "$(grep -c '^ *\(usage: \)*natter devices ' "$ROOT/err")" 4 \
    "devices alone: one usage line per devices command"
usage "devices with an unknown verb" 'devices: unknown command "frob"' \
    devices frob
usage "an unknown command" 'unknown command "frob"' frob
assert_eq "$(sed -n 2p "$ROOT/err")" \
    "usage: natter [--home DIR] [--server URL] [--json] [--passphrase-file FILE] [COMMAND [ARGS]]" \
    "unknown command: natter's usage"
usage "an unknown option" 'recv: unknown option --bogus' recv --bogus

log "JSON-RPC: invalid params in the method's and the param's names"
cat >"$ROOT/in" <<'REQ'
{"jsonrpc":"2.0","id":1,"method":"send","params":{"to":"bob"}}
{"jsonrpc":"2.0","id":2,"method":"send","params":{"to":"bob","text":""}}
{"jsonrpc":"2.0","id":3,"method":"devicesRemove","params":{"device":"two"}}
{"jsonrpc":"2.0","id":4,"method":"devicesList","params":{"verbose":true}}
{"jsonrpc":"2.0","id":5,"method":"history","params":{"to":"bob","limit":-1}}
{"jsonrpc":"2.0","id":6,"method":"verify","params":{"to":"bob"}}
REQ
rpc_run alice "$ROOT/in" "$ROOT/rpc" || fail "rpc: $(cat "$ROOT/rpc.err")"
msg()
{
	jl "$ROOT/rpc" '[o["error"]["message"] for o in L if o.get("id") == '"$1"'
	    and o["error"]["code"] == -32602][0]'
}
assert_eq "$(msg 1)" 'send: missing param "text"' "rpc: missing text"
assert_eq "$(msg 2)" 'send: param "text" is empty' "rpc: empty text"
assert_eq "$(msg 3)" \
    'devicesRemove: param "device" must be a whole number from 0 to 4294967295' \
    "rpc: device of the wrong type"
assert_eq "$(msg 4)" 'devicesList: unknown param "verbose"' "rpc: unknown param"
assert_eq "$(msg 5)" \
    'history: param "limit" must be a whole number from 0 to 1000000' \
    "rpc: negative limit"
assert_eq "$(msg 6)" 'verify: missing param "number"' "rpc: missing number"
grep -q 'SAFETY-NUMBER\|TEXT\|usage: natter' "$ROOT/rpc" &&
    fail "rpc errors use the command line's words: $(cat "$ROOT/rpc")"
pass
