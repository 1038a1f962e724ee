#!/bin/sh
# tui_files: files in the TUI. alice's /send-file of a missing path says
# why on the notice line, gives the command back and the TUI keeps
# working; a 20 MiB file shows its upload's progress on the status line
# (NATTER_TEST_UPLOAD_BPS slows it) and then reads
# "[file big.bin, 20.0 MiB, ready] CAPTION"; a small text file with a
# caption likewise. bob's TUI lists "[file notes.txt]", shows the file
# once downloaded as ready, /save DIR writes it out byte for byte and it
# reads "saved PATH"; /search then /save takes the hit's file. Tab
# completes the path.
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/tuilib.inc"
e2e_init tui_files
NAT_TIMEOUT=60
start_server
register alice bob

{ echo "natter tui file $$"; seq 1 500; } >"$ROOT/notes.txt"
head -c $((20 * 1024 * 1024)) /dev/urandom >"$ROOT/big.bin"
mkdir "$ROOT/out"

TUI_ENV="NATTER_TEST_UPLOAD_BPS=8000000" tui_start alice 120 30
tui_wait 20 "status line" 'alice/1 . connected'
tui_type "/open bob"
tui_keys Enter
tui_wait 10 "bob open" '^bob>'

# A path that is not there: one line saying so, the command back.
tui_type "/send-file $ROOT/nothing-here.txt"
tui_keys Enter
tui_wait 20 "the error line" 'file not sent.*nothing-here'
tui_wait 10 "the command back in the input" "^bob> /send-file .*nothing-here"
tui_keys C-u
tui_type "still working"
tui_keys Enter
tui_wait 20 "a text after the error" 'alice: still working .(sent|delivered)'

# Tab completes the path: a directory gets its "/", a file a space.
tui_type "/send-file $ROOT/ou"
tui_keys Tab
tui_wait 10 "a directory completed" "^bob> /send-file .*/out/ *$"
tui_keys C-u
tui_type "/send-file $ROOT/bi"
tui_keys Tab
tui_wait 10 "a file completed" "^bob> /send-file .*/big\\.bin *$"
tui_type "bigcaption"
tui_keys Enter

# The upload's progress (slowed to 8 MB/s: about 2.6 s).
tui_wait 30 "the upload's progress on the status line" \
    'queued . sending big\.bin [1-9][0-9]?% . ws://'
tui_wait 60 "the big file sent" \
    'alice: \[file big\.bin, 20\.0 MiB, ready\] bigcaption .(sent|delivered)'
wait_for 10 tui_gone 'sending big\.bin' || fail "progress left on the status line"

tui_type "/send-file $ROOT/notes.txt the notes, for bob"
tui_keys Enter
tui_wait 30 "the small file sent" \
    'alice: \[file notes\.txt, [0-9.]+ (bytes|KiB), ready\] the notes, for bob .(sent|delivered)'
tui_type "/quit"
tui_keys Enter
tui_wait 10 "alice's natter exits 0" 'natter-exited-0'
tui_stop

tui_start bob 120 30
tui_wait 20 "bob connected" 'bob/1 . connected'
tui_wait 20 "the list's preview of a file" '\[file notes\.txt\] the n'
tui_type "/open alice"
tui_keys Enter
tui_wait 30 "bob sees the file" 'alice: \[file notes\.txt, '
tui_wait 60 "downloaded and verified" \
    'alice: \[file notes\.txt, [0-9.]+ (bytes|KiB), ready\] the notes, for bob'
tui_wait 60 "the big one too" 'alice: \[file big\.bin, 20\.0 MiB, ready\] bigcaption'

tui_type "/save $ROOT/out"
tui_keys Enter
tui_wait 30 "saved" "saved $ROOT/out/notes\\.txt \\($(wc -c <"$ROOT/notes.txt") bytes\\)"
cmp "$ROOT/notes.txt" "$ROOT/out/notes.txt" || fail "the saved file differs"
tui_wait 10 "its state" "\\[file notes\\.txt, [^]]*, saved $ROOT/out/notes\\.txt\\]"

# The /search hit's file, not the newest.
tui_type "/search bigcaption"
tui_keys Enter
tui_wait 10 "the hit" 'match in alice'
tui_type "/save $ROOT/out"
tui_keys Enter
tui_wait 60 "the big file saved" "saved $ROOT/out/big\\.bin \\(20971520 bytes\\)"
cmp "$ROOT/big.bin" "$ROOT/out/big.bin" || fail "the saved big file differs"
tui_type "/quit"
tui_keys Enter
tui_wait 10 "bob's natter exits 0" 'natter-exited-0'
pass
