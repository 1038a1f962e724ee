# lib.sh: shared harness for the end-to-end tests (POSIX sh, sourced).
#
# A script does:
#	. "$(dirname "$0")/lib.sh"
#	e2e_init my_test_name
#	start_server [--message-ttl 2s ...]
#	nat alice register alice
#	...
#	pass
#
# What it provides:
#   ROOT        temporary root (mktemp -d), removed on exit
#   DATA        natterd's data dir ($ROOT/server)
#   PORT URL    loopback port and ws://127.0.0.1:PORT (after start_server)
#   HTTP        http://127.0.0.1:PORT
#   SERVER_PID  natterd's pid; SERVER_LOG its stdout+stderr
#   start_server [FLAGS]   free port, --listen, --data, poll /healthz
#   stop_server            SIGTERM, wait; returns natterd's exit status
#   kill9_server           SIGKILL, wait
#   restart_server [FLAGS] same port and data dir (flags of the last start
#                          unless FLAGS are given)
#   nat USER ARGS...       natter --home $ROOT/USER --server $URL ARGS
#                          with NATTER_PASSPHRASE=$(passphrase USER), stdin
#                          /dev/null, bounded by $NAT_TIMEOUT seconds
#   nat_after DAYS USER ARGS... nat with natter's clock DAYS days ahead
#                          (NATTER_TEST_CLOCK_OFFSET_MS; natterd's is real)
#   server_query SQL       stop natterd, run SQL on its database (output in
#                          $ROOT/.sql), restart it; not inside $(...)
#   nat_bg USER OUT ARGS... the same in the background, stdout to OUT,
#                          stderr to OUT.err; sets BG_PID; killed at exit
#   bg_track PID           have the cleanup kill PID (and its group)
#   bg_stop PID            SIGTERM PID's group, wait for it
#   wait_for SECS CMD...   poll CMD every 0.1 s until it succeeds (0) or
#                          SECS pass (1)
#   fail MSG / assert_eq A B MSG / assert_ne / assert_contains HAY NEEDLE MSG
#   assert_exit CODE MSG CMD...   run CMD, check its exit status
#   jl FILE EXPR           python3: L = the JSON objects of FILE's lines
#                          (every non-empty line must be JSON), print EXPR
#   metric NAME            a value from GET /metrics
#   now_ms                 wall clock in milliseconds
#   rpc_run USER IN OUT [WINDOW]   drive `natter rpc` (see rpc_run below)
#   rpc_bg USER IN OUT [WINDOW]    the same in the background (BG_PID)
#   rpc_sends FILE TO PREFIX N     write N send requests to FILE
#   swap_identity NAME WITH  what a compromised server does: stop natterd,
#                          give NAME a second device and WITH's keys as
#                          NAME's (so clients fetch NAME's keys again and
#                          see a changed identity key), restart
#   rogue_device NAME N [HEXKEY]  what a compromised server does: stop
#                          natterd, insert a device N of NAME with a
#                          random key (or HEXKEY), on no signed list;
#                          restart
#   pass                   prints "PASS name", exits 0

E2E_TOP=${NATTER_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
NATTER_BIN=${NATTER_BIN:-$E2E_TOP/build/client/natter}
NATTERD_BIN=${NATTERD_BIN:-$E2E_TOP/build/server/natterd}
NAT_TIMEOUT=${NAT_TIMEOUT:-60}
E2E_NAME=e2e
E2E_DONE=0
SERVER_PID=""
SERVER_FLAGS=""
PORT=""
URL=""
HTTP=""

e2e_cleanup()
{
	[ "$E2E_DONE" = 1 ] && return 0
	E2E_DONE=1
	if [ -n "${ROOT:-}" ] && [ -f "$ROOT/.pids" ]; then
		while read -r p; do
			kill -TERM -- "-$p" 2>/dev/null
			kill -TERM "$p" 2>/dev/null
		done <"$ROOT/.pids"
	fi
	if [ -n "$SERVER_PID" ]; then
		kill -TERM "$SERVER_PID" 2>/dev/null
	fi
	# Give them a moment to go, then make sure.
	e2e_i=0
	while [ $e2e_i -lt 20 ]; do
		e2e_alive=0
		if [ -n "${ROOT:-}" ] && [ -f "$ROOT/.pids" ]; then
			while read -r p; do
				kill -0 "$p" 2>/dev/null && e2e_alive=1
			done <"$ROOT/.pids"
		fi
		[ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null &&
		    e2e_alive=1
		[ $e2e_alive = 0 ] && break
		sleep 0.1
		e2e_i=$((e2e_i + 1))
	done
	if [ -n "${ROOT:-}" ] && [ -f "$ROOT/.pids" ]; then
		while read -r p; do
			kill -KILL -- "-$p" 2>/dev/null
			kill -KILL "$p" 2>/dev/null
		done <"$ROOT/.pids"
	fi
	[ -n "$SERVER_PID" ] && kill -KILL "$SERVER_PID" 2>/dev/null
	# What a test started besides natter (a PostgreSQL, say), once
	# every natterd is gone.
	[ -n "${E2E_EXTRA_CLEANUP:-}" ] && "$E2E_EXTRA_CLEANUP"
	if [ -n "${ROOT:-}" ] && [ -d "$ROOT" ] && [ "${E2E_KEEP:-0}" != 1 ]; then
		rm -rf "$ROOT"
	fi
	return 0
}

# e2e_init NAME: temp root, traps, binary checks.
e2e_init()
{
	E2E_NAME=$1
	ROOT=$(mktemp -d "${TMPDIR:-/tmp}/natter-e2e.XXXXXX") ||
	    { echo "FAIL $E2E_NAME: mktemp" >&2; exit 1; }
	DATA=$ROOT/server
	SERVER_LOG=$ROOT/natterd.log
	mkdir -p "$DATA"
	: >"$ROOT/.pids"
	trap 'e2e_cleanup' EXIT
	trap 'e2e_cleanup; exit 130' INT
	trap 'e2e_cleanup; exit 143' TERM
	trap 'e2e_cleanup; exit 129' HUP
	for b in "$NATTER_BIN" "$NATTERD_BIN"; do
		[ -x "$b" ] || fail "binary not built: $b"
	done
}

now_ms()
{
	date +%s%3N
}

fail()
{
	echo "FAIL $E2E_NAME: $*" >&2
	if [ -n "${SERVER_LOG:-}" ] && [ -s "$SERVER_LOG" ]; then
		echo "--- natterd log (last 20 lines) ---" >&2
		tail -n 20 "$SERVER_LOG" >&2
	fi
	exit 1
}

pass()
{
	echo "PASS $E2E_NAME"
	exit 0
}

log()
{
	echo "# $E2E_NAME: $*"
}

assert_eq()
{
	[ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"
}

assert_ne()
{
	[ "$1" != "$2" ] || fail "$3: got '$1' (must differ)"
}

assert_contains()
{
	case $1 in
	*"$2"*) ;;
	*) fail "$3: '$2' not in '$1'" ;;
	esac
}

# assert_exit CODE MSG CMD...
assert_exit()
{
	ae_want=$1
	ae_msg=$2
	shift 2
	"$@"
	ae_got=$?
	[ "$ae_got" = "$ae_want" ] ||
	    fail "$ae_msg: exit status $ae_got, expected $ae_want"
}

# wait_for SECS CMD...: 0 once CMD succeeds, 1 after SECS seconds.
wait_for()
{
	wf_deadline=$(($(now_ms) + $1 * 1000))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(now_ms)" -ge "$wf_deadline" ] && return 1
		sleep 0.1
	done
}

# jl FILE EXPR: evaluate a python3 expression over the JSON lines of FILE
# (L: list of parsed objects; json is imported). Strings print bare, other
# values as JSON. A non-JSON line is an error (exit 3).
jl()
{
	python3 - "$1" "$2" <<'EOF'
import json, sys
L = []
with open(sys.argv[1], encoding="utf-8") as f:
    for n, line in enumerate(f, 1):
        if not line.strip():
            continue
        try:
            L.append(json.loads(line))
        except ValueError:
            sys.stderr.write("line %d is not JSON: %r\n" % (n, line))
            sys.exit(3)
v = eval(sys.argv[2], {"L": L, "json": json})
print(v if isinstance(v, str) else json.dumps(v))
EOF
}

free_port()
{
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

healthy()
{
	curl -fsS -m 2 "$HTTP/healthz" >/dev/null 2>&1
}

# server_launch PORT FLAGS...: start natterd and wait for /healthz.
# 0 healthy, 1 natterd exited (e.g. port taken), fatal on timeout.
server_launch()
{
	PORT=$1
	shift
	URL=ws://127.0.0.1:$PORT
	HTTP=http://127.0.0.1:$PORT
	echo "--- natterd --listen 127.0.0.1:$PORT $*" >>"$SERVER_LOG"
	"$NATTERD_BIN" --listen "127.0.0.1:$PORT" --data "$DATA" "$@" \
	    </dev/null >>"$SERVER_LOG" 2>&1 &
	SERVER_PID=$!
	sl_deadline=$(($(now_ms) + 15000))
	while :; do
		healthy && return 0
		if ! kill -0 "$SERVER_PID" 2>/dev/null; then
			wait "$SERVER_PID" 2>/dev/null
			SERVER_PID=""
			return 1
		fi
		[ "$(now_ms)" -ge "$sl_deadline" ] &&
		    fail "natterd not healthy on $HTTP/healthz within 15 s"
		sleep 0.05
	done
}

start_server()
{
	SERVER_FLAGS="$*"
	ss_try=0
	while [ $ss_try -lt 5 ]; do
		server_launch "$(free_port)" "$@" && return 0
		ss_try=$((ss_try + 1))
	done
	fail "natterd would not start (5 tries)"
}

stop_server()
{
	[ -n "$SERVER_PID" ] || return 0
	kill -TERM "$SERVER_PID" 2>/dev/null
	wait_for 15 server_gone || fail "natterd did not exit on SIGTERM"
	wait "$SERVER_PID"
	st_rc=$?
	SERVER_PID=""
	return $st_rc
}

kill9_server()
{
	[ -n "$SERVER_PID" ] || return 0
	kill -KILL "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	SERVER_PID=""
	return 0
}

server_gone()
{
	! kill -0 "$SERVER_PID" 2>/dev/null
}

# restart_server [FLAGS]: same port and data dir. Retries for a while if
# the port is still held.
restart_server()
{
	[ -n "$SERVER_PID" ] && stop_server
	[ $# -gt 0 ] && SERVER_FLAGS="$*"
	rs_deadline=$(($(now_ms) + 15000))
	while :; do
		# shellcheck disable=SC2086
		server_launch "$PORT" $SERVER_FLAGS && return 0
		[ "$(now_ms)" -ge "$rs_deadline" ] &&
		    fail "natterd would not restart on port $PORT"
		sleep 0.2
	done
}

# metric NAME: the value of an unlabelled metric from /metrics.
metric()
{
	curl -fsS -m 5 "$HTTP/metrics" | awk -v n="$1" '$1 == n { print $2 }'
}

passphrase()
{
	echo "pass-$1-correct-horse"
}

nat()
{
	nat_user=$1
	shift
	NATTER_PASSPHRASE=$(passphrase "$nat_user") timeout -k 5 "$NAT_TIMEOUT" \
	    "$NATTER_BIN" --home "$ROOT/$nat_user" --server "$URL" "$@" \
	    </dev/null
}

nat_after()
{
	na_days=$1
	shift
	NATTER_TEST_CLOCK_OFFSET_MS=$((na_days * 86400000)) nat "$@"
}

server_query()
{
	command -v sqlite3 >/dev/null || fail "sqlite3 CLI not installed"
	stop_server || fail "natterd exit status $? on SIGTERM"
	sqlite3 -separator ' ' "$DATA/natterd.db" "$1" >"$ROOT/.sql" ||
	    fail "sqlite3: $1"
	restart_server
}

bg_track()
{
	echo "$1" >>"$ROOT/.pids"
}

# nat_bg USER OUT ARGS...: natter in its own session in the background.
nat_bg()
{
	nb_user=$1
	nb_out=$2
	shift 2
	NATTER_PASSPHRASE=$(passphrase "$nb_user") setsid "$NATTER_BIN" \
	    --home "$ROOT/$nb_user" --server "$URL" "$@" \
	    </dev/null >"$nb_out" 2>"$nb_out.err" &
	BG_PID=$!
	bg_track "$BG_PID"
}

# bg_stop PID: SIGTERM, wait up to 10 s, then SIGKILL. Returns PID's status.
bg_stop()
{
	kill -TERM "$1" 2>/dev/null
	bs_pid=$1
	if ! wait_for 10 bs_gone; then
		kill -KILL -- "-$1" 2>/dev/null
		kill -KILL "$1" 2>/dev/null
	fi
	wait "$1" 2>/dev/null
}

bs_gone()
{
	! kill -0 "$bs_pid" 2>/dev/null
}

# register USER...: register each user (their own name), check the output.
register()
{
	for ru in "$@"; do
		ru_out=$(nat "$ru" --json register "$ru") ||
		    fail "register $ru failed (exit $?)"
		printf '%s\n' "$ru_out" >"$ROOT/.reg"
		[ "$(jl "$ROOT/.reg" 'L[0]["type"]+" "+L[0]["account"]+" "+str(L[0]["device"])')" = \
		    "registered $ru 1" ] || fail "register $ru printed: $ru_out"
	done
}

# line_count FILE: non-empty lines.
line_count()
{
	grep -c . "$1" 2>/dev/null || true
}

# rpc_run USER IN OUT [WINDOW]: run `natter rpc` for USER, feeding it the
# lines of IN. A line that is a JSON object with an "id" waits for the
# response with that id; a line that is not JSON (or not an object) waits
# for a response with "id": null; a JSON object without "id" (a
# notification) waits for nothing. At most WINDOW (default 1) requests are
# outstanding. A line "#wait receive N" waits until N "receive"
# notifications have arrived in total. Everything natter prints on stdout
# goes to OUT as it arrives (one line each); OUT.sent gets each line as it
# is written; OUT.err natter's stderr. At the end stdin is closed and natter
# must exit; OUT.rc gets its exit status. rpc_run returns 0 when every
# awaited response came within $RPC_TIMEOUT (default 60) seconds and natter
# exited 0 within that time, 1 otherwise (reason on stderr).
rpc_run()
{
	rr_user=$1
	NATTER_PASSPHRASE=$(passphrase "$rr_user") python3 -c "$E2E_RPC_PY" \
	    "$NATTER_BIN" "$ROOT/$rr_user" "$URL" "$2" "$3" "${4:-1}" \
	    "${RPC_TIMEOUT:-60}" </dev/null
}

# rpc_bg USER IN OUT [WINDOW]: rpc_run in the background, in its own
# process group (killed at exit); sets BG_PID, `wait $BG_PID` gives its
# status.
rpc_bg()
{
	NATTER_PASSPHRASE=$(passphrase "$1") setsid python3 -c "$E2E_RPC_PY" \
	    "$NATTER_BIN" "$ROOT/$1" "$URL" "$2" "$3" "${4:-1}" \
	    "${RPC_TIMEOUT:-60}" </dev/null &
	BG_PID=$!
	bg_track "$BG_PID"
}

E2E_RPC_PY='
import json, os, subprocess, sys, threading, time
natter, home, url, infile, outfile, window, tmo = sys.argv[1:8]
window, tmo = int(window), float(tmo)
p = subprocess.Popen([natter, "--home", home, "--server", url, "rpc"],
    stdin=subprocess.PIPE, stdout=subprocess.PIPE,
    stderr=open(outfile + ".err", "wb"), bufsize=0)
cv = threading.Condition()
got = {}
receives = [0]
eof = [False]
out = open(outfile, "w", encoding="utf-8")
def reader():
    for raw in p.stdout:
        line = raw.decode("utf-8", "replace").rstrip("\n")
        with cv:
            out.write(line + "\n")
            out.flush()
            try:
                o = json.loads(line)
            except ValueError:
                o = None
            if isinstance(o, dict):
                if "id" in o and ("result" in o or "error" in o):
                    k = json.dumps(o["id"])
                    got[k] = got.get(k, 0) + 1
                elif o.get("method") == "receive":
                    receives[0] += 1
            cv.notify_all()
    with cv:
        eof[0] = True
        cv.notify_all()
threading.Thread(target=reader, daemon=True).start()
def finish(rc):
    with open(outfile + ".rc", "w") as f:
        f.write(str(rc) + "\n")
def die(msg):
    sys.stderr.write("rpc_run: " + msg + "\n")
    try:
        p.kill()
    except OSError:
        pass
    p.wait()
    finish(p.returncode)
    sys.exit(1)
pending = []
want = {}
sent = open(outfile + ".sent", "w", encoding="utf-8")
def wait_until(pred, what):
    end = time.time() + tmo
    with cv:
        while not pred():
            if eof[0]:
                die("natter rpc exited while waiting for " + what)
            left = end - time.time()
            if left <= 0:
                die("timed out after %gs waiting for %s" % (tmo, what))
            cv.wait(left)
def drain(limit):
    while len(pending) > limit:
        k = pending[0]
        wait_until(lambda: got.get(k, 0) >= want[k], "response id " + k)
        pending.pop(0)
for line in open(infile, encoding="utf-8"):
    line = line.rstrip("\n")
    if line.startswith("#wait receive "):
        drain(0)
        n = int(line.split()[2])
        wait_until(lambda: receives[0] >= n, "%d receive notifications" % n)
        continue
    try:
        o = json.loads(line)
    except ValueError:
        o = None
    key = None
    if not isinstance(o, dict):
        key = "null"
    elif "id" in o:
        key = json.dumps(o["id"])
    drain(window - 1 if key is not None else window)
    try:
        p.stdin.write((line + "\n").encode("utf-8"))
        p.stdin.flush()
    except OSError:
        die("natter rpc closed its stdin")
    sent.write(line + "\n")
    sent.flush()
    if key is not None:
        want[key] = want.get(key, 0) + 1
        pending.append(key)
drain(0)
p.stdin.close()
try:
    p.wait(timeout=tmo)
except subprocess.TimeoutExpired:
    die("natter rpc did not exit within %gs of EOF on stdin" % tmo)
with cv:
    end = time.time() + tmo
    while not eof[0] and time.time() < end:
        cv.wait(1)
finish(p.returncode)
if p.returncode != 0:
    sys.stderr.write("rpc_run: natter rpc exited %d\n" % p.returncode)
    sys.exit(1)
'

# rpc_sends FILE TO PREFIX N: write N JSON-RPC send requests (ids 1..N,
# texts "PREFIX-1" .. "PREFIX-N") to FILE.
rpc_sends()
{
	python3 -c 'import json, sys
f, to, pre, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
with open(f, "w") as o:
    for i in range(1, n + 1):
        o.write(json.dumps({"jsonrpc": "2.0", "id": i, "method": "send",
            "params": {"to": to, "text": "%s-%d" % (pre, i)}}) + "\n")' \
	    "$@"
}

# send_cli FROM TO PREFIX N OUT: N one-shot `natter --json send` commands,
# texts PREFIX-1 .. PREFIX-N; their output lines appended to OUT. Fails the
# test on a non-zero exit or an output that is not one "sent" object.
send_cli()
{
	sc_i=1
	while [ $sc_i -le "$4" ]; do
		sc_out=$(nat "$1" --json send "$2" "$3-$sc_i") ||
		    fail "send $3-$sc_i from $1 to $2: exit $?"
		# One line, a "sent" object; check_sent checks the rest at once.
		case $sc_out in
		*"
"*|"") fail "send printed: $sc_out" ;;
		'{"type":"sent",'*) ;;
		*) fail "send printed: $sc_out" ;;
		esac
		printf '%s\n' "$sc_out" >>"$5"
		sc_i=$((sc_i + 1))
	done
}

# check_sent FILE TO: every line is {"type":"sent","id":HEX,"to":TO,"ts":MS}.
check_sent()
{
	cs_r=$(jl "$1" '"ok" if all(o.get("type") == "sent" and
	    o.get("to") == "'"$2"'" and isinstance(o.get("id"), str) and
	    len(o["id"]) >= 16 and all(c in "0123456789abcdef" for c in o["id"])
	    and isinstance(o.get("ts"), int) and o["ts"] > 1600000000000
	    for o in L) else "bad"') || fail "sent output of $1 is not JSON"
	[ "$cs_r" = ok ] || fail "send output does not match the contract: $(head -n 3 "$1")"
}

# check_messages FILE FROM TO PREFIX N [SENTFILE]: FILE's "message" events are
# exactly PREFIX-1 .. PREFIX-N from FROM to TO, in order, each once, with
# contract fields; with SENTFILE, their ids equal the sent ids in order.
check_messages()
{
	cm_r=$(python3 - "$@" <<'EOF'
import json, sys
f, frm, to, pre, n = sys.argv[1:6]
n = int(n)
L = [json.loads(l) for l in open(f, encoding="utf-8") if l.strip()]
M = [o for o in L if o.get("type") == "message"]
texts = [o.get("text") for o in M]
want = ["%s-%d" % (pre, i) for i in range(1, n + 1)]
if texts != want:
    dup = len(texts) - len(set(texts))
    miss = [t for t in want if t not in texts]
    print("got %d messages (%d duplicates, %d missing e.g. %s); first %s" %
        (len(texts), dup, len(miss), miss[:3], texts[:5]))
    sys.exit(0)
for o in M:
    for k in ("id", "from", "from_device", "to", "group", "ts", "text",
            "attachment"):
        if k not in o:
            print("message lacks %r: %s" % (k, json.dumps(o)))
            sys.exit(0)
    if o["from"] != frm or o["to"] != to or o["group"] is not None or \
            o["attachment"] is not None or not isinstance(o["ts"], int) or \
            not isinstance(o["from_device"], int):
        print("bad message fields: %s" % json.dumps(o))
        sys.exit(0)
ids = [o["id"] for o in M]
if len(set(ids)) != len(ids):
    print("duplicate message ids")
    sys.exit(0)
if len(sys.argv) > 6:
    S = [json.loads(l) for l in open(sys.argv[6]) if l.strip()]
    sids = [o["id"] for o in S]
    if sids != ids:
        print("received ids differ from sent ids: %s vs %s" %
            (ids[:2], sids[:2]))
        sys.exit(0)
print("ok")
EOF
) || fail "cannot parse $1 as JSON lines: $(head -n 3 "$1")"
	[ "$cm_r" = ok ] || fail "$1: $cm_r"
}

# count_type FILE TYPE: number of events of that type.
count_type()
{
	jl "$1" 'len([o for o in L if o.get("type") == "'"$2"'"])'
}

swap_identity()
{
	command -v sqlite3 >/dev/null || fail "sqlite3 CLI not installed"
	stop_server || fail "natterd exit status $? on SIGTERM"
	sqlite3 "$DATA/natterd.db" "
	    CREATE TEMP TABLE m AS SELECT d.* FROM devices d JOIN accounts a
	        ON a.id = d.account WHERE a.name = '$2' AND d.device = 1;
	    UPDATE devices SET
	        identity_key = (SELECT identity_key FROM m),
	        spk_id = (SELECT spk_id FROM m), spk = (SELECT spk FROM m),
	        spk_sig = (SELECT spk_sig FROM m)
	    WHERE device = 1 AND account = (SELECT id FROM accounts WHERE name = '$1');
	    INSERT INTO devices (account, device, identity_key, spk_id, spk, spk_sig)
	        SELECT (SELECT id FROM accounts WHERE name = '$1'), 2,
	            identity_key, spk_id, spk, spk_sig FROM m;
	    DELETE FROM opks WHERE account = (SELECT id FROM accounts WHERE name = '$1');" ||
	    fail "cannot rewrite the directory"
	restart_server
}

rogue_device()
{
	command -v sqlite3 >/dev/null || fail "sqlite3 CLI not installed"
	stop_server || fail "natterd exit status $? on SIGTERM"
	rd_key='randomblob(32)'
	[ -n "${3:-}" ] && rd_key="X'$3'"
	sqlite3 "$DATA/natterd.db" "
	    INSERT INTO devices (account, device, identity_key)
	        SELECT id, $2, $rd_key FROM accounts WHERE name = '$1';" ||
	    fail "cannot insert a device into the database"
	restart_server
}

# link_offer NEW LABEL: `devices link --name LABEL` on profile NEW in the
# background (OFFER_PID) until it shows its code (OFFER_CODE); its lines go
# to $ROOT/NEW.link.
link_offer()
{
	nat_bg "$1" "$ROOT/$1.link" --json devices link --name "$2"
	OFFER_PID=$BG_PID
	wait_for 30 grep -q link_code "$ROOT/$1.link" ||
	    fail "no link code from $1: $(cat "$ROOT/$1.link.err")"
	OFFER_CODE=$(jl "$ROOT/$1.link" 'L[0]["code"]')
}

# link_device NEW LABEL: link_offer, approve the code on alice, wait for
# both; the approve output goes to $ROOT/NEW.approve.
link_device()
{
	link_offer "$1" "$2"
	nat alice --json devices approve "$OFFER_CODE" >"$ROOT/$1.approve" \
	    2>"$ROOT/$1.approve.err" ||
	    fail "approve $1 exit $?: $(cat "$ROOT/$1.approve.err")"
	wait "$OFFER_PID" ||
	    fail "devices link on $1 exit $?: $(cat "$ROOT/$1.link.err")"
}
