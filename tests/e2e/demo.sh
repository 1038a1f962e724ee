#!/bin/sh
# demo: scripts/demo, unattended (no setup, the build under test), plays
# its whole conversation: every step it announces is reached, bob sees
# alice's offline messages, alice sees bob's reply, the safety numbers
# match, the group reaches alice and bob, bob removed reads nothing more
# of it, and the server's data dir held no plaintext.
. "$(dirname "$0")/lib.sh"
e2e_init demo

NATTER_BUILD=$(cd "$(dirname "$NATTER_BIN")/.." && pwd)
export NATTER_BUILD
NATTER_DEMO_NOSETUP=1 NATTER_DEMO_SCRIPTED=1 timeout -k 5 240 \
    "$E2E_TOP/scripts/demo" </dev/null >"$ROOT/demo.out" 2>&1 ||
    fail "scripts/demo exit $?: $(tail -n 5 "$ROOT/demo.out")"
for want in "bob sees: .*Hi Bob, lunch at noon?" \
    "alice sees: .*Yes! See you there." \
    "alice sees (live): .*slides" \
    "alice sees: .*Lunch on Friday, all three of us" \
    "carol sees: .*Count me in" \
    "bob sees: .*removed" \
    "alice sees: .*surprise for bob" \
    "they match" \
    "grep for .* nothing" \
    "== done"; do
	grep -q "$want" "$ROOT/demo.out" ||
	    fail "demo output lacks \"$want\": $(tail -n 5 "$ROOT/demo.out")"
done
pass
