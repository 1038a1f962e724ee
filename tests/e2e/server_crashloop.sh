# server_crashloop: natterd is killed with SIGKILL at random moments while
# natter-bench relays (paced) and while it stores and drains offline
# messages; after each restart the bench's clients reconnect and resend
# what was not answered. Every message is delivered, none twice after its
# ack was confirmed, and each pair's messages first arrive in order.
# CRASH_KILLS (default 3 per run) and CRASH_SCALE (default 1) make the long
# variant (tests/long/server_crashloop_long.sh).
. "$(dirname "$0")/../tools/server-e2e.sh"
sv_init server_crashloop
[ -x "$NATTER_BENCH_BIN" ] || fail "binary not built: $NATTER_BENCH_BIN"
kills=${CRASH_KILLS:-3}
scale=${CRASH_SCALE:-1}
start_server --sync full

# crashes BENCH_PID MAX: kill -9 and restart natterd every 0.3 to 0.8 s
# while the bench runs, at most MAX times; sets n to how many. (Not in a
# subshell: restart_server must update SERVER_PID here.)
crashes()
{
	n=0
	while [ "$n" -lt "$2" ] && kill -0 "$1" 2>/dev/null; do
		sleep "0.$(awk -v s="$n$$" 'BEGIN { srand(s + systime());
		    print int(3 + rand() * 6) }')"
		kill -0 "$1" 2>/dev/null || break
		kill9_server
		restart_server
		n=$((n + 1))
	done
}

# stored_at_least N: this natterd has stored N messages; for wait_for.
stored_at_least()
{
	[ "$(metric natter_messages_stored_total)" -ge "$1" ] 2>/dev/null
}

# check FILE: lost = dup = disorder = 0 and something was redone.
check()
{
	python3 - "$1" <<'PY' || fail "$(cat "$1")"
import json, sys
o = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
assert o["lost"] == 0 and o["dup"] == 0 and o["disorder"] == 0, o
assert o["reconnects"] > 0, "no reconnects: %s" % o
PY
}

# Relay: 4 pairs paced to 1,000/s, so the run outlasts the kills.
msgs=$((kills * 250 * scale))
"$NATTER_BENCH_BIN" --server "$URL" --mode relay --pairs 4 \
    --messages "$msgs" --window 8 --rate 1000 --reconnect --json \
    >"$ROOT/relay" 2>"$ROOT/relay.err" &
bench=$!
bg_track $bench
crashes $bench "$kills"
wait $bench || fail "relay bench exited $? after $n kills: $(cat "$ROOT/relay" \
    "$ROOT/relay.err")"
assert_eq "$n" "$kills" "kills during the relay run"
check "$ROOT/relay"
echo "# relay: $n kills: $(cat "$ROOT/relay")"

# Offline: kills while storing and while draining. This natterd may have
# stored thousands in the relay run already (the long variant's last
# restart can come early in it): count from here.
base=$(metric natter_messages_stored_total)
"$NATTER_BENCH_BIN" --server "$URL" --mode offline --pairs 20 \
    --messages $((2000 * scale)) --reconnect --json \
    >"$ROOT/offline" 2>"$ROOT/offline.err" &
bench=$!
bg_track $bench
# The store can take well under a second on a fast machine: the first
# kill comes as soon as it is under way, the others at random moments.
wait_for 30 stored_at_least $((base + 2000)) ||
    fail "the offline store did not start"
kill9_server
restart_server
crashes $bench $((kills - 1))
n=$((n + 1))
wait $bench || fail "offline bench exited $? after $n kills: $(cat \
    "$ROOT/offline" "$ROOT/offline.err")"
check "$ROOT/offline"
echo "# offline: $n kills: $(cat "$ROOT/offline")"
still_serving crashloop
pass
