# server-e2e.sh: sourced by tests/e2e/server_*.sh. The shared harness
# (tests/e2e/lib.sh) plus natter-probe, without needing the natter client.
#
#   sv_init NAME          like e2e_init, but needs only natterd and the probe
#   probe STEP...         natter-probe against the running server
#   roundtrip TAG         register two fresh users, send, receive, check
#   still_serving TAG     /healthz answers and a round trip works

E2E_TOP=${NATTER_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$E2E_TOP/tests/e2e/lib.sh"
NATTER_PROBE_BIN=${NATTER_PROBE_BIN:-$E2E_TOP/build/tests/tools/natter-probe}

sv_init()
{
	E2E_NAME=$1
	ROOT=$(mktemp -d "${TMPDIR:-/tmp}/natter-e2e.XXXXXX") ||
	    { echo "FAIL $E2E_NAME: mktemp" >&2; exit 1; }
	DATA=$ROOT/server
	SERVER_LOG=$ROOT/natterd.log
	mkdir -p "$DATA" "$ROOT/keys"
	: >"$ROOT/.pids"
	trap 'e2e_cleanup' EXIT
	trap 'e2e_cleanup; exit 130' INT
	trap 'e2e_cleanup; exit 143' TERM
	trap 'e2e_cleanup; exit 129' HUP
	for b in "$NATTERD_BIN" "$NATTER_PROBE_BIN"; do
		[ -x "$b" ] || fail "binary not built: $b"
	done
}

probe()
{
	timeout -k 5 60 "$NATTER_PROBE_BIN" -k "$ROOT/keys" \
	    "127.0.0.1:$PORT" "$@" 2>>"$ROOT/probe.err"
}

roundtrip()
{
	rt_a=rt-$1-a
	rt_b=rt-$1-b
	rt_out=$(probe register "$rt_a") || fail "round trip $1: register"
	assert_eq "$rt_out" "register OK $rt_a/1" "round trip $1: register a"
	rt_out=$(probe register "$rt_b") || fail "round trip $1: register"
	assert_eq "$rt_out" "register OK $rt_b/1" "round trip $1: register b"
	rt_out=$(probe auth "$rt_a" send "$rt_b" "hello-$1") ||
	    fail "round trip $1: send"
	assert_contains "$rt_out" "send OK ts=" "round trip $1: send"
	rt_out=$(probe auth "$rt_b" recv 1) || fail "round trip $1: recv"
	assert_contains "$rt_out" "msg $rt_a 1 hello-$1" "round trip $1: recv"
	assert_contains "$rt_out" "drained 1" "round trip $1: recv count"
	rt_out=$(probe auth "$rt_a" recv 1) || fail "round trip $1: receipt"
	assert_contains "$rt_out" "receipt $rt_b 1 " "round trip $1: receipt"
}

# online_is OP N: natterd's count of online devices compares with N by
# test(1)'s OP (-eq, -ge, ...); for wait_for.
online_is()
{
	[ "$(metric natter_online_devices)" "$1" "$2" ] 2>/dev/null
}

still_serving()
{
	healthy || fail "$1: /healthz no longer answers"
	kill -0 "$SERVER_PID" 2>/dev/null || fail "$1: natterd died"
	roundtrip "$1"
}
