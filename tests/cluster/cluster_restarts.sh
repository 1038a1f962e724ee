#!/bin/sh
# cluster_restarts: scripts/cluster up 2; bob listens on node 2 while
# alice sends a stream of messages (one `natter send` each, paced) through
# node 1, and in the middle of the stream:
#   - Redis (the directory) is killed with kill -9 and started again on
#     its port, empty. Every send succeeds (a node serves without Redis),
#     every message reaches bob's listen exactly once (without wake-ups
#     node 2 finds them when it reads his queue, every 2 s), and once Redis
#     is back both nodes say they reconnected, node 2 has announced bob
#     again (dev:ID:1 is node2) and is subscribed to its channel, and a
#     new message is woken there (the wake-up is seen on the channel);
#   - PostgreSQL (the store) is killed with kill -9 of its postmaster and
#     started again on its data. Sends fail meanwhile (the message stays
#     in alice's outbox, or the server refused it); every message a send
#     said was stored reaches bob exactly once, no message twice, both
#     nodes stay up and serve again, and a message sent after the restart
#     arrives.
# The log says how long the messages took to reach bob in each phase
# (from the sender's timestamp to bob's listen printing them).
#
# CR_PHASES says which run (default redis): this file runs the Redis
# phase, tests/cluster/cluster_pg_restart the PostgreSQL one. When the
# kill finds a node with statements in flight, its transaction fails and
# it closes every connection: bob's listen then signs in while
# PostgreSQL is still down, is refused with "retry later", and must try
# again (the client once gave up there, about one run in 25).
. "$(dirname "$0")/../e2e/lib.sh"
e2e_init "${CR_NAME:-cluster_restarts}"
CR_PHASES=${CR_PHASES:-redis}
cr_phase()
{
	case " $CR_PHASES " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}
CLUSTER=$E2E_TOP/scripts/cluster
TOOLS=$E2E_TOP/tests/tools
chmod 755 "$ROOT"	# PostgreSQL runs as postgres when we are root
export NATTER_CLUSTER_DIR="$ROOT/cluster"
export NATTERD_BIN
STREAM=60	# messages per phase
KILL_AT=21	# the server goes before this one
BACK_AT=41	# and is started again (in the background) before this one
PACE_MS=250	# at most one send every PACE_MS: the outage lasts >= 5 s

cr_cleanup()
{
	# With E2E_KEEP=1 the cluster's logs outlive it, in ROOT/logs.
	if [ "${E2E_KEEP:-0}" = 1 ] && [ -d "$NATTER_CLUSTER_DIR" ]; then
		mkdir -p "$ROOT/logs"
		cp "$NATTER_CLUSTER_DIR"/*.log "$NATTER_CLUSTER_DIR/redis/redis.log" \
		    "$NATTER_CLUSTER_DIR/postgres/postgres.log" "$ROOT/logs" \
		    2>/dev/null
	fi
	"$CLUSTER" down >/dev/null 2>&1 || true
	e2e_cleanup
}
trap 'cr_cleanup' EXIT
trap 'cr_cleanup; exit 130' INT
trap 'cr_cleanup; exit 143' TERM
trap 'cr_cleanup; exit 129' HUP

"$CLUSTER" up 2 >"$ROOT/up.out" 2>"$ROOT/up.err" || {
	cat "$ROOT/up.out" "$ROOT/up.err" >&2
	fail "scripts/cluster up 2 failed"
}
"$CLUSTER" status >"$ROOT/status" || fail "status: $(cat "$ROOT/status")"
REDIS_DIR=$NATTER_CLUSTER_DIR/redis
PG_DIR=$NATTER_CLUSTER_DIR/postgres
REDIS_ADDR=$(awk '$1 == "redis" { print $5 }' "$ROOT/status")
PG_URL=$("$TOOLS/pgtmp" url "$PG_DIR") || fail "no PostgreSQL URL"

# field KIND NAME N: field N of status line KIND NAME in $ROOT/status.
field()
{
	awk -v k="$1" -v n="$2" -v f="$3" '$1 == k && $2 == n { print $f }' \
	    "$ROOT/status"
}

# on K: the next natter commands connect to node K itself.
on()
{
	URL="ws://$(field natterd "node$1" 5)"
}

rcli()
{
	redis-cli -h "${REDIS_ADDR%:*}" -p "${REDIS_ADDR#*:}" "$@"
}

# node_log K PATTERN: node K's log has a line matching PATTERN (grep -E).
node_log()
{
	grep -qE "$2" "$NATTER_CLUSTER_DIR/node$1.log"
}

# healthy K: node K answers /healthz.
healthy()
{
	curl -fsS -m 5 "http://$(field natterd "node$1" 5)/healthz" >/dev/null
}

# bob_on_node2: Redis says node2 serves bob's device, and node 2 listens
# on its channel (so a wake-up published there reaches it).
bob_on_node2()
{
	[ "$(rcli GET "dev:$BOB_ID:1")" = node2 ] &&
	    [ "$(rcli PUBSUB NUMSUB natter:node:node2 | sed -n 2p)" = 1 ]
}

# nodes_live: status shows everything running (restarted Redis and
# PostgreSQL under their new pids) and both natterd nodes with the pids
# they were started with.
nodes_live()
{
	"$CLUSTER" status >"$ROOT/status.now" 2>&1 || return 1
	for k in 1 2; do
		grep -qx "natterd node$k pid $(field natterd "node$k" 4) [0-9.:]*" \
		    "$ROOT/status.now" || return 1
	done
}

# listen_bg USER OUT: `natter --json listen` for USER in the background
# (BG_PID; SIGTERM ends it), its lines to OUT as they come and, for each,
# the time it came (ms) to OUT.at, written first.
listen_bg()
{
	NATTER_PASSPHRASE=$(passphrase "$1") setsid python3 -c '
import signal, subprocess, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
    stderr=open(out + ".err", "wb"))
signal.signal(signal.SIGTERM, lambda s, f: p.send_signal(s))
signal.signal(signal.SIGINT, lambda s, f: p.send_signal(s))
with open(out, "w") as o, open(out + ".at", "w") as a:
    for line in p.stdout:
        a.write("%d\n" % int(time.time() * 1000))
        a.flush()
        o.write(line.decode("utf-8", "replace"))
        o.flush()
sys.exit(p.wait())' "$2" "$NATTER_BIN" --home "$ROOT/$1" --server "$URL" \
	    --json listen </dev/null &
	BG_PID=$!
	bg_track "$BG_PID"
}

# heard TEXT...: bob's listen printed a message with each TEXT.
heard()
{
	for h_t in "$@"; do
		grep -qF "\"text\":\"$h_t\"" "$ROOT/bob.listen" || return 1
	done
}

# pace: wait out the rest of this send's PACE_MS slot (the rate of the
# stream, not a synchronisation: the checks poll with deadlines).
pace()
{
	p_left=$((p_next - $(now_ms)))
	[ $p_left -gt 0 ] && sleep "$(printf '%d.%03d' $((p_left / 1000)) \
	    $((p_left % 1000)))"
	p_next=$(($(now_ms) + PACE_MS))
}

# stream PREFIX DOWN UP: alice sends PREFIX-1 .. PREFIX-$STREAM to bob
# through node 1, one command each. DOWN runs before send $KILL_AT, UP in
# the background before send $BACK_AT (it must exit 0). Each send's
# "TEXT EXIT START_MS END_MS" goes to PREFIX.sends, the texts that were
# stored (exit 0) to PREFIX.told; PREFIX.down and PREFIX.up get the times
# DOWN ran and UP finished.
stream()
{
	on 1
	: >"$ROOT/$1.sends"
	: >"$ROOT/$1.told"
	p_next=0
	s_i=1
	while [ $s_i -le $STREAM ]; do
		pace
		if [ $s_i = $KILL_AT ]; then
			"$2" || fail "$2 failed"
			now_ms >"$ROOT/$1.down"
			log "$2 before $1-$s_i"
		fi
		if [ $s_i = $BACK_AT ]; then
			log "$3 (in the background) before $1-$s_i"
			( "$3" >"$ROOT/$1.up.out" 2>&1 && now_ms >"$ROOT/$1.up" ) &
			s_up=$!
			bg_track "$s_up"
		fi
		s_t0=$(now_ms)
		nat alice --json send bob "$1-$s_i" >>"$ROOT/$1.out" 2>&1
		s_rc=$?
		echo "$1-$s_i $s_rc $s_t0 $(now_ms)" >>"$ROOT/$1.sends"
		[ $s_rc = 0 ] && echo "$1-$s_i" >>"$ROOT/$1.told"
		s_i=$((s_i + 1))
	done
	wait "$s_up"
	[ -s "$ROOT/$1.up" ] || fail "$3 failed: $(cat "$ROOT/$1.up.out")"
	log "$1: $(line_count "$ROOT/$1.told") of $STREAM sends stored; \
$3 done $(($(cat "$ROOT/$1.up") - $(cat "$ROOT/$1.down"))) ms after $2"
}

# all_heard PREFIX: bob heard every message of PREFIX.told.
all_heard()
{
	# shellcheck disable=SC2046
	heard $(cat "$ROOT/$1.told")
}

# check_stream PREFIX: every text of PREFIX.told once in bob's listen, no
# text twice, nothing bob heard that was not sent; logs how long the
# messages took (from the sender's ts to bob's listen) before, during and
# after the outage, and what became of the sends that failed.
check_stream()
{
	python3 - "$1" "$ROOT" <<'PY' || fail "$1: see above"
import json, statistics, sys
pre, root = sys.argv[1], sys.argv[2]
sends = [l.split() for l in open("%s/%s.sends" % (root, pre))]
told = set(l.strip() for l in open("%s/%s.told" % (root, pre)))
down = int(open("%s/%s.down" % (root, pre)).read())
up = int(open("%s/%s.up" % (root, pre)).read())
lines = open(root + "/bob.listen").read().splitlines()
at = [int(x) for x in open(root + "/bob.listen.at").read().split()]
got = {}
for line, t in zip(lines, at):
    o = json.loads(line)
    if o.get("type") == "message" and o["text"].startswith(pre + "-"):
        got.setdefault(o["text"], []).append((t, o))
bad = []
dup = sorted(k for k, v in got.items() if len(v) > 1)
if dup:
    bad.append("heard twice: %s" % dup)
lost = sorted(told - set(got))
if lost:
    bad.append("stored but never heard: %s" % lost)
sent = set(s[0] for s in sends)
extra = sorted(set(got) - sent - {pre + "-back"})
if extra:
    bad.append("heard but never sent: %s" % extra)
def delays(which):
    d = [got[s[0]][0][0] - got[s[0]][0][1]["ts"] for s in sends
        if s[0] in got and which(int(s[2]))]
    if not d:
        return "none"
    return "%d, median %d ms, max %d ms" % (len(d), statistics.median(d),
        max(d))
def say(what):
    print("# cluster_restarts: %s: %s" % (pre, what))
say("took, sent before the outage: %s" % delays(lambda t: t < down))
say("took, sent during the outage: %s" %
    delays(lambda t: down <= t < up))
say("took, sent after the restart: %s" % delays(lambda t: t >= up))
failed = [s[0] for s in sends if s[1] != "0"]
later = [f for f in failed if f in got]
say("%d sends failed (%s), %d of them reached bob all the same (from "
    "alice's outbox)" %
    (len(failed), " ".join(failed) or "-", len(later)))
if bad:
    print("\n".join(bad))
    sys.exit(1)
PY
}

on 1; register alice
on 2; register bob
BOB_ID=$(psql "$PG_URL" -Atc "SELECT id FROM accounts WHERE name = 'bob'") ||
    fail "psql on the store"
[ -n "$BOB_ID" ] || fail "no account bob in the store"
on 2; listen_bg bob "$ROOT/bob.listen"
LISTENER=$BG_PID
wait_for 15 bob_on_node2 || fail "Redis does not say node2 serves bob"
# From this first message on alice has bob's keys: the streams fetch none.
on 1; nat alice --json send bob hello >/dev/null || fail "first send"
wait_for 15 heard hello || fail "bob's listen did not print the first \
message: $(cat "$ROOT/bob.listen.err")"

# Until Redis goes, a node logs no loss of it.
for k in 1 2; do
	node_log $k "directory: (lost|cannot reach)" &&
	    fail "node $k lost Redis before the test took it away"
done

if cr_phase redis; then
log "Redis killed (kill -9) and started again while alice sends"
redis_kill()
{
	kill -KILL "$(field redis directory 4)"
}
redis_back()
{
	"$TOOLS/redistmp" restart "$REDIS_DIR"
}
stream r redis_kill redis_back
assert_eq "$(line_count "$ROOT/r.told")" $STREAM \
    "stored sends while Redis was away (a node serves without it)"
wait_for 30 all_heard r || fail "bob's listen did not print every stored \
message in 30 s: $(cat "$ROOT/bob.listen.err")"
for k in 1 2; do
	node_log $k "directory: lost" ||
	    fail "node $k did not log losing Redis: the stream missed it"
	wait_for 20 node_log $k "directory: connected to .* again" ||
	    fail "node $k did not log reconnecting to Redis in 20 s"
done
wait_for 20 bob_on_node2 ||
    fail "node 2 did not announce bob again: dev:$BOB_ID:1 is \
'$(rcli GET "dev:$BOB_ID:1")'"
# Listen on node 2's channel: node 1 must wake node 2 through Redis again.
setsid redis-cli -h "${REDIS_ADDR%:*}" -p "${REDIS_ADDR#*:}" SUBSCRIBE \
    natter:node:node2 </dev/null >"$ROOT/spy" 2>&1 &
spy=$!
bg_track "$spy"
wait_for 10 grep -qx subscribe "$ROOT/spy" || fail "cannot subscribe to \
node 2's channel: $(cat "$ROOT/spy")"
t0=$(now_ms)
nat alice --json send bob r-back >/dev/null || fail "send after Redis came back"
wait_for 5 heard r-back ||
    fail "r-back did not reach bob's listen within 5 s of being stored"
log "r-back reached bob $(($(now_ms) - t0)) ms after alice sent it"
wait_for 5 grep -qx "wake $BOB_ID 1" "$ROOT/spy" ||
    fail "node 1 did not wake node 2 for r-back: $(cat "$ROOT/spy")"
bg_stop "$spy"
check_stream r
nodes_live || fail "a node died with Redis: $(cat "$ROOT/status.now")"

fi

if cr_phase postgres; then
log "PostgreSQL killed (kill -9 of the postmaster) and started again"
pg_kill()
{
	kill -KILL "$(field postgres store 4)"
}
pg_back()
{
	"$TOOLS/pgtmp" restart "$PG_DIR"
}
stream p pg_kill pg_back
nodes_live || fail "a node died with PostgreSQL: $(cat "$ROOT/status.now")"
# Node 1 serves again (natterd reconnects, 0.1 s doubling to 5 s); the
# sign-in sends what waits in alice's outbox.
on 1
wait_for 30 nat alice --json recv ||
    fail "node 1 does not serve alice 30 s after PostgreSQL came back"
nat alice --json status >"$ROOT/alice.status" || fail "alice's status"
assert_eq "$(jl "$ROOT/alice.status" 'L[0]["queued"]')" 0 \
    "alice's outbox after node 1 came back"
t0=$(now_ms)
nat alice --json send bob p-back >/dev/null ||
    fail "send after PostgreSQL came back"
# Bob's listen may be waiting out its backoff (up to 30 s) if node 2 cut
# it off; then node 2 has to sign it in again.
wait_for 45 heard p-back ||
    fail "p-back did not reach bob's listen in 45 s: $(cat "$ROOT/bob.listen.err")"
log "p-back reached bob $(($(now_ms) - t0)) ms after alice sent it"
wait_for 30 all_heard p || fail "bob's listen did not print every stored \
message: $(cat "$ROOT/bob.listen.err")"
check_stream p
nodes_live || fail "a node died: $(cat "$ROOT/status.now")"
for k in 1 2; do
	healthy $k || fail "node $k does not answer /healthz"
	log "node$k logged $(grep -c 'postgresql: connection lost' \
	    "$NATTER_CLUSTER_DIR/node$k.log") lost store connections"
done
fi
bg_stop "$LISTENER" || fail "bob's listen exit status $?"
pass
