#!/bin/sh
# cluster_messaging: scripts/cluster up 3 (three natterd nodes on one
# PostgreSQL and one Redis, haproxy in front). Each user is pinned to a
# node by connecting to it directly:
#   - node 1 to node 2 while bob listens (Redis wakes node 2) and while
#     he is offline (he reads through node 3);
#   - a group spanning the three nodes;
#   - bob's device moving from node 2 to node 3 mid-conversation: every
#     message once, in order;
#   - 60 Sends in flight on one connection (refused ones, retries and
#     duplicates among them): answered, and queued, in the order sent;
#   - one sender's share of a queue (25,000) on PostgreSQL, with others
#     still getting through;
#   - kill -9 of node 1 while alice sends through the balancer: every
#     message she was told was stored arrives exactly once.
. "$(dirname "$0")/../tools/cluster-e2e.sh"
ce_init cluster_messaging 3

on 1; register alice
on 2; register bob
on 3; register carol

log "node 1 to node 2, online: Redis wakes bob's node"
on 2; nat_bg bob "$ROOT/bob.listen" --json listen
listener=$BG_PID
on 1; send_cli alice bob live 5 "$ROOT/s1"
wait_for 15 grep -q '"live-5"' "$ROOT/bob.listen" ||
    fail "bob's listen on node 2 did not print live-5: $(cat "$ROOT/bob.listen.err")"
assert_eq "$(texts "$ROOT/bob.listen")" "live-1 live-2 live-3 live-4 live-5" \
    "bob's listen on node 2"
bg_stop "$listener"

log "node 1 to bob offline; he reads through node 3"
on 1; send_cli alice bob off 5 "$ROOT/s2"
on 3; nat bob --json recv >"$ROOT/r2" || fail "bob recv on node 3"
check_messages "$ROOT/r2" alice bob off 5 "$ROOT/s2"

log "a group spanning the three nodes"
on 1; nat alice --json group create trio bob carol >/dev/null ||
    fail "group create"
send_cli alice '#trio' tri 3 "$ROOT/s3"
on 2; nat bob --json recv >"$ROOT/r3b" || fail "bob recv"
on 3; nat carol --json recv >"$ROOT/r3c" || fail "carol recv"
assert_eq "$(texts "$ROOT/r3b")" "tri-1 tri-2 tri-3" "bob's group copies"
assert_eq "$(texts "$ROOT/r3c")" "tri-1 tri-2 tri-3" "carol's group copies"

log "bob's device moves from node 2 to node 3 while alice sends"
on 2; nat_bg bob "$ROOT/m1.listen" --json listen
l1=$BG_PID
on 1
( send_cli alice bob move 20 "$ROOT/s4" ) &
sender=$!
bg_track "$sender"
wait_for 15 grep -q '"move-5"' "$ROOT/m1.listen" || fail "move-5 on node 2"
bg_stop "$l1"
on 3; nat_bg bob "$ROOT/m2.listen" --json listen
l2=$BG_PID
wait "$sender" || fail "alice's sends while bob moved"
wait_for 15 grep -q '"move-20"' "$ROOT/m2.listen" ||
    fail "the rest on node 3: $(cat "$ROOT/m2.listen.err")"
bg_stop "$l2"
cat "$ROOT/m1.listen" "$ROOT/m2.listen" >"$ROOT/moved"
nat bob --json recv >>"$ROOT/moved" || fail "bob recv after the move"
want=""
i=1
while [ $i -le 20 ]; do want="$want${want:+ }move-$i"; i=$((i + 1)); done
assert_eq "$(texts "$ROOT/moved")" "$want" "bob's copies across the move"

log "60 Sends in flight on one connection: answered and queued in order"
# Refusals, ids reused after a refusal and duplicates among them
# (natter-probe's sendmix): a node runs a connection's Sends beside each
# other, and each must still write and answer after the ones before it.
on 2; cprobe register dave >/dev/null || fail "register dave"
on 3; cprobe register erin >/dev/null || fail "register erin"
on 2; cprobe auth dave sendmix erin 60 >"$ROOT/mix" ||
    fail "sendmix: $(cat "$ROOT/mix")"
grep -q '^sendmix OK 60 in order$' "$ROOT/mix" ||
    fail "answers out of order: $(grep "^sendmix" "$ROOT/mix" | head -1)"
want=$(sed -n 's/^sendmix stored //p' "$ROOT/mix")
[ "$(echo "$want" | wc -w)" -eq 43 ] || fail "sendmix expects: $want"
on 3; cprobe auth erin recv 43 >"$ROOT/mixr" || fail "erin recv"
assert_eq "$(awk '$1 == "msg" { printf "%s%s", s, $4; s = " " }' \
    "$ROOT/mixr")" "$want" "erin's queue, from one pipelined connection"

log "one sender's share of a queue, read with the claim on PostgreSQL"
# A Send's claim statement brings the recipient's depth (queue_pg.c); the
# share bound (QUEUE_MAXSHARE, 25,000) must hold with it, near the bound
# too, where the Sends in flight on the connection are counted again.
on 3; cprobe register frank >/dev/null || fail "register frank"
on 2; out=$(cprobe auth dave sendpipe frank 25001 10 64 \
    sendenv frank x frank:1) || fail "dave's sendpipe: $out"
assert_eq "$(printf '%s\n' "$out" | sed 's/ [0-9]* msgs\/s$//')" "auth OK
sendpipe OK 25000/25001
sendenv QUEUE_FULL missing=- extra=- (frank has too many of your messages waiting; try again once they are read)" \
    "dave's 25,000 for frank, through node 2"
on 1; out=$(cprobe auth erin sendenv frank hi frank:1)
assert_eq "$out" "auth OK
sendenv OK missing=- extra=-" "erin still gets through to frank, on node 1"
on 3; out=$(cprobe auth frank recv 25001)
assert_contains "$out" "drained 25001" "frank reads everything on node 3"

log "kill -9 of node 1 while alice sends through the balancer"
: >"$ROOT/told"
i=1
while [ $i -le 30 ]; do
	[ $i = 11 ] && kill -KILL "$(awk '$2 == "node1" { print $4 }' \
	    "$ROOT/status")"
	URL=$BALANCER
	if nat alice --json send bob "k9-$i" >/dev/null 2>&1; then
		echo "k9-$i" >>"$ROOT/told"
	fi
	i=$((i + 1))
done
[ "$(line_count "$ROOT/told")" -ge 20 ] ||
    fail "only $(line_count "$ROOT/told") of 30 sends were stored"
on 2; nat bob --json recv >"$ROOT/r5" || fail "bob recv after kill -9"
python3 - "$ROOT/told" "$ROOT/r5" <<'PY' || fail "after kill -9: see above"
import json, sys
told = [l.strip() for l in open(sys.argv[1]) if l.strip()]
got = [json.loads(l).get("text") for l in open(sys.argv[2]) if l.strip()]
got = [t for t in got if t and t.startswith("k9-")]
dup = sorted({t for t in got if got.count(t) > 1})
lost = [t for t in told if t not in got]
if dup or lost:
    print("duplicates %s, lost %s" % (dup, lost))
    sys.exit(1)
PY
pass
