#!/bin/sh
# client_send_stdin: natter send TO - takes the text from standard input:
# several lines and any UTF-8 as they are, less one trailing newline (or
# CR LF); exactly 65536 bytes go, one more fails with exit 1 and sends
# nothing; input that is empty, not UTF-8 or holds a NUL is a usage error
# (exit 2) and sends nothing.
. "$(dirname "$0")/lib.sh"
e2e_init client_send_stdin
NAT_TIMEOUT=30

start_server
register alice bob

# send_in WANT WHAT FILE: alice sends FILE's bytes to bob with "send bob -".
send_in()
{
	NATTER_PASSPHRASE=$(passphrase alice) timeout -k 5 "$NAT_TIMEOUT" \
	    "$NATTER_BIN" --home "$ROOT/alice" --server "$URL" --json \
	    send bob - <"$3" >"$ROOT/out" 2>"$ROOT/err"
	si_rc=$?
	[ "$si_rc" = "$1" ] ||
	    fail "$2: exit $si_rc, want $1; stderr: $(cat "$ROOT/err")"
	log "$2: exit $si_rc $(head -c 200 "$ROOT/err")"
}

printf 'first line\nsecond line\n' >"$ROOT/two"
send_in 0 "two lines" "$ROOT/two"
[ "$(jl "$ROOT/out" 'L[0]["type"]')" = sent ] ||
    fail "two lines: printed $(cat "$ROOT/out")"

printf 'h\303\251llo \342\234\223 \346\227\245\346\234\254\r\n' >"$ROOT/utf8"
send_in 0 "UTF-8 with CR LF" "$ROOT/utf8"

head -c 65536 /dev/zero | tr '\0' 'x' >"$ROOT/max"
send_in 0 "65536 bytes" "$ROOT/max"

{ cat "$ROOT/max"; echo; } >"$ROOT/maxnl"
send_in 0 "65536 bytes and a newline" "$ROOT/maxnl"

{ cat "$ROOT/max"; printf y; } >"$ROOT/over"
send_in 1 "65537 bytes" "$ROOT/over"
assert_eq "$(grep -c . "$ROOT/err")" 1 "65537 bytes: stderr lines"
grep -q 65536 "$ROOT/err" || fail "65537 bytes: the error does not say the bound"
[ -s "$ROOT/out" ] && fail "65537 bytes: printed a result"

head -c 1000000 /dev/zero | tr '\0' 'z' >"$ROOT/huge"
send_in 1 "a megabyte" "$ROOT/huge"

: >"$ROOT/empty"
send_in 2 "empty input" "$ROOT/empty"
printf '\n' >"$ROOT/nl"
send_in 2 "a lone newline" "$ROOT/nl"
printf 'bad \377 byte\n' >"$ROOT/latin"
send_in 2 "not UTF-8" "$ROOT/latin"
printf 'nul\000byte' >"$ROOT/nul"
send_in 2 "a NUL byte" "$ROOT/nul"

# Only "-" alone reads standard input: "send bob -x" sends "-x".
nat alice send bob -x >/dev/null || fail "send bob -x failed"

nat bob --json recv >"$ROOT/recv" || fail "bob recv exit $?"
got=$(jl "$ROOT/recv" '[(len(o["text"]), o["text"][:12]) for o in L
    if o["type"] == "message"]')
want='[[22, "first line\ns"], [10, "h\u00e9llo \u2713 \u65e5\u672c"], [65536, "xxxxxxxxxxxx"], [65536, "xxxxxxxxxxxx"], [2, "-x"]]'
assert_eq "$got" "$want" "what bob received"
assert_eq "$(jl "$ROOT/recv" '[o["text"] for o in L if o["type"] ==
    "message"][0]')" "first line
second line" "the two lines"
pass
