#!/bin/sh
# tui_scroll: opening a conversation with unread messages draws a "new
# messages" line above the first of them; scrolled back, a message that
# arrives shows "1 new message below" on the status line, and End (on an
# empty input line) or Alt-End jumps to the latest.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/tuilib.inc"
e2e_init tui_scroll
start_server
register alice bob
nat bob send alice "already read" >/dev/null || fail "bob send"
nat alice recv >/dev/null || fail "alice recv"
nat bob send alice "unread one" >/dev/null || fail "bob send 2"
nat bob send alice "unread two" >/dev/null || fail "bob send 3"

# The line after the one matching $1 matches $2.
next_line()
{
	tui_screen | grep -A1 -e "$1" | tail -n 1 | grep -q -e "$2"
}

tui_start alice 100 30
tui_wait 20 "connected" 'connected'
tui_type "/open bob"
tui_keys Enter
tui_wait 10 "bob's messages" 'bob: unread two'
wait_for 10 next_line '- new messages -' 'bob: unread one' ||
    fail "no new-messages line above the first unread: $(tui_screen)"
next_line '- new messages -' 'already read' && fail "line above a read one"

nat bob send alice "$(seq -f 'long %g' 1 60)" >/dev/null || fail "bob long"
tui_wait 20 "the long message" 'long 60'
tui_keys PPage
wait_for 10 tui_gone 'long 60' || fail "PgUp did not scroll: $(tui_screen)"
nat bob send alice "while scrolled" >/dev/null || fail "bob send 4"
tui_wait 20 "new-message count" ' 1 new message below \(End\) '
tui_screen | grep -q 'bob: while scrolled' && fail "view moved to the new one"
tui_keys End
tui_wait 10 "End jumps to the latest" 'bob: while scrolled'
tui_screen | grep -q 'new message below' && fail "count still shown at the end"

tui_keys PPage
wait_for 10 tui_gone 'bob: while scrolled' || fail "PgUp again: $(tui_screen)"
nat bob send alice "second while scrolled" >/dev/null || fail "bob send 5"
tui_wait 20 "the count again" ' 1 new message below'
tui_type "draft"
tui_keys End
tui_screen | grep -q 'bob: second while' && fail "End with input jumped"
tui_keys M-End
tui_wait 10 "Alt-End jumps to the latest" 'bob: second while scrolled'
tui_wait 10 "the draft is kept" '^bob> draft'
pass
