#!/bin/sh
# cluster_link: linking a device across nodes. scripts/cluster up 2;
# alice's device 1 connects to node 1 itself and her new laptop to node
# 2, so the offer, the lookup and the relays cross nodes through Redis
# (server/linkdir.c). Then a message from bob (on the balancer) reaches
# both of her devices; the used code fails on either node as on one; a
# phone offered on alice's own node links too (through Redis as well);
# malformed link messages published to the nodes are ignored; with
# Redis stopped linking fails with a sentence, not a hang, and the same
# offer links once Redis is back.
. "$(dirname "$0")/../tools/cluster-e2e.sh"
ce_init cluster_link 2

on 1; register alice
URL=$BALANCER; register bob

log "the laptop offers on node 2; alice approves on node 1"
on 2; link_offer laptop laptop; linker=$OFFER_PID; code=$OFFER_CODE
on 1; nat alice --json devices approve "$code" >"$ROOT/approve" \
    2>"$ROOT/approve.err" ||
    fail "approve on node 1 exit $?: $(cat "$ROOT/approve.err")"
wait "$linker" ||
    fail "devices link on node 2 exit $?: $(cat "$ROOT/laptop.link.err")"
assert_eq "$(jl "$ROOT/laptop.link" \
    'L[-1]["type"]+" "+L[-1]["account"]+" "+str(L[-1]["device"])')" \
    "linked alice 2" "the laptop's last line"
assert_eq "$(jl "$ROOT/approve" \
    'L[0]["type"]+" "+str(L[0]["device"])+" "+L[0]["name"]')" \
    "approved 2 laptop" "approve's answer"

log "bob's message reaches both of alice's devices"
URL=$BALANCER; send_cli bob alice hello 2 "$ROOT/s1"
on 1; nat alice --json recv >"$ROOT/r1" || fail "alice recv on node 1"
on 2; nat laptop --json recv >"$ROOT/r2" || fail "laptop recv on node 2"
check_messages "$ROOT/r1" bob alice hello 2 "$ROOT/s1"
check_messages "$ROOT/r2" bob alice hello 2 "$ROOT/s1"

log "the used code is refused on either node, as on one"
for k in 1 2; do
	on $k
	nat alice --json devices approve "$code" >"$ROOT/again$k" \
	    2>"$ROOT/again$k.err" && fail "a used code approved on node $k"
	assert_contains "$(cat "$ROOT/again$k.err")" "no device is waiting" \
	    "a used code on node $k"
done

log "a phone offers on node 1, alice's own node: Redis still has it"
on 1; link_offer phone phone; linker=$OFFER_PID; code=$OFFER_CODE
nat alice --json devices approve "$code" >"$ROOT/approve3" \
    2>"$ROOT/approve3.err" ||
    fail "approve on node 1 exit $?: $(cat "$ROOT/approve3.err")"
wait "$linker" ||
    fail "devices link on node 1 exit $?: $(cat "$ROOT/phone.link.err")"
assert_eq "$(jl "$ROOT/phone.link" 'L[-1]["type"]+" "+str(L[-1]["device"])')" \
    "linked 3" "the phone's last line"
URL=$BALANCER; send_cli bob alice again 1 "$ROOT/s2"
on 1; nat phone --json recv >"$ROOT/r3" || fail "phone recv on node 1"
check_messages "$ROOT/r3" bob alice again 1 "$ROOT/s2"
on 2; nat laptop --json recv >"$ROOT/r4" || fail "laptop recv on node 2"
check_messages "$ROOT/r4" bob alice again 1 "$ROOT/s2"

log "malformed and stray link messages on the nodes' channels are ignored"
redis_pid=$(awk '$1 == "redis" { print $4 }' "$ROOT/status")
[ -n "$redis_pid" ] || fail "no redis in status: $(cat "$ROOT/status")"
redis_port=$(awk '$1 == "redis" { sub(/.*:/, "", $5); print $5 }' \
    "$ROOT/status")
fp=00112233445566778899aabbccddeeff
for k in 1 2; do
	for m in "link" "link $fp" "link $fp 0" "linkp 99999999999 $fp 00" \
	    "linkp 1 $fp zz" "linked $fp 2" "linked $fp 2 a b" "linkgone" \
	    "link $fp 00" "linkp 1 $fp 00" "linked $fp 2 mallory" \
	    "linkgone $fp" "linkdrop $fp"; do
		redis-cli -p "$redis_port" PUBLISH "natter:node:node$k" "$m" \
		    >/dev/null || fail "redis-cli PUBLISH"
	done
done
"$CLUSTER" status >"$ROOT/status1" ||
    fail "a node died of link messages: $(cat "$ROOT/status1")"

log "Redis stopped: linking fails with a sentence, then works again"
on 2; link_offer tablet tablet; tablet=$OFFER_PID; code=$OFFER_CODE
kill -STOP "$redis_pid"
# Node 1 waits for Redis until its heartbeat gives up (2 s), then says so.
on 1
nat alice --json devices approve "$code" >"$ROOT/down" 2>"$ROOT/down.err" &&
    fail "approved with Redis stopped"
assert_contains "$(cat "$ROOT/down.err")" "which is unreachable" \
    "approve with Redis stopped"
kill -CONT "$redis_pid"
"$CLUSTER" status >"$ROOT/status2" ||
    fail "a node died while Redis was stopped: $(cat "$ROOT/status2")"

# up K: node K's directory is connected again.
up()
{
	curl -fsS -m 5 "http://$(awk -v n="node$1" '$2 == n { print $5 }' \
	    "$ROOT/status")/metrics" | grep -qx 'natter_directory_connected 1'
}
wait_for 30 up 1 || fail "node 1 did not reconnect to Redis"
wait_for 30 up 2 || fail "node 2 did not reconnect to Redis"
nat alice --json devices approve "$code" >"$ROOT/approve4" \
    2>"$ROOT/approve4.err" ||
    fail "approve once Redis is back: $(cat "$ROOT/approve4.err")"
wait "$tablet" ||
    fail "devices link on node 2 exit $?: $(cat "$ROOT/tablet.link.err")"
on 1; nat alice --json devices list >"$ROOT/list" || fail "devices list"
assert_eq "$(jl "$ROOT/list" 'len(L[0]["devices"])')" 4 \
    "alice's devices at the end"
pass
