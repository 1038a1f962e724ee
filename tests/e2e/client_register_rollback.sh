#!/bin/sh
# client_register_rollback: a register that fails (name taken, server out
# of reach) leaves no half-made profile: the directory it made is gone, a
# directory that was there stays as it was, and registering again works,
# with another passphrase too. A registered profile is never touched by a
# failed register, and two registers racing on one new directory leave
# the one working profile (or, if one gave up waiting for the other's
# lock, nothing).
. "$(dirname "$0")/lib.sh"
e2e_init client_register_rollback
NAT_TIMEOUT=30

start_server
register alice

# reg HOME PASS NAME [SERVER]: natter register, exit status returned.
reg()
{
	NATTER_PASSPHRASE=$2 timeout -k 5 "$NAT_TIMEOUT" "$NATTER_BIN" \
	    --home "$1" --server "${4:-$URL}" register "$3" \
	    </dev/null >"$ROOT/out" 2>"$ROOT/err"
}

reg "$ROOT/m" first-pass alice
assert_eq "$?" 1 "register of a taken name: exit status"
[ -e "$ROOT/m" ] && fail "a failed register left $(ls -A "$ROOT/m")"
reg "$ROOT/m" second-pass mallory
assert_eq "$?" 0 "register again, another name and passphrase: $(cat "$ROOT/err")"
NATTER_PASSPHRASE=second-pass "$NATTER_BIN" --home "$ROOT/m" --json status \
    </dev/null >"$ROOT/st" || fail "status of the new profile"
assert_eq "$(jl "$ROOT/st" 'L[0]["account"]')" mallory "the new profile's account"

reg "$ROOT/u" some-pass ulla "ws://127.0.0.1:$(free_port)"
assert_eq "$?" 1 "register with the server out of reach: exit status"
[ -e "$ROOT/u" ] && fail "an unreachable register left $(ls -A "$ROOT/u")"
reg "$ROOT/u" other-pass ulla
assert_eq "$?" 0 "register after the server came back: $(cat "$ROOT/err")"

mkdir "$ROOT/e"
echo "mine" >"$ROOT/e/notes.txt"
reg "$ROOT/e" p alice
assert_eq "$?" 1 "register into a directory that exists: exit status"
assert_eq "$(ls -A "$ROOT/e")" notes.txt "what stays in a directory that was there"
assert_eq "$(cat "$ROOT/e/notes.txt")" mine "the file that was there"

reg "$ROOT/alice" "$(passphrase alice)" alice2
assert_eq "$?" 1 "register on a registered profile: exit status"
grep -q "already registered" "$ROOT/err" || fail "register twice: $(cat "$ROOT/err")"
nat alice send mallory "still here" >/dev/null ||
    fail "alice's profile broke after a failed register"

log "two registers racing on one new directory"
for i in 1 2 3; do
	NATTER_PASSPHRASE=pass-a "$NATTER_BIN" --home "$ROOT/race$i" \
	    --server "$URL" register alice </dev/null >/dev/null 2>&1 &
	pa=$!
	NATTER_PASSPHRASE=pass-b "$NATTER_BIN" --home "$ROOT/race$i" \
	    --server "$URL" register "racer$i" </dev/null >/dev/null 2>"$ROOT/rb" &
	pb=$!
	bg_track "$pa"
	bg_track "$pb"
	wait "$pa"
	ra=$?
	wait "$pb"
	rb=$?
	assert_eq "$ra" 1 "race $i: the taken name's register"
	if [ "$rb" != 0 ]; then
		# It waited longer than the lock allows (a slow machine):
		# then neither left anything.
		grep -q "in use" "$ROOT/rb" ||
		    fail "race $i: the free name's register: $(cat "$ROOT/rb")"
		[ -e "$ROOT/race$i" ] && fail "race $i: left $(ls -A "$ROOT/race$i")"
		continue
	fi
	NATTER_PASSPHRASE=pass-b "$NATTER_BIN" --home "$ROOT/race$i" --json \
	    status </dev/null >"$ROOT/st" || fail "race $i: status"
	assert_eq "$(jl "$ROOT/st" 'L[0]["account"]')" "racer$i" \
	    "race $i: the profile's account"
done
pass
