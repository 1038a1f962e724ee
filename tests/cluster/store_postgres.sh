#!/bin/sh
# store_postgres: natterd on PostgreSQL (--store postgresql://...), on a
# throwaway cluster: messages stored, delivered in order once, kept
# across kill -9 of natterd, and shared by a second natterd on the same
# database (a recipient reads through node 2 what was sent through node
# 1); the schema is migrated once by two nodes starting together;
# /metrics answers (its counts are queries, made on a fiber).
. "$(dirname "$0")/../e2e/lib.sh"
e2e_init store_postgres

PGTMP=$NATTER_SOURCE_DIR/tests/tools/pgtmp
# As root PostgreSQL runs as postgres, which must reach $ROOT/pg.
chmod 755 "$ROOT"
PGURL=$("$PGTMP" start "$ROOT/pg") || fail "pgtmp start failed"
pg_cleanup()
{
	"$PGTMP" stop "$ROOT/pg" >/dev/null 2>&1 || true
}
E2E_EXTRA_CLEANUP=pg_cleanup

start_server --store "$PGURL"
register alice bob

log "alice sends 20 to bob (offline)"
send_cli alice bob off 20 "$ROOT/sent"
check_sent "$ROOT/sent" bob
log "/metrics counts them (twice: the node answered the first)"
for i in 1 2; do
	curl -fsS -m 5 "http://127.0.0.1:$PORT/metrics" >"$ROOT/metrics" ||
	    fail "/metrics did not answer (natterd alive: $(kill -0 \
"$SERVER_PID" 2>/dev/null && echo yes || echo no))"
	grep -qx 'natter_queue_depth 20' "$ROOT/metrics" ||
	    fail "/metrics: $(grep '^natter_queue_depth' "$ROOT/metrics")"
done
nat bob --json recv >"$ROOT/recv1" 2>"$ROOT/recv1.err" ||
    fail "recv exit $?: $(cat "$ROOT/recv1.err")"
check_messages "$ROOT/recv1" alice bob off 20 "$ROOT/sent"
nat bob --json recv >"$ROOT/recv2" || fail "second recv exit $?"
assert_eq "$(count_type "$ROOT/recv2" message)" 0 "messages in second recv"

log "kill -9 natterd after 10 more were stored; restart"
send_cli alice bob k9 10 "$ROOT/sent2"
kill9_server
restart_server
nat bob --json recv >"$ROOT/recv3" 2>"$ROOT/recv3.err" ||
    fail "recv after kill -9 exit $?: $(cat "$ROOT/recv3.err")"
check_messages "$ROOT/recv3" alice bob k9 10 "$ROOT/sent2"

log "a second natterd on the same database"
N1_PORT=$PORT N1_PID=$SERVER_PID N1_URL=$URL
bg_track "$N1_PID"
DATA=$ROOT/server2
mkdir -p "$DATA"
SERVER_PID=""
start_server --store "$PGURL"
N2_URL=$URL
send_cli alice bob two 5 "$ROOT/sent3"		# through node 2
URL=$N1_URL					# bob reads through node 1
nat bob --json recv >"$ROOT/recv4" 2>"$ROOT/recv4.err" ||
    fail "recv through node 1 exit $?: $(cat "$ROOT/recv4.err")"
check_messages "$ROOT/recv4" alice bob two 5 "$ROOT/sent3"
URL=$N2_URL
nat bob --json recv >"$ROOT/recv5" || fail "recv through node 2 exit $?"
assert_eq "$(count_type "$ROOT/recv5" message)" 0 \
    "messages read again through node 2"
stop_server
SERVER_PID=$N1_PID PORT=$N1_PORT
stop_server
pass
