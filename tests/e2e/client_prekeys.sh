#!/bin/sh
# client_prekeys: a one-time prekey is handed out at most once (several
# users, some concurrently, start sessions with bob: the server's opks
# table shrinks by exactly one per session, every consumed key is
# distinct, and bob decrypts every first message), and bob's client tops
# its one-time prekeys up once fewer than 20 are left.
# natterd holds its database with locking_mode=EXCLUSIVE, so every look at
# the opks table stops natterd (SIGTERM), reads, and restarts it.
. "$(dirname "$0")/lib.sh"
e2e_init client_prekeys
command -v sqlite3 >/dev/null || fail "sqlite3 CLI not installed"

start_server
register bob
db=$DATA/natterd.db
[ -f "$db" ] || fail "no server database at $db"
q()
{
	sqlite3 -cmd '.timeout 5000' "$db" "$1"
}
bob_opks="FROM opks o JOIN accounts a ON a.id = o.account WHERE a.name = 'bob'"
# snap FILE: bob's one-time prekeys (hex keys) into FILE; COUNT set.
snap()
{
	stop_server || fail "natterd exit status $? on SIGTERM"
	q "SELECT hex(o.key) $bob_opks ORDER BY o.id" >"$1" ||
	    fail "cannot read the opks table"
	COUNT=$(grep -c . "$1")
	restart_server
}

snap "$ROOT/keys.before"
initial=$COUNT
log "bob uploaded $initial one-time prekeys"
[ "$initial" -gt 20 ] || fail "bob uploaded only $initial one-time prekeys"
[ "$(sort -u "$ROOT/keys.before" | wc -l)" = "$initial" ] ||
    fail "bob's uploaded one-time prekeys are not distinct"

# Enough sessions to take bob below the "prekeys low" mark of 20.
K=$((initial - 19))
log "$K users start sessions with bob (3 at a time)"
user()
{
	nat "u$1" register "u$1" >/dev/null 2>"$ROOT/u$1.err" &&
	    nat "u$1" send bob "first-from-u$1" >/dev/null 2>>"$ROOT/u$1.err" &&
	    touch "$ROOT/u$1.ok"
}
t0=$(now_ms)
i=1
while [ $i -le $K ]; do
	# wait on these three only: a bare wait would also wait for natterd.
	user $i & p1=$!
	user $((i + 1)) & p2=$!
	user $((i + 2)) & p3=$!
	wait $p1 $p2 $p3 || :
	i=$((i + 3))
done
j=1
while [ $j -lt $i ]; do
	[ $j -gt $K ] || [ -f "$ROOT/u$j.ok" ] ||
	    fail "u$j could not register or send: $(cat "$ROOT/u$j.err")"
	j=$((j + 1))
done
K=$((i - 1))
log "$K sessions in $(($(now_ms) - t0)) ms"

snap "$ROOT/keys.after"
assert_eq "$COUNT" $((initial - K)) "one-time prekeys left after $K sessions"
sort "$ROOT/keys.before" >"$ROOT/b.s"
sort "$ROOT/keys.after" >"$ROOT/a.s"
comm -23 "$ROOT/b.s" "$ROOT/a.s" >"$ROOT/consumed"
assert_eq "$(wc -l <"$ROOT/consumed")" "$K" "distinct one-time prekeys consumed"

log "bob comes online: every first message decrypts, the client tops up"
nat bob --json recv >"$ROOT/recv" 2>"$ROOT/recv.err" ||
    fail "bob recv exit $?: $(cat "$ROOT/recv.err")"
r=$(python3 - "$ROOT/recv" "$K" <<'PY'
import json, sys
L = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
k = int(sys.argv[2])
got = sorted((o["from"], o["text"]) for o in L if o.get("type") == "message")
want = sorted(("u%d" % i, "first-from-u%d" % i) for i in range(1, k + 1))
print("ok" if got == want else "got %d of %d first messages; missing %s" %
    (len(got), k, sorted(set(want) - set(got))[:5]))
PY
)
assert_eq "$r" ok "first messages to bob"
snap "$ROOT/keys.new"
if [ "$COUNT" -lt 20 ]; then
	log "not topped up after one recv ($COUNT left); one more recv --wait 2"
	nat bob recv --wait 2 >/dev/null 2>&1
	snap "$ROOT/keys.new"
	[ "$COUNT" -ge 20 ] ||
	    fail "bob's client did not top up: $COUNT one-time prekeys on the server"
fi
log "bob has $COUNT one-time prekeys again"
[ "$(sort -u "$ROOT/keys.new" | wc -l)" = "$COUNT" ] ||
    fail "topped-up one-time prekeys are not distinct"
sort "$ROOT/keys.new" >"$ROOT/n.s"
reused=$(comm -12 "$ROOT/consumed" "$ROOT/n.s" | wc -l)
assert_eq "$reused" 0 "consumed one-time prekeys uploaded again"

log "sessions after the top-up still work"
before=$COUNT
user 9001 || fail "u9001: $(cat "$ROOT/u9001.err")"
snap "$ROOT/keys.last"
assert_eq "$COUNT" $((before - 1)) "one-time prekeys after one more session"
nat bob --json recv >"$ROOT/recv2" || fail "bob recv exit $?"
grep -q '"first-from-u9001"' "$ROOT/recv2" || fail "bob could not read u9001"
pass
