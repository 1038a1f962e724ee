#!/bin/sh
# tui_config: $XDG_CONFIG_HOME/natter/config changes the timestamp format
# and swaps Enter and Alt-Enter, and read-receipts = off keeps them home; a
# bad line is reported, every one naming its key, and the good ones still
# apply.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/tuilib.inc"
e2e_init tui_config
start_server
register alice bob
nat bob send alice "hello" >/dev/null || fail "bob send"
mkdir -p "$ROOT/xdg/natter"
cat >"$ROOT/xdg/natter/config" <<'CONF'
# test configuration
timestamp = [%H.%M]
this line is bad
send-key = alt-enter
notify = bell
read-receipts = off
color-own = mauve
CONF

tui_start alice 100 30
tui_wait 20 "connected" 'connected'
tui_wait 10 "bad line reported" 'config: .*/natter/config: line 3: expected key = value'
tui_wait 10 "every bad line, naming its key" '^line 7: color-own: unknown colour'
tui_type "/open bob"
tui_keys M-Enter
tui_wait 10 "timestamp format" '│\[[0-9]{2}\.[0-9]{2}\] bob: hello'
tui_type "first"
tui_keys Enter
tui_type "second"
tui_screen | grep -q 'alice: first' && fail "Enter sent with send-key = alt-enter"
tui_keys M-Enter
tui_wait 20 "Alt-Enter sends" 'alice: first'
nat bob --json recv >"$ROOT/bob.recv" || fail "bob recv"
grep -q 'first\\nsecond' "$ROOT/bob.recv" || fail "bob got: $(cat "$ROOT/bob.recv")"
# bob's hello was on screen before alice sent: a receipt would be before it.
grep -q '"status":"read"' "$ROOT/bob.recv" &&
    fail "a read receipt with read-receipts = off: $(cat "$ROOT/bob.recv")"
pass
