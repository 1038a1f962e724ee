#!/bin/sh
# tui_keychange: bob's identity key changes (the server hands out
# mallory's keys as a new device of bob, as in e2e/client_key_change);
# alice's TUI says why a message to bob is not sent (naming TUI commands,
# wrapped), gives its text back, shows the banner,
# and sends again after /accept; the header shows the trust state
# (first use, changed, verified).
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/tuilib.inc"
e2e_init tui_keychange
command -v sqlite3 >/dev/null || fail "sqlite3 CLI not installed"
start_server
register alice bob mallory
nat alice send bob "before" >/dev/null || fail "alice send"
nat bob send alice "hi alice" >/dev/null || fail "bob send"
nat bob recv >/dev/null || fail "bob recv"
swap_identity bob mallory

tui_start alice 100 30
tui_wait 20 "connected" 'connected'
tui_type "/open bob"
tui_keys Enter
tui_wait 10 "bob open" 'bob: hi alice'
tui_wait 20 "the changed key in the header" '│bob . key changed, not trusted'
tui_type "should not go out"
tui_keys Enter
tui_wait 20 "the send error" 'not sent: .*identity key of bob has changed'
tui_wait 10 "TUI commands in it" '\(/fingerprint\), then run'
tui_wait 10 "/verify in it" '/verify NUMBER, or accept it with /accept'
tui_wait 10 "the text kept" '^bob> should not go out'
tui_wait 10 "saying where" 'the text is back in the input line'
tui_screen | grep -q 'natter verify' && fail "a CLI command in the TUI"
tui_resize 40 20
tui_wait 10 "wrapped, not cut, at 40 columns" 'input line\)$'
tui_resize 100 30
tui_keys C-u
tui_type "/close"
tui_keys Enter
tui_type "/open bob"
tui_keys Enter
tui_wait 10 "key change banner" "bob's key changed: /fingerprint"
tui_wait 10 "the header says so" '│bob . key changed, not trusted'
tui_wait 10 "a line in the conversation" 'identity key changed here'
tui_type "/fingerprint"
tui_keys Enter
tui_wait 20 "safety number" 'safety number: [0-9]{5}'
tui_type "/accept"
tui_keys Enter
tui_wait 10 "accepted" 'accepted the new key of bob'
tui_screen | grep -q "bob's key changed" && fail "banner still shown"
tui_wait 10 "header after /accept" '│bob . trusted on first use'
tui_type "/fingerprint"
tui_keys Enter
tui_wait 20 "safety number again" 'safety number: [0-9]{5}'
number=$(tui_screen | sed -n 's/.*safety number: \([0-9 ]*[0-9]\).*/\1/p' | head -n 1)
tui_type "/verify $number"
tui_keys Enter
tui_wait 20 "verified" '^verified'
tui_wait 10 "the header says verified" '│bob . verified'
# Up walks back through the input history to the failed text.
found=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	tui_keys Up
	if wait_for 2 tui_match '^bob> should not go out'; then
		found=1
		break
	fi
done
[ "$found" = 1 ] || fail "the failed text is not in the input history"
tui_keys Enter
tui_wait 20 "resent after /accept" 'alice: should not go out .(sent|delivered)'
pass
