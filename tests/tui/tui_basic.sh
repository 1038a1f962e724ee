#!/bin/sh
# tui_basic: alice in the TUI is told at once that an unknown user does
# not exist, opens a conversation with bob, sends, sees the tick move to
# delivered and bob's reply appear; a message from carol
# bumps carol's unread count; resize to 40x12 and back; switching
# conversations with Alt-2 (numbers kept as the list reorders), Ctrl-N/P,
# Alt-Up/Down; input history; /help and /help keys; /quit.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/tuilib.inc"
e2e_init tui_basic
start_server
register alice bob carol
nat bob send alice "hello from bob" >/dev/null || fail "bob send"

tui_start alice 100 30
tui_wait 20 "status line" 'alice/1 . connected'
tui_wait 10 "bob in the list" 'bob'
tui_type "/open nosuchuser"
tui_keys Enter
tui_wait 10 "an unknown user said at once" 'no user nosuchuser on ws://.*check the name'
tui_wait 10 "and not left open" '^> *$'
tui_type "/open bob"
tui_keys Enter
tui_wait 10 "bob's first message" 'bob: hello from bob'
tui_wait 10 "day separator" '-+ Today -+'
tui_type "hi bob, alice here"
tui_keys Enter
tui_wait 20 "alice's message sent" 'alice: hi bob, alice here .(sent|delivered)'
nat bob --json recv >"$ROOT/bob.recv" || fail "bob recv"
grep -q 'hi bob, alice here' "$ROOT/bob.recv" || fail "bob got: $(cat "$ROOT/bob.recv")"
tui_wait 20 "delivered tick" 'alice: hi bob, alice here .delivered'
tui_wait 10 "trust in the header" '│bob . trusted on first use, not verified'
nat bob send alice "reply from bob" >/dev/null || fail "bob reply"
tui_wait 20 "bob's reply" 'bob: reply from bob'

nat carol send alice "carol one" >/dev/null || fail "carol send"
nat carol send alice "carol two" >/dev/null || fail "carol send 2"
tui_wait 20 "carol's unread count" 'carol +2'
# Numbers stay put: carol is newer, but bob was in the list first.
tui_wait 10 "bob keeps number 1" '^1 bob '
tui_wait 10 "carol comes second" '^2 carol +2'

tui_resize 40 12
tui_wait 10 "40x12 input line" '^bob>'
tui_wait 10 "40x12 status" 'alice/1'
tui_resize 5 3
tui_resize 1 1
tui_resize 100 30
tui_wait 10 "back to 100x30" 'bob: reply from bob'
tui_keys M-2
tui_wait 10 "carol opened with Alt-2" 'carol: carol two'
tui_wait 10 "carol read" '^ *[0-9] carol *│'
tui_keys C-n
tui_wait 10 "Ctrl-N opens bob" '^bob>'
tui_keys C-p
tui_wait 10 "Ctrl-P opens carol" '^carol>'
tui_keys M-Down
tui_wait 10 "Alt-Down opens bob" '^bob>'
tui_keys M-Up
tui_wait 10 "Alt-Up opens carol" '^carol>'
tui_keys Up
tui_wait 10 "Up recalls the last input" '^carol> hi bob, alice here'
tui_keys C-w
tui_wait 10 "Ctrl-W deletes a word" '^carol> hi bob, alice *$'
tui_keys C-u
tui_wait 10 "Ctrl-U clears the line" '^carol> *$'
tui_type "/help"
tui_keys Enter
tui_wait 10 "/help: a line per command" '^/open NAME \| #GROUP +open the conversation with NAME or the group GROUP'
tui_wait 10 "/help: the last command" '^/quit +leave natter'
tui_type "/help keys"
tui_keys Enter
tui_wait 10 "/help keys" '^Ctrl-R +connect to the server now'
tui_keys Escape
wait_for 10 tui_gone 'Ctrl-R +connect' || fail "Esc left the key map"
tui_type "/quit"
tui_keys Enter
tui_wait 10 "natter exits 0" 'natter-exited-0'
pass
