#!/bin/sh
# cluster_prekeys: scripts/cluster up 2. bob listens on node 2 while
# other accounts take his one-time prekeys through node 1, below the
# PrekeysLow mark (20): node 1 tells every node ("low A D N" on
# natter:list), node 2 warns bob's connection, and his client uploads
# more. Without the message his connection would never hear it, and his
# prekeys would run out while he stays connected. Then the prekey race
# across nodes: four askers, two on each node, take all of an offline
# account's one-time prekeys at once; none may go out twice.
. "$(dirname "$0")/../tools/cluster-e2e.sh"
ce_init cluster_prekeys 2

opks()
{
	pg_value "SELECT count(*) FROM opks o JOIN accounts a ON a.id =
	    o.account WHERE a.name = 'bob' AND o.device = 1"
}

opks_at_least()
{
	[ "$(opks)" -ge "$1" ] 2>/dev/null
}

on 2; register bob
initial=$(opks)
[ "$initial" -gt 20 ] 2>/dev/null ||
    fail "bob holds $initial one-time prekeys on the server"
nat_bg bob "$ROOT/listen" --json listen
wait_for 20 online_here -eq 1 ||
    fail "bob is not online on node 2: $(cat "$ROOT/listen.err")"

# Bundle requests are limited to 30 a minute per asking account.
take=$((initial - 19))
log "three accounts take $take of bob's $initial one-time prekeys on node 1"
on 1
left=$take
for u in p1 p2 p3; do
	n=$((left > 30 ? 30 : left))
	[ "$n" -gt 0 ] || break
	out=$(cprobe register "$u") || fail "register $u: $out"
	out=$(cprobe auth "$u" bundles bob "$n")
	assert_eq "$out" "auth OK
bundles ok=$n limited=0" "$u takes $n bundles of bob"
	left=$((left - n))
done
[ "$left" -eq 0 ] || fail "$left bundles not taken"

wait_for 30 opks_at_least 20 ||
    fail "bob's client was not warned on node 2: $(opks) one-time prekeys left"
log "bob holds $(opks) one-time prekeys again"
on 2
online_here -eq 1 || fail "bob's listen left node 2: $(cat "$ROOT/listen.err")"

log "the prekey race: four askers on two nodes take all of dora's at once"
# dora is offline (nothing tops her keys up): 120 requests for her
# prekeys, two askers per node at the same time, must hand out each of
# her one-time prekeys exactly once and then answer without one.
on 1; register dora
have=$(pg_value "SELECT count(*) FROM opks o JOIN accounts a ON a.id =
    o.account WHERE a.name = 'dora'")
[ "$have" -gt 20 ] && [ "$have" -lt 120 ] 2>/dev/null ||
    fail "dora holds $have one-time prekeys on the server"
pids=
for q in 1 2 3 4; do
	on $(( (q + 1) / 2 ))
	out=$(cprobe register "q$q") || fail "register q$q: $out"
	cprobe auth "q$q" bundles dora 30 "$ROOT/ids" >"$ROOT/race$q" &
	pids="$pids $!"
done
for pid in $pids; do
	wait "$pid" || fail "an asker failed: $(cat "$ROOT"/race*)"
done
for q in 1 2 3 4; do
	grep -q '^bundles ok=30 limited=0$' "$ROOT/race$q" ||
	    fail "asker q$q: $(cat "$ROOT/race$q")"
done
given=$(grep -vc ' none$' "$ROOT/ids")
twice=$(grep -v ' none$' "$ROOT/ids" | sort | uniq -d | head -3 | tr '\n' ' ')
[ -z "$twice" ] || fail "one-time prekeys handed out twice: $twice"
assert_eq "$given" "$have" "one-time prekeys handed out"
assert_eq "$(grep -c ' none$' "$ROOT/ids")" "$((120 - have))" \
    "bundles without a one-time prekey"
assert_eq "$(pg_value "SELECT count(*) FROM opks o JOIN accounts a ON
    a.id = o.account WHERE a.name = 'dora'")" 0 "dora's prekeys left"
pass
