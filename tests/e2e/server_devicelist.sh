# server_devicelist: signed device lists through natterd with raw protocol
# clients: Register with a list (checked: signature, account, version,
# device 1 only) and BundleRequest serving it back; an account without a
# list (an older client) as before; Send.skipped: a device the sender
# leaves out on purpose (here one the server made up, on no signed list)
# is neither reported missing nor sent anything.
. "$(dirname "$0")/../tools/server-e2e.sh"
sv_init server_devicelist
start_server

# Register with a list; the bundle answer carries it, verified by the
# probe with device 1's key from the same answer.
out=$(probe regl alice) || fail "regl alice"
assert_eq "$out" "regl OK alice/1" "register with a list"
probe register carol >/dev/null || fail "register carol"
out=$(probe auth carol bundle alice)
assert_eq "$out" "auth OK
bundle OK alice/1:spk=yes:opk=1 list=v1:1" "the list served with the bundles"
out=$(probe regl dave version=7)
assert_eq "$out" "regl OK dave/1" "a first list may start above 1"
out=$(probe auth carol bundle dave)
assert_contains "$out" "list=v7:1" "version 7 served"

# An account without a list (an older client) has none to serve.
out=$(probe auth alice bundle carol)
assert_eq "$out" "auth OK
bundle OK carol/1:spk=yes:opk=1" "legacy account: no list"

# Refused lists; nothing is created.
out=$(probe regl bob badsig)
assert_contains "$out" "regl BAD_SIGNATURE" "list with a wrong signature"
out=$(probe regl bob account=bobby)
assert_contains "$out" "regl BAD_REQUEST (the device list names another account)" \
    "list of another account"
out=$(probe regl bob devs=1=self,2=rand)
assert_contains "$out" "regl BAD_REQUEST" "a new account's list with two devices"
out=$(probe regl bob devs=1=rand)
assert_contains "$out" "regl BAD_REQUEST" "device 1 listed with another key"
out=$(probe regl bob signer=rand devs=1=rand)
assert_contains "$out" "regl BAD_SIGNATURE" "signed by a key other than its own"
out=$(probe regl bob version=0)
assert_contains "$out" "regl STALE_LIST" "version 0"
out=$(probe auth carol bundle bob)
assert_eq "$out" "auth OK
bundle UNKNOWN_USER" "no account made by a refused register"
out=$(probe regl bob)
assert_eq "$out" "regl OK bob/1" "then a good one"

# Send.skipped: the server claims a device 2 of bob that is on no list.
rogue_device bob 2
out=$(probe auth alice sendenv bob hi bob:1 sendenv bob hi bob:1 bob:2 \
    sendenv bob hi bob:1,bob:2 bob:2 sendenv bob hi bob:1 bob:2,bob:9,eve:1 \
    sendenv bob hi - bob:2)
assert_eq "$out" "auth OK
sendenv DEVICE_MISMATCH missing=bob:2 extra=-
sendenv OK missing=- extra=-
sendenv DEVICE_MISMATCH missing=- extra=bob:2
sendenv OK missing=- extra=-
sendenv DEVICE_MISMATCH missing=bob:1 extra=-" "Send.skipped"
# Two stored (to bob/1 each); nothing for the skipped device.
out=$(probe auth bob recv 2)
assert_contains "$out" "drained 2" "bob/1 got the two messages"
out=$(probe auth bob 2 rand)
assert_contains "$out" "auth BAD_SIGNATURE" "nobody holds the made-up device's key"
out=$(probe auth alice recv 2)
assert_contains "$out" "drained 2" "alice's two receipts"
assert_eq "$(metric natter_queue_depth)" 0 "nothing queued for the skipped device"

# A Send with more envelopes than natterd checks on the stack (32): the
# answer still names every one that is not a device (and the made-up
# device 2, which the server lists).
extra=$(seq 10 48 | sed 's/^/bob:/' | paste -sd, -)
out=$(probe auth alice sendenv bob hi "bob:1,$extra")
assert_eq "$out" "auth OK
sendenv DEVICE_MISMATCH missing=bob:2 extra=$extra" "40 envelopes, 39 of no device"
pass
