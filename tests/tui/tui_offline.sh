#!/bin/sh
# tui_offline: alice types while natterd is down; the message shows as
# queued (and in the status line's count), goes out once natterd is back,
# and reaches bob.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/tuilib.inc"
e2e_init tui_offline
start_server
register alice bob
nat bob send alice "are you there" >/dev/null || fail "bob send"

tui_start alice 100 30
tui_wait 20 "connected" 'alice/1 . connected'
tui_type "/open bob"
tui_keys Enter
tui_wait 10 "bob's message" 'bob: are you there'
stop_server
tui_wait 20 "reconnecting shown" 'reconnecting in [0-9]+ s'
tui_type "written while offline"
tui_keys Enter
tui_wait 10 "queued message" 'alice: written while offline .queued'
tui_wait 10 "queued count" ' 1 queued'
restart_server
tui_wait 60 "sent after natterd returned" \
    'alice: written while offline .(sent|delivered)'
tui_wait 10 "status back to connected" 'connected . 0 queued'
nat bob --json recv >"$ROOT/bob.recv" || fail "bob recv"
grep -q 'written while offline' "$ROOT/bob.recv" ||
    fail "bob got: $(cat "$ROOT/bob.recv")"
tui_wait 20 "delivered" 'alice: written while offline .delivered'
pass
