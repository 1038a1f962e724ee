#!/bin/sh
# tui_wide: CJK and emoji both ways; a bracketed paste with a newline is
# inserted, not sent, until Enter; /search jumps to a hit; Tab completes;
# PgUp/PgDn scroll.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/tuilib.inc"
e2e_init tui_wide
start_server
register alice bob
nat bob send alice "日本語のテキスト 😀 ok" >/dev/null || fail "bob send"
i=1
while [ $i -le 30 ]; do
	nat bob send alice "filler $i" >/dev/null || fail "bob send $i"
	i=$((i + 1))
done

tui_start alice 60 20
tui_wait 20 "connected" 'connected'
tui_type "/op"
tui_keys Tab
tui_type "b"
tui_keys Tab
tui_wait 10 "completion" '^bob>|> /open bob'
tui_keys Enter
tui_wait 10 "bob open" 'bob: filler 30'
tui_screen | grep -q 'filler 2$' && fail "the first page shows old messages"
tui_keys PPage PPage PPage
tui_wait 10 "PgUp reaches the oldest" 'bob: 日本語のテキスト 😀 ok'
tui_screen | grep -q 'bob: filler 30' && fail "PgUp did not scroll"
tui_keys NPage NPage NPage
tui_wait 10 "PgDn back to the newest" 'bob: filler 30'
tui_keys C-l
tui_wait 10 "Ctrl-L redraws" 'bob: filler 30'
tui_type "/search テキスト"
tui_keys Enter
tui_wait 10 "search hit on screen" 'bob: 日本語のテキスト 😀 ok'
tui_wait 10 "search notice" 'match in bob'
tui_type "漢字 🎉 done"
tui_keys Enter
tui_wait 20 "own wide message" 'alice: 漢字 🎉 done .(sent|delivered)'
$TUI_TMUX set-buffer -b p "$(printf 'pasted one\npasted two')"
$TUI_TMUX paste-buffer -p -b p -t t
tui_wait 10 "paste in the input" 'pasted two'
# The paste's newline must not have sent anything.
tui_screen | grep -q 'alice: pasted one' && fail "the paste was sent"
tui_keys Enter
tui_wait 20 "multi-line message sent" 'alice: pasted one'
tui_type "line a"
tui_keys M-Enter
tui_type "line b"
tui_keys C-j
tui_type "line c"
tui_keys Enter
tui_wait 20 "Alt-Enter / Ctrl-J message sent" 'line c .(sent|delivered)'
nat bob --json recv >"$ROOT/bob.recv" || fail "bob recv"
jl "$ROOT/bob.recv" \
    '"\\n".join(json.dumps(m["text"], ensure_ascii=False) for m in L if m.get("text"))' \
    >"$ROOT/texts"
grep -q '漢字 🎉 done' "$ROOT/texts" || fail "bob got: $(cat "$ROOT/texts")"
grep -q 'pasted one\\npasted two' "$ROOT/texts" ||
    fail "bob got: $(cat "$ROOT/texts")"
grep -q 'line a\\nline b\\nline c' "$ROOT/texts" ||
    fail "bob got: $(cat "$ROOT/texts")"
pass
