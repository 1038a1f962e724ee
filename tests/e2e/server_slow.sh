# server_slow: a receiver that stops reading does not grow natterd's memory
# with what is queued for it; once it reads again everything arrives, in
# order, and the newer connection of a device replaces the older one. A
# receiver that reads but never acks gets at most the window (64) while
# others keep talking, and everything once it acks on a new connection.
. "$(dirname "$0")/../tools/server-e2e.sh"
sv_init server_slow
# Under ASan, freed memory sits in a quarantine (256 MiB by default) that
# would count as growth here: keep it small (also when scripts/test
# --sanitize sets ASAN_OPTIONS). No effect on normal builds.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"
export ASAN_OPTIONS
start_server

probe register alice >/dev/null || fail "register alice"
probe register bob >/dev/null || fail "register bob"

# Bob connects, authenticates and then reads nothing for a while.
probe -t 60 auth bob waitfile "$ROOT/go" drain >"$ROOT/stalled" &
stalled=$!
bg_track $stalled
wait_for 10 online_is -ge 1 ||
    fail "bob did not come online"
rss0=$(metric process_resident_memory_bytes)

# 600 messages of 100 KB (60 MB) for the stalled reader. natterd may
# grow by its caches (SQLite's page cache is 12 MiB; under ASan, redzones,
# shadow and the quarantine double that: +13 and +26 MiB measured, the
# same with 30 MB queued), never by what is queued: holding it would be
# 57 MiB or more.
n=600
out=$(probe auth alice sendbig bob 100000 $n)
assert_eq "$out" "auth OK
sendbig OK $n/$n" "stored $n large messages"
assert_eq "$(metric natter_queue_depth)" $n "queue depth"
rss1=$(metric process_resident_memory_bytes)
grow=$(( (rss1 - rss0) / 1048576 ))
echo "# rss before $rss0, after $rss1 (+$grow MiB) with $((n / 10)) MB queued"
[ "$grow" -lt 32 ] || fail "memory grew by $grow MiB for a stalled reader"

# A new connection of bob's device closes the stalled one (4001).
probe auth bob recv $n >"$ROOT/got" || fail "bob recv"
: >"$ROOT/go"
wait $stalled
assert_contains "$(cat "$ROOT/stalled")" "close 4001" "older connection"
assert_eq "$(grep -c '^msg alice 1 #100000 bytes$' "$ROOT/got")" $n \
    "all $n delivered to the new connection"
# What is left queued: alice's delivered receipts.
assert_eq "$(metric natter_queue_depth)" $n "receipts queued for alice"
out=$(probe auth alice recv $n | grep -c '^receipt bob 1 ')
assert_eq "$out" $n "receipts"
assert_eq "$(metric natter_queue_depth)" 0 "all acked"
# Carol reads but never acks: natterd stops at the window.
probe register carol >/dev/null || fail "register carol"
out=$(probe auth alice sendpipe carol 300 100 32)
assert_contains "$out" "sendpipe OK" "300 for carol"
probe -t 60 auth carol take 64 2000 waitfile "$ROOT/go2" >"$ROOT/noack" &
noack=$!
bg_track $noack
wait_for 20 grep -q '^extra ' "$ROOT/noack" || fail "carol: $(cat "$ROOT/noack")"
assert_eq "$(cat "$ROOT/noack")" "auth OK
take 64
extra 0" "at most 64 unacked items in flight"
t0=$(now_ms)
roundtrip noack
echo "# round trip with a never-acking device connected: $(($(now_ms) - t0)) ms"
: >"$ROOT/go2"
wait $noack
out=$(probe auth carol recv 300)
assert_eq "$(printf '%s\n' "$out" | grep -c '^msg alice 1 ')" 300 \
    "carol gets all 300 once she acks"
still_serving slow
pass
