# client_opk_expiry: one-time prekeys no message used leave the profile 90
# days after they were made (test clock): the private keys first, then, at
# the next connection, the server's copies (PrekeyUpload.opk_floor), and a
# fresh 100 take their place; a new contact's session uses a fresh one, and
# one that used an old key before keeps working.
. "$(dirname "$0")/lib.sh"
e2e_init client_opk_expiry
command -v sqlite3 >/dev/null || fail "sqlite3 CLI not installed"

# Count, lowest and highest id of alice's private one-time prekeys.
local_opks()
{
	sqlite3 -separator ' ' "$ROOT/alice/natter.db" "SELECT count(*),
	    min(id & 4294967295), max(id & 4294967295) FROM prekeys
	    WHERE kind = 2;" || fail "sqlite3"
}
# check_server_opks WANT: the same of alice's one-time prekeys on the
# server.
check_server_opks()
{
	server_query "SELECT count(*), min(id), max(id) FROM opks WHERE
	    account = (SELECT id FROM accounts WHERE name = 'alice');"
	assert_eq "$(cat "$ROOT/.sql")" "$1" \
	    "alice's one-time prekeys on the server"
}

start_server
register alice bob carol
assert_eq "$(local_opks)" "100 1 100" "private one-time prekeys at first"

log "bob's session takes one-time prekey 1"
nat bob send alice early >/dev/null || fail "send exit $?"
nat alice --json recv >"$ROOT/r1" || fail "recv exit $?"
assert_eq "$(count_type "$ROOT/r1" message)" 1 "alice reads bob"
assert_eq "$(local_opks)" "99 2 100" "the used one is deleted"
check_server_opks "99 2 100"

log "91 days later, without a connection: the private keys go"
nat_after 91 alice history bob >/dev/null || fail "history exit $?"
assert_eq "$(local_opks)" "0  " "private one-time prekeys after 91 days"
check_server_opks "99 2 100"

log "the next connection retires the server's copies and uploads new ones"
nat_after 91 alice recv >/dev/null || fail "recv exit $?"
assert_eq "$(local_opks)" "100 101 200" "fresh private one-time prekeys"
check_server_opks "100 101 200"

log "a new contact uses a fresh one; the old session still works"
nat carol send alice hello >/dev/null || fail "send exit $?"
nat bob send alice again >/dev/null || fail "send exit $?"
nat_after 91 alice --json recv >"$ROOT/r2" || fail "recv exit $?"
assert_eq "$(jl "$ROOT/r2" '" ".join(sorted(o["from"] + ":" + o["text"]
    for o in L if o["type"] == "message"))')" "bob:again carol:hello" \
    "messages after the old keys expired"
assert_eq "$(local_opks)" "99 102 200" "carol's session took 101"
pass
