# client_hygiene: a profile is private even when --home existed with looser
# modes; --json output escapes the controls a terminal would obey (C1, DEL).
. "$(dirname "$0")/lib.sh"
e2e_init client_hygiene

start_server
mkdir -m 755 "$ROOT/alice"
touch "$ROOT/alice/stray"
register alice bob
mode()
{
	stat -c %a "$1"
}
assert_eq "$(mode "$ROOT/alice")" 700 "profile directory mode"
for f in key lock natter.db; do
	assert_eq "$(mode "$ROOT/alice/$f")" 600 "mode of $f"
done
[ -e "$ROOT/alice/natter.db-wal" ] &&
    assert_eq "$(mode "$ROOT/alice/natter.db-wal")" 600 "mode of the WAL"
chmod 644 "$ROOT/bob/natter.db"
chmod 755 "$ROOT/bob"

log "C1 controls and DEL reach --json escaped"
nat alice send bob "$(printf 'a\302\205b\177c')" >/dev/null ||
    fail "send exit $?"
nat bob --json recv >"$ROOT/r" || fail "recv exit $?"
assert_eq "$(mode "$ROOT/bob")" 700 "bob's profile made private again"
assert_eq "$(mode "$ROOT/bob/natter.db")" 600 "bob's database made private again"
assert_contains "$(cat "$ROOT/r")" 'a\u0085b\u007fc' "escaped text"
python3 - "$ROOT/r" <<'PY' || fail "raw C1 or DEL bytes in the JSON output"
import sys
b = open(sys.argv[1], "rb").read()
sys.exit(1 if b"\xc2\x85" in b or b"\x7f" in b else 0)
PY
assert_eq "$(jl "$ROOT/r" '[o["text"] for o in L if o["type"] == "message"][0]')" \
    "$(printf 'a\302\205b\177c')" "the text decodes back"
pass
