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
