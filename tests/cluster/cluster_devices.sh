#!/bin/sh
# cluster_devices: scripts/cluster up 2. alice and her new laptop are on
# node 1, bob on node 2. bob writes to alice first, so node 2 reads and
# keeps her device list (pgcache.h); then alice links the laptop on node
# 1, and bob's next messages must reach the laptop: node 1 tells node 2
# through Redis that the list changed, and node 2 reads it again (with
# the old list kept, node 2 would accept envelopes for alice's first
# device only, and the laptop would never hear them). Then alice removes
# the laptop while it listens on node 2: node 2 hears of the change and
# closes its connection (4003; devwatch.h), and bob's next message goes
# to her first device only. Last, a device on node 2 hears
# DeviceListChanged when device 1 on node 1 publishes a new list.
. "$(dirname "$0")/../tools/cluster-e2e.sh"
ce_init cluster_devices 2


on 1; register alice
on 2; register bob

log "bob writes to alice: node 2 keeps her list of one device"
send_cli bob alice pre 2 "$ROOT/s1"
on 1; nat alice --json recv >"$ROOT/r1" || fail "alice recv"
check_messages "$ROOT/r1" bob alice pre 2 "$ROOT/s1"

log "alice links a laptop on node 1; bob's next messages reach it"
link_device laptop laptop
on 2; send_cli bob alice post 3 "$ROOT/s2"
on 1; nat laptop --json recv >"$ROOT/r2l" || fail "laptop recv"
nat alice --json recv >"$ROOT/r2a" || fail "alice recv"
check_messages "$ROOT/r2a" bob alice post 3 "$ROOT/s2"
assert_eq "$(jl "$ROOT/r2l" '" ".join(o["text"] for o in L
    if o["type"] == "message" and o["from"] == "bob")')" \
    "post-1 post-2 post-3" "the laptop's messages from bob"

log "alice removes the laptop listening on node 2; node 2 closes it"
on 2
nat_bg laptop "$ROOT/listen" --json listen
listen=$BG_PID
wait_for 20 online_here -eq 1 || fail "the laptop is not online on node 2: \
$(cat "$ROOT/listen.err")"
on 1
nat alice devices remove 2 >"$ROOT/rm.out" 2>&1 ||
    fail "devices remove 2: $(cat "$ROOT/rm.out")"
on 2
wait_for 20 online_here -eq 0 ||
    fail "node 2 kept the removed laptop connected"
wait_for 20 exited "$listen" ||
    fail "the removed laptop's listen still runs: $(cat "$ROOT/listen.err")"
wait "$listen"
assert_eq "$?" 1 "listen's status once its device was removed"
assert_contains "$(tail -n 1 "$ROOT/listen.err")" \
    "this device was removed from alice" "listen's last line"
on 2; send_cli bob alice last 1 "$ROOT/s3"
on 1; nat alice --json recv >"$ROOT/r3" || fail "alice recv"
check_messages "$ROOT/r3" bob alice last 1 "$ROOT/s3"
# The removed laptop's queue went with it: nothing waits for device 2.
n=$(pg_value "SELECT count(*) FROM queue q JOIN accounts a
    ON a.id = q.account WHERE a.name = 'alice' AND q.device = 2")
assert_eq "$n" "0" "rows queued for the removed laptop"

log "carol's device 1 on node 1 changes her list; her device 2 on node 2 hears"
on 1
cprobe regl carol >/dev/null || fail "regl carol"
cprobe linkoffer carol2 event link relay carol2 countersig event linked \
    >"$ROOT/carol2.link" &
offerer=$!
bg_track $offerer
wait_for 10 grep -qx "linkoffer OK" "$ROOT/carol2.link" ||
    fail "no link offer: $(cat "$ROOT/carol2.link")"
out=$(cprobe auth carol lookup carol2 relay carol2 approval event link \
    publish devs=1=carol,2=carol2 added=carol2)
assert_eq "$out" "auth OK
lookup OK key=match
relay OK
event link countersig
publish OK" "carol's device 1 links carol/2"
wait $offerer || fail "carol/2's offer: $(cat "$ROOT/carol2.link")"
on 2
cprobe -t 20 auth carol 2 carol2 event changed >"$ROOT/changed" &
listener=$!
bg_track $listener
wait_for 20 online_here -eq 1 || fail "carol/2 is not online on node 2"
on 1
out=$(cprobe auth carol publish devs=1=carol,2=carol2 version=3)
assert_eq "$out" "auth OK
publish OK" "a new version of carol's list"
wait $listener || fail "carol/2 on node 2: $(cat "$ROOT/changed")"
assert_eq "$(cat "$ROOT/changed")" "auth OK
event changed carol" "DeviceListChanged on node 2"
pass
