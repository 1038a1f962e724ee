#!/bin/sh
# client_rpc: JSON-RPC mode: send returns id/ts after the server stored
# it; unknown method -32601; malformed JSON -32700; invalid params
# -32602; the process keeps serving after each error and exits 0 at EOF.
. "$(dirname "$0")/lib.sh"
e2e_init client_rpc

start_server
register alice bob
cat >"$ROOT/in" <<'REQ'
{"jsonrpc":"2.0","id":1,"method":"send","params":{"to":"bob","text":"rpc-1"}}
{"jsonrpc":"2.0","id":2,"method":"noSuchMethod","params":{}}
{"jsonrpc":"2.0","id":3,"method":"send","params":{"to":"bob","text":"rpc-2"}}
{this is not json
{"jsonrpc":"2.0","id":"four","method":"send","params":{"to":"bob","text":"rpc-3"}}
{"jsonrpc":"2.0","id":5,"method":"send","params":{"to":"bob"}}
{"jsonrpc":"2.0","id":6,"method":"send","params":{"to":"nobody-here","text":"x"}}
{"jsonrpc":"2.0","id":7,"method":"send","params":{"to":"bob","text":"rpc-4"}}
{"jsonrpc":"2.0","id":8,"method":"history","params":{"to":"bob"}}
REQ
rpc_run alice "$ROOT/in" "$ROOT/out" ||
    fail "rpc: $(cat "$ROOT/out" "$ROOT/out.err")"
assert_eq "$(cat "$ROOT/out.rc")" 0 "rpc exit status at EOF"

resp()
{
	jl "$ROOT/out" '[o for o in L if o.get("id") == '"$1"' and
	    ("result" in o or "error" in o)]'
}
check()
{
	r=$(jl "$ROOT/out" "$1" 2>&1) || r="check raised: $r"
	[ "$r" = True ] || [ "$r" = true ] || fail "$2: $(resp "$3")"
}
for i in 1 3 '"four"' 7; do
	check '[o["jsonrpc"] == "2.0" and isinstance(o["result"]["id"], str) and
	    len(o["result"]["id"]) >= 16 and isinstance(o["result"]["ts"], int)
	    for o in L if o.get("id") == '"$i"' and "result" in o] == [True]' \
	    "send $i result with id and ts" "$i"
done
check '[o["error"]["code"] for o in L if o.get("id") == 2] == [-32601]' \
    "unknown method -> -32601" 2
check '([o["error"]["code"] for o in L if "error" in o and o.get("id") is None]
    == [-32700])' "malformed JSON -> -32700 with id null" None
check '[o["error"]["code"] for o in L if o.get("id") == 5] == [-32602]' \
    "missing text -> -32602" 5
check '[isinstance(o["error"]["code"], int) and o["error"]["code"] not in
    (-32700, -32600, -32601, -32602, -32603) and len(o["error"]["message"]) > 0
    for o in L if o.get("id") == 6] == [True]' \
    "unknown user -> a documented application error" 6
check '[o for o in L if o.get("id") == 8 and "result" in o] != []' \
    "history result" 8
check 'len(set(o["result"]["id"] for o in L if "result" in o and
    isinstance(o["result"], dict) and "ts" in o["result"])) == 4' \
    "four distinct message ids" 1

nat bob --json recv >"$ROOT/recv" || fail "bob recv exit $?"
check_messages "$ROOT/recv" alice bob rpc 4
pass
