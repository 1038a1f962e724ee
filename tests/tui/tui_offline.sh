#!/bin/sh
# tui_offline: alice types while natterd is down; the message shows as
# queued (in the status line's count and as the list's preview), goes out
# once natterd is back, and reaches bob.  The status line says why natterd cannot be reached,
# and Ctrl-R connects without waiting for the backoff; /quit with the
# message queued asks first.
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
tui_wait 10 "why, in the status line" 'cannot reach ws://127.0.0.1:[0-9]+: '
tui_wait 10 "what to check" 'is natterd running'
tui_type "written while offline"
tui_keys Enter
tui_wait 10 "queued message" 'alice: written while offline .queued'
tui_wait 10 "queued count" ' 1 queued'
tui_wait 10 "the list's preview" '^  you: \(queued\) written'
tui_type "/quit"
tui_keys Enter
tui_wait 10 "quitting asks first" '1 message is still queued: it goes out the next'
tui_screen | grep -q natter-exited && fail "quit with a message queued"
# Wait for a long backoff, so that only Ctrl-R explains a quick return.
tui_wait 60 "a long backoff" 'reconnecting in ([6-9]|[1-9][0-9]) s'
restart_server
tui_keys C-r
tui_wait 3 "Ctrl-R connects at once" 'connected . 0 queued'
tui_wait 20 "sent after natterd returned" \
    'alice: written while offline .(sent|delivered)'
tui_screen | grep -q 'cannot reach' && fail "the reason outlived the outage"
nat bob --json recv >"$ROOT/bob.recv" || fail "bob recv"
grep -q 'written while offline' "$ROOT/bob.recv" ||
    fail "bob got: $(cat "$ROOT/bob.recv")"
tui_wait 20 "delivered" 'alice: written while offline .delivered'
tui_keys C-c
tui_wait 10 "Ctrl-C leaves" 'natter-exited-0'
pass
