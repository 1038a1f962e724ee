# client_rate_limited: a client that asks for more key bundles than the
# server's per-account bound (30 in a burst, then one every 10 s) is told
# so: rpc sends fail with error 1012 (rate limited) and the server's
# sentence, the one-shot send prints one line saying what to do and exits
# 1, and nothing stays queued to be retried behind the user's back.
. "$(dirname "$0")/lib.sh"
e2e_init client_rate_limited

N=36		# more new contacts than the burst allows
start_server
register alice
log "register $((N + 1)) contacts"
i=1
pids=""
while [ $i -le $((N + 1)) ]; do
	u=$(printf 'u%02d' $i)
	nat "$u" register "$u" >"$ROOT/reg.$u" 2>&1 &
	pids="$pids $!"
	if [ $((i % 6)) = 0 ] || [ $i = $((N + 1)) ]; then
		# shellcheck disable=SC2086
		wait $pids		# (a bare wait would wait for natterd)
		pids=""
	fi
	i=$((i + 1))
done
for f in "$ROOT"/reg.u*; do
	assert_eq "$(cat "$f")" "registered ${f##*.} as device 1" "register"
done

log "rpc: a first message to each of $N contacts, all at once"
python3 -c 'import json, sys
for i in range(1, int(sys.argv[1]) + 1):
    print(json.dumps({"jsonrpc": "2.0", "id": i, "method": "send",
        "params": {"to": "u%02d" % i, "text": "hi %d" % i}}))' "$N" \
    >"$ROOT/in"
rpc_run alice "$ROOT/in" "$ROOT/out" "$N" ||
    fail "rpc: $(tail -n 3 "$ROOT/out.err")"
res=$(jl "$ROOT/out" '" ".join(sorted(set(
    "sent" if o.get("result", {}).get("type") == "sent" else
    "limited" if o.get("error", {}).get("code") == 1012 and
        o["error"].get("data", {}).get("reason") == "rate limited" and
        "too many key requests from your account" in o["error"]["message"]
    else "other:" + json.dumps(o)
    for o in L if "id" in o)))')
assert_eq "$res" "limited sent" "rpc answers"
sent=$(jl "$ROOT/out" 'len([o for o in L if "result" in o])')
# The burst, and at most one more per 10 s the run took.
[ "$sent" -ge 30 ] && [ "$sent" -lt "$N" ] ||
    fail "$sent of $N first messages went out"

log "the one-shot CLI"
u=$(printf 'u%02d' $((N + 1)))
assert_exit 1 "send over the bound" nat alice send "$u" hello \
    >"$ROOT/cli" 2>"$ROOT/cli.err"
assert_eq "$(line_count "$ROOT/cli.err")" 1 "lines on stderr"
assert_contains "$(cat "$ROOT/cli.err")" "natter: key lookup failed: server said too many key requests from your account; try again in a minute" \
    "the error line"
assert_eq "$(line_count "$ROOT/cli")" 0 "lines on stdout"
nat alice --json status >"$ROOT/st" || fail "status exit $?"
assert_eq "$(jl "$ROOT/st" 'L[0]["queued"]')" 0 "messages left queued"
pass
