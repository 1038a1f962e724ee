# server_link: linking a new device through natterd with raw protocol
# clients: the offer on a connection not logged in, device 1's lookup,
# relays both ways, the publish that adds the device (Linked to the new
# device, which then logs in and receives), an offer used once, an offer
# that dies with its connection, an offer that outlives the login
# timeout and then expires (its connection closed 4004), and the
# refusals: bad signature, after login, NOT_PRIMARY, NOT_AUTHENTICATED,
# another account's offer, a relay before any lookup, a payload over
# 1 KiB, too many lookups.
. "$(dirname "$0")/../tools/server-e2e.sh"
sv_init server_link
start_server

probe regl alice >/dev/null || fail "regl alice"
probe register bob >/dev/null || fail "register bob"

# has FILE TEXT: FILE has a line TEXT (for wait_for).
has()
{
	grep -qxF "$2" "$1" 2>/dev/null
}

log "the new device offers, device 1 approves, the list adds it"
probe linkoffer alice2 event link relay alice2 countersig event linked \
    auth alice 2 alice2 recv 1 >"$ROOT/new" &
new=$!
bg_track $new
wait_for 10 has "$ROOT/new" "linkoffer OK" || fail "no link offer"
# Another account looks the offer up; device 1 of alice takes it back.
out=$(probe auth bob lookup alice2)
assert_eq "$out" "auth OK
lookup OK key=match" "another account's lookup"
out=$(probe auth alice lookup alice2)
assert_eq "$out" "auth OK
lookup OK key=match" "alice's lookup"
out=$(probe auth bob relay alice2 hijack publish version=2 \
    devs=1=bob,2=alice2 added=alice2)
assert_eq "$out" "auth OK
relay UNKNOWN_USER (no pending link with that code (expired, used, or never made))
publish UNKNOWN_USER (no pending link with that code (expired, used, or never made))" \
    "an offer that another account looked up"
out=$(probe auth alice relay alice2 approval event link \
    publish devs=1=alice,2=alice2,3=rand added=alice2 \
    publish devs=1=alice,2=rand added=alice2 \
    publish devs=1=alice,2=alice2 \
    publish devs=1=alice,2=alice2 added=alice2)
assert_eq "$out" "auth OK
relay OK
event link countersig
publish BAD_REQUEST (a list adds one device at a time)
publish BAD_REQUEST (device 2 is on the list with a key that is not its link offer's)
publish BAD_REQUEST (device 2 is new: added must be its link offer's fingerprint)
publish OK" "device 1 links alice/2"
wait_for 10 has "$ROOT/new" "auth OK" || fail "the new device did not log in"
out=$(probe auth bob bundle alice send alice hello-2)
assert_eq "$(printf '%s\n' "$out" | sed 's/ ts=.*//')" "auth OK
bundle OK alice/1:spk=yes:opk=1 alice/2:spk=yes:opk=1 list=v2:1,2
send OK" "alice/2 has the offer's keys"
wait $new || fail "the new device: $(cat "$ROOT/new")"
assert_eq "$(cat "$ROOT/new")" "linkoffer OK
event link approval
relay OK
event linked alice/2
auth OK
msg bob 1 hello-2
drained 1" "the new device's side"
out=$(probe auth alice 2 alice2 lookup alice2)
assert_eq "$out" "auth OK
lookup NOT_PRIMARY (only device 1 of an account links a new device)" \
    "the new device logs in again; it is not device 1"

log "an offer is used once, and dies with its connection"
nf="UNKNOWN_USER (no pending link with that code (expired, used, or never made))"
# The new device waits, not logged in, while its offer is tried again.
probe linkoffer alice3 event linked sleep 2000 >"$ROOT/new3" &
new=$!
bg_track $new
wait_for 10 has "$ROOT/new3" "linkoffer OK" || fail "no link offer"
out=$(probe auth alice lookup alice3 \
    publish version=3 devs=1=alice,2=alice2,3=alice3 added=alice3 \
    lookup alice3 relay alice3 again \
    publish version=4 devs=1=alice,2=alice2,3=alice3 added=alice3)
assert_eq "$out" "auth OK
lookup OK key=match
publish OK
lookup $nf
relay $nf
publish BAD_REQUEST (the list names a link but adds no device)" "a used offer"
wait $new || fail "the new device: $(cat "$ROOT/new3")"
assert_eq "$(cat "$ROOT/new3")" "linkoffer OK
event linked alice/3" "the second new device"
out=$(probe linkoffer alice4 relay alice4 early relay alice4 large 1025)
assert_eq "$out" "linkoffer OK
relay UNKNOWN_USER (no device has looked this link up yet)
relay TOO_LARGE (a link relay carries at most 1024 bytes)" \
    "relays from the new device before a lookup"
out=$(probe auth alice lookup alice4)
assert_eq "$out" "auth OK
lookup $nf" "the offer of a closed connection"

log "refusals"
out=$(probe linkoffer bad badsig linkoffer x2 linkoffer x3)
assert_eq "$out" "linkoffer BAD_SIGNATURE
linkoffer OK
linkoffer BAD_REQUEST (this connection has a link offer pending already)" \
    "offers"
out=$(probe auth alice linkoffer x4)
assert_eq "$out" "auth OK
linkoffer ALREADY_AUTHENTICATED" "an offer after login"
out=$(probe lookup alice2 relay alice2 hi)
assert_eq "$out" "lookup NOT_AUTHENTICATED (authenticate first)
relay NOT_AUTHENTICATED (log in, or offer a link first)" "not logged in"
out=$(probe register carol lookup rand lookup rand lookup rand lookup rand \
    lookup rand lookup rand)
assert_eq "$out" "register OK carol/1
lookup $nf
lookup $nf
lookup $nf
lookup $nf
lookup $nf
lookup RATE_LIMITED (too many link lookups; wait a minute and try again)" \
    "lookups per account"

log "an offer outlives the login timeout, then expires"
export NATTERD_LINK_TTL=12
restart_server
# (the probe's own timeout, 10 s between frames, would end it sooner)
timeout -k 5 60 "$NATTER_PROBE_BIN" -k "$ROOT/keys" -t 30 "127.0.0.1:$PORT" \
    linkoffer alice5 drain >"$ROOT/expire" 2>>"$ROOT/probe.err" &
bg=$!
bg_track $bg
wait_for 10 has "$ROOT/expire" "linkoffer OK" || fail "no link offer"
sleep 11
out=$(probe auth alice lookup alice5)
assert_eq "$out" "auth OK
lookup OK key=match" "an offer 11 s old (login timeout: 10 s)"
wait $bg || fail "the offering connection: $(cat "$ROOT/expire")"
assert_contains "$(cat "$ROOT/expire")" "close 4004" \
    "the connection of an expired offer"
out=$(probe auth alice lookup alice5)
assert_eq "$out" "auth OK
lookup $nf" "an expired offer"
still_serving link
pass
