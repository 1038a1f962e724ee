# cluster_lifecycle: scripts/cluster up 2, status, down. The balancer
# answers /healthz and a natter client registers through it; PostgreSQL
# and Redis answer; a node killed with kill -9 is shown dead by status
# (exit 1) and marked down by haproxy, which keeps answering through the
# other; down stops every process status listed and removes the state,
# and a second down is harmless. down runs on failure too. (Messaging
# across the nodes: cluster_messaging.)
. "$(dirname "$0")/../e2e/lib.sh"
e2e_init cluster_lifecycle
CLUSTER=$E2E_TOP/scripts/cluster
# PostgreSQL runs as the user postgres when we are root: it must reach
# the state dir inside ROOT.
chmod 755 "$ROOT"
export NATTER_CLUSTER_DIR="$ROOT/cluster"
export NATTERD_BIN

cl_cleanup()
{
	"$CLUSTER" down >/dev/null 2>&1 || true
	e2e_cleanup
}
trap 'cl_cleanup' EXIT
trap 'cl_cleanup; exit 130' INT
trap 'cl_cleanup; exit 143' TERM
trap 'cl_cleanup; exit 129' HUP

# alive PID: running, and not a zombie its parent has yet to reap.
alive()
{
	kill -0 "$1" 2>/dev/null &&
	    [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null |
	    cut -d' ' -f1)" != Z ]
}

# status_to FILE: scripts/cluster status into FILE; its exit status.
status_to()
{
	"$CLUSTER" status >"$1" 2>"$1.err"
}

# field KIND NAME N: field N of status line KIND NAME in $ROOT/status.
field()
{
	awk -v k="$1" -v n="$2" -v f="$3" '$1 == k && $2 == n { print $f }' \
	    "$ROOT/status"
}

# haproxy_says NODE STATE: haproxy's admin socket shows NODE as STATE.
haproxy_says()
{
	python3 - "$NATTER_CLUSTER_DIR/haproxy.sock" "$1" "$2" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"show stat\n")
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
for line in data.decode().splitlines():
    f = line.split(",")
    if len(f) > 17 and f[0] == "nodes" and f[1] == sys.argv[2]:
        sys.exit(0 if f[17] == sys.argv[3] else 1)
sys.exit(1)
EOF
}

node1_dead()
{
	! status_to "$ROOT/status" &&
	    grep -qx "natterd node1 pid $node1 [0-9.:]* (dead)" "$ROOT/status"
}

healthz()
{
	curl -fsS -m 5 "$HTTP/healthz"
}

# up: every line of output before the last says what started; the last
# is the balancer's URL.
"$CLUSTER" up 2 >"$ROOT/up.out" 2>"$ROOT/up.err" || {
	cat "$ROOT/up.out" "$ROOT/up.err" >&2
	fail "scripts/cluster up 2 failed"
}
URL=$(tail -n 1 "$ROOT/up.out")
case $URL in
ws://127.0.0.1:[0-9]*) ;;
*) fail "up's last line is not the balancer's URL: $URL" ;;
esac
HTTP=http://${URL#ws://}
log "balancer at $URL"

# A second up refuses, and says what to do.
"$CLUSTER" up 2 >/dev/null 2>"$ROOT/up2.err"
assert_eq $? 1 "a second up's exit status"
assert_contains "$(cat "$ROOT/up2.err")" "already" "a second up's message"
assert_eq "$(wc -l <"$ROOT/up2.err" | tr -d ' ')" 1 "a second up: one line"

# status: the five processes, each alive.
status_to "$ROOT/status" || fail "status exit $? with all up: \
$(cat "$ROOT/status" "$ROOT/status.err")"
while read -r line; do
	printf '%s\n' "$line" | grep -Eqx '(natterd|redis|postgres|haproxy) [a-z0-9]+ pid [0-9]+ 127\.0\.0\.1:[0-9]+' ||
	    fail "status line not KIND NAME pid PID ADDRESS: $line"
	alive "$(printf '%s\n' "$line" | cut -d' ' -f4)" ||
	    fail "status lists a dead process as live: $line"
done <"$ROOT/status"
assert_eq "$(awk '{ print $1 }' "$ROOT/status" | sort | uniq -c |
    awk '{ printf "%s=%s ", $2, $1 }')" \
    "haproxy=1 natterd=2 postgres=1 redis=1 " "the processes status lists"
pids=$(awk '{ print $4 }' "$ROOT/status")
node1=$(field natterd node1 4)
assert_eq "$(field haproxy balancer 5)" "${URL#ws://}" "haproxy's address"

# Each engine answers.
assert_eq "$(healthz)" ok "/healthz through haproxy"
pg_url=$("$E2E_TOP/tests/tools/pgtmp" url "$NATTER_CLUSTER_DIR/postgres") ||
    fail "pgtmp url"
assert_eq "$(psql "$pg_url" -Atc 'SELECT 1' 2>&1)" 1 "psql on the store"
assert_contains "$pg_url" "@$(field postgres store 5)/natter" \
    "pgtmp's URL and status agree"
redis=$(field redis directory 5)
assert_eq "$(redis-cli -h "${redis%:*}" -p "${redis#*:}" ping 2>&1)" PONG \
    "redis-cli PING"

# A natter client through the balancer.
register alice

# kill -9 a node: status shows it dead (exit 1), haproxy marks it down
# and answers through the other node.
kill -KILL "$node1"
wait_for 15 node1_dead ||
    fail "status after kill -9 of node1: $(cat "$ROOT/status")"
assert_eq "$(grep -c '(dead)' "$ROOT/status")" 1 "only node1 is dead"
wait_for 15 haproxy_says node1 DOWN || fail "haproxy did not mark node1 down"
haproxy_says node2 UP || fail "haproxy does not have node2 up"
for i in 1 2 3 4 5; do
	assert_eq "$(healthz)" ok "/healthz through haproxy with node1 down ($i)"
done

# down: nothing it started still runs, the state is gone; twice is fine.
"$CLUSTER" down >"$ROOT/down.out" 2>&1 ||
    fail "scripts/cluster down: $(cat "$ROOT/down.out")"
for p in $pids; do
	wait_for 15 eval "! alive $p" || fail "pid $p still runs after down"
done
[ ! -e "$NATTER_CLUSTER_DIR" ] || fail "down left $NATTER_CLUSTER_DIR"
"$CLUSTER" down >"$ROOT/down.out" 2>&1 ||
    fail "a second down: $(cat "$ROOT/down.out")"
assert_exit 1 "status with no cluster" status_to "$ROOT/status"
pass
