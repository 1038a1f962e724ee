# server_relay: the message path through natterd with raw protocol clients:
# FIFO delivery of a backlog, receipts to the sender, idempotent resend,
# device mismatch, one-time prekeys handed out once, PrekeysLow, pushes to
# an online device, and acks that delete.
. "$(dirname "$0")/../tools/server-e2e.sh"
sv_init server_relay
start_server

probe register alice >/dev/null || fail "register alice"
probe register bob 21 >/dev/null || fail "register bob"

# A backlog of 150 (more than the window of 64) arrives in order, once.
i=1
set --
while [ $i -le 150 ]; do
	set -- "$@" send bob "m-$i"
	i=$((i + 1))
done
probe auth alice "$@" >"$ROOT/sent" || fail "sending 150"
assert_eq "$(grep -c '^send OK ts=' "$ROOT/sent")" 150 "150 sends stored"
assert_eq "$(metric natter_queue_depth)" 150 "queue depth"
probe auth bob recv 150 >"$ROOT/got" || fail "bob recv"
grep '^msg ' "$ROOT/got" | awk '{ print $4 }' >"$ROOT/texts"
seq 1 150 | sed 's/^/m-/' >"$ROOT/want"
cmp -s "$ROOT/texts" "$ROOT/want" ||
    fail "backlog not delivered in order: $(head -3 "$ROOT/texts" | tr '\n' ' ')"
grep -q '^drained 150$' "$ROOT/got" || fail "backlog_drained after 150"
assert_eq "$(metric natter_messages_delivered_total)" 150 "delivered"

# Nothing is delivered twice once acked.
out=$(probe auth bob recv)
assert_eq "$out" "auth OK
drained 0" "second recv after acks"

# Alice gets one receipt per message.
probe auth alice recv 150 >"$ROOT/receipts" || fail "alice receipts"
assert_eq "$(grep -c '^receipt bob 1 [0-9a-f]\{32\} status=1$' \
    "$ROOT/receipts")" 150 "receipts"
assert_eq "$(metric natter_queue_depth)" 0 "queue empty"

# Unacked deliveries come again on the next connection.
probe auth alice send bob keep-me >/dev/null || fail "send keep-me"
out=$(probe auth bob recv 1 noack)
assert_contains "$out" "msg alice 1 keep-me" "first delivery"
out=$(probe auth bob recv 1)
assert_contains "$out" "msg alice 1 keep-me" "redelivered when not acked"
out=$(probe auth bob recv)
assert_eq "$out" "auth OK
drained 0" "gone once acked"

# Idempotent: the same message id twice is stored once.
id=00112233445566778899aabbccddeeff
out=$(probe auth alice send bob once "$id" send bob once "$id")
assert_eq "$(printf '%s\n' "$out" | grep -c '^send OK')" 2 "both answered OK"
ts1=$(printf '%s\n' "$out" | sed -n 2p)
ts2=$(printf '%s\n' "$out" | sed -n 3p)
assert_eq "$ts2" "$ts1" "the resend answers the first store time"
out=$(probe auth bob recv)
assert_eq "$(printf '%s\n' "$out" | grep -c '^msg alice 1 once$')" 1 \
    "idempotent resend delivered once"

# Device mismatch: missing, extra and duplicated envelopes; nothing stored.
stored=$(metric natter_messages_stored_total)
out=$(probe auth alice sendenv bob x - sendenv bob x bob:1,bob:2 \
    sendenv bob x bob:1,bob:1 sendenv bob x alice:1,bob:1)
assert_eq "$out" "auth OK
sendenv DEVICE_MISMATCH missing=bob:1 extra=-
sendenv DEVICE_MISMATCH missing=- extra=bob:2
sendenv DEVICE_MISMATCH missing=- extra=bob:1
sendenv DEVICE_MISMATCH missing=- extra=alice:1" "device mismatch"
assert_eq "$(metric natter_messages_stored_total)" "$stored" \
    "a mismatch stores nothing"

# One-time prekeys: each handed out once, then none; PrekeysLow to bob.
out=$(probe auth alice bundle bob bundle bob)
assert_eq "$out" "auth OK
bundle OK bob/1:spk=yes:opk=1
bundle OK bob/1:spk=yes:opk=2" "one-time prekeys handed out once"
out=$(probe auth bob recv)
assert_contains "$out" "event prekeys_low 19" "PrekeysLow on auth"
out=$(probe auth bob upload 201)
assert_eq "$out" "auth OK
upload TOO_LARGE count=0" "upload bound"
out=$(probe auth bob upload 30)
assert_eq "$out" "auth OK
upload OK count=49" "upload"
probe register carol 1 >/dev/null || fail "register carol"
out=$(probe auth alice bundle carol bundle carol)
assert_eq "$out" "auth OK
bundle OK carol/1:spk=yes:opk=1
bundle OK carol/1:spk=yes:opk=none" "bundle with no one-time prekey left"

# Online push: bob is connected while alice sends.
probe auth bob recv 3 >"$ROOT/live" &
live=$!
bg_track $live
wait_for 10 online_is -ge 1 ||
    fail "bob did not come online"
probe auth alice send bob live-1 send bob live-2 send bob live-3 \
    >/dev/null || fail "live sends"
wait $live || fail "bob's live recv failed"
assert_eq "$(grep -c '^msg alice 1 live-' "$ROOT/live")" 3 "live pushes"

# Receipts for a connected sender wait briefly for company (at most 32):
# lazy N: alice sends N, then waits connected and idle while bob takes
# them (in Delivers of up to 32, one Ack each); prints the sizes of the
# Delivers that brought alice her N receipts.
lazy()
{
	lz_n=$1
	probe auth alice recv >/dev/null || fail "alice's earlier receipts"
	set --
	lz_i=1
	while [ "$lz_i" -le "$lz_n" ]; do
		set -- "$@" send bob "lz-$lz_i"
		lz_i=$((lz_i + 1))
	done
	probe auth alice "$@" >/dev/null || fail "lazy sends"
	wait_for 10 online_is -eq 0 || fail "earlier connections still online"
	probe auth alice recvf $lz_n >"$ROOT/lazy" &
	lz_pid=$!
	bg_track $lz_pid
	wait_for 10 online_is -ge 1 || fail "alice did not come online"
	probe auth bob recv $lz_n >/dev/null || fail "bob recv lz"
	wait $lz_pid || fail "alice's receipts did not come"
	assert_eq "$(grep -c '^receipt bob 1 [0-9a-f]\{32\} status=1$' \
	    "$ROOT/lazy")" $lz_n "receipts for lazy $lz_n"
	grep '^deliver ' "$ROOT/lazy" | cut -d' ' -f2 | tr '\n' ' '
}
# Three acked together reach idle alice in one Deliver (by natterd's
# timer, as alice sends nothing); forty leave as 32 (the bound) and 8.
assert_eq "$(lazy 3)" "3 " "three receipts in one Deliver"
assert_eq "$(lazy 40)" "32 8 " "forty receipts, at most 32 a Deliver"

# Sending to oneself with one device needs no envelope.
out=$(probe auth alice sendenv alice note -)
assert_eq "$out" "auth OK
sendenv OK missing=- extra=-" "note to self, single device"
pass
