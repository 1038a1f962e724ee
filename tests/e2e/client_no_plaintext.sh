#!/bin/sh
# client_no_plaintext: a sent message's text is nowhere in natterd's data
# dir or in either profile dir (database, WAL, journal, files), while
# `natter history` shows it on both sides.
. "$(dirname "$0")/lib.sh"
e2e_init client_no_plaintext

start_server
register alice bob
secret="zebra-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')-quokka"

out=$(nat alice --json send bob "$secret") || fail "send exit $?"
nat bob --json recv >"$ROOT/recv" || fail "recv exit $?"
grep -qF "$secret" "$ROOT/recv" || fail "bob did not receive the message"
# A second message while bob listens, so the WAL holds fresh pages too.
nat_bg bob "$ROOT/listen" --json listen
nat alice send bob "$secret-2" >/dev/null || fail "second send exit $?"
wait_for 15 grep -qF "$secret-2" "$ROOT/listen" ||
    fail "bob's listen did not get the second message"

for u in alice bob; do
	peer=bob
	[ $u = bob ] && peer=alice
	[ $u = bob ] && bg_stop "$BG_PID"
	nat $u --json history $peer >"$ROOT/h.$u" || fail "$u history exit $?"
	grep -qF "\"$secret\"" "$ROOT/h.$u" || fail "$u's history lacks the text"
done

for d in "$DATA" "$ROOT/alice" "$ROOT/bob" "$SERVER_LOG"; do
	[ -e "$d" ] || fail "$d does not exist"
	hits=$(grep -rlaF "$secret" "$d")
	[ -z "$hits" ] || fail "plaintext found in: $hits"
done
# The check above must be able to find something: prove grep would.
printf 'x%sx' "$secret" >"$ROOT/bob/.probe"
[ -n "$(grep -rlaF "$secret" "$ROOT/bob")" ] || fail "grep self-check"
rm -f "$ROOT/bob/.probe"
pass
