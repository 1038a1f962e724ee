#!/bin/sh
# tui-bench.sh: the TUI with 100,000 messages in the local history (a
# benchmark, not a test): fills alice's profile with natter-tui-bench,
# times the views off screen, then the real TUI's start to first frame
# in tmux.  Usage (from a build dir):
#   NATTER_SOURCE_DIR=.. NATTER_BIN=client/natter NATTERD_BIN=server/natterd \
#       sh ../tests/tools/tui-bench.sh [COUNT]
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/../tui/tuilib.inc"
BENCH=${NATTER_TUI_BENCH_BIN:-$(dirname "$NATTER_BIN")/../tests/tools/natter-tui-bench}
e2e_init tui_bench
start_server
register alice
NATTER_PASSPHRASE=$(passphrase alice) "$BENCH" "$ROOT/alice" "${1:-100000}" ||
    fail "natter-tui-bench"
i=1
while [ $i -le 3 ]; do
	rm -f "$ROOT/timing"
	TUI_ENV="NATTER_TUI_TIMING=$ROOT/timing"
	tui_start alice 100 30
	wait_for 30 test -s "$ROOT/timing" || fail "no first frame"
	tui_wait 30 "conversation list" 'bob'
	echo "TUI start to first frame (run $i, incl. Argon2id): $(cat "$ROOT/timing")"
	tui_stop
	i=$((i + 1))
done
pass
