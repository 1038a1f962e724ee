#!/bin/sh
# client_groups: groups end to end (docs/groups.md, DESIGN.md 4.2): create,
# send and receive (each member device gets each message once, in order;
# a member offline throughout drains it in order); a non-admin's change is
# refused; remove (the removed member gets nothing after its "removed"
# line, and the sender-key states it kept cannot read what follows: the
# body taken from natterd's database, tried with natter-skcheck); add (the
# new member cannot read an earlier body); leave; rpc; send-file; a ghost
# device gets no sender key; no plaintext in natterd's data.
. "$(dirname "$0")/lib.sh"
e2e_init client_groups
command -v sqlite3 >/dev/null || fail "sqlite3 CLI not installed"
SKCHECK=${NATTER_SKCHECK_BIN:-$E2E_TOP/build/tests/tools/natter-skcheck}
[ -x "$SKCHECK" ] || fail "natter-skcheck not built: $SKCHECK"
MARK=plaintext-marker-7f3a

db()
{
	sqlite3 -separator ' ' "$DATA/natterd.db" "$1" || fail "sqlite3: $1"
}

# bodies FILE: every group message body natterd holds, hex, oldest first
# (natterd stopped and started around it).
bodies()
{
	stop_server || fail "natterd exit status $? on SIGTERM"
	db "SELECT hex(content) FROM group_bodies WHERE type = 3
	    ORDER BY body;" >"$1"
	restart_server
}

# skcheck USER GROUPHEX FROM DEVICE BODYHEX: what USER's profile makes of it.
skcheck()
{
	NATTER_PASSPHRASE=$(passphrase "$1") "$SKCHECK" "$ROOT/$1" "$2" "$3" \
	    "$4" "$5"
}

# texts FILE: the texts of FILE's group messages of team, in order.
texts()
{
	jl "$1" '" ".join(o["text"] for o in L if o["type"] == "message"
	    and o["group"] == "team")'
}

start_server
register alice bob carol dave
link_device alice2 laptop

log "create: the group object, and a created line for every member device"
nat alice --json group create team bob carol >"$ROOT/g1" ||
    fail "group create exit $?"
assert_eq "$(jl "$ROOT/g1" 'json.dumps([L[0]["type"], L[0]["group"],
    L[0]["members"], L[0]["admins"]])')" \
    '["group", "team", ["alice", "bob", "carol"], ["alice"]]' "create's answer"
nat bob --json recv >"$ROOT/b0" || fail "bob recv exit $?"
assert_eq "$(jl "$ROOT/b0" 'json.dumps([[o["group"], o["change"], o["by"],
    o["users"], isinstance(o["ts"], int)] for o in L
    if o["type"] == "group_change"])')" \
    '[["team", "created", "alice", ["bob", "carol"], true]]' "bob's change line"

log "send: every member device gets each message once, in order"
send_cli alice '#team' "hi $MARK" 3 "$ROOT/s1"
check_sent "$ROOT/s1" '#team'
send_cli bob '#team' from-bob 2 "$ROOT/s2"
nat bob --json recv >"$ROOT/b1" || fail "bob recv exit $?"
assert_eq "$(texts "$ROOT/b1")" "hi $MARK-1 hi $MARK-2 hi $MARK-3" \
    "bob's copies"
assert_eq "$(jl "$ROOT/b1" 'sorted({o["from"] + "/" + str(o["from_device"]) +
    "/" + o["to"] for o in L if o["type"] == "message"})')" '["alice/1/#team"]' \
    "sender and to of bob's copies"
nat alice2 --json recv >"$ROOT/a2" || fail "alice2 recv exit $?"
assert_eq "$(texts "$ROOT/a2")" \
    "hi $MARK-1 hi $MARK-2 hi $MARK-3 from-bob-1 from-bob-2" \
    "alice's other device"
assert_eq "$(jl "$ROOT/a2" '[o["outgoing"] for o in L if o["type"] ==
    "message"]')" '[true, true, true, false, false]' \
    "alice2 shows alice's own as outgoing"
nat alice2 --json recv >"$ROOT/a2b" || fail "alice2 recv exit $?"
assert_eq "$(texts "$ROOT/a2b")" "" "nothing twice"

log "non-admins may not change the group"
assert_exit 1 "bob adds dave" nat bob group add team dave
assert_contains "$(nat bob group add team dave 2>&1)" "admin" "bob's error"
assert_exit 2 "group add without users" nat alice group add team

log "a ghost device (server-added, on no signed list) gets no sender key"
rogue_device carol 3
send_cli alice '#team' ghosted 1 "$ROOT/s3"
stop_server || fail "natterd exit status $? on SIGTERM"
assert_eq "$(db "SELECT count(*) FROM queue WHERE device = 3 AND account =
    (SELECT id FROM accounts WHERE name = 'carol') AND type IN (1, 2);")" 0 \
    "pairwise envelopes queued for the ghost"
[ "$(db "SELECT count(*) FROM queue WHERE device = 1 AND account =
    (SELECT id FROM accounts WHERE name = 'carol') AND type IN (1, 2);")" \
    -gt 0 ] || fail "control: carol's device 1 has its sender keys queued"
restart_server

log "remove carol: a removed line, then nothing; her keys read nothing new"
nat alice --json group remove team carol >"$ROOT/g2" ||
    fail "group remove exit $?"
assert_eq "$(jl "$ROOT/g2" 'L[0]["members"]')" '["alice", "bob"]' \
    "remove's answer"
send_cli alice '#team' "after-removal" 1 "$ROOT/s4"
bodies "$ROOT/bodies1"
last=$(tail -n 1 "$ROOT/bodies1")
[ -n "$last" ] || fail "no group message body in natterd's database"
nat carol --json recv >"$ROOT/c1" || fail "carol recv exit $?"
assert_eq "$(texts "$ROOT/c1")" \
    "hi $MARK-1 hi $MARK-2 hi $MARK-3 from-bob-1 from-bob-2 ghosted-1" \
    "carol (offline until now) drains the conversation in order"
assert_eq "$(jl "$ROOT/c1" '[o["change"] for o in L if o["type"] ==
    "group_change"][-1]')" "removed" "carol's last line"
stop_server || fail "natterd exit status $? on SIGTERM"
gid=$(db "SELECT lower(hex(id)) FROM groups WHERE name = 'team';")
restart_server
out=$(skcheck carol "$gid" alice 1 "$last")
assert_eq "$out" refused "carol's kept states (alice's, from before) on the message after removal"
nat bob --json recv >"$ROOT/b2" || fail "bob recv exit $?"
assert_eq "$(texts "$ROOT/b2")" "ghosted-1 after-removal-1" "bob still gets them"

log "add dave: nothing from before, and he cannot read an earlier body"
nat alice --json group add team dave >/dev/null || fail "group add exit $?"
send_cli alice '#team' for-dave 1 "$ROOT/s5"
bodies "$ROOT/bodies2"
fordave=$(tail -n 1 "$ROOT/bodies2")
out=$(skcheck bob "$gid" alice 1 "$fordave")
assert_eq "$out" decrypted "the tool's control: bob's states on a new message"
nat dave --json recv >"$ROOT/d1" || fail "dave recv exit $?"
assert_eq "$(texts "$ROOT/d1")" "for-dave-1" "dave's messages"
out=$(skcheck dave "$gid" alice 1 "$last")
assert_eq "$out" refused "dave's states (the same key, later in its chain) on a body from before he joined"

log "leave"
nat bob --json group leave team >"$ROOT/l1" || fail "group leave exit $?"
assert_eq "$(jl "$ROOT/l1" 'L[0]["type"] + " " + L[0]["group"]')" \
    "left team" "leave's answer"
nat alice --json group info team >"$ROOT/i1" || fail "group info exit $?"
assert_eq "$(jl "$ROOT/i1" 'L[0]["members"]')" '["alice", "dave"]' \
    "members after bob left"
assert_exit 1 "bob sends to a group he left" nat bob send '#team' x

log "rpc: groupList, groupInfo, groupRename, groupAdmin, a group_change"
cat >"$ROOT/rin" <<'REQ'
{"jsonrpc":"2.0","id":1,"method":"groupList"}
{"jsonrpc":"2.0","id":2,"method":"groupInfo","params":{"name":"team"}}
{"jsonrpc":"2.0","id":3,"method":"groupAdmin","params":{"name":"team","users":["dave"]}}
{"jsonrpc":"2.0","id":4,"method":"groupRename","params":{"name":"team","new":"crew"}}
{"jsonrpc":"2.0","id":5,"method":"groupInfo","params":{"name":"nosuch"}}
{"jsonrpc":"2.0","id":6,"method":"groupCreate","params":{"name":"x","users":[]}}
{"jsonrpc":"2.0","id":7,"method":"send","params":{"to":"#crew","text":"renamed"}}
REQ
rpc_run alice "$ROOT/rin" "$ROOT/rout" ||
    fail "rpc: $(cat "$ROOT/rout" "$ROOT/rout.err")"
r()
{
	jl "$ROOT/rout" "[$1 for o in L if o.get('id') == $2][0]"
}
assert_eq "$(r 'o["result"]["groups"][0]["group"]' 1)" team "groupList"
assert_eq "$(r 'o["result"]["admins"]' 3)" '["alice", "dave"]' "groupAdmin"
assert_eq "$(r 'o["result"]["group"]' 4)" crew "groupRename"
assert_eq "$(r 'o["error"]["code"]' 5)" 1025 "groupInfo of no group"
assert_eq "$(r 'o["error"]["code"]' 6)" -32602 "groupCreate without users"
assert_eq "$(r 'o["result"]["to"]' 7)" "#crew" "send to the renamed group"
nat dave --json history '#team' >"$ROOT/h1" || fail "history exit $?"
assert_eq "$(jl "$ROOT/h1" '[o.get("text") for o in L if o["type"] ==
    "message"]')" '["for-dave-1"]' "dave's history before he hears of it"
nat dave --json recv >"$ROOT/d2" || fail "dave recv exit $?"
nat dave --json history '#crew' >"$ROOT/h2" || fail "history exit $?"
assert_eq "$(jl "$ROOT/h2" '[o.get("text") for o in L if o["type"] ==
    "message"]')" '["for-dave-1", "renamed"]' "the conversation, renamed"
assert_eq "$(jl "$ROOT/d2" '[(o["type"], o.get("change"), o["group"]) for o in L
    if o["type"] in ("message", "group_change")]')" \
    '[["group_change", "left", "team"], ["group_change", "admin", "team"], ["group_change", "renamed", "crew"], ["message", null, "crew"]]' \
    "dave sees the changes in order, each under the name of its time"

log "rpc: group changes come as receive notifications"
printf '#wait receive 12\n' >"$ROOT/rin2"
rpc_run alice2 "$ROOT/rin2" "$ROOT/rout2" ||
    fail "rpc on alice2: $(cat "$ROOT/rout2" "$ROOT/rout2.err")"
assert_eq "$(jl "$ROOT/rout2" '[(o["params"]["change"], o["params"]["group"])
    for o in L if o.get("method") == "receive" and
    o["params"]["type"] == "group_change"]')" \
    '[["removed", "team"], ["added", "team"], ["left", "team"], ["admin", "team"], ["renamed", "crew"]]' \
    "alice2's group_change notifications"

log "read: a group's messages are marked read here (no receipts yet)"
nat dave --json read '#crew' >"$ROOT/rd1" || fail "read exit $?"
assert_eq "$(jl "$ROOT/rd1" 'L[0]["peer"] + " " + str(L[0]["count"])')" \
    "#crew 2" "dave reads the group"
nat dave --json read '#crew' >"$ROOT/rd2" || fail "read exit $?"
assert_eq "$(jl "$ROOT/rd2" 'L[0]["count"]')" 0 "nothing left unread"

log "send-file to a group"
printf 'file for the crew %s\n' "$MARK" >"$ROOT/f.txt"
nat alice --json send-file '#crew' "$ROOT/f.txt" >"$ROOT/sf" ||
    fail "send-file exit $?"
nat dave --json recv >"$ROOT/d3" || fail "dave recv exit $?"
assert_eq "$(jl "$ROOT/d3" '[(o["group"], o["attachment"]["name"],
    o["attachment"]["state"]) for o in L if o["type"] == "message"]')" \
    '[["crew", "f.txt", "ready"]]' "dave's file"

log "no plaintext in natterd's data"
stop_server || fail "natterd exit status $? on SIGTERM"
hits=$(grep -rlaF "$MARK" "$DATA")
[ -z "$hits" ] || fail "the marker is in natterd's data: $hits"
pass
