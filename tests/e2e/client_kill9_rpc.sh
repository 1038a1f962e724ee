#!/bin/sh
# client_kill9_rpc: natterd is killed with -9 in the middle of a stream of
# JSON-RPC sends and restarted on the same port and data dir; every send
# that got a success result is delivered exactly once, in order, and no
# message shows twice (even those the client resent).
. "$(dirname "$0")/lib.sh"
e2e_init client_kill9_rpc
N=150

start_server
register alice bob

rpc_sends "$ROOT/in" bob k9 "$N"
log "alice streams $N sends over rpc (window 8)"
RPC_TIMEOUT=90
rpc_bg alice "$ROOT/in" "$ROOT/out" 8
driver=$BG_PID

results()
{
	[ -f "$ROOT/out" ] || { echo 0; return; }
	grep -c '"result"' "$ROOT/out" || true
}
over()
{
	[ "$(results)" -ge "$1" ]
}
wait_for 60 over 40 || fail "fewer than 40 send results in 60 s: $(tail -n 3 "$ROOT/out" "$ROOT/out.err" 2>&1)"
log "kill -9 natterd after $(results) results"
kill9_server
at_kill=$(results)
restart_server
log "restarted after $(($(results) - at_kill)) more results"

wait "$driver"
rc=$?
[ $rc = 0 ] || fail "rpc driver failed ($rc): $(tail -n 5 "$ROOT/out.err")"

nat bob --json recv >"$ROOT/recv" 2>"$ROOT/recv.err" ||
    fail "recv exit $?: $(cat "$ROOT/recv.err")"
r=$(python3 - "$ROOT/out" "$ROOT/recv" "$N" <<'PY'
import json, sys
out = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rec = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
n = int(sys.argv[3])
ok = {o["id"]: o["result"] for o in out if "result" in o}
err = {o["id"]: o["error"] for o in out if "error" in o}
texts = [o["text"] for o in rec if o.get("type") == "message"]
if len(texts) != len(set(texts)):
    print("duplicates delivered: %d of %d" % (len(texts) - len(set(texts)),
        len(texts)))
    sys.exit()
for i in ok:
    if "k9-%d" % i not in texts:
        print("k9-%d got a success result but was not delivered" % i)
        sys.exit()
idx = [int(t.split("-")[1]) for t in texts]
if idx != sorted(idx):
    print("out of order: %s" % idx)
    sys.exit()
mids = {o["text"]: o["id"] for o in rec if o.get("type") == "message"}
for i, res in ok.items():
    if res.get("id") != mids["k9-%d" % i]:
        print("k9-%d: result id %s, delivered id %s" % (i, res.get("id"),
            mids["k9-%d" % i]))
        sys.exit()
print("ok %d results, %d errors, %d delivered" % (len(ok), len(err),
    len(texts)))
PY
)
case $r in
ok*) log "$r" ;;
*) fail "$r" ;;
esac
pass
