#!/bin/sh
# client_safety_numbers: `fingerprint` gives the same 60-digit safety
# number on both sides; `verify` accepts it and rejects a wrong one.
. "$(dirname "$0")/lib.sh"
e2e_init client_safety_numbers

start_server
register alice bob carol
send_cli alice bob hi 1 "$ROOT/s1"
send_cli bob alice hello 1 "$ROOT/s2"
send_cli carol alice hey 1 "$ROOT/s3"
nat bob recv >/dev/null || fail "bob recv exit $?"
nat alice recv >/dev/null || fail "alice recv exit $?"

# number USER PEER: the safety number as printed (--json), digits only on
# stdout; the printed form in $ROOT/num.USER.PEER.
number()
{
	nat "$1" --json fingerprint "$2" >"$ROOT/fp.$1.$2" ||
	    fail "$1 fingerprint $2: exit $?"
	python3 - "$ROOT/fp.$1.$2" "$ROOT/num.$1.$2" <<'PY'
import json, re, sys
L = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
found = []
def walk(v):
    if isinstance(v, dict):
        for x in v.values():
            walk(x)
    elif isinstance(v, list):
        for x in v:
            walk(x)
    elif isinstance(v, str) and re.fullmatch(r"[0-9 ]+", v):
        d = v.replace(" ", "")
        if len(d) == 60:
            found.append((v, d))
walk(L)
if len(found) != 1:
    sys.exit("expected one 60-digit safety number in %r" % L)
open(sys.argv[2], "w").write(found[0][0])
print(found[0][1])
PY
}
ab=$(number alice bob) || fail "no safety number in $(cat "$ROOT/fp.alice.bob")"
ba=$(number bob alice) || fail "no safety number in $(cat "$ROOT/fp.bob.alice")"
ac=$(number alice carol) || fail "no safety number in $(cat "$ROOT/fp.alice.carol")"
assert_eq "$ab" "$ba" "alice's and bob's safety numbers"
assert_ne "$ab" "$ac" "alice-bob vs alice-carol safety numbers"

# The human form carries the same digits.
h=$(nat alice fingerprint bob | tr -cd '0-9\n' | tr -d '\n')
assert_contains "$h" "$ab" "human-readable fingerprint"

wrong=$(echo "$ab" | sed 's/.$//')$(( ($(echo "$ab" | cut -c60) + 1) % 10 ))
assert_exit 1 "verify with a wrong number" nat alice verify bob "$wrong"
assert_exit 1 "verify with a short number" nat alice verify bob 12345
assert_exit 0 "alice verify bob (as printed)" \
    nat alice verify bob "$(cat "$ROOT/num.alice.bob")"
assert_exit 0 "bob verify alice (digits only)" nat bob verify alice "$ba"
assert_exit 1 "verify carol with bob's number" nat alice verify carol "$ab"
pass
