#!/bin/sh
# history-bench.sh: the history a newly linked device gets (a benchmark,
# not a test): bob sends alice COUNT messages (default 10,000) over rpc,
# alice reads them, links a laptop and approves it; prints how long the
# approval (packing, encrypting and storing every part) and the laptop's
# recv (taking it all in) took.  Usage (from a build dir):
#   NATTER_SOURCE_DIR=.. NATTER_BIN=client/natter NATTERD_BIN=server/natterd \
#       sh ../tests/tools/history-bench.sh [COUNT]
. "$(dirname "$0")/../e2e/lib.sh"
N=${1:-10000}
e2e_init history_bench
start_server
register alice bob
rpc_sends "$ROOT/in" alice hist "$N"
RPC_TIMEOUT=600 rpc_run bob "$ROOT/in" "$ROOT/out" 32 || fail "bob's sends"
nat alice --json recv >/dev/null || fail "alice recv exit $?"
nat_bg alice2 "$ROOT/link" --json devices link --name laptop
lk=$BG_PID
wait_for 30 grep -q link_code "$ROOT/link" || fail "no link code"
t1=$(now_ms)
nat alice --json devices approve "$(jl "$ROOT/link" 'L[0]["code"]')" \
    >"$ROOT/approve" 2>/dev/null || fail "approve exit $?"
t2=$(now_ms)
wait "$lk" || fail "devices link exit $?"
nat alice2 --json recv >/dev/null 2>&1 || fail "alice2 recv exit $?"
t3=$(now_ms)
nat alice2 --json history bob >"$ROOT/h" || fail "history exit $?"
log "history of $(jl "$ROOT/approve" 'L[0]["history"]') messages: approve" \
    "$((t2 - t1)) ms, the new device's recv $((t3 - t2)) ms;" \
    "its history holds $(line_count "$ROOT/h")"
pass
