#!/bin/sh
# tui_paste: a bracketed paste keeps its tabs (as spaces to the next tab
# stop), loses its trailing newline (no empty line), keeps UTF-8 whole;
# a paste over the input's limit inserts nothing and says so, also when
# only the last character would not fit.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/tuilib.inc"
e2e_init tui_paste
start_server
register alice bob
nat bob send alice "paste here" >/dev/null || fail "bob send"

# paste FILE: paste FILE's bytes as they are, bracketed.
paste()
{
	$TUI_TMUX load-buffer -b p "$1" || fail "tmux load-buffer"
	$TUI_TMUX paste-buffer -p -r -d -b p -t t || fail "tmux paste-buffer"
}

# The texts bob received, one JSON string per line.
bob_texts()
{
	nat bob --json recv >"$ROOT/bob.recv" || fail "bob recv"
	jl "$ROOT/bob.recv" '"\n".join(json.dumps(e["text"]) for e in L if e["type"] == "message")'
}

tui_start alice 100 30
tui_wait 20 "connected" 'connected'
tui_type "/open bob"
tui_keys Enter
tui_wait 10 "bob open" 'bob: paste here'

printf 'a\tb\nline2\n' >"$ROOT/p1"
paste "$ROOT/p1"
tui_wait 10 "the tab as spaces" '^bob> a       b *$'
tui_wait 10 "the second line" '^ *line2 *$'
tui_keys Enter
tui_wait 20 "sent" 'line2 .(sent|delivered)'
printf '%s\n' '"a       b\nline2"' >"$ROOT/want1"
bob_texts >"$ROOT/got1"
cmp -s "$ROOT/got1" "$ROOT/want1" || fail "bob got $(cat "$ROOT/got1")"

printf '\tx\n' >"$ROOT/p2"
tui_type "ab"
paste "$ROOT/p2"
tui_wait 10 "a tab stop counts the typed text" '^bob> ab      x *$'
tui_keys C-u

head -c 70000 /dev/zero | tr '\0' x >"$ROOT/big"
paste "$ROOT/big"
tui_wait 20 "over the limit: said" 'paste of 70000 bytes not inserted'
tui_wait 10 "over the limit: nothing inserted" '^bob> *$'

head -c 65533 /dev/zero | tr '\0' y >"$ROOT/near"
paste "$ROOT/near"
tui_wait 20 "65533 bytes inserted" '^ *y+ *$'
printf '日本' >"$ROOT/wide"
paste "$ROOT/wide"
tui_wait 10 "6 more bytes: said" 'paste of 6 bytes not inserted.*65533 typed'
tui_keys Enter
tui_wait 20 "the long one sent" '(y|│ *) .(sent|delivered) *$'
bob_texts >"$ROOT/got2"
python3 - "$ROOT/got2" <<'PY' || fail "bob got the wrong long text"
import json, sys
t = json.loads(open(sys.argv[1], encoding="utf-8").read().strip())
sys.exit(0 if t == "y" * 65533 else 1)
PY
pass
