# client_key_rotation: natter keys rotate makes a new signed prekey and the
# server hands it out; a session begun on the old one goes on working (even
# once its private key is gone); a new contact's session uses the new one;
# 31 days later (test clock) the old private key has left the profile, and
# the weekly rotation has made the next one.
. "$(dirname "$0")/lib.sh"
e2e_init client_key_rotation
command -v sqlite3 >/dev/null || fail "sqlite3 CLI not installed"

# The signed prekey ids whose private keys alice's profile holds.
local_spks()
{
	sqlite3 "$ROOT/alice/natter.db" "SELECT group_concat(id & 4294967295)
	    FROM (SELECT id FROM prekeys WHERE kind = 1 ORDER BY id);" ||
	    fail "sqlite3"
}
# check_server_spk ID: the signed prekey the server hands out for alice.
check_server_spk()
{
	server_query "SELECT spk_id FROM devices WHERE account =
	    (SELECT id FROM accounts WHERE name = 'alice');"
	assert_eq "$(cat "$ROOT/.sql")" "$1" "signed prekey on the server"
}

start_server
register alice bob carol
assert_eq "$(local_spks)" 1 "signed prekeys after register"

log "bob starts a session on signed prekey 1; alice has not answered"
nat bob send alice before >/dev/null || fail "send exit $?"
nat alice --json recv >"$ROOT/r1" || fail "recv exit $?"
assert_eq "$(jl "$ROOT/r1" '[o["text"] for o in L if o["type"] == "message"]')" \
    '["before"]' "alice's first message"

log "rotate"
nat alice --json keys rotate >"$ROOT/rot" || fail "keys rotate exit $?"
assert_eq "$(cat "$ROOT/rot")" '{"type":"keys_rotated","spk_id":2}' \
    "keys rotate output"
check_server_spk 2
assert_eq "$(local_spks)" 1,2 "the old private key is kept"
out=$(nat alice keys rotate) || fail "second rotate exit $?"
assert_eq "$out" "new signed prekey 3 is on the server" "text output"
check_server_spk 3

log "bob's old session and carol's new one, read 31 days later"
nat bob send alice after >/dev/null || fail "send exit $?"
nat carol send alice hello >/dev/null || fail "send exit $?"
# A command that does not connect: only the wipe.
nat_after 31 alice history bob >/dev/null || fail "history exit $?"
assert_eq "$(local_spks)" 3 "private keys 31 days after the rotations"
# Signed prekeys 1 and 2 are gone: bob's messages still decrypt (the
# session has its own keys); carol's session began on signed prekey 3.
nat_after 31 alice --json recv >"$ROOT/r2" || fail "recv exit $?"
assert_eq "$(jl "$ROOT/r2" '" ".join(sorted(o["from"] + ":" + o["text"]
    for o in L if o["type"] == "message"))')" "bob:after carol:hello" \
    "messages after the old key was wiped"
# That connection was more than a week after the last rotation.
assert_eq "$(local_spks)" 3,4 "weekly rotation at the next connection"
check_server_spk 4

log "the rpc method"
printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"keysRotate"}' >"$ROOT/in"
rpc_run alice "$ROOT/in" "$ROOT/out" || fail "rpc: $(cat "$ROOT/out.err")"
assert_eq "$(jl "$ROOT/out" '[o["result"] for o in L if o.get("id") == 1][0]')" \
    '{"type": "keys_rotated", "spk_id": 5}' "keysRotate result"
log "old sessions keep working both ways"
nat alice send bob back >/dev/null || fail "send exit $?"
nat bob --json recv >"$ROOT/r3" || fail "recv exit $?"
assert_eq "$(jl "$ROOT/r3" '[o["text"] for o in L if o["type"] == "message"]')" \
    '["back"]' "bob reads alice's answer"
pass
