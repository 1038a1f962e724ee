#!/bin/sh
# tui_devices: linking a laptop from the TUI (/devices approve CODE), the
# device list (/devices), and read state synced between devices: reading
# bob's message on the laptop clears its unread count in the open TUI.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/tuilib.inc"
e2e_init tui_devices
start_server
register alice bob

tui_start alice 100 30
tui_wait 20 "connected" 'alice/1 . connected'

log "a laptop offers itself; alice approves it in the TUI"
nat_bg laptop "$ROOT/link" --json devices link --name laptop
link_pid=$BG_PID
wait_for 30 grep -q link_code "$ROOT/link" ||
    fail "no link code: $(cat "$ROOT/link.err")"
tui_type "/devices approve $(jl "$ROOT/link" 'L[0]["code"]')"
tui_keys Enter
tui_wait 30 "approved" 'device 2 \(laptop\) linked'
wait "$link_pid" || fail "devices link exit $?: $(cat "$ROOT/link.err")"
tui_type "/devices"
tui_keys Enter
tui_wait 20 "the list" 'devices: 1 \(primary\) \(this one\), 2 laptop'

log "bob writes; the laptop reads it; the TUI's unread count clears"
nat bob send alice "hello both" >/dev/null || fail "bob send exit $?"
tui_wait 20 "bob unread" 'bob +1'
nat laptop recv >/dev/null || fail "laptop recv exit $?"
nat laptop --json read bob >"$ROOT/read" || fail "laptop read exit $?"
assert_eq "$(jl "$ROOT/read" 'L[0]["count"]')" 1 "messages read on the laptop"
unread_gone()
{
	tui_match 'bob' && ! tui_match 'bob +1'
}
wait_for 30 unread_gone || {
	tui_screen >&2
	fail "the TUI still counts bob's message unread"
}
pass
