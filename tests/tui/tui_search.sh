#!/bin/sh
# tui_search: /search folds case by Unicode (HÉLLO finds héllo, precomposed
# or with a combining accent, and Straße finds STRASSE); /search with no
# text and Alt-n step to older hits, Alt-N to newer ones, without retyping;
# both ends say so and wrap around.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/tuilib.inc"
e2e_init tui_search
start_server
register alice bob
for m in "héllo one" "filler a" "HÉLLO two" "filler b" \
    "$(printf 'he\314\201llo three')" "STRASSE four" "filler c"; do
	nat bob send alice "$m" >/dev/null || fail "bob send $m"
done

# marked TEXT: the row showing TEXT is the highlighted (reverse) hit.
marked()
{
	$TUI_TMUX capture-pane -p -e -t t | python3 -c '
import re, sys
want = sys.argv[1]
for row in sys.stdin.read().split("\n"):
    plain = re.sub("\x1b\\[[0-9;]*m", "", row)
    if want in plain and re.search("\x1b\\[([0-9;]*;)?7[;m]", row):
        sys.exit(0)
sys.exit(1)' "$1"
}

# hit TEXT: wait until TEXT is the highlighted hit.
hit()
{
	wait_for 10 marked "$1" || { tui_screen >&2; fail "hit $1 not marked"; }
}

tui_start alice 90 24
tui_wait 20 "connected" 'connected'
tui_type "/open bob"
tui_keys Enter
tui_wait 10 "bob open" 'bob: filler c'
tui_type "/search HÉLLO"
tui_keys Enter
tui_wait 10 "search notice" 'match in bob'
hit "llo three"
tui_type "/search"
tui_keys Enter
hit "HÉLLO two"
tui_keys M-n
hit "héllo one"
tui_keys M-N
hit "HÉLLO two"
tui_keys M-n M-n
tui_wait 10 "no older" 'no older match for "HÉLLO"'
tui_keys M-n
hit "llo three"
tui_type "/search straße"
tui_keys Enter
hit "STRASSE four"
tui_keys M-N
tui_wait 10 "no newer" 'no newer match for "straße"'
tui_type "/search no-such-text"
tui_keys Enter
tui_wait 10 "no match" 'no match for "no-such-text"'
pass
