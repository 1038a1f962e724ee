# server_badinput: bad input on the WebSocket never crashes or wedges
# natterd: garbage and empty frames, a frame over --max-frame (close 1009),
# a text frame (close 1003), requests before auth, bad and replayed
# signatures, a second auth, unknown, taken and invalid names, a request
# flood (RATE_LIMITED).
# After each, natterd still serves a normal client.
. "$(dirname "$0")/../tools/server-e2e.sh"
sv_init server_badinput
start_server --max-frame 65536

expect()
{
	ex_out=$(probe "$@") || fail "probe $*: exit $? ($ex_out)"
	printf '%s\n' "$ex_out"
}

out=$(expect garbage 10 ping)
assert_eq "$out" "garbage BAD_FRAME 10/10
ping OK" "garbage frames answered BAD_FRAME, connection kept"
still_serving garbage

# Past 32 bad frames the connection is closed (policy violation).
out=$(probe garbage 32 garbage 1)
assert_contains "$out" "close 1008" "33rd bad frame closes with 1008"
still_serving manybad

out=$(probe big 200000)
assert_eq "$out" "close 1009" "frame over --max-frame"
still_serving big

# Just under the bound is a (bad) frame, not a close.
out=$(expect garbage 1 ping)
out=$(probe big 60000 2>&1)
assert_contains "$out" "response BAD_FRAME" "frame under --max-frame"

out=$(probe text)
assert_eq "$out" "close 1003" "text frame"
still_serving text

out=$(expect register pre-a)
out=$(expect ping send pre-a hi bundle pre-a upload 5 ack 1)
case $out in
*"send NOT_AUTHENTICATED"*"bundle NOT_AUTHENTICATED"*"upload NOT_AUTHENTICATED"*"ack NOT_AUTHENTICATED"*) ;;
*) fail "requests before auth: $out" ;;
esac
assert_contains "$out" "ping OK" "ping before auth is fine"
still_serving preauth

out=$(expect badauth pre-a auth pre-a ping)
assert_eq "$out" "badauth BAD_SIGNATURE
auth OK
ping OK" "bad signature, then a fresh challenge works"
# A signature is bound to its connection's challenge: replayed on another
# connection (a fresh challenge) it is refused.
out=$(expect authsave pre-a "$ROOT/auth.sig")
assert_eq "$out" "authsave OK" "auth whose signature is kept"
out=$(expect authreplay pre-a "$ROOT/auth.sig" auth pre-a ping)
assert_eq "$out" "authreplay BAD_SIGNATURE
auth OK
ping OK" "a replayed auth signature, then a fresh one"
still_serving replay
out=$(expect badregister bad-reg register bad-reg)
assert_eq "$out" "badregister BAD_SIGNATURE
register OK bad-reg/1" "bad register signature, then a good one"
out=$(expect auth pre-a auth pre-a register other-name)
assert_eq "$out" "auth OK
auth ALREADY_AUTHENTICATED
register ALREADY_AUTHENTICATED" "second auth on one connection"
still_serving reauth

out=$(expect auth nobody-here auth pre-a 7)
assert_eq "$out" "auth UNKNOWN_USER
auth UNKNOWN_USER" "unknown name / unknown device"
out=$(expect register pre-a)
assert_eq "$out" "register NAME_TAKEN" "taken name"
for n in Alice "a b" "" "0123456789012345678901234567890123" "é"; do
	out=$(expect register "$n")
	assert_eq "$out" "register NAME_INVALID" "invalid name '$n'"
done
out=$(expect auth pre-a send nobody-here hi sendenv bad-reg x -)
assert_eq "$out" "auth OK
send UNKNOWN_USER
sendenv DEVICE_MISMATCH missing=bad-reg:1 extra=-" "unknown recipient"
still_serving names

out=$(expect flood 30000 ping)
ok=$(printf '%s\n' "$out" | sed -n 's/^flood ok=\([0-9]*\) .*/\1/p')
limited=$(printf '%s\n' "$out" | sed -n 's/.*limited=\([0-9]*\)$/\1/p')
[ "$limited" -gt 0 ] || fail "no RATE_LIMITED in a 30000-request flood: $out"
[ "$ok" -ge 20000 ] || fail "burst of 20000 not honoured: $out"
assert_eq "$((ok + limited))" 30000 "every flooded request answered"
[ "$(metric natter_rate_limited_total)" -gt 0 ] || fail "rate limit metric"
still_serving flood
pass
