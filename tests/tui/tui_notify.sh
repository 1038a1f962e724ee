#!/bin/sh
# tui_notify: with notify = osc777 a message in a conversation that is not
# open writes an OSC 777 notification (and one in the open conversation
# does not); a fatal signal puts the terminal back (alternate screen,
# bracketed paste and focus reporting off).
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/tuilib.inc"
e2e_init tui_notify
start_server
register alice bob carol
nat bob send alice "hello" >/dev/null || fail "bob send"
mkdir -p "$ROOT/xdg/natter"
echo "notify = osc777" >"$ROOT/xdg/natter/config"

TUI_PIPE=$ROOT/pane.out
tui_start alice 100 30
tui_wait 20 "connected" 'alice/1 . connected'
# seen TEXT [N]: TEXT (escapes written as \033) is in the raw output at
# least N times (default 1).
seen()
{
	python3 -c 'import sys
data = open(sys.argv[1], "rb").read()
s = sys.argv[2].encode().decode("unicode_escape").encode("latin-1")
sys.exit(0 if data.count(s) >= int(sys.argv[3]) else 1)' \
	    "$ROOT/pane.out" "$1" "${2:-1}"
}
osc_bob='\033]777;notify;natter;message from bob'
osc_carol='\033]777;notify;natter;message from carol\a'

log "a message from carol: OSC 777; bob's, from the backlog, none"
tui_wait 10 "bob's backlog message" 'bob +1'
nat carol send alice "from carol" >/dev/null || fail "carol send"
tui_wait 20 "carol unread" 'carol +1'
wait_for 10 seen "$osc_carol" ||
    fail "no OSC 777 notification: $(od -c "$ROOT/pane.out" | tail -n 5)"
seen "$osc_bob" && fail "notified for a message of the backlog"

log "a message in the open conversation: no notification"
tui_type "/open bob"
tui_keys Enter
tui_wait 10 "bob open" 'bob: hello'
nat bob send alice "in the open one" >/dev/null || fail "bob send"
tui_wait 20 "bob's message" 'bob: in the open one'
nat carol send alice "from carol again" >/dev/null || fail "carol send"
wait_for 10 seen "$osc_carol" 2 || fail "no second notification for carol"
seen "$osc_bob" && fail "notified for the open conversation"

log "a fatal signal restores the terminal"
shell=$($TUI_TMUX display -p -t t '#{pane_pid}')
pid=$(pgrep -P "$shell" -x natter) || fail "no natter under the pane's shell"
assert_eq "$($TUI_TMUX display -p -t t '#{alternate_on}')" 1 \
    "alternate screen while running"
kill -ABRT "$pid"
tui_wait 10 "natter died of SIGABRT" 'natter-exited-134'
assert_eq "$($TUI_TMUX display -p -t t '#{alternate_on}')" 0 \
    "alternate screen after the signal"
seen '\033[?1004l\033[?2004l\033[?1049l' ||
    fail "no terminal restore sequence: $(od -c "$ROOT/pane.out" | tail -n 5)"
pass
