# server_publish: PublishDeviceList through natterd with raw protocol
# clients: only device 1 publishes (NOT_PRIMARY); a list must verify
# with device 1's key, name the account, move its version forward
# (STALE_LIST), hold at most 5 devices (TOO_MANY_DEVICES) and carry each
# device's own key; a legacy account takes any first version; the other
# devices hear DeviceListChanged; a device the list leaves out is removed:
# its queue deleted, its open connection closed (4003), its sign-in
# refused (DEVICE_REMOVED) and its id never taken again.
. "$(dirname "$0")/../tools/server-e2e.sh"
sv_init server_publish
start_server

probe regl alice >/dev/null || fail "regl alice"
probe register bob >/dev/null || fail "register bob"
# A device 2 of alice whose key the probe holds (as linking would make
# it; linking has its own test).
hex=$(probe keygen alice2 | cut -d' ' -f3)
rogue_device alice 2 "$hex"

out=$(probe auth alice 2 alice2 publish devs=1=alice,2=alice2)
assert_eq "$out" "auth OK
publish NOT_PRIMARY (only device 1 of an account publishes its device list)" \
    "device 2 publishes"
out=$(probe auth alice publish devs=1=alice,2=alice2 signer=rand \
    publish devs=1=alice,2=alice2 account=bob \
    publish devs=1=alice,2=alice2 version=1 \
    publish devs=1=alice,2=alice2,3=rand,4=rand,5=rand,6=rand \
    publish devs=1=alice,2=rand \
    publish devs=1=alice,2=alice2,3=rand \
    publish devs=1=alice,2=alice2 badsig \
    publish devs=2=alice2)
assert_eq "$out" "auth OK
publish BAD_SIGNATURE (the device list is not signed by the account's key (device 1))
publish BAD_REQUEST (the device list names another account)
publish STALE_LIST (the device list's version is not above the current one (1))
publish TOO_MANY_DEVICES (an account has at most 5 devices; the list has 6)
publish BAD_REQUEST (device 2 is on the list with a key that is not its own)
publish BAD_REQUEST (device 3 is new: added must be its link offer's fingerprint)
publish BAD_SIGNATURE (the device list is not signed by the account's key (device 1))
publish BAD_REQUEST (the device list must name device 1 with its key)" \
    "refused lists"
out=$(probe auth bob bundle alice)
assert_contains "$out" "list=v1:1" "refused lists change nothing"

# A legacy account's first list may have any version.
out=$(probe auth bob publish version=1 bundle bob)
assert_eq "$out" "auth OK
publish OK
bundle OK bob/1:spk=yes:opk=1 list=v1:1" "legacy account's first list"

# Device 2 put on the list: connected, it hears the change.
probe auth alice 2 alice2 event changed >"$ROOT/changed" &
bg=$!
bg_track $bg
wait_for 10 online_is -ge 1 || fail "alice/2 did not come online"
out=$(probe auth alice publish devs=1=alice,2=alice2 version=2)
assert_eq "$out" "auth OK
publish OK" "list with device 2"
wait $bg || fail "alice/2 did not hear of the list"
assert_eq "$(cat "$ROOT/changed")" "auth OK
event changed alice" "DeviceListChanged to the other device"

# Messages wait for alice/2, which takes them without acking and stays.
probe auth bob send alice m1 send alice m2 >/dev/null || fail "bob sends"
assert_eq "$(metric natter_queue_depth)" 4 "queued for alice/1 and alice/2"
probe auth alice 2 alice2 take 2 drain >"$ROOT/removed" &
bg=$!
bg_track $bg
wait_for 10 online_is -ge 1 || fail "alice/2 did not come online"
out=$(probe auth alice publish version=3)
assert_eq "$out" "auth OK
publish OK" "list without device 2"
wait $bg || fail "alice/2's connection"
assert_contains "$(cat "$ROOT/removed")" "close 4003" \
    "the removed device's connection is closed"
assert_eq "$(metric natter_queue_depth)" 2 "alice/2's queue is gone"
out=$(probe auth alice 2 alice2)
assert_eq "$out" "auth DEVICE_REMOVED (this device was removed from alice)" \
    "the removed device signs in"
out=$(probe auth bob bundle alice sendenv alice x alice:1,alice:2 \
    sendenv alice y alice:1)
assert_eq "$out" "auth OK
bundle OK alice/1:spk=yes:opk=2 list=v3:1
sendenv DEVICE_MISMATCH missing=- extra=alice:2
sendenv OK missing=- extra=-" "alice has device 1 only"
out=$(probe auth alice publish version=4 devs=1=alice,2=alice2 \
    publish version=3)
assert_eq "$out" "auth OK
publish BAD_REQUEST (device 2 was removed; a new device takes a new id)
publish STALE_LIST (the device list's version is not above the current one (3))" \
    "a removed id is not taken again"
out=$(probe auth alice recv 3)
assert_contains "$out" "drained 3" "alice/1 still gets its messages"
still_serving publish
pass
